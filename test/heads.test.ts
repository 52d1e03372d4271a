// Tests for server/engine/heads: the fusion heads' shapes, determinism, out-of-fold honesty (a held-out row's
// prediction never depends on its own or its fold's labels and features), refusal of malformed saved files naming
// the file and the field, and the blend's weights and thresholds chosen on out-of-fold predictions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blendProba, chooseBlend, fitHead, loadHead, type HeadData, type HeadName } from '../server/engine/heads/index';
import { binnedCut, simplexGrid } from '../server/engine/heads/blend';
import { encodeFloats } from '../server/engine/heads/headFiles';
import { fitLinear, LINEAR_DEFAULTS } from '../server/engine/heads/linearHead';
import { corpusOf, buildVocabulary, vectorizeCorpus, vectorizeTexts } from '../server/engine/heads/tfidfText';
import { ensureWasmBackend } from '../server/engine/encoders/tfWasm';
import { bestF1Threshold } from '../server/engine/trainer';
import { mulberry32 } from '../server/engine/random';

const N = 300, D = 24, G = 4;
const HEADS: HeadName[] = ['linear', 'tfidf', 'knn'];
const WORDS = ['space', 'love', 'murder', 'dragon'];

/** Features and texts that carry each genre (a few columns; a genre word in the text), plus noise. */
function synthetic(seed = 1): { data: HeadData; labels: Uint8Array[] } {
  const r = mulberry32(seed);
  const X = Float32Array.from({ length: N * D }, () => r() * 2 - 1);
  const labels = Array.from({ length: G }, () => new Uint8Array(N));
  const texts: string[] = [];
  for (let i = 0; i < N; i++) {
    const t: string[] = [`film ${i % 7 === 0 ? 'classic' : 'modern'}`];
    for (let g = 0; g < G; g++) {
      labels[g][i] = X[i * D + g] + 0.5 * X[i * D + g + 8] + 0.3 * (r() - 0.5) > 0.2 ? 1 : 0;
      if (labels[g][i] && r() < 0.8) t.push(`the ${WORDS[g]} story`);
      t.push(`word${Math.floor(r() * 40)}`);
    }
    texts.push(t.join(' '));
  }
  const layout = { text: { offset: 0, dim: 12 }, image: { offset: 12, dim: D - 13 }, posterMissing: D - 1, total: D };
  return { data: { X, nrow: N, layout, texts }, labels };
}

const FOLDS = [0, 1, 2].map((k) => Array.from({ length: N }, (_, i) => i).filter((i) => (i * 7) % 3 === k));
const TRAINED = [true, true, true, false];
const reader = (files: Record<string, string>) => (p: string, maxBytes: number) => {
  if (!(p in files)) throw new Error('ENOENT: no such file');
  assert.ok(maxBytes > 0);
  return files[p];
};

for (const name of HEADS) {
  test(`${name} head: shapes, untrained genres at 0, probabilities in [0, 1], and better than chance out of fold`, async () => {
    const { data, labels } = synthetic();
    const fit = await fitHead(name, data, labels, TRAINED, FOLDS, 42);
    assert.equal(fit.name, name);
    assert.equal(fit.oof.length, G);
    for (const col of fit.oof) assert.equal(col.length, N);
    const proba = await fit.model.predict(data);
    assert.equal(proba.length, G);
    for (const col of [...proba, ...fit.oof]) for (const v of col) assert.ok(v >= 0 && v <= 1, `probability ${v}`);
    assert.ok(fit.oof[3].every((v) => v === 0) && proba[3].every((v) => v === 0), 'an untrained genre gets 0');
    // The linear head's defaults stop early (measured on real embeddings), so it learns little of this toy problem;
    // the next test checks its training with more steps.
    const margin = name === 'linear' ? 0 : 0.1;
    for (let g = 0; g < 3; g++) {
      const base = (2 * labels[g].reduce((s, v) => s + v, 0)) / (N + labels[g].reduce((s, v) => s + v, 0)); // predict-all F1
      const { f1 } = bestF1Threshold(labels[g], fit.oof[g]);
      assert.ok(f1 > base + margin, `genre ${g}: OOF F1 ${f1} vs predict-all ${base}`);
    }
  });

  test(`${name} head: every TF.js tensor is disposed after fitting and predicting`, async () => {
    const tf = await ensureWasmBackend();
    const { data, labels } = synthetic();
    const before = tf.memory().numTensors;
    const fit = await fitHead(name, data, labels, TRAINED, FOLDS, 11);
    await fit.model.predict(data);
    fit.model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  test(`${name} head: the same seed gives identical files, and a loaded model predicts what the fitted one does`, async () => {
    const { data, labels } = synthetic();
    const a = await fitHead(name, data, labels, TRAINED, FOLDS, 7);
    const b = await fitHead(name, data, labels, TRAINED, FOLDS, 7);
    assert.deepEqual(b.model.files(), a.model.files());
    assert.deepEqual(b.oof, a.oof);
    const loaded = loadHead(name, reader(a.model.files()), { numFeatures: D, genres: G });
    assert.deepEqual(await loaded.predict(data), await a.model.predict(data));
    assert.deepEqual(loaded.files(), a.model.files());
  });

  test(`${name} head: a held-out row's out-of-fold prediction never depends on its fold's labels or features`, async () => {
    const { data, labels } = synthetic();
    const before = await fitHead(name, data, labels, TRAINED, FOLDS, 3);
    // Flip every label of fold 0 and scramble the features and text of all its rows but one.
    const [keep, ...others] = FOLDS[0];
    const flipped = labels.map((l) => Uint8Array.from(l, (v, i) => (FOLDS[0].includes(i) ? 1 - v : v)));
    const X = Float32Array.from(data.X);
    const texts = data.texts.slice();
    for (const r of others) {
      for (let j = 0; j < D; j++) X[r * D + j] = 100 * (j + 1);
      texts[r] = 'space love murder dragon '.repeat(5);
    }
    const after = await fitHead(name, { ...data, X, texts }, flipped, TRAINED, FOLDS, 3);
    for (let g = 0; g < G; g++) assert.equal(after.oof[g][keep], before.oof[g][keep], `genre ${g}, row ${keep}`);
    // …while the same change in the fitted rows does move it (so the probe can fail).
    const leaked = labels.map((l) => Uint8Array.from(l, (v, i) => (FOLDS[1].includes(i) ? 1 - v : v)));
    const moved = await fitHead(name, data, leaked, TRAINED, FOLDS, 3);
    assert.notEqual(moved.oof[0][keep], before.oof[0][keep]);
  });
}

test('linear head: given enough steps, the network learns the toy genres well', async () => {
  const { data, labels } = synthetic();
  const fit = await fitLinear(data, labels, TRAINED, FOLDS, 42, undefined, { ...LINEAR_DEFAULTS, learningRate: 0.01, minSteps: 100 });
  for (let g = 0; g < 3; g++) {
    const base = (2 * labels[g].reduce((s, v) => s + v, 0)) / (N + labels[g].reduce((s, v) => s + v, 0));
    const { f1 } = bestF1Threshold(labels[g], fit.oof[g]);
    assert.ok(f1 > base + 0.15, `genre ${g}: OOF F1 ${f1} vs predict-all ${base}`);
  }
});

test('fitHead refuses folds that overlap or miss rows, and stops when cancelled', async () => {
  const { data, labels } = synthetic();
  await assert.rejects(fitHead('linear', data, labels, TRAINED, [FOLDS[0], FOLDS[0], FOLDS[2]], 1), /held out by folds 0 and 1/);
  await assert.rejects(fitHead('tfidf', data, labels, TRAINED, [FOLDS[0], FOLDS[1]], 1), /held out by no fold/);
  const ac = new AbortController();
  ac.abort(new Error('stop now'));
  for (const name of HEADS) await assert.rejects(fitHead(name, data, labels, TRAINED, FOLDS, 1, ac.signal), /stop now/);
});

test('loadHead refuses malformed files, naming the file and the field', async () => {
  const { data, labels } = synthetic();
  const shape = { numFeatures: D, genres: G };
  const lin = (await fitHead('linear', data, labels, TRAINED, FOLDS, 1)).model.files();
  const tf = (await fitHead('tfidf', data, labels, TRAINED, FOLDS, 1)).model.files();
  const L = JSON.parse(lin['linear.json']), T = JSON.parse(tf['tfidf.json']);
  const refuse = (name: HeadName, file: string, content: unknown, pattern: RegExp, sh = shape) =>
    assert.throws(() => loadHead(name, reader({ [file]: typeof content === 'string' ? content : JSON.stringify(content) }), sh), pattern);
  const nan = encodeFloats([1, 2, 3, NaN]);
  refuse('linear', 'linear.json', '{"format":', /heads\/linear\.json: not valid JSON/);
  refuse('linear', 'nope.json', L, /heads\/linear\.json: ENOENT/);
  refuse('linear', 'linear.json', { ...L, numFeatures: D + 1 }, /heads\/linear\.json: numFeatures: expected 24, got 25/);
  refuse('linear', 'linear.json', { ...L, format: 'other' }, /heads\/linear\.json: format:/);
  refuse('linear', 'linear.json', { ...L, head: 'tfidf' }, /heads\/linear\.json: head:/);
  refuse('linear', 'linear.json', { ...L, nets: [{ ...L.nets[0], b1: nan }] }, /heads\/linear\.json: nets\.0\.b1: expected 4 float32 values, got 4|value 3 is not a finite/);
  refuse('linear', 'linear.json', { ...L, nets: [{ ...L.nets[0], W1: encodeFloats([1]) }] }, /heads\/linear\.json: nets\.0\.W1: expected 96 float32 values, got 1/);
  refuse('linear', 'linear.json', { ...L, nets: [{ ...L.nets[0], mean: 'not base64!' }] }, /heads\/linear\.json: nets\.0\.mean: expected base64/);
  refuse('linear', 'linear.json', { ...L, trained: [true] }, /heads\/linear\.json: trained\.length: expected 4, got 1/);
  refuse('linear', 'linear.json', L, /heads\/linear\.json: genres: expected 5, got 4/, { numFeatures: D, genres: 5 });
  refuse('tfidf', 'tfidf.json', { ...T, terms: [...T.terms].reverse() }, /heads\/tfidf\.json: terms\.1: terms must be distinct and in ascending order/);
  refuse('tfidf', 'tfidf.json', { ...T, weights: encodeFloats([0]) }, /heads\/tfidf\.json: weights: expected \d+ float32 values, got 1/);
  refuse('tfidf', 'tfidf.json', { ...T, bias: encodeFloats([0, 0, 0, Infinity]) }, /heads\/tfidf\.json: bias: value 3 is not a finite number/);
  const K = JSON.parse((await fitHead('knn', data, labels, TRAINED, FOLDS, 1)).model.files()['knn.json']);
  refuse('knn', 'knn.json', { ...K, labels: Buffer.alloc(K.rows * G, 2).toString('base64') }, /heads\/knn\.json: labels: value 0 is 2, expected 0 or 1/);
  refuse('knn', 'knn.json', { ...K, vectors: Buffer.alloc(5).toString('base64') }, /heads\/knn\.json: vectors \(bytes\): expected \d+, got 5/);
  refuse('knn', 'knn.json', { ...K, k: 0 }, /heads\/knn\.json: k:/);
  refuse('tfidf', 'tfidf.json', { ...T, terms: 'a b' }, /heads\/tfidf\.json: terms:/);
  assert.throws(() => loadHead('linear', () => { throw new Error('larger than 67108864 bytes'); }, shape), /heads\/linear\.json: larger than/);
  assert.throws(() => loadHead('knn', reader({}), shape), /heads\/knn\.json: ENOENT/);
});

test('tfidf: the vectors of training rows and of the same texts given anew are identical', () => {
  const texts = ['The space war, the space station', 'Love in Paris; love lost', "A dragon's tale", 'space love', 'x'];
  const corpus = corpusOf(texts, true);
  const rows = [0, 1, 2, 3, 4];
  const { vocab, column } = buildVocabulary(corpus, rows, { minDf: 1, maxDfFraction: 1, maxTerms: 100, bigrams: true });
  assert.ok(vocab.terms.includes('space war') && vocab.terms.includes("dragon's") && !vocab.terms.includes('x'));
  assert.deepEqual(vectorizeTexts(texts, vocab, true), vectorizeCorpus(corpus, rows, vocab, column));
  const small = buildVocabulary(corpus, [0, 3], { minDf: 2, maxDfFraction: 1, maxTerms: 100, bigrams: true }).vocab;
  assert.deepEqual(small.terms, ['space']);
});

test('binnedCut finds bestF1Threshold\'s cut when scores sit on bins, and never a better one otherwise', () => {
  const r = mulberry32(9);
  const bins = 64;
  const pos = new Int32Array(bins), all = new Int32Array(bins);
  for (let trial = 0; trial < 30; trial++) {
    const truth = Uint8Array.from({ length: 500 }, () => (r() < 0.2 ? 1 : 0));
    const onBins = trial % 2 === 1;
    const scores = Float64Array.from(truth, (t) => (onBins ? (Math.floor(r() * bins * 0.7) + t * 10) / bins : (r() * (1 + t)) / 2));
    const { threshold, f1 } = bestF1Threshold(truth, scores);
    const cut = binnedCut(truth, scores, pos, all);
    if (onBins) {
      assert.equal(cut.f1, f1);
      assert.equal(cut.predicted, scores.filter((s) => s >= threshold).length);
    } else {
      assert.ok(cut.f1 <= f1 && cut.f1 > f1 - 0.05, `binned ${cut.f1} vs exact ${f1}`);
    }
    assert.equal(cut.f1, (2 * cut.tp) / (cut.predicted + truth.reduce((s, v) => s + v, 0)));
  }
});

test('chooseBlend: weights on the simplex grid, thresholds and F1 of the out-of-fold blend', () => {
  const r = mulberry32(5);
  const n = 400;
  const labels = Array.from({ length: 3 }, () => Uint8Array.from({ length: n }, () => (r() < 0.3 ? 1 : 0)));
  const good = labels.map((l) => Float32Array.from(l, (v) => Math.min(1, Math.max(0, 0.3 + 0.35 * (v - 0.5) + 0.3 * (r() - 0.5)))));
  const noise = labels.map((l) => Float32Array.from(l, () => r()));
  const trained = [true, true, false];
  const ch = chooseBlend([{ name: 'noise', oof: noise }, { name: 'good', oof: good }], labels, trained);
  assert.equal(ch.weights.length, 2);
  assert.ok(Math.abs(ch.weights[0] + ch.weights[1] - 1) < 1e-12);
  assert.ok(ch.weights[1] >= 0.8, `the informative component dominates: ${ch.weights}`);
  const blended = blendProba([noise, good].map((c) => c.map((col) => Float64Array.from(col))), ch.weights);
  for (let g = 0; g < 2; g++) {
    const expected = bestF1Threshold(labels[g], blended[g]);
    assert.equal(ch.thresholds[g], expected.threshold);
    assert.equal(ch.oofF1[g], expected.f1);
  }
  assert.equal(ch.thresholds[2], 1);
  assert.equal(ch.oofF1[2], 0);
  // Every grid point scores no better than the chosen one.
  const single = chooseBlend([{ name: 'good', oof: good }], labels, trained);
  assert.ok(ch.oofMicroF1 >= single.oofMicroF1 - 1e-12);
  assert.deepEqual(simplexGrid(3, 2), [[0, 0, 1], [0, 0.5, 0.5], [0, 1, 0], [0.5, 0, 0.5], [0.5, 0.5, 0], [1, 0, 0]]);
  assert.deepEqual(blendProba([[Float64Array.of(1, 0)], [Float64Array.of(0, 1)]], [0.25, 0.75]), [Float64Array.of(0.25, 0.75)]);
  assert.throws(() => chooseBlend([{ name: 'x', oof: [new Float32Array(3)] }], labels, trained), /x: 1 genres/);
});
