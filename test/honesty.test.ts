// Tests that training is honest: evaluation labels never influence the model (boosters, heads, blend, thresholds), thresholds
// come from out-of-fold predictions (a fixture where the in-sample optimum is far off), and the recorded dataset
// hashes are of the bytes trained on, even when the files change during training.
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDataset } from '../server/engine/data';
import { trainRun, type TrainRunOptions } from '../server/engine/run';
import { mulberry32 } from '../server/engine/random';
import { OneVsRestPredictor, trainOneVsRest } from '../server/engine/trainer';

const repo = path.resolve(__dirname, '..');

/**
 * examples/movies.csv as a training file (3 rows in 4) and an evaluation file (every 4th row), in a temp folder. Rows
 * are cut at the record ranges the parser reports (two descriptions span lines); `write` returns a file and the line
 * each of its records starts on.
 */
function splitExample(t: { after: (fn: () => void) => void }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-honesty-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const text = fs.readFileSync(path.join(repo, 'examples/movies.csv'), 'utf8');
  const records = parseDataset(text, { fileName: 'movies.csv' }).rows.map((r) => text.slice(r.range.start.offset, r.range.end.offset).trimEnd());
  const header = text.slice(0, text.indexOf('\n'));
  const write = (name: string, rows: string[]) => {
    const lines: number[] = [];
    let content = `${header}\n`;
    for (const r of rows) {
      lines.push(content.split('\n').length);
      content += `${r}\n`;
    }
    fs.writeFileSync(path.join(dir, name), content);
    return { file: path.join(dir, name), lines };
  };
  return { dir, train: write('train.csv', records.filter((_, i) => i % 4 !== 0)).file, evalRows: records.filter((_, i) => i % 4 === 0), write };
}

/** The genres cell of a movies.csv record (the field before the last, the poster). */
const GENRES = /,([^,"]*),([^,"]*)$/;

// Text only, no ablation, few rounds: seconds per training. The embedding cache is shared by the tests.
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-honesty-cache-'));
after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));
const options = (dir: string, data: string, evalFile: string, out: string): TrainRunOptions => ({
  data, evalFile, out: path.join(dir, out), imageEncoder: 'none', ablation: false, cacheDir, seed: 7,
  train: { workers: 2, maxRounds: 60, patience: 10 },
});

const sha256 = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

test('changing the evaluation file\'s labels leaves every booster and threshold byte-identical, and changes the metrics', async (t) => {
  const { dir, train, evalRows, write } = splitExample(t);
  const { file: evalA, lines } = write('eval-a.csv', evalRows);
  // The same rows, each with the genres of the next evaluation row: other labels, same text, titles and posters.
  const cells = evalRows.map((l) => (GENRES.exec(l) as RegExpExecArray)[1]);
  const evalB = write('eval-b.csv', evalRows.map((l, i) => l.replace(GENRES, `,${cells[(i + 1) % cells.length]},$2`))).file;
  const changed = evalRows.filter((_, i) => cells[i] !== cells[(i + 1) % cells.length]).length;
  assert.ok(changed >= evalRows.length / 2, `only ${changed} of ${evalRows.length} rows got other genres`);

  const a = await trainRun(options(dir, train, evalA, 'model-a'));
  const b = await trainRun(options(dir, train, evalB, 'model-b'));
  const boosters = (m: string) => fs.readdirSync(path.join(m, 'boosters')).sort();
  assert.ok(boosters(a.modelDir).length >= 4, `boosters: ${boosters(a.modelDir).join(', ')}`);
  assert.deepEqual(boosters(b.modelDir), boosters(a.modelDir));
  for (const f of boosters(a.modelDir)) {
    assert.ok(fs.readFileSync(path.join(a.modelDir, 'boosters', f)).equals(fs.readFileSync(path.join(b.modelDir, 'boosters', f))), `boosters/${f} differs`);
  }
  // The fusion heads and the blend's weights too: byte-identical files.
  const heads = (m: string) => fs.readdirSync(path.join(m, 'heads')).sort();
  assert.deepEqual(heads(a.modelDir), ['knn.json', 'linear.json', 'tfidf.json']);
  assert.deepEqual(heads(b.modelDir), heads(a.modelDir));
  for (const f of heads(a.modelDir)) {
    assert.ok(fs.readFileSync(path.join(a.modelDir, 'heads', f)).equals(fs.readFileSync(path.join(b.modelDir, 'heads', f))), `heads/${f} differs`);
  }
  const saved = (m: string) => JSON.parse(fs.readFileSync(path.join(m, 'manifest.json'), 'utf8')) as typeof a.manifest;
  assert.ok(saved(a.modelDir).blend, 'the model blends heads');
  assert.deepEqual(saved(b.modelDir).blend, saved(a.modelDir).blend);
  const thresholds = (m: string) => saved(m).genres.map((g) => JSON.stringify([g.name, g.threshold, g.bestIteration, g.oofF1, g.booster]));
  assert.deepEqual(thresholds(b.modelDir), thresholds(a.modelDir));
  // training.json (the training rows' held-out probabilities and the label-issue thresholds) too: an --eval file is not recorded.
  assert.ok(fs.readFileSync(path.join(a.modelDir, 'training.json')).equals(fs.readFileSync(path.join(b.modelDir, 'training.json'))), 'training.json differs');
  assert.deepEqual(b.report.labelIssues, a.report.labelIssues);
  // The labels did reach the scoring: the same predictions, scored against other truths (and recorded with them).
  const predictions = (r: typeof a.report) => r.evaluationRows?.map(({ labels: _, ...row }) => row);
  assert.deepEqual(predictions(b.report), predictions(a.report));
  assert.notDeepEqual(b.report.evaluationRows?.map((r) => r.labels), a.report.evaluationRows?.map((r) => r.labels));
  assert.notDeepEqual(b.report.metrics.perLabel, a.report.metrics.perLabel);
  assert.notEqual(b.report.metrics.micro.f1, a.report.metrics.micro.f1);
  assert.notEqual(b.manifest.evaluation.kind === 'file' && b.manifest.evaluation.sha256, a.manifest.evaluation.kind === 'file' && a.manifest.evaluation.sha256);

  // report.json records each evaluation row's predictions: its line, title and one probability per genre.
  const report = JSON.parse(fs.readFileSync(path.join(a.modelDir, 'report.json'), 'utf8')) as typeof a.report;
  assert.equal(report.evaluationRows?.length, evalRows.length);
  report.evaluationRows?.forEach((r, i) => {
    assert.equal(r.line, lines[i], `${r.title}: the line its record starts on`);
    assert.ok(evalRows[i].includes(`,${r.title},`), r.title);
    assert.equal(r.proba.length, report.genres.length);
  });
});

test('the dataset and evaluation hashes are of the bytes trained on, not of the files as they are afterwards', async (t) => {
  const { dir, train, evalRows, write } = splitExample(t);
  const evalFile = write('eval.csv', evalRows).file;
  const read = { train: fs.readFileSync(train), eval: fs.readFileSync(evalFile) };
  let changed = false;
  const r = await trainRun({ ...options(dir, train, evalFile, 'model'), onProgress: (p) => {
    if (p.phase !== 'training' || changed) return;
    changed = true; // both files change after they were read
    fs.appendFileSync(train, 'm99,Late Row,"Added while the model trains.",Drama,\n');
    fs.writeFileSync(evalFile, read.eval.toString('utf8').replace('m01,', 'm01x,'));
  } });
  assert.ok(changed, 'the files were changed during training');
  assert.notEqual(sha256(fs.readFileSync(train)), sha256(read.train));
  assert.notEqual(sha256(fs.readFileSync(evalFile)), sha256(read.eval));
  const manifest = JSON.parse(fs.readFileSync(path.join(r.modelDir, 'manifest.json'), 'utf8')) as typeof r.manifest;
  assert.equal(manifest.dataset.sha256, sha256(read.train));
  assert.equal(manifest.evaluation.kind === 'file' ? manifest.evaluation.sha256 : null, sha256(read.eval));
  assert.equal(r.report.run.dataset.sha256, sha256(read.train));
});

/** Independently of the trainer: the cut `scores >= s` (over distinct scores, highest first) with the best F1, ties to
 * the higher cut, reported as the midpoint between s and the next lower score (or 0), by brute force. */
function bestCut(truth: ArrayLike<number>, scores: ArrayLike<number>): { threshold: number; f1: number } {
  const values = [...new Set(Array.from(scores))].sort((a, b) => b - a);
  const positives = Array.from(truth).filter((v) => v === 1).length;
  let best = { threshold: 1, f1: 0 };
  values.forEach((s, k) => {
    let tp = 0, predicted = 0;
    for (let i = 0; i < scores.length; i++) {
      if (scores[i] >= s) {
        predicted++;
        tp += truth[i];
      }
    }
    const f1 = (2 * tp) / (predicted + positives);
    if (f1 > best.f1) best = { threshold: (s + (values[k + 1] ?? 0)) / 2, f1 };
  });
  return best;
}

test('thresholds are the F1-optimal cuts of the out-of-fold predictions, far from the in-sample optimum', async () => {
  // Random features, random labels: nothing to learn, but deep trees with a high learning rate memorise the rows
  // they were fitted on, so in-sample scores separate the classes and out-of-fold scores do not.
  const n = 150, d = 4;
  const rand = mulberry32(11);
  const X = Float32Array.from({ length: n * d }, () => rand());
  const labels = [0.3, 0.4].map((p) => Uint8Array.from({ length: n }, () => (rand() < p ? 1 : 0)));
  const model = await trainOneVsRest(X, n, d, labels, ['A', 'B'], { seed: 1, workers: 2, maxRounds: 200, patience: 200,
    params: { learning_rate: 0.5, num_leaves: 63, min_data_in_leaf: 2, feature_fraction: 1, max_bin: 255, lambda_l2: 0 } });
  const predictor = await OneVsRestPredictor.load(model);
  const inSample = predictor.predictProba(X, n); // the final boosters' predictions on their own training rows
  predictor.dispose();
  model.genres.forEach((g, i) => {
    assert.ok(g.oof instanceof Float32Array && g.oof.length === n, `${g.genre}: out-of-fold predictions of every training row`);
    const oof = bestCut(labels[i], g.oof);
    const fitted = bestCut(labels[i], inSample[i]);
    assert.equal(g.threshold, oof.threshold, `${g.genre}: the saved threshold is the out-of-fold optimum`);
    assert.equal(g.oofF1, oof.f1);
    assert.ok(Math.abs(fitted.threshold - oof.threshold) > 0.1, `${g.genre}: in-sample optimum ${fitted.threshold}, out-of-fold ${oof.threshold}`);
    assert.ok(fitted.f1 - oof.f1 > 0.25, `${g.genre}: in-sample F1 ${fitted.f1} should be far above out-of-fold F1 ${oof.f1}`);
  });
});
