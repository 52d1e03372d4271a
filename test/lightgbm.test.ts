// Tests for the LightGBM wasm API and the one-vs-rest trainer on small synthetic data with a known signal.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LightGBMError, loadLightGBM } from '../server/engine/lightgbm/lightgbm';
import { bestF1Threshold, OneVsRestPredictor, trainOneVsRest } from '../server/engine/trainer';
import { mulberry32 } from '../server/engine/random';

/** n rows × d features, uniform in [0,1); genre g is positive when feature g plus a little noise exceeds `cut[g]`. */
function synthetic(n: number, d: number, cuts: number[], seed = 7) {
  const rand = mulberry32(seed);
  const X = new Float32Array(n * d);
  for (let i = 0; i < X.length; i++) X[i] = rand();
  const labels = cuts.map((cut, g) => Uint8Array.from({ length: n }, (_, i) => (X[i * d + g] + 0.1 * rand() > cut ? 1 : 0)));
  return { X, labels };
}

test('a booster learns, predicts probabilities, round-trips through its text format, and SHAP sums to the raw score', async () => {
  const lgb = await loadLightGBM();
  const n = 1000, d = 6;
  const { X, labels } = synthetic(n, d, [0.6]);
  const ds = lgb.createDataset(X, n, d, { max_bin: 63, verbose: -1 });
  ds.setField('label', Float32Array.from(labels[0]));
  const booster = lgb.createBooster(ds, { objective: 'binary', verbose: -1, seed: 1, deterministic: true, num_threads: 1 });
  for (let i = 0; i < 30; i++) booster.updateOneIter();
  assert.equal(booster.currentIteration(), 30);
  const p = booster.predict(X, n, d);
  assert.equal(p.length, n);
  const acc = p.reduce((s, v, i) => s + ((v >= 0.5 ? 1 : 0) === labels[0][i] ? 1 : 0), 0) / n;
  assert.ok(acc > 0.9, `training accuracy ${acc}`);
  const text = booster.saveModelToString();
  assert.match(text, /^tree\nversion=v4/);
  const reloaded = lgb.loadBooster(text);
  assert.deepEqual(reloaded.predict(X, n, d), p);
  const contrib = booster.predict(X.subarray(0, d), 1, d, 'contrib');
  assert.equal(contrib.length, d + 1);
  const raw = booster.predict(X.subarray(0, d), 1, d, 'raw')[0];
  assert.ok(Math.abs(contrib.reduce((s, v) => s + v, 0) - raw) < 1e-9);
  // The signal is in feature 0, so it carries the largest SHAP magnitude.
  const top = Array.from(contrib.subarray(0, d)).map(Math.abs).reduce((bi, v, i, a) => (v > a[bi] ? i : bi), 0);
  assert.equal(top, 0);
  booster.free();
  reloaded.free();
  ds.free();
});

test("LightGBM's own error text arrives as a typed LightGBMError", async () => {
  const lgb = await loadLightGBM();
  const X = new Float32Array(40);
  const ds = lgb.createDataset(X, 20, 2, { verbose: -1 });
  assert.throws(() => lgb.createBooster(ds, { objective: 'no_such_objective', verbose: -1 }),
    (e: unknown) => e instanceof LightGBMError && e.call === 'BoosterCreate' && /Unknown objective type name: no_such_objective/.test(e.message));
  assert.throws(() => lgb.loadBooster('not a model'), LightGBMError);
  assert.throws(() => ds.setField('label', new Float32Array(3)), RangeError);
  assert.throws(() => lgb.createDataset(X, 3, 3), RangeError);
});

test('bestF1Threshold picks the F1-maximising cut between distinct scores', () => {
  // Scores sorted: 0.9(1) 0.8(1) 0.7(0) 0.6(1) 0.2(0). Cuts: top1 F1=2/4, top2 F1=4/5, top3 4/6, top4 6/7, top5 6/8.
  const r = bestF1Threshold(Uint8Array.from([1, 0, 1, 1, 0]), Float64Array.from([0.9, 0.7, 0.8, 0.6, 0.2]));
  assert.ok(Math.abs(r.f1 - 6 / 7) < 1e-12);
  assert.ok(Math.abs(r.threshold - 0.4) < 1e-12); // midway between 0.6 and 0.2
  assert.deepEqual(bestF1Threshold(new Uint8Array(3), Float64Array.from([0.1, 0.2, 0.3])), { threshold: 1, f1: 0 });
});

test('one-vs-rest training is deterministic, thresholds come from out-of-fold scores, rare genres are reported', async () => {
  const n = 800, d = 8;
  const { X, labels } = synthetic(n, d, [0.5, 0.8, 0.3]);
  const rare = new Uint8Array(n);
  rare[3] = rare[10] = 1;
  const genres = ['A', 'B', 'C', 'Rare'];
  const opts = { seed: 3, workers: 2, maxRounds: 60, patience: 10, folds: 3 };
  const progress: string[] = [];
  const m1 = await trainOneVsRest(X, n, d, [...labels, rare], genres, opts, (p) => progress.push(`${p.done}/${p.total}`));
  const m2 = await trainOneVsRest(X, n, d, [...labels, rare], genres, opts);
  assert.deepEqual(progress.sort(), ['1/3', '2/3', '3/3']);
  assert.deepEqual(m1.genres.map((g) => g.model), m2.genres.map((g) => g.model), 'same seed → identical boosters');
  assert.deepEqual(m1.genres.map((g) => g.threshold), m2.genres.map((g) => g.threshold));
  assert.equal(m1.genres[3].model, null);
  assert.match(m1.warnings.join('\n'), /Rare: only 2 training rows/);
  for (const g of m1.genres.slice(0, 3)) {
    assert.ok(g.oofF1 > 0.8, `${g.genre} out-of-fold F1 ${g.oofF1}`);
    assert.ok(g.threshold > 0 && g.threshold < 1);
    assert.ok(g.bestIteration >= 1 && g.bestIteration <= 60);
  }
  const m3 = await trainOneVsRest(X, n, d, labels, genres.slice(0, 3), { ...opts, seed: 4 });
  assert.notDeepEqual(m3.genres.map((g) => g.model), m1.genres.slice(0, 3).map((g) => g.model), 'another seed → other boosters');

  // Held-out rows from the same distribution are predicted well with the chosen thresholds.
  const test = synthetic(400, d, [0.5, 0.8, 0.3], 99);
  const predictor = await OneVsRestPredictor.load(m1);
  const decisions = predictor.decide(predictor.predictProba(test.X, 400));
  for (let g = 0; g < 3; g++) {
    const agree = decisions[g].reduce((s, v, i) => s + (v === test.labels[g][i] ? 1 : 0), 0) / 400;
    assert.ok(agree > 0.85, `genre ${g} held-out accuracy ${agree}`);
  }
  assert.ok(decisions[3].every((v) => v === 0), 'an untrained genre is never predicted');
  predictor.dispose();
});

test('an aborted training rejects with TrainingCancelled', async () => {
  const { X, labels } = synthetic(600, 6, [0.5, 0.5]);
  const ac = new AbortController();
  const run = trainOneVsRest(X, 600, 6, labels, ['A', 'B'], { workers: 2, maxRounds: 2000, patience: 2000 }, undefined, ac.signal);
  setTimeout(() => ac.abort(), 300); // mid-training: 2,000 rounds take far longer
  await assert.rejects(run, { name: 'TrainingCancelled' });
});
