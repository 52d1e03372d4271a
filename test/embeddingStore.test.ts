// Tests for the embedding store (embeddingStore.ts, embeddingCache.ts, features.ts): two processes writing at once, a
// writer killed mid-write, LRU eviction under a tiny cap, one edited row re-encoding one row, undecodable posters
// remembered, identical posters encoded once, text and posters encoded at the same time, and damaged stores bypassed.
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clearCache, cacheInfo } from '../server/engine/cacheAdmin';
import { EmbeddingCache } from '../server/engine/embeddingCache';
import { EmbeddingStore, entryFootprint, LOCK_FILE, setStoreWarningSink, STORE_FILE, storeProblem } from '../server/engine/embeddingStore';
import { parseDataset } from '../server/engine/data';
import { posterEncoder } from '../server/engine/encoders/posterPixels';
import type { EncoderIdentity, ImageEncoder, TextEncoder } from '../server/engine/encoders/types';
import { FeatureExtractor } from '../server/engine/features';

const identity = (kind: 'text' | 'image', dim: number, id = `stub-${kind}`): EncoderIdentity =>
  ({ kind, id, version: '1', dim, weightsSha256: '0'.repeat(64), source: 'test', preprocess: 'none', fallback: false });
const vec = (seed: number, dim = 4) => Float32Array.from({ length: dim }, (_, i) => seed * 10 + i);

/** Child mode: `write <dir> <from> <to> <chunk>` (then exit) or `forever <dir>` (until killed), printing committed counts. */
async function child(args: string[]): Promise<void> {
  const [mode, dir] = args;
  const cache = EmbeddingCache.open(dir, identity('text', 4));
  const from = mode === 'write' ? Number(args[2]) : 0;
  const to = mode === 'write' ? Number(args[3]) : Number.MAX_SAFE_INTEGER;
  const chunk = mode === 'write' ? Number(args[4]) : 50;
  for (let i = from; i < to; i += chunk) {
    const n = Math.min(chunk, to - i);
    cache.putMany(Array.from({ length: n }, (_, j) => ({ key: EmbeddingCache.keyOf(`row ${i + j}`), value: { vector: vec(i + j), missing: false } })));
    await cache.flush();
    process.stdout.write(`committed ${i + n}\n`);
  }
}

if (process.env.H2_STORE_CHILD) {
  child(process.argv.slice(2)).then(() => process.exit(0), (e: Error) => {
    process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  });
} else {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-store-'));
  after(() => fs.rmSync(work, { recursive: true, force: true }));
  let n = 0;
  const newDir = () => path.join(work, `s${++n}`);
  const warnings: string[] = [];
  setStoreWarningSink((m) => void warnings.push(m));
  const spawnChild = (...args: string[]) => spawn(process.execPath, ['--import', 'tsx', __filename, ...args],
    { env: { ...process.env, H2_STORE_CHILD: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = (c: ReturnType<typeof spawnChild>) => new Promise<{ code: number | null; signal: string | null; err: string }>((resolve) => {
    let err = '';
    c.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code, signal) => resolve({ code, signal, err }));
  });

  /** Every entry decodes, and the store's byte count is the sum of its entries' footprints. */
  function checkConsistent(dir: string): number {
    const store = EmbeddingStore.at(dir);
    assert.equal(store.problem, null);
    let sum = 0;
    let count = 0;
    store.scan((key, value) => {
      sum += entryFootprint(key.length, value.length, store.pageSize);
      count++;
    });
    assert.equal(store.bytes, sum, 'the counted bytes match the entries');
    return count;
  }

  test('two processes writing the same store at once: every entry lands, counted once', async () => {
    const dir = newDir();
    // Overlapping ranges: rows 300–599 are written by both.
    const [a, b] = [spawnChild('write', dir, '0', '600', '25'), spawnChild('write', dir, '300', '900', '30')];
    const [ra, rb] = await Promise.all([exited(a), exited(b)]);
    assert.equal(ra.code, 0, ra.err);
    assert.equal(rb.code, 0, rb.err);
    const cache = EmbeddingCache.open(dir, identity('text', 4));
    for (let i = 0; i < 900; i++) assert.deepEqual(cache.get(EmbeddingCache.keyOf(`row ${i}`))?.vector, vec(i), `row ${i}`);
    assert.equal(cache.size, 900);
    assert.equal(checkConsistent(dir), 900);
  });

  test('a writer killed mid-write leaves a sound store with everything it committed', async () => {
    const dir = newDir();
    const c = spawnChild('forever', dir);
    const done = exited(c);
    let committed = 0;
    await new Promise<void>((resolve) => {
      let buf = '';
      c.stdout?.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = [...buf.matchAll(/committed (\d+)/g)].pop();
        if (m) committed = Number(m[1]);
        if (committed >= 2000 && !c.killed) {
          c.kill('SIGKILL');
          resolve();
        }
      });
    });
    assert.equal((await done).signal, 'SIGKILL');
    assert.equal(storeProblem(dir), null);
    const cache = EmbeddingCache.open(dir, identity('text', 4));
    for (let i = 0; i < committed; i++) assert.deepEqual(cache.get(EmbeddingCache.keyOf(`row ${i}`))?.vector, vec(i), `row ${i}`);
    cache.putMany([{ key: EmbeddingCache.keyOf('after'), value: { vector: vec(7), missing: false } }]);
    await cache.flush();
    assert.deepEqual(cache.get(EmbeddingCache.keyOf('after'))?.vector, vec(7));
    assert.ok(checkConsistent(dir) >= committed + 1);
  });

  test('over a tiny cap, the least recently used entries are evicted first', async () => {
    const dir = newDir();
    let now = 1000;
    const probe = EmbeddingStore.at(dir, { maxBytes: 1e9, clock: () => now });
    const dim = 600; // 2,408-byte values: one overflow page each
    const one = entryFootprint(44, 8 + 4 * dim, probe.pageSize);
    const cache = EmbeddingCache.open(dir, identity('image', dim), { maxBytes: one * 10.5, clock: () => now });
    const put = async (ids: number[]) => {
      cache.putMany(ids.map((i) => ({ key: EmbeddingCache.keyOf(`p${i}`), value: { vector: vec(i, dim), missing: false } })));
      await cache.flush();
    };
    const has = (i: number) => cache.get(EmbeddingCache.keyOf(`p${i}`)) !== undefined;
    await put([0, 1, 2, 3, 4, 5, 6, 7]);
    now += 120; // later: reading 0–3 refreshes them
    [0, 1, 2, 3].forEach((i) => assert.ok(has(i)));
    await cache.flush();
    now += 120;
    await put([8, 9, 10, 11]); // 12 entries > 10.5: evict down to 90% (9 entries): the 3 oldest go
    // 0–3 were read since, 8–11 are new: 3 of 4–7 (same age; key order) are gone.
    const kept = Array.from({ length: 12 }, (_, i) => has(i));
    assert.deepEqual([...kept.slice(0, 4), ...kept.slice(8)], Array(8).fill(true));
    assert.equal(kept.slice(4, 8).filter(Boolean).length, 1);
    assert.ok(EmbeddingStore.at(dir).bytes <= one * 10.5);
    assert.equal(checkConsistent(dir), 9);
  });

  /** Stub encoders that record what they are asked to encode. */
  function countingEncoders(log: string[] = [], waitForImage = false) {
    const texts: string[] = [];
    const images: number[] = [];
    const text: TextEncoder = { id: 'stub-text', version: '1', dim: 2, identity: () => identity('text', 2),
      encode: async (batch) => {
        log.push('text start');
        texts.push(...batch);
        // Long enough for the posters to start meanwhile, when they run at the same time (bounded, so a run one after
        // the other ends and fails the test below instead of hanging).
        for (let i = 0; waitForImage && i < 100_000 && !log.includes('image start'); i++) await new Promise((r) => setImmediate(r));
        log.push('text end');
        return batch.map((t) => Float32Array.of(t.length, 1));
      }, dispose: async () => undefined };
    const inner = posterEncoder(identity('image', 1), { dim: 1, itemFloats: 1, fill: (rgb, out, o) => (out[o] = rgb[0] + 1),
      infer: async (b) => b.slice() }, 4, async () => undefined);
    const image: ImageEncoder = { ...inner, encode: async (batch, o) => {
      log.push('image start');
      images.push(batch.length);
      const r = await inner.encode(batch, o);
      log.push('image end');
      return r;
    } };
    return { encoders: { text, image }, texts, images: () => images.reduce((a, b) => a + b, 0) };
  }

  const png = fs.readFileSync(path.join(__dirname, '..', 'examples/posters/m01.png'));
  const png2 = fs.readFileSync(path.join(__dirname, '..', 'examples/posters/m02.png'));
  function dataset(dir: string, rows: { text: string; poster?: string }[]) {
    const lines = ['title,overview,poster', ...rows.map((r, i) => `T${i},"${r.text}",${r.poster ?? ''}`)];
    return parseDataset(lines.join('\n') + '\n', { fileName: path.join(dir, 'movies.csv') }).rows;
  }

  test('editing one row re-encodes that row only (text), and a second extractor reads the rest from the store', async () => {
    const cacheDir = newDir();
    const texts = Array.from({ length: 12 }, (_, i) => `a movie number ${i}`);
    const a = countingEncoders();
    await new FeatureExtractor(a.encoders, cacheDir).extract(dataset(cacheDir, texts.map((text) => ({ text }))));
    assert.equal(a.texts.length, 12);
    texts[5] = 'an edited description';
    const b = countingEncoders();
    const f = await new FeatureExtractor(b.encoders, cacheDir).extract(dataset(cacheDir, texts.map((text) => ({ text }))));
    assert.deepEqual(b.texts, ['T5. an edited description']);
    assert.equal(f.X[5 * f.layout.total], 'T5. an edited description'.length);
  });

  test('identical posters are encoded once; an undecodable poster is remembered with its reason', async () => {
    const cacheDir = newDir();
    const ds = path.join(cacheDir, 'ds');
    fs.mkdirSync(ds, { recursive: true });
    ['a.png', 'b.png', 'c.png'].forEach((f) => fs.writeFileSync(path.join(ds, f), png));
    fs.writeFileSync(path.join(ds, 'd.png'), png2);
    fs.writeFileSync(path.join(ds, 'bad.png'), Buffer.concat([png.subarray(0, 16), Buffer.alloc(200, 7)]));
    const rows = dataset(ds, ['a', 'b', 'c', 'd', 'bad'].map((p) => ({ text: p, poster: `${p}.png` })));
    const a = countingEncoders();
    const fa = await new FeatureExtractor(a.encoders, cacheDir).extract(rows);
    assert.equal(a.images(), 3, 'a/b/c share bytes: encoded once, with d and bad');
    assert.deepEqual(fa.posterMissingReason.slice(0, 4), [null, null, null, null]);
    assert.match(fa.posterMissingReason[4] ?? '', /.+/);
    const b = countingEncoders();
    const fb = await new FeatureExtractor(b.encoders, cacheDir).extract(rows);
    assert.equal(b.images(), 0, 'nothing decoded again, the bad poster included');
    assert.deepEqual(fb.posterMissingReason, fa.posterMissingReason);
    assert.deepEqual(fb.X, fa.X);
  });

  test('text and posters are encoded at the same time, rows in order, progress one phase after the other', async () => {
    const cacheDir = newDir();
    const ds = path.join(cacheDir, 'ds');
    fs.mkdirSync(ds, { recursive: true });
    fs.writeFileSync(path.join(ds, 'a.png'), png);
    const log: string[] = [];
    const a = countingEncoders(log, true);
    const events: string[] = [];
    const rows = dataset(ds, [{ text: 'one', poster: 'a.png' }, { text: 'two' }, { text: 'three', poster: 'a.png' }]);
    const f = await new FeatureExtractor(a.encoders, cacheDir).extract(rows, { onProgress: (p, d, t) => void events.push(`${p} ${d}/${t}`) });
    assert.ok(log.indexOf('image start') < log.indexOf('text end'), `the poster phase starts before the text phase ends: ${log.join(', ')}`);
    assert.deepEqual(events, ['text 3/3', 'text 3/3', 'posters 3/3']);
    assert.deepEqual([0, 1, 2].map((r) => f.X[r * f.layout.total]), ['T0. one'.length, 'T1. two'.length, 'T2. three'.length]);
    assert.deepEqual(f.posterMissingReason, [null, 'no poster given', null]);
  });

  test('a damaged store (garbage, truncated, a folder, a FIFO, wrong-size values) is bypassed with a warning, never trusted', async () => {
    const run = async (cacheDir: string) => {
      const c = countingEncoders();
      const f = await new FeatureExtractor(c.encoders, cacheDir).extract(dataset(cacheDir, [{ text: 'x' }, { text: 'y' }]));
      assert.deepEqual([f.X[0], f.X[f.layout.total]], ['T0. x'.length, 'T1. y'.length]);
      return c.texts.length;
    };
    const setups: [string, (d: string) => void, RegExp][] = [
      ['garbage', (d) => fs.writeFileSync(path.join(d, STORE_FILE), Buffer.alloc(20000, 7)), /not an LMDB file/],
      ['folder', (d) => fs.mkdirSync(path.join(d, STORE_FILE)), /a folder/],
      ['FIFO', (d) => execFileSync('mkfifo', [path.join(d, STORE_FILE)]), /a FIFO/],
      ['symlink', (d) => fs.symlinkSync('/etc/hostname', path.join(d, STORE_FILE)), /symbolic link/],
      ['lock FIFO', (d) => execFileSync('mkfifo', [path.join(d, LOCK_FILE)]), /a FIFO/],
    ];
    for (const [name, setup, re] of setups) {
      const cacheDir = newDir();
      fs.mkdirSync(path.join(cacheDir, 'embeddings'), { recursive: true });
      setup(path.join(cacheDir, 'embeddings'));
      warnings.length = 0;
      assert.equal(await run(cacheDir), 2, name);
      assert.ok(warnings.some((w) => re.test(w)), `${name}: ${warnings.join(' | ')}`);
    }
    // A sound store cut short, and one whose pages were overwritten.
    const good = newDir();
    await run(good);
    await EmbeddingStore.closeAt(path.join(good, 'embeddings'));
    const bytes = fs.readFileSync(path.join(good, 'embeddings', STORE_FILE));
    for (const [name, damaged, re] of [['truncated', bytes.subarray(0, 3 * 4096), /truncated/], ['overwritten', Buffer.concat([bytes.subarray(0, 8192),
      Buffer.alloc(bytes.length - 8192, 0x5a)]), /damaged/]] as const) {
      const cacheDir = newDir();
      fs.mkdirSync(path.join(cacheDir, 'embeddings'), { recursive: true });
      fs.writeFileSync(path.join(cacheDir, 'embeddings', STORE_FILE), damaged);
      warnings.length = 0;
      assert.equal(await run(cacheDir), 2, name);
      assert.ok(warnings.some((w) => re.test(w)), `${name}: ${warnings.join(' | ')}`);
    }
    // Values of the wrong size or not finite under the right keys: recomputed, with a warning.
    const cacheDir = newDir();
    const cache = EmbeddingCache.open(path.join(cacheDir, 'embeddings'), identity('text', 2));
    const store = EmbeddingStore.at(path.join(cacheDir, 'embeddings'));
    const key = (t: string) => Buffer.concat([Buffer.from(cache.encoderKey, 'hex'), Buffer.from(EmbeddingCache.keyOf(t), 'hex')]);
    const nan = Buffer.alloc(16);
    nan[0] = 0xe5;
    nan.writeUInt32LE(2, 4);
    nan.writeFloatLE(NaN, 8);
    const long = Buffer.alloc(3000);
    long[0] = 0xe5;
    long.writeUInt32LE(2, 4);
    store.put(Buffer.from(cache.encoderKey, 'hex'), '{}', [{ key: key('T0. x'), value: long }, { key: key('T1. y'), value: nan }]);
    await store.flush();
    warnings.length = 0;
    assert.equal(await run(cacheDir), 2);
    assert.ok(warnings.some((w) => /bytes where a 2-d vector/.test(w)) && warnings.some((w) => /not finite/.test(w)), warnings.join(' | '));
    assert.equal(await run(cacheDir), 0, 'rewritten with good values');
  });

  test('cache info counts entries per encoder; cache clear empties the store in place and removes only old .bin files', async () => {
    const cacheDir = newDir();
    const c = countingEncoders();
    await new FeatureExtractor(c.encoders, cacheDir).extract(dataset(cacheDir, [{ text: 'x' }, { text: 'y' }, { text: 'x' }]));
    const emb = path.join(cacheDir, 'embeddings');
    fs.writeFileSync(path.join(emb, `text-use-lite-${'a'.repeat(24)}.bin`), Buffer.alloc(100));
    fs.writeFileSync(path.join(emb, 'notes.txt'), 'mine');
    fs.mkdirSync(path.join(emb, `image-x-${'b'.repeat(24)}.bin`));
    const info = cacheInfo(cacheDir);
    assert.equal(info.state, 'ok');
    assert.deepEqual(info.encoders.map((e) => [e.kind, e.id, e.entries]), [['text', 'stub-text', 3]]);
    assert.deepEqual(info.legacy.map((l) => path.basename(l.file)), [`text-use-lite-${'a'.repeat(24)}.bin`]);
    const r = await clearCache(cacheDir);
    // The store stays (other processes may have it open) but holds nothing; the old .bin file is removed.
    assert.equal(r.emptied, path.join(emb, STORE_FILE));
    assert.deepEqual(r.removed.map((x) => path.basename(x.file)), [`text-use-lite-${'a'.repeat(24)}.bin`]);
    assert.deepEqual(fs.readdirSync(emb).sort(), [`image-x-${'b'.repeat(24)}.bin`, STORE_FILE, LOCK_FILE, 'notes.txt'].sort());
    const after = cacheInfo(cacheDir);
    assert.equal(after.state, 'ok');
    assert.equal(after.state === 'ok' ? after.entries : -1, 0);
    const again = countingEncoders();
    await new FeatureExtractor(again.encoders, cacheDir).extract(dataset(cacheDir, [{ text: 'x' }]));
    assert.equal(again.texts.length, 1, 'a cleared store starts empty');
  });
}
