// How a dataset writes its genre cells, learned from its own non-empty cells (Dataset.genreSamples): `A|B`, `A, B`,
// `A; B` (spacing as written), JSON lists of names or of TMDB {id, name} objects, or their Python repr; and the
// rendering of a genre list in that style. Used by genreWriter.ts to fill or replace a genre cell.
import { cleanName } from './textFold';
import { Dataset, GenreSample } from './types';

/** The exact punctuation of a list, blanks included (`", "` or `","`...); `indent` set = pretty-printed over lines. */
export interface ListLayout {
  open: string; close: string; item: string; objOpen: string; objClose: string; colon: string; prop: string;
  /** The indentation unit of a list written over several lines (JSON files only; JSON.stringify / json.dumps layout). */
  indent?: string;
}

/**
 * A genre cell style. `native`: in a JSON/JSONL file the value is a real JSON array; otherwise the cell is text (a
 * CSV field, or a JSON string holding `A|B` or a list literal).
 */
export type GenreStyle = { native: boolean } & (
  | { kind: 'separated'; separator: string }
  | { kind: 'names'; quote: '"' | "'"; layout: ListLayout }
  | { kind: 'objects'; quote: '"' | "'"; layout: ListLayout; idFirst: boolean; /** cleaned lower-case name → id as in the file */ ids: Record<string, number | string> }
);

/** TMDB's standard genre ids, used for names the file gives no id for. */
export const TMDB_GENRE_IDS: Record<string, number> = {
  action: 28, adventure: 12, animation: 16, comedy: 35, crime: 80, documentary: 99, drama: 18, family: 10751,
  fantasy: 14, history: 36, horror: 27, music: 10402, mystery: 9648, romance: 10749, 'science fiction': 878,
  'tv movie': 10770, thriller: 53, war: 10752, western: 37,
};

const DEFAULT_LAYOUT: ListLayout = { open: '[', close: ']', item: ', ', objOpen: '{', objClose: '}', colon: ': ', prop: ', ' };
const nameKey = (name: string) => cleanName(name).toLowerCase();

type Token = { text: string; before: string };
const TOKEN = /(\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[[\]{},:]|[^\s[\]{},:"']+)/y;

function tokens(text: string): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) out.push({ before: m[1], text: m[2] });
  return out;
}

/** A list literal's punctuation as written (only what this sample shows; the rest undefined). */
function layoutOf(toks: Token[], native: boolean): Partial<ListLayout> {
  const out: Partial<ListLayout> = {};
  const flat = (ws: string, multi: string) => (ws.includes('\n') || ws.includes('\r') ? multi : ws);
  const set = <K extends keyof ListLayout>(k: K, v: string) => { if (out[k] === undefined) out[k] = v; };
  let depth = 0;
  toks.forEach((t, i) => {
    const next = toks[i + 1]?.before ?? '';
    if (native && /[\r\n]/.test(next) && out.indent === undefined) out.indent = indentUnit(toks);
    if (t.text === '[') {
      depth++;
      if (toks[i + 1]?.text !== ']') set('open', '[' + flat(next, ''));
    } else if (t.text === ']') {
      depth--;
      if (toks[i - 1]?.text !== '[') set('close', flat(t.before, '') + ']');
    } else if (t.text === '{') {
      depth++;
      set('objOpen', '{' + flat(next, ''));
    } else if (t.text === '}') {
      depth--;
      set('objClose', flat(t.before, '') + '}');
    } else if (t.text === ',') {
      set(depth === 1 ? 'item' : 'prop', flat(t.before, '') + ',' + flat(next, ' '));
    } else if (t.text === ':') {
      set('colon', flat(t.before, '') + ':' + flat(next, ' '));
    }
  });
  return out;
}

/** The indentation unit of a pretty-printed list: the first item's indentation less the closing bracket's. */
function indentUnit(toks: Token[]): string {
  const lastIndent = (ws: string) => ws.slice(Math.max(ws.lastIndexOf('\n'), ws.lastIndexOf('\r')) + 1);
  const first = lastIndent(toks[1]?.before ?? '');
  const close = lastIndent(toks[toks.length - 1]?.before ?? '');
  return first.startsWith(close) && first.length > close.length ? first.slice(close.length) : '  ';
}

/** Parses a list literal's string token (JSON or Python repr quoting). */
function unquote(tok: string): string {
  if (tok.startsWith('"')) {
    try {
      return JSON.parse(tok) as string;
    } catch {
      return tok.slice(1, -1);
    }
  }
  return tok.slice(1, -1).replace(/\\(['\\])/g, '$1');
}

interface Reading { key: string; style: GenreStyle; layout: Partial<ListLayout>; ids: [string, number | string][] }

/** What one sample says about the style. */
function readSample(sample: GenreSample): Reading {
  const s = sample.text.trim();
  if (!s.startsWith('[')) {
    const sep = /\s*[|;,]\s*/.exec(s)?.[0];
    return { key: `sep:${sep?.trim() ?? ''}`, style: { kind: 'separated', separator: sep ?? '', native: false }, layout: {}, ids: [] };
  }
  const toks = tokens(s);
  // Python's repr uses double quotes only for a string holding a single quote: one single-quoted string says repr
  const quote: '"' | "'" = toks.some((t) => t.text.startsWith("'")) ? "'" : '"';
  const objects = toks[1]?.text === '{';
  const ids: [string, number | string][] = [];
  let idFirst = true;
  if (objects) {
    idFirst = toks[2] !== undefined && /^["']id["']$/.test(toks[2].text);
    // {…"id": X, "name": "Y"…} pairs at depth 2: key, ':', value
    let id: string | undefined, name: string | undefined;
    toks.forEach((t, i) => {
      if (t.text === '{') id = name = undefined;
      if (toks[i + 1]?.text === ':' && /^["']/.test(t.text)) {
        const key = unquote(t.text), value = toks[i + 2]?.text ?? '';
        if (key === 'id') id = value;
        if (key === 'name' && /^["']/.test(value)) name = unquote(value);
      }
      if (t.text === '}' && id !== undefined && name !== undefined) {
        ids.push([nameKey(name), /^-?\d+(\.\d+)?$/.test(id) ? Number(id) : /^["']/.test(id) ? unquote(id) : id]);
      }
    });
  }
  const layout = layoutOf(toks, sample.native);
  const key = `${objects ? 'objects' : 'names'}:${quote}:${sample.native}`;
  const style: GenreStyle = objects
    ? { kind: 'objects', quote, layout: DEFAULT_LAYOUT, idFirst, ids: {}, native: sample.native }
    : { kind: 'names', quote, layout: DEFAULT_LAYOUT, native: sample.native };
  return { key, style, layout, ids };
}

/**
 * The dataset's genre style: the form most of its sampled non-empty genre cells use, with the separator and spacing of
 * the first cells that show them and the TMDB ids its cells give. Without samples: `A|B` for CSV, `["A", "B"]` for JSON.
 */
export function detectGenreStyle(dataset: Pick<Dataset, 'format' | 'genreSamples'>): GenreStyle {
  const readings = (dataset.genreSamples ?? []).map(readSample);
  if (readings.length === 0) {
    return dataset.format === 'csv' ? { kind: 'separated', separator: '|', native: false }
      : { kind: 'names', quote: '"', layout: DEFAULT_LAYOUT, native: true };
  }
  const votes = new Map<string, number>();
  for (const r of readings) {
    const key = r.key.startsWith('sep:') ? 'sep' : r.key;
    votes.set(key, (votes.get(key) ?? 0) + 1);
  }
  const winner = [...votes].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const chosen = readings.filter((r) => (winner === 'sep' ? r.key.startsWith('sep:') : r.key === winner));
  const style = chosen[0].style;
  if (style.kind === 'separated') {
    // the most used separator character, spaced as its first occurrence
    const seps = chosen.map((r) => (r.style.kind === 'separated' ? r.style.separator : '')).filter((s) => s !== '');
    const count = (c: string) => seps.filter((s) => s.trim() === c).length;
    const best = ['|', ',', ';'].reduce((a, b) => (count(b) > count(a) ? b : a));
    return { ...style, separator: seps.find((s) => s.trim() === best) ?? '|' };
  }
  // separators no sample shows are spaced like those that one does (`","` and `":"` in compact JSON)
  const shown = chosen.flatMap((r) => [r.layout.item, r.layout.prop, r.layout.colon]).filter((v) => v !== undefined);
  const compact = shown.length > 0 && shown.every((v) => !/\s$/.test(v));
  const layout = compact ? { ...DEFAULT_LAYOUT, item: ',', prop: ',', colon: ':' } : { ...DEFAULT_LAYOUT };
  for (const k of Object.keys(DEFAULT_LAYOUT) as (keyof ListLayout)[]) {
    const found = chosen.find((r) => r.layout[k] !== undefined)?.layout[k];
    if (found !== undefined) layout[k] = found;
  }
  const indent = chosen.find((r) => r.layout.indent !== undefined)?.layout.indent;
  if (indent !== undefined && style.native) layout.indent = indent;
  if (style.kind === 'names') return { ...style, layout };
  const ids: Record<string, number | string> = {};
  for (const r of readings) for (const [name, id] of r.ids) if (!(name in ids)) ids[name] = id;
  return { ...style, layout, ids };
}

/** A string literal: JSON, or Python's repr (single quotes unless the text has one and no double quote). */
function literal(s: string, quote: '"' | "'"): string {
  if (quote === '"' || (s.includes("'") && !s.includes('"'))) return JSON.stringify(s);
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Names the `A|B` form cannot hold: a separator, or list/quote characters (the reader would not read them back). */
export const UNSEPARABLE = /[|;,[\]{}"]/;

/**
 * `genres` written in `style`, or null when a name cannot be written in it (a separator inside a name). Pretty-printed
 * lists start their continuation lines with `eol` + `baseIndent`.
 */
export function renderGenres(genres: readonly string[], style: GenreStyle, eol = '\n', baseIndent = ''): string | null {
  if (style.kind === 'separated') {
    if (genres.some((g) => UNSEPARABLE.test(g) || g.trim() === '')) return null;
    return genres.join(style.separator === '' ? '|' : style.separator);
  }
  const id = (name: string): number | string | undefined => (style.kind === 'objects'
    ? style.ids[nameKey(name)] ?? TMDB_GENRE_IDS[nameKey(name)] : undefined);
  const items = genres.map((name): unknown => {
    if (style.kind === 'names') return name;
    const i = id(name);
    if (i === undefined) return { name };
    return style.idFirst ? { id: i, name } : { name, id: i };
  });
  const { layout } = style;
  if (layout.indent !== undefined && style.native) {
    return JSON.stringify(items, null, layout.indent).replace(/\n/g, eol + baseIndent);
  }
  if (genres.length === 0) return '[]';
  const q = style.quote;
  const value = (v: unknown) => (typeof v === 'number' ? String(v) : literal(String(v), q));
  const rendered = items.map((item) => {
    if (typeof item === 'string') return literal(item, q);
    const o = item as Record<string, unknown>;
    const props = Object.keys(o).map((k) => literal(k, q) + layout.colon + value(o[k]));
    return layout.objOpen + props.join(layout.prop) + layout.objClose;
  });
  return layout.open + rendered.join(layout.item) + layout.close;
}
