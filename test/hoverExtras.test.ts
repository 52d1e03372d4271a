// The hover's extras: poster thumbnails (a local file or an already-cached download only, never a request; a data URI
// under the cap; huge images downscaled, decompression bombs refused; poster roots respected), nearest training
// movies (ordered by similarity, the row itself left out, named from training.json), the hover Markdown escaping
// titles from model files, and the whole path through a trained model's pipeline and the prediction thread.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { type MovieRow, readDataset } from '../server/engine/data';
import { cachePathFor } from '../server/engine/encoders/fetchCache';
import { fitKnn, hasNeighbours } from '../server/engine/heads/knn';
import { readTrainingRows } from '../server/engine/modelFiles';
import { ModelPipeline } from '../server/engine/pipeline';
import { mulberry32 } from '../server/engine/random';
import { trainRun } from '../server/engine/run';
import { MAX_THUMBNAIL_URI, posterThumbnail } from '../server/engine/thumbnail';
import { renderPrediction } from '../server/hover';
import type { RowPrediction } from '../server/modelHost';
import { PredictClient } from '../server/predictClient';

const repo = path.resolve(__dirname, '..');
let work: string;
let server: http.Server;
let requests = 0;
let base: string;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-hover-extras-'));
  server = http.createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'image/png' }).end(fs.readFileSync(path.join(repo, 'examples/posters/m01.png')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const fileRow = (file: string, roots?: string[]) => ({ poster: { kind: 'file' as const, path: file, raw: file, ...(roots ? { roots } : {}) } });
const urlRow = (url: string) => ({ poster: { kind: 'url' as const, url, raw: url } });

async function imageOf(uri: string): Promise<sharp.Metadata> {
  const m = /^data:image\/jpeg;base64,([A-Za-z0-9+/]+=*)$/.exec(uri);
  assert.ok(m, `a JPEG data URI: ${uri.slice(0, 40)}`);
  return sharp(Buffer.from(m[1], 'base64')).metadata();
}

test('thumbnail of a local poster: a JPEG data URI under the cap, 96 px tall (never enlarged)', async () => {
  const poster = path.join(repo, 'examples/posters/m01.png');
  const uri = await posterThumbnail(fileRow(poster, [path.dirname(poster)]), null);
  assert.ok(uri && uri.length <= MAX_THUMBNAIL_URI, `${uri?.length} characters`);
  const meta = await imageOf(uri);
  assert.deepEqual([meta.width, meta.height], [64, 96]);
  const small = path.join(work, 'small.png');
  await sharp({ create: { width: 30, height: 40, channels: 3, background: '#336699' } }).png().toFile(small);
  const meta2 = await imageOf((await posterThumbnail(fileRow(small), null)) ?? '');
  assert.deepEqual([meta2.width, meta2.height], [30, 40], 'a small poster is not enlarged');
});

test('a URL poster not in the cache gives no thumbnail and no request; once cached, the cached copy is used', async () => {
  const cache = path.join(work, 'posters-cache');
  const url = `${base}/posters/m01.png`;
  assert.equal(await posterThumbnail(urlRow(url), cache), null);
  assert.equal(await posterThumbnail(urlRow(url), null), null);
  fs.mkdirSync(cache, { recursive: true });
  fs.copyFileSync(path.join(repo, 'examples/posters/m02.png'), cachePathFor(url, cache));
  const uri = await posterThumbnail(urlRow(url), cache);
  assert.ok(uri, 'the cached download makes a thumbnail');
  assert.equal((await imageOf(uri)).height, 96);
  assert.equal(requests, 0, 'a thumbnail never touches the network');
});

test('huge posters are downscaled, decompression bombs and posters outside their roots give none', async () => {
  const huge = path.join(work, 'huge.png');
  await sharp({ create: { width: 3000, height: 4500, channels: 3, background: '#aa3311' } }).png().toFile(huge);
  const meta = await imageOf((await posterThumbnail(fileRow(huge), null)) ?? '');
  assert.deepEqual([meta.width, meta.height], [64, 96]);
  const wide = path.join(work, 'wide.png');
  await sharp({ create: { width: 4000, height: 500, channels: 3, background: '#113355' } }).png().toFile(wide);
  const wideMeta = await imageOf((await posterThumbnail(fileRow(wide), null)) ?? '');
  assert.ok(wideMeta.width === 192 && (wideMeta.height ?? 0) <= 96, 'at most twice as wide as tall');
  const bomb = path.join(work, 'bomb.png');
  await sharp({ create: { width: 8000, height: 6000, channels: 3, background: '#000000' } }).png().toFile(bomb);
  assert.ok(fs.statSync(bomb).size < 1024 * 1024, 'small on disk');
  assert.equal(await posterThumbnail(fileRow(bomb), null), null, '48 megapixels are not decoded');
  const inside = path.join(work, 'roots', 'inside');
  fs.mkdirSync(inside, { recursive: true });
  assert.equal(await posterThumbnail(fileRow(huge, [inside]), null), null, 'outside its poster roots');
  fs.writeFileSync(path.join(work, 'fake.png'), 'not an image');
  assert.equal(await posterThumbnail(fileRow(path.join(work, 'fake.png')), null), null);
});

test('kNN neighbours: the stored rows by cosine similarity of the text block, most similar first', async () => {
  const N = 120, T = 16, D = T + 5;
  const r = mulberry32(9);
  const X = Float32Array.from({ length: N * D }, () => r() * 2 - 1);
  const layout = { text: { offset: 0, dim: T }, image: { offset: T, dim: 4 }, posterMissing: D - 1, total: D };
  const labels = [Uint8Array.from({ length: N }, (_, i) => i % 2)];
  const folds = [0, 1, 2].map((k) => Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 === k));
  const { model } = await fitKnn({ X, nrow: N, layout, texts: [] }, labels, [true], folds, 1);
  assert.ok(hasNeighbours(model) && model.rows === N);
  const query = Float32Array.from({ length: T }, () => r() * 2 - 1);
  const got = model.neighbours(query, 5);
  const cos = (i: number) => {
    const v = X.subarray(i * D, i * D + T);
    const dot = v.reduce((s, x, j) => s + x * query[j], 0);
    return dot / Math.hypot(...v) / Math.hypot(...query);
  };
  const want = Array.from({ length: N }, (_, i) => i).sort((a, b) => cos(b) - cos(a)).slice(0, 5);
  assert.deepEqual(got.map((n) => n.row), want);
  for (let i = 1; i < got.length; i++) assert.ok(got[i - 1].similarity >= got[i].similarity);
  got.forEach((n) => assert.ok(Math.abs(n.similarity - cos(n.row)) < 0.02, 'int8 vectors: close to the float cosine'));
  const self = model.neighbours(X.slice(7 * D, 7 * D + T), 1);
  assert.equal(self[0].row, 7);
  assert.ok(self[0].similarity > 0.999);
  assert.throws(() => model.neighbours(new Float32Array(T + 1), 3), /17-dimensional text embedding/);
});

test('the hover shows why, the thumbnail and the neighbours, escaping titles and genres from the model files', () => {
  const at = { line: 0, character: 0, offset: 0 };
  const row: MovieRow = { index: 0, title: 'Mine', text: 'x', genres: null, poster: null, range: { file: 'x.csv', start: at, end: at } };
  const hostile = '](javascript:alert(1)) <img src=x onerror=alert(1)> **bold** [link](http://evil)';
  const thumbnail = 'data:image/jpeg;base64,/9j/4AAQSkZJRg==';
  const p: RowPrediction = {
    posterNote: null,
    genres: [{ name: 'Drama', probability: 0.9, threshold: 0.4, predicted: true, trained: true },
      { name: '<b>Evil</b>', probability: 0.7, threshold: 0.4, predicted: true, trained: true }],
    why: [{ genre: 'Drama', probability: 0.9, predicted: true, textShare: 0.724, components: [] },
      { genre: '<b>Evil</b>', probability: 0.7, predicted: true, textShare: 0.25, components: [] }],
    thumbnail,
    neighbours: [{ title: hostile, line: 12, genres: ['Horror', '*x*'], similarity: 0.8312 }],
  };
  const md = renderPrediction(row, p, 'm');
  assert.ok(md.includes(`![poster](${thumbnail})`));
  assert.ok(md.includes('- Drama: description 72% · poster 28%'));
  assert.ok(md.includes('- &lt;b&gt;Evil&lt;/b&gt;: description 25% · poster 75%'));
  assert.ok(md.includes('**Nearest training movies**'));
  assert.ok(md.includes('line 12, Horror, \\*x\\* (similarity 0.83)'));
  for (const bad of ['<img', '](javascript', '[link](', '**bold**', '<b>']) assert.ok(!md.includes(bad), `no raw ${bad}`);
  for (const t of ['data:text/html;base64,PGI+', `${thumbnail})[x](javascript:1`, `data:image/jpeg;base64,${'A'.repeat(MAX_THUMBNAIL_URI)}`]) {
    assert.ok(!renderPrediction(row, { ...p, thumbnail: t }, 'm').includes('![poster]'), `not embedded: ${t.slice(0, 40)}`);
  }
  // The hover's cap is thumbnail.ts's (one constant): a URI of exactly MAX_THUMBNAIL_URI characters shows, one more does not.
  const sized = (n: number) => 'data:image/jpeg;base64,'.padEnd(n, 'A');
  assert.ok(renderPrediction(row, { ...p, thumbnail: sized(MAX_THUMBNAIL_URI) }, 'm').includes('![poster]'), 'at the cap');
  assert.ok(!renderPrediction(row, { ...p, thumbnail: sized(MAX_THUMBNAIL_URI + 1) }, 'm').includes('![poster]'), 'over the cap');
  const plain = renderPrediction(row, { posterNote: null, genres: p.genres }, 'm');
  assert.ok(!plain.includes('Why') && !plain.includes('Nearest') && !plain.includes('![poster]'), 'nothing extra without them');
});

test('a trained model: predictRows with explain and thumbnails, in this thread and in the prediction thread', async () => {
  const data = path.join(repo, 'examples/movies.csv');
  const options = { imageEncoder: 'none' as const, cacheDir: path.join(work, 'cache') };
  const { modelDir } = await trainRun({ ...options, data, out: path.join(work, 'model'), ablation: false, train: { maxRounds: 30, patience: 5 } });
  const rows = (await readDataset(data)).rows;
  const record = readTrainingRows(modelDir);
  assert.ok(record, 'the model records its training rows');
  const trainKeys = new Map(record.rows.filter((r) => r.split === 'train').map((r) => [r.title, r]));
  const pipeline = await ModelPipeline.load(modelDir, options);
  try {
    const picked = [rows[0], rows[1], { ...rows[2], title: 'A film nobody trained on', poster: null }];
    const plain = await pipeline.predictRows(picked);
    assert.ok(plain.every((r) => r.why === undefined && r.thumbnail === undefined && r.neighbours === undefined));
    const got = await pipeline.predictRows(picked, { explain: true, thumbnails: true });
    assert.deepEqual(got.map((r) => r.proba), plain.map((r) => r.proba), 'explaining changes no probability');
    got.forEach((r, i) => {
      assert.ok(r.why && r.why.length > 0, 'why');
      for (const w of r.why) assert.equal(w.textShare, 1, 'no image encoder: all text');
      assert.ok(r.neighbours && r.neighbours.length === 3, 'three neighbours');
      for (let k = 1; k < 3; k++) assert.ok(r.neighbours[k - 1].similarity >= r.neighbours[k].similarity);
      for (const n of r.neighbours) {
        assert.equal(trainKeys.get(n.title)?.line, n.line, 'named from training.json');
        assert.notEqual(n.title, picked[i].title, 'the row itself is left out');
      }
    });
    assert.ok(got[0].thumbnail?.startsWith('data:image/jpeg;base64,') && got[1].thumbnail, 'local posters give thumbnails');
    assert.equal(got[2].thumbnail, undefined, 'no poster, no thumbnail');
  } finally {
    await pipeline.dispose();
  }
  // Without training.json (an older model) or with a damaged one: no neighbours, everything else as before.
  for (const damage of [(f: string) => fs.rmSync(f), (f: string) => fs.writeFileSync(f, '{"genres": 3')]) {
    const copy = fs.mkdtempSync(path.join(work, 'copy-'));
    fs.cpSync(modelDir, copy, { recursive: true });
    damage(path.join(copy, 'training.json'));
    const older = await ModelPipeline.load(copy, options);
    try {
      const [r] = await older.predictRows([rows[0]], { explain: true, thumbnails: true });
      assert.ok(r.why?.length && r.thumbnail && r.neighbours === undefined);
    } finally {
      await older.dispose();
    }
  }
  // Through the daemon's prediction thread, as a hover asks for it.
  const client = new PredictClient();
  try {
    const { pipeline: id } = await client.load(modelDir, options);
    const [withExtras] = await client.predict(id, [rows[0]], undefined, true);
    assert.ok(withExtras.why?.length && withExtras.thumbnail && withExtras.neighbours?.length === 3);
    const [without] = await client.predict(id, [rows[0]]);
    assert.ok(without.why === undefined && without.thumbnail === undefined);
  } finally {
    await client.terminate();
  }
});
