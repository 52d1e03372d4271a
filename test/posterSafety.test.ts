// Local posters named by a hostile dataset: FIFOs and devices are never opened (so they cannot hang or stream),
// files over the size cap and non-images (SVG, text) are refused with a reason, paths outside the dataset's folder
// and the poster roots are ignored with a located warning, and symlinks escaping the roots are refused when read.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { formatIssue, parseDataset } from '../server/engine/data';
import { decodePoster, posterEncoder, POSTER_SIZE } from '../server/engine/encoders/posterPixels';
import type { EncoderIdentity, TextEncoder } from '../server/engine/encoders/types';
import { FeatureExtractor } from '../server/engine/features';
import { imageFormatOf, readPosterFile } from '../server/engine/posterFile';
import { isInside } from '../server/engine/untrustedFiles';

const repo = path.resolve(__dirname, '..');
const png = fs.readFileSync(path.join(repo, 'examples/posters', fs.readdirSync(path.join(repo, 'examples/posters')).find((f) => f.endsWith('.png')) as string));
const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="http://169.254.169.254/x"/></svg>';
let tmp: string;
let root: string;
let outside: string;
const fifoOk = process.platform !== 'win32';

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-posters-'));
  root = path.join(tmp, 'data');
  outside = path.join(tmp, 'elsewhere');
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(root, 'good.png'), png);
  fs.writeFileSync(path.join(root, 'image.svg'), svg);
  fs.writeFileSync(path.join(root, 'notes.png'), 'just some text, named .png');
  fs.writeFileSync(path.join(outside, 'secret.png'), png);
  fs.symlinkSync(path.join(outside, 'secret.png'), path.join(root, 'escape.png'));
  fs.symlinkSync(path.join(root, 'good.png'), path.join(root, 'inside-link.png'));
  // Sparse: over the 20 MB cap by size without writing 20 MB.
  fs.writeFileSync(path.join(root, 'huge.png'), png.subarray(0, 64));
  fs.truncateSync(path.join(root, 'huge.png'), 21 * 1024 * 1024);
  if (fifoOk) execFileSync('mkfifo', [path.join(root, 'pipe.png')]);
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('image formats are recognised from magic bytes: JPEG, PNG, WebP and GIF only', async () => {
  const webp = await sharp(png).webp().toBuffer();
  const gif = await sharp(png).gif().toBuffer();
  const jpeg = await sharp(png).jpeg().toBuffer();
  const tiff = await sharp(png).tiff().toBuffer();
  assert.deepEqual([jpeg, png, webp, gif, tiff, Buffer.from(svg)].map(imageFormatOf), ['jpeg', 'png', 'webp', 'gif', null, null]);
  for (const data of [jpeg, webp, gif]) {
    const decoded = await decodePoster({ kind: 'buffer', data });
    assert.equal(decoded.reason, null);
    assert.equal(decoded.rgb?.length, POSTER_SIZE * POSTER_SIZE * 3);
  }
  assert.deepEqual(await decodePoster({ kind: 'buffer', data: Buffer.from(svg) }),
    { rgb: null, reason: 'not a JPEG, PNG, WebP or GIF image (starts with "<svg xml")' });
  assert.match((await decodePoster({ kind: 'buffer', data: tiff })).reason ?? '', /^not a JPEG, PNG, WebP or GIF image \(starts with "(II|MM)/);
});

test('readPosterFile reads regular image files and refuses everything else with a reason', async () => {
  const file = (name: string) => path.join(root, name);
  const good = await readPosterFile(file('good.png'), { roots: [root] });
  assert.deepEqual([good.reason, good.data?.equals(png)], [null, true]);
  assert.equal((await readPosterFile(file('inside-link.png'), { roots: [root] })).reason, null, 'a symlink staying inside the root');
  const reason = async (p: string, opts: Parameters<typeof readPosterFile>[1] = { roots: [root] }) => (await readPosterFile(p, opts)).reason;
  assert.equal(await reason(file('image.svg')), 'not a JPEG, PNG, WebP or GIF image (starts with "<svg xml")');
  assert.equal(await reason(file('notes.png')), 'not a JPEG, PNG, WebP or GIF image (starts with "just som")');
  assert.equal(await reason(file('huge.png')), `${21 * 1024 * 1024} bytes, over the ${20 * 1024 * 1024}-byte limit for a poster file`);
  assert.equal(await reason(file('good.png'), { maxBytes: 100 }), `${png.length} bytes, over the 100-byte limit for a poster file`);
  assert.equal(await reason(file('missing.png')), 'file not found');
  assert.equal(await reason(root), 'not a regular file (a directory)');
  assert.equal(await reason(file('escape.png')), `leads outside the allowed poster folders (to ${fs.realpathSync(path.join(outside, 'secret.png'))}); not read`);
  assert.equal((await readPosterFile(file('escape.png'), { roots: [root, outside] })).reason, null, 'allowed when its target is in a root');
  assert.equal(await reason('/dev/zero', { roots: ['/dev'] }), 'not a regular file (a character device)');
  assert.equal(await reason('/dev/zero', { roots: [root] }), 'leads outside the allowed poster folders (to /dev/zero); not read');
});

test('a FIFO poster is never opened, so it cannot hang', { skip: !fifoOk && 'no mkfifo' }, async () => {
  assert.equal((await readPosterFile(path.join(root, 'pipe.png'), { roots: [root] })).reason, 'not a regular file (a FIFO)');
  assert.equal((await decodePoster({ kind: 'file', path: path.join(root, 'pipe.png') })).reason, 'not a regular file (a FIFO)');
});

test('poster paths outside the dataset folder and the poster roots are ignored with a located warning', () => {
  const text = 'title,overview,poster\n' +
    'A,one,../../etc/passwd\n' +
    'B,two,/proc/self/environ\n' +
    'C,three,file:///etc/hostname\n' +
    'D,four,good.png\n' +
    `E,five,${path.join(outside, 'secret.png')}\n`;
  const fileName = path.join(root, 'movies.csv');
  const d = parseDataset(text, { fileName });
  const hint = '; ignored (allow other folders with --poster-root or the genreLens.posterRoots setting)';
  assert.deepEqual(d.issues.map(formatIssue), [
    `${fileName}:2:7: poster "../../etc/passwd" is outside the dataset's folder ${root}${hint}`,
    `${fileName}:3:7: poster "/proc/self/environ" is outside the dataset's folder ${root}${hint}`,
    `${fileName}:4:9: poster "file:///etc/hostname" is outside the dataset's folder ${root}${hint}`,
    `${fileName}:6:8: poster ${JSON.stringify(path.join(outside, 'secret.png'))} is outside the dataset's folder ${root}${hint}`,
  ]);
  assert.deepEqual(d.rows.map((r) => r.poster?.kind ?? null), [null, null, null, 'file', null]);
  assert.deepEqual(d.rows[3].poster, { kind: 'file', path: path.join(root, 'good.png'), raw: 'good.png', roots: [root] });

  const allowed = parseDataset(text, { fileName, posterRoots: [outside] });
  assert.equal(allowed.rows[4].poster?.kind, 'file', 'a poster root allows the folder');
  assert.match(formatIssue(allowed.issues[0]), new RegExp(`outside the dataset's folder ${root} and the poster roots ${outside};`));
  const saved = process.env.GENRE_LENS_POSTER_ROOTS;
  process.env.GENRE_LENS_POSTER_ROOTS = ['/nonexistent', outside].join(path.delimiter);
  try {
    assert.equal(parseDataset(text, { fileName }).rows[4].poster?.kind, 'file', '$GENRE_LENS_POSTER_ROOTS allows it too');
  } finally {
    if (saved === undefined) delete process.env.GENRE_LENS_POSTER_ROOTS;
    else process.env.GENRE_LENS_POSTER_ROOTS = saved;
  }
});

/** A tiny image network over the real decoding pipeline, and a text encoder of zeros: no model files needed. */
function stubEncoders() {
  const identity = (kind: 'text' | 'image', dim: number): EncoderIdentity =>
    ({ kind, id: `stub-${kind}`, version: '1', dim, weightsSha256: '0'.repeat(64), source: 'test', preprocess: 'none', fallback: false });
  const text: TextEncoder = { id: 'stub-text', version: '1', dim: 2, identity: () => identity('text', 2),
    encode: async (texts) => texts.map(() => new Float32Array(2)), dispose: async () => undefined };
  const image = posterEncoder(identity('image', 1), {
    dim: 1, itemFloats: 1,
    fill: (rgb, out, offset) => (out[offset] = rgb[0] + 1),
    infer: async (batch) => batch.slice(),
  }, 4, async () => undefined);
  return { text, image };
}

test('hostile poster cells give reasons, never a hang or a crash, when features are extracted (as a hover does)', async () => {
  const lines = ['title,overview,poster', 'A,a,good.png', 'B,b,image.svg', 'C,c,escape.png', 'D,d,huge.png', 'E,e,/dev/zero',
    'F,f,missing.png', 'G,g,../elsewhere/secret.png', ...(fifoOk ? ['H,h,pipe.png'] : [])];
  const d = parseDataset(lines.join('\n') + '\n', { fileName: path.join(root, 'movies.csv'), posterRoots: ['/dev'] });
  const extractor = new FeatureExtractor(stubEncoders(), null);
  const f = await extractor.extract(d.rows, { downloadPosters: false });
  assert.deepEqual(f.posterMissingReason, [
    null,
    'not a JPEG, PNG, WebP or GIF image (starts with "<svg xml")',
    `leads outside the allowed poster folders (to ${fs.realpathSync(path.join(outside, 'secret.png'))}); not read`,
    `${21 * 1024 * 1024} bytes, over the ${20 * 1024 * 1024}-byte limit for a poster file`,
    'not a regular file (a character device)',
    'file not found',
    'no poster given', // ignored when the dataset was read, with a located warning
    ...(fifoOk ? ['not a regular file (a FIFO)'] : []),
  ]);
  assert.equal(f.X[f.layout.posterMissing], 0, 'the good poster is encoded');
});

test('isInside: a folder and what is under it, never a sibling or an escape (a name starting with ".." is inside)', () => {
  const root = path.resolve('/srv/posters');
  assert.ok(isInside(root, root));
  assert.ok(isInside(root, path.join(root, 'a/b.jpg')));
  assert.ok(isInside(root, path.join(root, '..cover.jpg')), 'a file named "..cover.jpg" in the folder');
  assert.ok(!isInside(root, path.resolve('/srv/posters-evil/x.jpg')));
  assert.ok(!isInside(root, path.resolve('/srv/x.jpg')));
  assert.ok(!isInside(root, path.join(root, '../../etc/passwd')));
});
