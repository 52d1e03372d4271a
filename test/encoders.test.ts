// Tests for the frozen feature encoders: USE-Lite text vectors, ONNX MobileNetV2 poster vectors (local file and
// loopback URL download with sha256 check), bad-poster handling, and the bundled nsfwjs fallback.
// Reference models/posters are read from ../../shared (beside the repo); those tests skip when it is absent.

import assert from 'node:assert/strict';
import { promises as fs, existsSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import {
  MOBILENETV2_INT8_FILE,
  MOBILENETV2_INT8_SHA256,
  createImageEncoder,
  createTextEncoder,
  fetchToCache,
  type ImageEncoder,
  type PosterInput,
  type TextEncoder,
} from '../server/engine/encoders';
import { fillImagenetNchw } from '../server/engine/encoders/onnxImage';
import { decodePoster } from '../server/engine/encoders/posterPixels';
import { needsShared, shared } from './sharedDir';

const MODELS_DIR = shared('models');
const POSTERS_DIR = shared('data/tmdb5000/posters');
const noShared = needsShared(`models/${MOBILENETV2_INT8_FILE}`, 'data/tmdb5000/posters');

const cosine = (a: Float32Array, b: Float32Array) => {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
};
const norm = (a: Float32Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
/** `n` posters taken every `stride`-th file in name order (stable across runs). */
const posterFiles = async (n: number, stride = 1): Promise<PosterInput[]> =>
  (await fs.readdir(POSTERS_DIR))
    .sort()
    .filter((_, i) => i % stride === 0)
    .slice(0, n)
    .map((f) => ({ kind: 'file', path: path.join(POSTERS_DIR, f) }));

let tmp = '';
before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'genre-lens-encoders-'));
});
after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Checks one image result: 1280-d, finite, non-negative (pooled ReLU6 output), not all zero. */
function assertPooledFeature(v: Float32Array) {
  assert.equal(v.length, 1280);
  assert.ok(v.every((x) => Number.isFinite(x) && x >= 0), 'finite and non-negative');
  assert.ok(norm(v) > 0, 'not all zero');
}

describe('USE-Lite text encoder', () => {
  let enc: TextEncoder;
  before(async () => {
    enc = (await createTextEncoder({ model: 'use-lite' })).encoder;
  });
  after(() => enc.dispose());

  it('gives 512-d unit vectors where similar sentences are closer than unrelated ones', async () => {
    const [wizard, sorcery, bank, bankLoan, space] = await enc.encode([
      'A young wizard attends a school of magic and battles a dark lord.',
      'A boy learns sorcery at a magical academy and fights an evil sorcerer.',
      'The bank reported higher quarterly profits thanks to interest rates.',
      'Rising interest rates boosted the lender\u2019s earnings this quarter.',
      'Astronauts travel through a wormhole to find a new home for humanity.',
    ]);
    for (const v of [wizard, sorcery, bank, bankLoan, space]) {
      assert.equal(v.length, 512);
      assert.ok(v.every(Number.isFinite));
      assert.ok(Math.abs(norm(v) - 1) < 1e-3, `unit norm, got ${norm(v)}`);
    }
    assert.ok(cosine(wizard, sorcery) > cosine(wizard, bank) + 0.2);
    assert.ok(cosine(wizard, sorcery) > cosine(wizard, space));
    assert.ok(cosine(bank, bankLoan) > cosine(bank, sorcery) + 0.2);
    assert.equal(enc.identity().dim, 512);
    assert.match(enc.identity().weightsSha256, /^[0-9a-f]{64}$/);
  });

  it('keeps order across internal batches, maps empty text to a zero vector and reports progress', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `Movie ${i}: a detective hunts a killer in ${i % 2 ? 'Paris' : 'Tokyo'}.${' Again.'.repeat(i % 7)}`);
    texts[5] = '';
    texts[33] = '   \n ';
    const progress: number[] = [];
    const all = await enc.encode(texts, { onProgress: (done, total) => (assert.equal(total, 40), progress.push(done)) });
    assert.equal(all.length, 40);
    assert.equal(progress.at(-1), 40);
    assert.ok(progress.every((d, i) => i === 0 || d > progress[i - 1]), `monotonic progress ${progress}`);
    assert.equal(norm(all[5]), 0);
    assert.equal(norm(all[33]), 0);
    const alone = await enc.encode([texts[37], texts[0], texts[12]]);
    [37, 0, 12].forEach((i, k) => assert.ok(maxAbsDiff(alone[k], all[i]) < 1e-4, `text ${i}: same vector alone as in a batch`));
    assert.ok(maxAbsDiff(all[36], all[37]) > 1e-3, 'different texts differ');
  });

  it('stops on an aborted signal', async () => {
    await assert.rejects(enc.encode(['anything'], { signal: AbortSignal.abort(new Error('stop now')) }), /stop now/);
  });
});

describe('ONNX MobileNetV2 image encoder', { skip: noShared }, () => {
  let enc: ImageEncoder;
  before(async () => {
    const created = await createImageEncoder({ modelsDir: MODELS_DIR, allowFallback: false });
    assert.equal(created.warning, null);
    enc = created.encoder;
  });
  after(() => enc.dispose());

  it('gives distinct 1280-d pooled features for real posters', async () => {
    const posters = await posterFiles(6);
    const res = await enc.encode(posters);
    assert.deepEqual(res.missing, [false, false, false, false, false, false]);
    assert.deepEqual(res.reasons, [null, null, null, null, null, null]);
    res.vectors.forEach(assertPooledFeature);
    for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) assert.ok(maxAbsDiff(res.vectors[i], res.vectors[j]) > 0.1);
    const id = enc.identity();
    assert.deepEqual([id.dim, id.weightsSha256, id.fallback], [1280, MOBILENETV2_INT8_SHA256, false]);
  });

  it('handles PNG, greyscale, alpha, CMYK, WebP, 16-bit and tiny images', async () => {
    const solid = (r: number, g: number, b: number) => sharp({ create: { width: 300, height: 450, channels: 3, background: { r, g, b } } });
    const gradient = Buffer.alloc(120 * 80 * 4);
    for (let i = 0; i < gradient.length; i += 4) gradient.set([i % 251, (i >> 4) % 256, 90, (i >> 6) % 256], i);
    const rgba = { raw: { width: 120, height: 80, channels: 4 as const } };
    const inputs: Buffer[] = [
      await solid(200, 30, 30).png().toBuffer(),
      await solid(30, 30, 200).png().toBuffer(),
      await sharp(gradient, rgba).removeAlpha().toColourspace('b-w').jpeg().toBuffer(),
      await sharp(gradient, rgba).png().toBuffer(), // RGBA
      await sharp(gradient, rgba).removeAlpha().toColourspace('cmyk').jpeg().toBuffer(),
      await sharp(gradient, rgba).webp().toBuffer(),
      await sharp(gradient, rgba).png().toColourspace('rgb16').toBuffer(),
      await solid(0, 128, 0).resize(1, 1).png().toBuffer(),
    ];
    assert.equal((await sharp(inputs[2]).metadata()).channels, 1, 'greyscale fixture');
    assert.equal((await sharp(inputs[4]).metadata()).space, 'cmyk', 'CMYK fixture');
    const res = await enc.encode(inputs.map((data) => ({ kind: 'buffer', data })));
    assert.deepEqual(res.reasons, inputs.map(() => null));
    res.vectors.forEach(assertPooledFeature);
    assert.ok(maxAbsDiff(res.vectors[0], res.vectors[1]) > 0.1, 'red and blue differ');
  });

  it('turns missing, unreadable and undecodable posters into zero vectors with reasons, never a throw', async () => {
    const [good] = await posterFiles(1);
    const jpeg = await fs.readFile((good as { path: string }).path);
    const truncatedFile = path.join(tmp, 'truncated.jpg');
    const emptyFile = path.join(tmp, 'empty.jpg');
    await fs.writeFile(truncatedFile, jpeg.subarray(0, Math.floor(jpeg.length * 0.4)));
    await fs.writeFile(emptyFile, '');
    const inputs: PosterInput[] = [
      { kind: 'file', path: truncatedFile },
      { kind: 'buffer', data: Buffer.from('this is not an image at all, just text bytes') },
      good,
      { kind: 'file', path: path.join(tmp, 'does-not-exist.jpg') },
      { kind: 'file', path: emptyFile },
      { kind: 'buffer', data: new Uint8Array(0) },
      { kind: 'file', path: tmp }, // a directory
      null,
    ];
    const res = await enc.encode(inputs);
    assert.deepEqual(res.missing, [true, true, false, true, true, true, true, true]);
    const reasons = res.reasons;
    assert.match(reasons[0] ?? '', /undecodable/);
    assert.match(reasons[1] ?? '', /not a JPEG, PNG, WebP or GIF image \(starts with "this is "\)/);
    assert.equal(reasons[2], null);
    assert.match(reasons[3] ?? '', /not found/);
    assert.match(reasons[4] ?? '', /empty/);
    assert.match(reasons[5] ?? '', /empty/);
    assert.match(reasons[6] ?? '', /not a regular file \(a directory\)/);
    assert.match(reasons[7] ?? '', /no poster/);
    res.vectors.forEach((v, i) => (res.missing[i] ? assert.equal(norm(v), 0) : assertPooledFeature(v)));
    assert.equal(res.vectors[0].length, 1280);
    const alone = await enc.encode([good]);
    assert.ok(maxAbsDiff(alone.vectors[0], res.vectors[2]) < 1e-5, 'good poster unaffected by bad neighbours');
  });

  it('finds the model through GENRE_LENS_MODELS', async () => {
    const saved = process.env.GENRE_LENS_MODELS;
    process.env.GENRE_LENS_MODELS = MODELS_DIR;
    try {
      const { encoder, warning } = await createImageEncoder({ allowFallback: false });
      assert.equal(warning, null);
      assert.equal(encoder.identity().source, path.join(MODELS_DIR, MOBILENETV2_INT8_FILE));
      await encoder.dispose();
    } finally {
      if (saved === undefined) delete process.env.GENRE_LENS_MODELS;
      else process.env.GENRE_LENS_MODELS = saved;
    }
  });

  it('keeps the int8 classifier sensible with this preprocessing (posters → comic book / book jacket / web site)', async () => {
    const session = await ort.InferenceSession.create(path.join(MODELS_DIR, MOBILENETV2_INT8_FILE), { intraOpNumThreads: 2 });
    try {
      const posters = await posterFiles(40, 97);
      const batch = new Float32Array(posters.length * 3 * 224 * 224);
      for (const [k, p] of posters.entries()) {
        const { rgb } = await decodePoster(p);
        assert.ok(rgb);
        fillImagenetNchw(rgb, batch, k * 3 * 224 * 224);
      }
      const out = await session.run({ input: new ort.Tensor('float32', batch, [posters.length, 3, 224, 224]) });
      const logits = out.output.data as Float32Array;
      const posterLike = new Set([916, 917, 921]); // web site, comic book, book jacket
      let hits = 0;
      for (let k = 0; k < posters.length; k++) {
        const row = logits.subarray(k * 1000, (k + 1) * 1000);
        if (posterLike.has(row.indexOf(Math.max(...row)))) hits++;
      }
      assert.ok(hits >= posters.length / 4, `${hits}/${posters.length} poster-like top-1 classes`);
    } finally {
      await session.release();
    }
  });
});

describe('model download over loopback http', () => {
  let server: http.Server;
  let base = '';
  let modelHits = 0;
  before(async () => {
    const model = noShared ? Buffer.alloc(0) : await fs.readFile(path.join(MODELS_DIR, MOBILENETV2_INT8_FILE)); // served by the tests that need it
    server = http.createServer((req, res) => {
      if (req.url === `/${MOBILENETV2_INT8_FILE}`) {
        modelHits++;
        res.writeHead(200, { 'content-length': model.length }).end(model);
      } else if (req.url === '/big.bin') {
        res.writeHead(200, { 'content-length': 5000 }).end(Buffer.alloc(5000));
      } else if (req.url === '/slow.bin') {
        setTimeout(() => res.writeHead(200).end('late'), 3000).unref();
      } else {
        res.writeHead(404).end('nope');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('downloads, verifies and caches the ONNX model, then serves it from the cache', { skip: noShared }, async () => {
    const cacheDir = path.join(tmp, 'cache-ok');
    const options = { modelsDir: path.join(tmp, 'no-models'), modelUrl: `${base}/${MOBILENETV2_INT8_FILE}`, cacheDir, allowFallback: false };
    const first = await createImageEncoder({ ...options, modelSha256: MOBILENETV2_INT8_SHA256 });
    assert.equal(first.warning, null);
    assert.deepEqual([first.encoder.identity().source, first.encoder.identity().weightsSha256], [options.modelUrl, MOBILENETV2_INT8_SHA256]);
    const res = await first.encoder.encode(await posterFiles(2));
    res.vectors.forEach(assertPooledFeature);
    await first.encoder.dispose();
    assert.equal(modelHits, 1);
    const second = await createImageEncoder(options); // default expected sha is the Model Zoo file's
    await second.encoder.dispose();
    assert.equal(modelHits, 1, 'second load comes from the cache');
  });

  it('rejects a download whose sha256 does not match, and caches nothing', { skip: noShared }, async () => {
    const cacheDir = path.join(tmp, 'cache-bad');
    const wrong = 'ab'.repeat(32);
    const options = { modelsDir: path.join(tmp, 'no-models'), modelUrl: `${base}/${MOBILENETV2_INT8_FILE}`, modelSha256: wrong, cacheDir };
    await assert.rejects(createImageEncoder({ ...options, allowFallback: false }), (err: Error) => {
      assert.match(err.message, new RegExp(`sha256 mismatch for ${options.modelUrl}: expected ${wrong}, got ${MOBILENETV2_INT8_SHA256}`));
      return true;
    });
    assert.deepEqual(existsSync(cacheDir) ? await fs.readdir(cacheDir) : [], []);
  });

  it('fetchToCache enforces status, size limit, timeout and protocol', async () => {
    const cacheDir = path.join(tmp, 'cache-misc');
    await assert.rejects(fetchToCache(`${base}/big.bin`, { cacheDir }), /Refused to download .*loopback/, 'loopback refused by default');
    const local = { cacheDir, filter: 'none' as const }; // this test's server is on 127.0.0.1
    await assert.rejects(fetchToCache(`${base}/missing.bin`, local), /HTTP 404/);
    await assert.rejects(fetchToCache(`${base}/big.bin`, { ...local, maxBytes: 1000 }), /over the 1000-byte limit/);
    await assert.rejects(fetchToCache(`${base}/slow.bin`, { ...local, timeoutMs: 200 }), /timed out after 200 ms/);
    await assert.rejects(fetchToCache('file:///etc/passwd', local), /Only http\(s\)/);
    const got = await fetchToCache(`${base}/big.bin`, local);
    assert.deepEqual([got.data.length, got.fromCache], [5000, false]);
    assert.equal((await fetchToCache(`${base}/big.bin`, local)).fromCache, true);
  });
});

describe('nsfwjs fallback image encoder', () => {
  let saved: string | undefined;
  before(() => {
    saved = process.env.GENRE_LENS_MODELS;
    delete process.env.GENRE_LENS_MODELS;
  });
  after(() => {
    if (saved !== undefined) process.env.GENRE_LENS_MODELS = saved;
  });

  it('is refused without allowFallback', async () => {
    await assert.rejects(
      createImageEncoder({ modelsDir: path.join(tmp, 'no-models'), allowFallback: false }),
      /Image encoder unavailable: mobilenetv2-12-int8.onnx was not found \(looked in .*no-models\)/,
    );
  });

  it('is used, with a warning, when the ONNX model is absent or corrupt, and gives 1280-d features', { skip: noShared }, async () => {
    const corruptDir = path.join(tmp, 'corrupt-models');
    await fs.mkdir(corruptDir, { recursive: true });
    await fs.writeFile(path.join(corruptDir, MOBILENETV2_INT8_FILE), 'not a model');
    await assert.rejects(createImageEncoder({ modelsDir: corruptDir, allowFallback: false }), /sha256 mismatch/);

    const { encoder, warning } = await createImageEncoder({ modelsDir: corruptDir, allowFallback: true });
    try {
      assert.match(warning ?? '', /fallback.*sha256 mismatch/);
      const id = encoder.identity();
      assert.deepEqual([id.dim, id.fallback], [1280, true]);
      assert.match(id.source, /fallback/);
      const posters = await posterFiles(3);
      const res = await encoder.encode([...posters, { kind: 'buffer', data: Buffer.from('garbage') }]);
      assert.deepEqual(res.missing, [false, false, false, true]);
      res.vectors.slice(0, 3).forEach(assertPooledFeature);
      assert.equal(norm(res.vectors[3]), 0);
      assert.ok(maxAbsDiff(res.vectors[0], res.vectors[1]) > 1e-3);
    } finally {
      await encoder.dispose();
    }
  });

  it('is not marked as a fallback when the user chose it', async () => {
    const { encoder, warning } = await createImageEncoder({ model: 'nsfwjs', allowFallback: false });
    try {
      assert.deepEqual([warning, encoder.identity().fallback, encoder.identity().id], [null, false, 'nsfwjs-mobilenetv2-pooled']);
    } finally {
      await encoder.dispose();
    }
  });
});
