// Races around the daemon's model: disposing a pipeline while it predicts (the prediction completes, resources are
// freed once, later predictions are refused), hovers during a model swap (old or new model, never an error), reloads
// serialised and coalesced, dispose during a load, a prediction thread that dies, a store that does not exist yet,
// the served model folder replaced in place, and its report.json rewritten when its comparison lands.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MovieRow, readDataset } from '../server/engine/data';
import { readReport } from '../server/engine/modelFiles';
import { selectModel, writeDirAtomic, writeFileAtomic } from '../server/engine/modelStore';
import { ModelPipeline } from '../server/engine/pipeline';
import { trainRun } from '../server/engine/run';
import { OneVsRestPredictor } from '../server/engine/trainer';
import { ModelHost } from '../server/modelHost';
import { PredictClient } from '../server/predictClient';

const repo = path.resolve(__dirname, '..');
let work: string;
let store: string;
let first: string;
let second: string;
let rows: MovieRow[];
/** One prediction thread for every host here, as in the daemon (starting one loads the encoders' runtime). */
const client = new PredictClient();
const options = () => ({ imageEncoder: 'none' as const, cacheDir: path.join(work, 'cache') });
/** A row whose text no cache holds yet, so predicting it encodes (and takes a while). */
let fresh = 0;
const freshRow = (): MovieRow => ({ ...rows[0], text: `${rows[0].text} (fresh text ${++fresh})` });
/** Polls `cond` (at most ~60 s of polls, so a leak fails the test instead of hanging the suite). */
const until = async (cond: () => boolean | Promise<boolean>, what = String(cond)) => {
  for (let i = 0; !(await cond()); i++) {
    if (i > 3000) assert.fail(`never true: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-host-'));
  store = path.join(work, '.genre-lens');
  const data = path.join(repo, 'examples/movies.csv');
  rows = (await readDataset(data)).rows;
  first = (await trainRun({ ...options(), data, store, ablation: false, train: { maxRounds: 60, patience: 10 } })).modelDir;
  // The same boosters with other thresholds: tells which model answered.
  const other = path.join(work, 'other');
  fs.cpSync(first, other, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(other, 'manifest.json'), 'utf8')) as { genres: { threshold: number }[] };
  manifest.genres.forEach((g) => (g.threshold = 0.999));
  fs.writeFileSync(path.join(other, 'manifest.json'), JSON.stringify(manifest));
  second = selectModel(store, other);
  selectModel(store, first);
});

after(async () => {
  await client.terminate();
  fs.rmSync(work, { recursive: true, force: true });
});

test('dispose during a prediction: it completes correctly, resources are freed once afterwards, later predictions are refused', async () => {
  const report = readReport(first);
  const evalRows = (report.evaluationRows ?? []).map((r) => ({ want: r.proba, row: rows.find((x) => x.range.start.line + 1 === r.line) as MovieRow }));
  assert.ok(evalRows.length > 0, 'report.json records evaluationRows');
  const pipeline = await ModelPipeline.load(first, options());
  const dispose = OneVsRestPredictor.prototype.dispose;
  let frees = 0;
  OneVsRestPredictor.prototype.dispose = function (this: OneVsRestPredictor) {
    frees++;
    dispose.call(this);
  };
  try {
    const inFlight = pipeline.predictRows([freshRow(), ...evalRows.map((r) => r.row)]);
    const freed = pipeline.dispose();
    await assert.rejects(pipeline.predictRows([rows[0]]), /model pipeline of .* was disposed; load the model again/);
    assert.equal(frees, 0, 'not freed while a prediction runs');
    const got = await inFlight;
    assert.deepEqual(got.slice(1).map((r) => r.proba), evalRows.map((r) => r.want), 'the prediction in flight used intact boosters');
    await freed;
    await pipeline.dispose();
    assert.equal(frees, 1);
  } finally {
    OneVsRestPredictor.prototype.dispose = dispose;
  }
});

test('hovers during a model swap get the old or the new model, never an error; the old one is freed afterwards', async () => {
  const host = new ModelHost(store, options(), () => undefined, client);
  try {
    await host.start();
    assert.equal(host.model?.dir, first);
    const threshold = async (row: MovieRow) => {
      const p = await host.predictRow(row);
      assert.ok(p, 'a prediction');
      return p.genres[0].threshold;
    };
    const old = threshold(freshRow()); // in flight on the old model while it is replaced
    selectModel(store, second);
    let swapped = false;
    const reload = host.reload().then(() => (swapped = true));
    const during: number[] = [await old];
    while (!swapped) during.push(await threshold(freshRow()));
    await reload;
    assert.equal(host.model?.dir, second);
    assert.ok(during[0] < 0.999, 'the hover sent before the swap answered from the old model');
    assert.equal(await threshold(rows[1]), 0.999, 'then the new model answers');
    await until(async () => (await client.stats()).pipelines === 1); // the old model freed, the new one loaded
  } finally {
    await host.dispose();
    selectModel(store, first);
  }
  await until(async () => (await client.stats()).pipelines === 0);
});

test('reloads run one at a time, and the calls during one cause exactly one more', async () => {
  const host = new ModelHost(store, options(), () => undefined, client);
  const load = client.load.bind(client);
  let active = 0;
  let most = 0;
  client.load = async (...args) => {
    most = Math.max(most, ++active);
    return load(...args).finally(() => active--);
  };
  try {
    await host.reload(); // not start(): no pointer watcher adding passes of its own
    const passes = host.reloads;
    selectModel(store, second);
    const r1 = host.reload();
    selectModel(store, first);
    const r2 = host.reload();
    assert.equal(host.reload(), r2, 'calls during a reload share the one that follows it');
    await Promise.all([r1, r2]);
    assert.equal(host.reloads, passes + 2);
    assert.equal(most, 1);
    assert.equal(host.model?.dir, first);
  } finally {
    await host.dispose();
    delete (client as { load?: unknown }).load; // the prototype's again
  }
  await until(async () => (await client.stats()).pipelines === 0);
});

test('dispose during a load releases what it loads; nothing reloads afterwards', async () => {
  const host = new ModelHost(store, options(), () => undefined, client);
  await host.start();
  selectModel(store, second);
  const loading = host.reload();
  await host.dispose();
  await loading;
  selectModel(store, first);
  const passes = host.reloads;
  await host.reload();
  assert.equal(host.reloads, passes);
  assert.equal(host.model, null);
  await until(async () => (await client.stats()).pipelines === 0);
});

test('a prediction thread that dies fails the hover in flight with a clear error; the next hover starts it again', async () => {
  const host = new ModelHost(store, options(), () => undefined, client);
  try {
    await host.start();
    const inFlight = host.predictRow(freshRow());
    await client.terminate();
    await assert.rejects(inFlight, /the prediction thread stopped \(exit code 1\); the next hover starts it again/);
    assert.ok(await host.predictRow(rows[2]));
  } finally {
    await host.dispose();
  }
  await until(async () => (await client.stats()).pipelines === 0);
});

test('a host on a store that does not exist creates nothing, and loads the first model saved there', async () => {
  const later = path.join(work, 'later', '.genre-lens');
  const host = new ModelHost(later, options(), () => undefined, client);
  const served = () => host.model?.dir ?? null;
  try {
    await host.start();
    assert.equal(served(), null);
    assert.equal(host.lastError, null);
    assert.equal(fs.existsSync(path.dirname(later)), false);
    fs.mkdirSync(path.dirname(later));
    fs.cpSync(store, later, { recursive: true });
    await until(() => served() !== null);
    assert.equal(served(), path.join(later, 'models', path.basename(first)));
  } finally {
    await host.dispose();
  }
  await until(async () => (await client.stats()).pipelines === 0);
});

test('the served model folder replaced in place (train --out <it> --overwrite) is reloaded without a pointer change', async () => {
  const host = new ModelHost(store, options(), () => undefined, client);
  try {
    await host.start();
    assert.equal(host.model?.dir, first);
    const files: Record<string, string> = {};
    for (const name of ['manifest.json', 'report.json', ...['boosters', 'heads'].flatMap((d) => fs.readdirSync(path.join(first, d)).map((b) => `${d}/${b}`))]) {
      files[name] = fs.readFileSync(path.join(first, name), 'utf8');
    }
    const manifest = JSON.parse(files['manifest.json']) as { genres: { threshold: number }[] };
    manifest.genres[0].threshold = 0.123;
    files['manifest.json'] = JSON.stringify(manifest);
    writeDirAtomic(first, files, { overwrite: true });
    await until(() => host.model?.manifest.genres[0].threshold === 0.123, `the replaced manifest is served (${host.lastError}, ${host.reloads} passes)`);
    assert.equal(host.model?.dir, first);
  } finally {
    await host.dispose();
  }
  await until(async () => (await client.stats()).pipelines === 0);
});

test("the served model's report.json rewritten (its comparison landed) is announced once, without reloading the model", async () => {
  const announced: string[] = [];
  const host = new ModelHost(store, options(), () => undefined, client, (dir) => announced.push(dir));
  try {
    await host.start();
    assert.equal(host.model?.dir, first);
    const reloads = host.reloads;
    const report = { ...readReport(first), ablationStatus: 'done' };
    writeFileAtomic(path.join(first, 'report.json'), JSON.stringify(report));
    await until(() => announced.length > 0, 'the report change is announced');
    assert.deepEqual(announced, [first]);
    assert.equal(host.reportChanged(), false, 'seen: nothing more to announce');
    await new Promise((r) => setTimeout(r, 1200)); // two more polls
    assert.deepEqual(announced, [first], 'announced once');
    assert.equal(host.reloads, reloads, 'the model was not reloaded');
    assert.equal(readReport(first).ablationStatus, 'done');
  } finally {
    await host.dispose();
  }
  await until(async () => (await client.stats()).pipelines === 0);
});
