// Tests for USE-Lite's worker threads (useLitePool.ts, useLite.ts): vectors are the same bytes with 1 and 2 threads,
// and batches of a worker that cannot start or dies are embedded on the calling thread instead.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { loadUseLite } from '../server/engine/encoders/useLite';
import { UseLitePool } from '../server/engine/encoders/useLitePool';

/** A fake embedder: row r becomes [sum of ids, length]. */
const fake = async (ids: number[][]) => Float32Array.from(ids.flatMap((row) => [row.reduce((a, b) => a + b, 0), row.length]));

describe('USE-Lite worker pool', () => {
  it('embeds on the calling thread when its workers fail to start or die mid-batch', async () => {
    const broken = new UseLitePool(2, 100, 'x', fake, () => new Worker('throw new Error("no model here")', { eval: true }));
    const dying = new UseLitePool(1, 100, 'x', fake, () => new Worker(
      'require("node:worker_threads").parentPort.on("message", () => process.exit(3))', { eval: true }));
    try {
      for (const pool of [broken, dying]) {
        const got = await Promise.all([[[1, 2, 3]], [[4], [5, 6]]].map((ids) => pool.embed(ids)));
        assert.deepEqual(got.map((a) => Array.from(a)), [[6, 3], [4, 1, 11, 2]]);
      }
    } finally {
      await broken.dispose();
      await dying.dispose();
    }
  });

  it('gives byte-identical vectors with one thread and with two', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `Film ${i}: ${'a detective chases a thief across the city at night. '.repeat(1 + (i % 5))}`);
    texts[7] = '   ';
    const one = await loadUseLite({ batchSize: 8, threads: 1 });
    const two = await loadUseLite({ batchSize: 8, threads: 2 });
    try {
      const progress: number[] = [];
      const [a, b] = [await one.encode(texts), await two.encode(texts, { onProgress: (done) => progress.push(done) })];
      assert.equal(b.length, texts.length);
      a.forEach((v, i) => assert.deepEqual(Buffer.from(b[i].buffer, b[i].byteOffset, b[i].byteLength),
        Buffer.from(v.buffer, v.byteOffset, v.byteLength), `text ${i}`));
      assert.ok(b[7].every((x) => x === 0), 'blank text → zero vector');
      assert.equal(progress.at(-1), texts.length);
      assert.ok(progress.every((d, i) => i === 0 || d > progress[i - 1]), 'progress only grows');
    } finally {
      await one.dispose();
      await two.dispose();
    }
  });
});
