// Renders the simple project-made posters in examples/posters/ from examples/movies.csv.
// Run from the repo root: node examples/make-posters.mjs
//
// Each genre has its own palette and motif (horror: dark with red drips, comedy: bright
// yellow with confetti, sci-fi: dark blue with stars, ...). A movie's poster is split into
// one horizontal band per genre, so multi-genre posters mix their genres' looks. Layout
// details vary per movie from a PRNG seeded by the movie id, so the output is deterministic.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';

const W = 200;
const H = 300;
const HERE = dirname(fileURLToPath(import.meta.url));
// Rows pointing here are meant to exercise the "poster file not found" path: never render it.
const INTENTIONALLY_MISSING = new Set(['posters/missing.png']);

/** FNV-1a hash of a string, used as the PRNG seed. */
function hash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: small deterministic PRNG returning floats in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const range = (rng, lo, hi) => lo + (hi - lo) * rng();
const pick = (rng, xs) => xs[Math.floor(rng() * xs.length)];
const r1 = (v) => Math.round(v * 10) / 10;

/** Shift a #rrggbb colour's channels by up to ±amount (per-movie colour jitter). */
function jitter(rng, hex, amount = 18) {
  const ch = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const d = Math.round(range(rng, -amount, amount));
  return '#' + ch.map((c) => Math.max(0, Math.min(255, c + d)).toString(16).padStart(2, '0')).join('');
}

function escapeXml(s) {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);
}

function heartPath(cx, cy, s) {
  // A heart of width ~2s centred on (cx, cy).
  return `M${r1(cx)} ${r1(cy + s * 0.9)} C${r1(cx - s * 1.4)} ${r1(cy)} ${r1(cx - s)} ${r1(cy - s)} ${r1(cx)} ${r1(cy - s * 0.35)} `
    + `C${r1(cx + s)} ${r1(cy - s)} ${r1(cx + s * 1.4)} ${r1(cy)} ${r1(cx)} ${r1(cy + s * 0.9)}Z`;
}

/**
 * Genre styles: `bg` is the band's base colour, `motif(rng, band)` returns SVG for the band
 * (band = { x, y, w, h, id }). Motifs may spill slightly; bands are clipped.
 */
const GENRES = {
  Action: {
    bg: '#f2711c',
    motif(rng, b) {
      const angle = pick(rng, [-1, 1]) * range(rng, 30, 55);
      const width = range(rng, 10, 18);
      let s = '';
      for (let x = -W; x < 2 * W; x += width * 2) s += `<rect x="${r1(x)}" y="${-H}" width="${r1(width)}" height="${3 * H}" fill="#111"/>`;
      const cx = b.x + b.w / 2;
      const cy = b.y + b.h / 2;
      return `<g transform="rotate(${r1(angle)} ${r1(cx)} ${r1(cy)})">${s}</g>`;
    },
  },
  Comedy: {
    bg: '#ffd83d',
    motif(rng, b) {
      let s = '';
      const n = Math.round(range(rng, 10, 18));
      for (let i = 0; i < n; i++) {
        const col = pick(rng, ['#ff7a00', '#1fa2ff', '#ff3d7f', '#22c55e']);
        const x = range(rng, b.x, b.x + b.w);
        const y = range(rng, b.y, b.y + b.h);
        s += `<rect x="${r1(x)}" y="${r1(y)}" width="8" height="4" fill="${col}" transform="rotate(${Math.round(range(rng, 0, 180))} ${r1(x)} ${r1(y)})"/>`;
      }
      const r = Math.min(b.h * 0.32, range(rng, 26, 40));
      const cx = range(rng, b.x + r + 10, b.x + b.w - r - 10);
      const cy = b.y + b.h / 2;
      s += `<circle cx="${r1(cx)}" cy="${r1(cy)}" r="${r1(r)}" fill="#ffb400" stroke="#222" stroke-width="3"/>`;
      s += `<circle cx="${r1(cx - r * 0.35)}" cy="${r1(cy - r * 0.25)}" r="${r1(r * 0.1)}" fill="#222"/>`;
      s += `<circle cx="${r1(cx + r * 0.35)}" cy="${r1(cy - r * 0.25)}" r="${r1(r * 0.1)}" fill="#222"/>`;
      s += `<path d="M${r1(cx - r * 0.55)} ${r1(cy + r * 0.15)} Q${r1(cx)} ${r1(cy + r * 0.85)} ${r1(cx + r * 0.55)} ${r1(cy + r * 0.15)}" fill="none" stroke="#222" stroke-width="3"/>`;
      return s;
    },
  },
  Drama: {
    bg: '#6e7f92',
    motif(rng, b) {
      const sunX = range(rng, b.x + 30, b.x + b.w - 30);
      const sunY = b.y + b.h * range(rng, 0.25, 0.45);
      const hill = b.y + b.h * range(rng, 0.6, 0.75);
      const figX = range(rng, b.x + 40, b.x + b.w - 40);
      return `<circle cx="${r1(sunX)}" cy="${r1(sunY)}" r="${r1(Math.min(22, b.h * 0.18))}" fill="#c9d1da" opacity="0.8"/>`
        + `<path d="M${b.x} ${r1(hill)} Q${r1(b.x + b.w * 0.35)} ${r1(hill - 18)} ${r1(b.x + b.w * 0.6)} ${r1(hill)} T${b.x + b.w} ${r1(hill - 6)} V${b.y + b.h} H${b.x}Z" fill="#3f4b59"/>`
        + `<rect x="${r1(figX - 3)}" y="${r1(hill - 26)}" width="6" height="20" fill="#2a323c"/>`
        + `<circle cx="${r1(figX)}" cy="${r1(hill - 30)}" r="5" fill="#2a323c"/>`;
    },
  },
  Horror: {
    bg: '#16070a',
    motif(rng, b) {
      let s = `<circle cx="${r1(range(rng, b.x + 40, b.x + b.w - 40))}" cy="${r1(b.y + b.h * 0.45)}" r="${r1(Math.min(26, b.h * 0.2))}" fill="#8d0f16"/>`;
      s += `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="8" fill="#c1121f"/>`;
      for (let x = b.x + range(rng, 4, 14); x < b.x + b.w; x += range(rng, 14, 26)) {
        const len = range(rng, 12, b.h * 0.7);
        const w = range(rng, 3, 6);
        s += `<rect x="${r1(x)}" y="${b.y}" width="${r1(w)}" height="${r1(len)}" fill="#c1121f"/><circle cx="${r1(x + w / 2)}" cy="${r1(b.y + len)}" r="${r1(w * 0.75)}" fill="#c1121f"/>`;
      }
      return s;
    },
  },
  Romance: {
    bg: '#f7a6c2',
    motif(rng, b) {
      const size = Math.min(b.h * 0.3, range(rng, 28, 42));
      let s = `<path d="${heartPath(b.x + b.w * range(rng, 0.35, 0.65), b.y + b.h * 0.5, size)}" fill="#e0245e"/>`;
      const n = Math.round(range(rng, 2, 5));
      for (let i = 0; i < n; i++) {
        s += `<path d="${heartPath(range(rng, b.x + 12, b.x + b.w - 12), range(rng, b.y + 12, b.y + b.h - 12), range(rng, 5, 9))}" fill="#ffffff" opacity="0.85"/>`;
      }
      return s;
    },
  },
  'Science Fiction': {
    bg: '#0b1c4d',
    motif(rng, b) {
      let s = '';
      const n = Math.round(range(rng, 18, 34) * Math.max(0.5, b.h / H));
      for (let i = 0; i < n; i++) {
        s += `<circle cx="${r1(range(rng, b.x, b.x + b.w))}" cy="${r1(range(rng, b.y, b.y + b.h))}" r="${r1(range(rng, 0.6, 1.8))}" fill="#fff"/>`;
      }
      const r = Math.min(b.h * 0.22, range(rng, 16, 30));
      const cx = range(rng, b.x + r + 20, b.x + b.w - r - 20);
      const cy = b.y + b.h * range(rng, 0.35, 0.6);
      const tilt = Math.round(range(rng, -30, 30));
      s += `<circle cx="${r1(cx)}" cy="${r1(cy)}" r="${r1(r)}" fill="#4f8ff7"/>`;
      s += `<ellipse cx="${r1(cx)}" cy="${r1(cy)}" rx="${r1(r * 1.8)}" ry="${r1(r * 0.45)}" fill="none" stroke="#9cc4ff" stroke-width="3" transform="rotate(${tilt} ${r1(cx)} ${r1(cy)})"/>`;
      return s;
    },
  },
  Animation: {
    bg: '#7c3aed',
    motif(rng, b) {
      const colours = ['#ff2d55', '#ff9500', '#ffcc00', '#34c759', '#00c7ff', '#ff4fd8'];
      const cx = b.x + b.w * range(rng, 0.3, 0.7);
      const cy = b.y + b.h * 0.95;
      let s = '';
      colours.forEach((c, i) => {
        const r = Math.min(b.h * 0.85, 95) - i * 9;
        if (r > 8) s += `<path d="M${r1(cx - r)} ${r1(cy)} A${r1(r)} ${r1(r)} 0 0 1 ${r1(cx + r)} ${r1(cy)}" fill="none" stroke="${c}" stroke-width="9"/>`;
      });
      const n = Math.round(range(rng, 4, 8));
      for (let i = 0; i < n; i++) {
        s += `<circle cx="${r1(range(rng, b.x, b.x + b.w))}" cy="${r1(range(rng, b.y, b.y + b.h))}" r="${r1(range(rng, 5, 13))}" fill="${pick(rng, colours)}" stroke="#fff" stroke-width="2"/>`;
      }
      return s;
    },
  },
  Thriller: {
    bg: '#0e2a18',
    motif(rng, b) {
      const cx = b.x + b.w * range(rng, 0.3, 0.7);
      const cy = b.y + b.h * 0.5;
      const r = Math.min(b.h * 0.3, range(rng, 24, 38));
      let s = '';
      for (let x = b.x - b.h; x < b.x + b.w; x += range(rng, 16, 24)) {
        s += `<line x1="${r1(x)}" y1="${b.y + b.h}" x2="${r1(x + b.h)}" y2="${b.y}" stroke="#000" stroke-width="5" opacity="0.6"/>`;
      }
      s += `<circle cx="${r1(cx)}" cy="${r1(cy)}" r="${r1(r)}" fill="none" stroke="#3ddc61" stroke-width="3"/>`;
      s += `<path d="M${r1(cx - r * 1.4)} ${r1(cy)} H${r1(cx + r * 1.4)} M${r1(cx)} ${r1(cy - r * 1.4)} V${r1(cy + r * 1.4)}" stroke="#3ddc61" stroke-width="2"/>`;
      s += `<circle cx="${r1(cx)}" cy="${r1(cy)}" r="3" fill="#3ddc61"/>`;
      return s;
    },
  },
};

/** Greedy word wrap. */
function wrap(text, maxChars) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && (line + ' ' + word).length > maxChars) {
      lines.push(line);
      line = word;
    } else {
      line = line ? line + ' ' + word : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function posterSvg(movie) {
  const rng = prng(hash(movie.id + '\u0000' + movie.title));
  const genres = movie.genres.split('|').map((g) => g.trim()).filter((g) => GENRES[g]);
  if (genres.length === 0) genres.push('Drama');
  const bandH = H / genres.length;
  let defs = '';
  let body = '';
  genres.forEach((g, i) => {
    const b = { x: 0, y: Math.round(i * bandH), w: W, h: Math.round((i + 1) * bandH) - Math.round(i * bandH) };
    defs += `<clipPath id="c${i}"><rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}"/></clipPath>`;
    body += `<g clip-path="url(#c${i})"><rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" fill="${jitter(rng, GENRES[g].bg)}"/>${GENRES[g].motif(rng, b)}</g>`;
  });
  // Title on a translucent bar at the top or the bottom.
  const lines = wrap(movie.title, 16).slice(0, 3);
  // Shrink the font so the longest line fits (bold sans is roughly 0.68em per character).
  const longest = Math.max(...lines.map((l) => l.length));
  const size = Math.min(lines.length > 2 ? 17 : 20, Math.floor((W - 14) / (longest * 0.68)));
  const barH = lines.length * (size + 4) + 16;
  const atTop = rng() < 0.35;
  const barY = atTop ? 0 : H - barH;
  body += `<rect x="0" y="${barY}" width="${W}" height="${barH}" fill="#000" opacity="0.6"/>`;
  lines.forEach((line, i) => {
    const y = barY + 8 + (i + 1) * (size + 4) - 5;
    body += `<text x="${W / 2}" y="${y}" font-family="DejaVu Sans, Arial, sans-serif" font-weight="bold" font-size="${size}" fill="#fff" text-anchor="middle">${escapeXml(line)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"><defs>${defs}</defs>${body}</svg>`;
}

async function main() {
  const csv = readFileSync(join(HERE, 'movies.csv'), 'utf8');
  const movies = parse(csv, { columns: true, skip_empty_lines: true });
  mkdirSync(join(HERE, 'posters'), { recursive: true });
  let count = 0;
  let bytes = 0;
  for (const movie of movies) {
    const rel = (movie.poster ?? '').trim();
    if (!rel || INTENTIONALLY_MISSING.has(rel)) continue;
    const info = await sharp(Buffer.from(posterSvg(movie)))
      .png({ palette: true, colours: 48, dither: 0, effort: 10, compressionLevel: 9 })
      .toFile(join(HERE, rel));
    count++;
    bytes += info.size;
  }
  console.log(`wrote ${count} posters (${(bytes / 1024).toFixed(1)} KiB) to ${join(HERE, 'posters')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
