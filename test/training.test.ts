// Unit tests of one daemon training's flow (server/training.ts) with a simulated job: the model is answered at 'saved'
// while the comparison goes on, the comparison's end (done, cancelled, terminated, failed), a cancel before the model,
// an engine that never says 'saved', progress of the comparison apart from the run's, and a stale 'pending' report.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { RunProgress } from '../server/engine/engineOptions';
import { JobCancelled, type RunningJob } from '../server/jobs';
import type { TrainJobResult } from '../server/jobWorker';
import { ComparisonsEnded, Training } from '../server/training';

/** A job whose end the test decides; `cancels` counts cancel() calls. */
function fakeJob() {
  let resolve!: (r: TrainJobResult) => void;
  let reject!: (e: unknown) => void;
  const result = new Promise<TrainJobResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const job = { result, cancels: 0, cancel() {
    job.cancels++;
  } };
  return { job: job as RunningJob<TrainJobResult> & { cancels: number }, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));
const DIR = '/store/models/m1';

function started() {
  const t = new Training();
  const f = fakeJob();
  let afterRuns = 0;
  t.attach(f.job, () => afterRuns++);
  return { t, ...f, afterRuns: () => afterRuns };
}

test("the model is answered at 'saved', with the warnings so far, while the comparison still runs", async () => {
  const { t, resolve, afterRuns } = started();
  t.warning('w1');
  t.progress({ phase: 'training', done: 19, total: 19 });
  t.progress({ phase: 'saved', detail: DIR });
  let outcome: unknown = null;
  void t.outcome().then((o) => (outcome = o));
  const saved = await t.saved();
  assert.deepEqual(saved, { dir: DIR, warnings: ['w1'], comparison: 'pending' });
  assert.equal(t.isSaved, true);
  assert.equal(t.final, null, 'the job has not ended');
  t.serving();
  assert.equal(t.stage, 'comparing');
  assert.equal(t.progress({ phase: 'comparing', done: 19, total: 76 }), true);
  assert.deepEqual(t.comparison, { percent: 25, phase: 'comparing text-only and poster-only models 19/76' });
  assert.equal(t.percent, 100, "the run's percent is the model's: done at 'saved'");
  await tick();
  assert.equal(outcome, null, 'no outcome before the job ends');
  resolve({ modelDir: DIR, warnings: ['w1'], comparison: 'done' });
  assert.deepEqual(await t.outcome(), { status: 'done' });
  assert.equal(afterRuns(), 1, 'the clean-up ran once');
});

test('cancel after the model is saved stops the comparison only: the engine resolves with it cancelled', async () => {
  const { t, job, resolve } = started();
  t.progress({ phase: 'saved', detail: DIR });
  await t.saved();
  t.serving();
  t.cancel();
  assert.equal(job.cancels, 1);
  resolve({ modelDir: DIR, warnings: [], comparison: 'cancelled' });
  assert.deepEqual(await t.outcome(), { status: 'cancelled' });
  assert.equal(t.isSaved, true);
});

test('a worker terminated during the comparison (a cancel too slow) counts as cancelled; a crash as failed, with its message', async () => {
  const a = started();
  a.t.progress({ phase: 'saved', detail: DIR });
  await a.t.saved();
  a.reject(new JobCancelled());
  assert.deepEqual(await a.t.outcome(), { status: 'cancelled' });
  assert.equal(a.t.isSaved, true, 'the model stays');
  const b = started();
  b.t.progress({ phase: 'saved', detail: DIR });
  await b.t.saved();
  b.reject(new Error('worker ran out of memory'));
  assert.deepEqual(await b.t.outcome(), { status: 'failed', message: 'worker ran out of memory' });
  assert.equal(b.afterRuns(), 1);
});

test('a cancel before the model is saved fails the training (a cancel requested before the job started reaches it)', async () => {
  const t = new Training();
  t.cancel();
  const f = fakeJob();
  t.attach(f.job, () => undefined);
  assert.equal(f.job.cancels, 1, 'the earlier cancel reached the job');
  const saved = t.saved();
  f.reject(new JobCancelled());
  await assert.rejects(saved, JobCancelled);
  assert.equal(t.isSaved, false);
  assert.equal(t.stage, 'model');
});

test("a job that never says 'saved' (no comparison, or an older engine) answers at its end with the engine's status", async () => {
  const { t, resolve } = started();
  const saved = t.saved();
  resolve({ modelDir: DIR, warnings: ['w'], comparison: 'skipped' });
  assert.deepEqual(await saved, { dir: DIR, warnings: ['w'], comparison: 'skipped' });
  assert.deepEqual(t.final, { status: 'skipped' });
  assert.equal(t.isSaved, true);
});

test('progress: rising percent, download chunks thinned, the comparison kept apart', () => {
  const t = new Training();
  assert.equal(t.progress({ phase: 'encoding text', done: 50, total: 100 }, 1000), true);
  assert.equal(t.percent, 25);
  const dl = (done: number): RunProgress => ({ phase: 'downloading', done, total: 100, detail: 'f' });
  assert.equal(t.progress(dl(10), 2000), true);
  assert.equal(t.progress(dl(20), 2100), false, 'a chunk within 250 ms is dropped');
  assert.equal(t.progress(dl(100), 2150), true, 'the last chunk always passes');
  assert.equal(t.percent, 25, 'never goes back');
  t.progress({ phase: 'comparing', done: 0, total: 10 }, 3000);
  assert.equal(t.percent, 25, 'comparing does not move the run percent');
  assert.equal(t.phase, 'downloading f 0.0/0.0 MB');
  assert.deepEqual(t.comparison, { percent: 0, phase: 'comparing text-only and poster-only models 0/10' });
});

test("a report a terminated comparison left 'pending' is shown as it ended; other statuses are the report's", () => {
  const ended = new ComparisonsEnded(2);
  ended.record('/a', 'cancelled');
  assert.equal(ended.statusOf('/a', 'pending'), 'cancelled');
  assert.equal(ended.statusOf('/a', 'done'), 'done', 'the report wins unless it says pending');
  assert.equal(ended.statusOf('/b', 'pending'), 'pending', 'a comparison not seen here (the CLI may run it)');
  ended.record('/b', 'done');
  assert.equal(ended.statusOf('/b', 'pending'), 'pending', "an engine that said done wrote its report: no override");
  ended.record('/c', 'failed');
  ended.record('/d', 'failed');
  assert.equal(ended.statusOf('/a', 'pending'), 'pending', 'only the last few are remembered');
  assert.equal(ended.statusOf('/d', undefined), undefined);
});
