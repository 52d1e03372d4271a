// Worker thread that owns one LightGBM wasm instance: it bins the shared feature matrix once (the early-stopping
// split and the out-of-fold training sets), then trains one genre's boosters per job by re-setting the labels.
// Ending the worker frees all of its wasm memory.
import { parentPort } from 'node:worker_threads';
import { Booster, Dataset, LightGBM, loadLightGBM, Params } from './lightgbm';
import type { WorkerInit, WorkerJob, WorkerReply } from './pool';

interface Prepared {
  fit: Dataset;
  /** Absent when there are no validation rows: then a job trains exactly its `rounds`. */
  valid?: Dataset;
  fitRows: Int32Array;
  validRows: Int32Array;
  folds: { train: Dataset; trainRows: Int32Array; heldOut: Float32Array; heldOutRows: Int32Array }[];
  ncol: number;
}

function rowsOf(X: Float32Array, ncol: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * ncol);
  rows.forEach((r, i) => out.set(X.subarray(r * ncol, (r + 1) * ncol), i * ncol));
  return out;
}

function labelsOf(labels: Uint8Array, rows: Int32Array): Float32Array {
  return Float32Array.from(rows, (r) => labels[r]);
}

function prepare(lgb: LightGBM, init: WorkerInit): Prepared {
  const X = new Float32Array(init.matrix);
  const { ncol, datasetParams } = init;
  const make = (rows: Int32Array, reference?: Dataset) =>
    lgb.createDataset(rowsOf(X, ncol, rows), rows.length, ncol, datasetParams, reference);
  const fitRows = Int32Array.from(init.fitRows);
  const validRows = Int32Array.from(init.validRows);
  const fit = make(fitRows);
  const valid = validRows.length > 0 ? make(validRows, fit) : undefined;
  const folds = init.folds.map((heldOutList) => {
    const heldOutRows = Int32Array.from(heldOutList);
    const held = new Set(heldOutList);
    const trainRows = Int32Array.from({ length: init.nrow }, (_, i) => i).filter((r) => !held.has(r));
    // Binned with the fitting set's bin boundaries (finding them is most of a Dataset's cost; they need no labels).
    return { train: make(trainRows, fit), trainRows, heldOut: rowsOf(X, ncol, heldOutRows), heldOutRows };
  });
  return { fit, valid, fitRows, validRows, folds, ncol };
}

/** Trains with early stopping on `valid` (the first metric, lower is better); returns the best iteration count. */
function trainEarlyStopped(booster: Booster, rounds: number, patience: number): { best: number; score: number } {
  let best = 0;
  let bestScore = Infinity;
  for (let it = 1; it <= rounds; it++) {
    if (booster.updateOneIter()) break;
    const score = booster.getEval(1)[0];
    if (score < bestScore - 1e-12) {
      bestScore = score;
      best = it;
    } else if (it - best >= patience) break;
  }
  return { best: Math.max(best, 1), score: bestScore };
}

function runJob(lgb: LightGBM, p: Prepared, job: WorkerJob): Extract<WorkerReply, { type: 'done' }> {
  const labels = new Uint8Array(job.labels);
  const params: Params = job.params;
  p.fit.setField('label', labelsOf(labels, p.fitRows));
  const booster = lgb.createBooster(p.fit, params);
  let model: string;
  let best: { best: number; score: number };
  try {
    if (p.valid) {
      p.valid.setField('label', labelsOf(labels, p.validRows));
      booster.addValidData(p.valid);
      best = trainEarlyStopped(booster, job.rounds, job.patience);
    } else {
      for (let it = 0; it < job.rounds; it++) if (booster.updateOneIter()) break;
      best = { best: booster.currentIteration(), score: NaN };
    }
    model = booster.saveModelToString(best.best);
  } finally {
    booster.free();
  }
  // Out-of-fold scores for the training rows, each from a booster that never saw that row, trained for the same
  // number of rounds; the decision threshold is chosen on these, never on evaluation rows.
  const oof = new Float64Array(labels.length);
  for (const fold of p.folds) {
    fold.train.setField('label', labelsOf(labels, fold.trainRows));
    const b = lgb.createBooster(fold.train, params);
    try {
      for (let it = 0; it < best.best; it++) if (b.updateOneIter()) break;
      const scores = b.predict(fold.heldOut, fold.heldOutRows.length, p.ncol);
      fold.heldOutRows.forEach((r, i) => (oof[r] = scores[i]));
    } finally {
      b.free();
    }
  }
  return { type: 'done', label: job.label, model, bestIteration: best.best, validScore: best.score, oof };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('worker.ts must run in a worker thread');
  const lgb = await loadLightGBM();
  let prepared: Prepared | undefined;
  port.on('message', (msg: WorkerInit | WorkerJob) => {
    try {
      if (msg.type === 'init') {
        prepared = prepare(lgb, msg);
        port.postMessage({ type: 'ready' } satisfies WorkerReply);
      } else {
        if (!prepared) throw new Error('job before init');
        const reply = runJob(lgb, prepared, msg);
        port.postMessage(reply, [reply.oof.buffer as ArrayBuffer]);
      }
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      port.postMessage({ type: 'error', label: msg.type === 'job' ? msg.label : -1, message: err.message } satisfies WorkerReply);
    }
  });
  port.postMessage({ type: 'loaded' } satisfies WorkerReply);
}

void main();
