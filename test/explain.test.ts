// Tests for server/engine/explain.ts on a tiny blended model (LightGBM + linear + TF-IDF + kNN) fitted on synthetic
// rows: LightGBM's and the linear head's bias + text + poster equal their raw log-odds (the booster's raw score, the
// networks' logits computed independently), shares stay in [0, 1], a model without poster evidence is all text, the
// share rule, and the explanation in the predictions CSV/JSON (hostile genre names neutralised).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { BlendPredictor, fitBlended, type BlendedFit } from '../server/engine/blendModel';
import { blendTextShare, explainRows, type GenreWhy, textShareOf, whyText } from '../server/engine/explain';
import type { HeadData } from '../server/engine/heads';
import { fitLinear, isDecomposable, LINEAR_DEFAULTS, predictNet, type Net } from '../server/engine/heads/linearHead';
import { predictionsCsv, predictionsJson } from '../server/engine/predictionsOut';
import type { Prediction } from '../server/engine/predict';
import { mulberry32 } from '../server/engine/random';

const N = 240, T = 10, I = 8, D = T + I + 1;
const GENRES = ['Drama', 'Comedy', 'Horror', 'Rare'];
const layout = { text: { offset: 0, dim: T }, image: { offset: T, dim: I }, posterMissing: T + I, total: D };
const WORDS = ['tears', 'jokes', 'blood', 'odd'];

/** Rows whose genres depend on text columns (Drama, Comedy), poster columns (Horror, Comedy) and the missing flag. */
function synthetic(textOnly: boolean, seed = 3): { data: HeadData; labels: Uint8Array[] } {
  const r = mulberry32(seed);
  const X = new Float32Array(N * D);
  const labels = GENRES.map(() => new Uint8Array(N));
  const texts: string[] = [];
  for (let i = 0; i < N; i++) {
    const o = i * D;
    for (let j = 0; j < T; j++) X[o + j] = r() * 2 - 1;
    const missing = textOnly || r() < 0.2;
    X[o + layout.posterMissing] = missing ? 1 : 0;
    if (!missing) for (let j = 0; j < I; j++) X[o + T + j] = r() * 2 - 1;
    const poster = textOnly ? 0 : X[o + T] + 0.5 * X[o + T + 1];
    const y = [X[o] + 0.3 * (r() - 0.5) > 0.1, X[o + 1] + (textOnly ? 0 : 0.7 * poster) > 0.2,
      (textOnly ? X[o + 2] : poster) + 0.2 * (r() - 0.5) > 0.3, i % 50 === 0];
    const words = ['film', `w${Math.floor(r() * 30)}`];
    y.forEach((on, g) => {
      labels[g][i] = on ? 1 : 0;
      if (on && r() < 0.7) words.push(WORDS[g]);
    });
    texts.push(words.join(' '));
  }
  return { data: { X, nrow: N, layout, texts }, labels };
}

const fitOptions = { maxRounds: 40, patience: 10, workers: 2, seed: 7 };

async function fitted(textOnly: boolean): Promise<{ fit: BlendedFit; predictor: BlendPredictor; data: HeadData }> {
  const { data, labels } = synthetic(textOnly);
  const fit = await fitBlended(data, labels, GENRES, ['linear', 'tfidf', 'knn'], fitOptions, () => undefined);
  assert.ok(fit.blend, 'a blend with heads');
  const predictor = await BlendPredictor.create(fit.lgbm, fit.heads.map((h) => h.model), fit.blend, fit.blend.thresholds);
  return { fit, predictor, data };
}

async function explained(p: { predictor: BlendPredictor; data: HeadData }): Promise<{ why: GenreWhy[][]; proba: Float64Array[] }> {
  const components = await p.predictor.components(p.data);
  const proba = p.predictor.blend(components);
  return { why: explainRows(p.predictor, p.data, GENRES, components, proba, p.predictor.decide(proba)), proba };
}

/** A saved network read back from the head's own file (independent of the decomposition code). */
function netsOf(files: Record<string, string>): Net[] {
  const f32 = (b64: string) => {
    const b = Buffer.from(b64, 'base64');
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  };
  const file = JSON.parse(files['linear.json']) as { nets: Record<string, string | number>[] };
  return file.nets.map((n) => ({ hidden: n.hidden as number, mean: f32(n.mean as string), scale: f32(n.scale as string),
    W1: f32(n.W1 as string), b1: f32(n.b1 as string), W2: f32(n.W2 as string), b2: f32(n.b2 as string) }));
}

/** One network's logits of one row in float64, by a plain forward pass. */
function netLogits(net: Net, x: Float32Array, G: number): number[] {
  const z = Array.from(x, (v, i) => (v - net.mean[i]) * net.scale[i]);
  const h = net.hidden, width = h > 0 ? h : G;
  const a = Array.from({ length: width }, (_, j) => net.b1[j] + z.reduce((s, zi, i) => s + zi * net.W1[i * width + j], 0));
  if (h === 0) return a;
  return Array.from({ length: G }, (_, g) => net.b2[g] + a.reduce((s, aj, j) => s + Math.max(0, aj) * net.W2[j * G + g], 0));
}

let full: Awaited<ReturnType<typeof fitted>>;
let fullWhy: Awaited<ReturnType<typeof explained>>;

before(async () => {
  full = await fitted(false);
  fullWhy = await explained(full);
});

test('LightGBM: bias + text + poster equals the booster\'s raw score for every row and genre', () => {
  const raw = GENRES.map((_, g) => full.predictor.raw(g, full.data.X, N));
  let checked = 0, posterSeen = false;
  fullWhy.why.forEach((row, r) => row.forEach((w) => {
    const g = GENRES.indexOf(w.genre);
    const c = w.components.find((x) => x.name === 'lightgbm');
    assert.ok(c && c.raw !== undefined && c.bias !== undefined);
    assert.ok(Math.abs(c.bias + c.text + c.poster - raw[g][r]) < 1e-6, `row ${r} ${w.genre}: ${c.bias}+${c.text}+${c.poster} vs ${raw[g][r]}`);
    assert.ok(Math.abs(c.raw - raw[g][r]) < 1e-6);
    if (r % 9 === 0) {
      // Attribution: text = the text columns' SHAP values, poster = the poster columns' and the missing flag's.
      const shap = full.predictor.contributions(g, full.data.X.subarray(r * D, (r + 1) * D), 1);
      const sum = (from: number, to: number) => shap.subarray(from, to).reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(c.text - sum(0, T)) < 1e-9 && Math.abs(c.poster - sum(T, D)) < 1e-9 && c.bias === shap[D]);
    }
    posterSeen ||= c.poster !== 0;
    checked++;
  }));
  assert.equal(checked, N * 3, 'every row, every trained genre (Rare is untrained and left out)');
  assert.ok(posterSeen, 'the poster columns carry evidence');
  assert.ok(fullWhy.why.every((row) => row.every((w) => w.genre !== 'Rare')));
});

test('linear head: bias + text + poster equals the mean of its networks\' logits, which match their probabilities', async () => {
  const head = full.fit.heads.find((h) => h.name === 'linear')?.model;
  assert.ok(head && isDecomposable(head));
  const nets = netsOf(head.files());
  assert.equal(nets.length, 3, 'the three fold networks');
  const G = GENRES.length;
  const rows = Array.from({ length: N }, (_, i) => i);
  const probs = await Promise.all(nets.map((net) => predictNet(net, full.data.X, D, rows, G)));
  for (let r = 0; r < N; r += 7) {
    const x = full.data.X.subarray(r * D, (r + 1) * D);
    const logits = nets.map((net) => netLogits(net, x, G));
    logits.forEach((l, k) => l.forEach((v, g) => assert.ok(Math.abs(1 / (1 + Math.exp(-v)) - probs[k][g][r]) < 1e-5, 'logit matches TF.js')));
    for (const w of fullWhy.why[r]) {
      const g = GENRES.indexOf(w.genre);
      const c = w.components.find((x) => x.name === 'linear');
      assert.ok(c && c.raw !== undefined && c.bias !== undefined);
      const want = logits.reduce((s, l) => s + l[g], 0) / nets.length;
      assert.ok(Math.abs(c.bias + c.text + c.poster - want) < 1e-6, `row ${r} ${w.genre}: ${c.bias + c.text + c.poster} vs ${want}`);
      assert.ok(Math.abs(c.raw - want) < 1e-6);
      // Attribution: the poster's part is the image columns' and the missing flag's weight × standardised value.
      const poster = nets.reduce((s, net) => {
        let p = 0;
        for (let i = T; i < D; i++) p += net.W1[i * G + g] * (x[i] - net.mean[i]) * net.scale[i];
        return s + p / nets.length;
      }, 0);
      assert.ok(Math.abs(c.poster - poster) < 1e-9, `poster part ${c.poster} vs ${poster}`);
      assert.ok(Math.abs(c.bias - nets.reduce((s, net) => s + net.b1[g] / nets.length, 0)) < 1e-9);
    }
  }
});

test('linear head with a ReLU layer: the linear-region decomposition still sums to the logit', async () => {
  const { data, labels } = synthetic(false, 11);
  const folds = [0, 1, 2].map((k) => Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 === k));
  const fit = await fitLinear(data, labels, [true, true, true, false], folds, 5, undefined, { ...LINEAR_DEFAULTS, hidden: 6, epochs: 3 });
  assert.ok(isDecomposable(fit.model));
  const parts = fit.model.logitParts(data);
  const nets = netsOf(fit.model.files());
  assert.ok(nets[0].hidden === 6);
  for (let r = 0; r < N; r += 5) {
    const logits = nets.map((net) => netLogits(net, data.X.subarray(r * D, (r + 1) * D), GENRES.length));
    for (let g = 0; g < 3; g++) {
      const want = logits.reduce((s, l) => s + l[g], 0) / nets.length;
      const got = parts.bias[g][r] + parts.text[g][r] + parts.poster[g][r];
      assert.ok(Math.abs(got - want) < 1e-6, `row ${r} genre ${g}: ${got} vs ${want}`);
    }
    assert.equal(parts.bias[3][r] + parts.text[3][r] + parts.poster[3][r], 0, 'untrained genre');
  }
});

test('shares are in [0, 1], probabilities are the blend\'s, and TF-IDF/kNN count as text only', () => {
  fullWhy.why.forEach((row, r) => row.forEach((w) => {
    const g = GENRES.indexOf(w.genre);
    assert.equal(w.probability, fullWhy.proba[g][r]);
    assert.ok(w.textShare >= 0 && w.textShare <= 1, `textShare ${w.textShare}`);
    assert.deepEqual(w.components.map((c) => c.name), ['lightgbm', 'linear', 'tfidf', 'knn']);
    for (const c of w.components) {
      const s = textShareOf(c);
      assert.ok(s >= 0 && s <= 1);
      if (c.name === 'tfidf' || c.name === 'knn') assert.ok(c.poster === 0 && c.raw === undefined && s === 1);
    }
  }));
  // Horror is learnt from the poster: on average its evidence is mostly the poster's, Drama's mostly the text's.
  const mean = (genre: string) => fullWhy.why.reduce((s, row) => s + (row.find((w) => w.genre === genre)?.textShare ?? 0), 0) / N;
  assert.ok(mean('Drama') > mean('Horror'), `Drama ${mean('Drama')} vs Horror ${mean('Horror')}`);
});

test('a model without poster evidence (no posters at all) has textShare 1 for every genre', async () => {
  const textOnly = await fitted(true);
  const { why } = await explained(textOnly);
  assert.ok(why.length === N && why.every((row) => row.length === 3));
  for (const row of why) {
    for (const w of row) {
      assert.equal(w.textShare, 1, w.genre);
      for (const c of w.components) assert.equal(c.poster, 0, `${w.genre} ${c.name}`);
    }
  }
});

test('the share rule: weight × probability weighs each component\'s |text| / (|text| + |poster|)', () => {
  const c = (weight: number, probability: number, text: number, poster: number) => ({ name: 'lightgbm' as const, weight, probability, text, poster });
  assert.equal(textShareOf({ text: 3, poster: -1 }), 0.75);
  assert.equal(textShareOf({ text: 0, poster: 0 }), 1, 'no poster evidence: all text');
  assert.equal(textShareOf({ text: 0, poster: 2 }), 0);
  assert.ok(Math.abs(blendTextShare([c(0.5, 0.8, 1, 0), c(0.5, 0.2, 0, 1)]) - 0.8) < 1e-12);
  assert.equal(blendTextShare([c(0.5, 0, 1, 1), c(0.5, 0, 1, 0)]), 0.75, 'all probabilities 0: by weight');
});

const at = { line: 4, character: 0, offset: 0 };
const pred = (why: GenreWhy[]): Prediction => ({ row: { index: 0, title: 'X', text: '', genres: null, poster: null,
  range: { file: 'x.csv', start: at, end: at } }, proba: [0.9, 0.8], predicted: ['Drama', '=cmd'], posterMissing: null, why });
const whys: GenreWhy[] = [
  { genre: 'Drama', probability: 0.9, predicted: true, textShare: 0.724, components: [{ name: 'lightgbm', weight: 1, probability: 0.9, raw: 1.5, bias: -1, text: 2, poster: 0.5 }] },
  { genre: '=cmd', probability: 0.8, predicted: true, textShare: 0.3, components: [] },
  { genre: 'Comedy', probability: 0.1, predicted: false, textShare: 0.5, components: [] },
];

test('predict --explain output: a CSV why column (formula-safe) and JSON why', () => {
  assert.equal(whyText(whys), 'Drama: description 72% · poster 28%; =cmd: description 30% · poster 70%');
  const rows = parse(predictionsCsv([pred(whys), pred([])], ['Drama', '=cmd'], { why: true })) as string[][];
  assert.equal(rows[0].at(-1), 'why');
  assert.equal(rows[1].at(-1), 'Drama: description 72% · poster 28%; =cmd: description 30% · poster 70%');
  assert.equal(rows[2].at(-1), '', 'nothing predicted with a why: an empty cell');
  const hostile = parse(predictionsCsv([pred([whys[1]])], ['Drama', '=cmd'], { why: true })) as string[][];
  assert.equal(hostile[1].at(-1), "'=cmd: description 30% · poster 70%", 'a genre name that is a formula is neutralised');
  assert.ok(!predictionsCsv([pred(whys)], ['Drama', '=cmd']).includes('why'), 'no why column without --explain');
  const json = JSON.parse(predictionsJson([pred(whys)], ['Drama', '=cmd'])) as { why: GenreWhy[] }[];
  assert.equal(json[0].why[0].textShare, 0.724);
  assert.deepEqual(json[0].why[0].components[0], { name: 'lightgbm', weight: 1, probability: 0.9, raw: 1.5, bias: -1, text: 2, poster: 0.5 });
});
