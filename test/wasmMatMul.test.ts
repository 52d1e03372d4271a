// Tests for the XNNPACK BatchMatMul kernel that tfWasm.ts installs on tfjs's wasm backend: every transpose and
// batch combination equals the stock kernel's product up to float rounding, broadcasts still work, nothing leaks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { ensureWasmBackend } from '../server/engine/encoders/tfWasm';

/** Deterministic values in [-1, 1) (no Math.random). */
const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => (((i * 2654435761 + seed * 40503) >>> 0) % 2000) / 1000 - 1);

/** The product computed in float64 with plain loops: out[batch][i][j]. */
function reference(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, tA: boolean, tB: boolean, bBatch = batch) {
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const q = bBatch === 1 ? 0 : p;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[p * m * k + (tA ? t * m + i : i * k + t)] * b[q * k * n + (tB ? j * k + t : t * n + j)];
      out[(p * m + i) * n + j] = s;
    }
  }
  return out;
}

describe('wasm BatchMatMul (XNNPACK per batch entry)', () => {
  it('matches a float64 reference for every transpose and batch shape', async () => {
    await ensureWasmBackend();
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc.name, 'xnnpackBatchMatMul', 'the fast kernel is installed');
    const before = tf.memory().numTensors;
    for (const [outer, m, k, n] of [[[1], 5, 7, 3], [[3], 4, 6, 5], [[2, 3], 17, 33, 9], [[1, 1], 1, 1, 1]] as [number[], number, number, number][]) {
      const batch = outer.reduce((x, y) => x * y, 1);
      for (const tA of [false, true]) for (const tB of [false, true]) {
        const av = values(batch * m * k, 1), bv = values(batch * k * n, 2);
        const a = tf.tensor(av, [...outer, ...(tA ? [k, m] : [m, k])]);
        const b = tf.tensor(bv, [...outer, ...(tB ? [n, k] : [k, n])]);
        const got = tf.matMul(a, b, tA, tB);
        assert.deepEqual(got.shape, [...outer, m, n]);
        const data = await got.data();
        const want = reference(av, bv, batch, m, k, n, tA, tB);
        want.forEach((w, i) => assert.ok(Math.abs(data[i] - w) <= 1e-5 * (1 + Math.abs(w)), `${outer} ${m}x${k}x${n} tA=${tA} tB=${tB} [${i}]: ${data[i]} vs ${w}`));
        tf.dispose([a, b, got]);
      }
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor leaked');
  });

  it('leaves broadcast batches to the stock kernel, which still gets them right', async () => {
    await ensureWasmBackend();
    const av = values(3 * 4 * 5, 3), bv = values(5 * 2, 4);
    const got = tf.tidy(() => tf.matMul(tf.tensor(av, [3, 4, 5]), tf.tensor(bv, [1, 5, 2])));
    const data = await got.data();
    reference(av, bv, 3, 4, 5, 2, false, false, 1).forEach((w, i) => assert.ok(Math.abs(data[i] - w) <= 1e-5 * (1 + Math.abs(w))));
    got.dispose();
  });

  it('gives the same bytes on every call (per-call XNNPACK operators never reuse a stale packing)', async () => {
    await ensureWasmBackend();
    const run = () => tf.tidy(() => tf.matMul(tf.tensor(values(4 * 8 * 8, 5), [4, 8, 8]), tf.tensor(values(4 * 8 * 8, 6), [4, 8, 8]), false, true));
    const x = run(), y = run();
    const z = tf.tidy(() => tf.matMul(tf.tensor(values(4 * 8 * 8, 5), [4, 8, 8]), tf.tensor(values(4 * 8 * 8, 7), [4, 8, 8]), false, true));
    assert.deepEqual(await x.data(), await y.data());
    assert.notDeepEqual(await x.data(), await z.data());
    tf.dispose([x, y, z]);
  });
});
