// A pool of worker threads, each holding one LightGBM wasm instance (worker.ts), that trains one-vs-rest jobs in
// parallel: the feature matrix is shared (SharedArrayBuffer), each job sends one genre's labels and gets back its
// booster and out-of-fold scores. Terminating the pool frees every wasm memory; an abort signal terminates it too.
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../workers';
import type { Params } from './lightgbm';

export interface WorkerInit {
  type: 'init';
  matrix: SharedArrayBuffer;
  nrow: number;
  ncol: number;
  datasetParams: Params;
  fitRows: number[];
  validRows: number[];
  /** The held-out rows of each out-of-fold split. */
  folds: number[][];
}

export interface WorkerJob {
  type: 'job';
  label: number;
  labels: ArrayBuffer;
  params: Params;
  rounds: number;
  patience: number;
}

export type WorkerReply =
  | { type: 'loaded' }
  | { type: 'ready' }
  | { type: 'done'; label: number; model: string; bestIteration: number; validScore: number; oof: Float64Array }
  | { type: 'error'; label: number; message: string };

export type JobResult = Extract<WorkerReply, { type: 'done' }>;

export class TrainingCancelled extends Error {
  constructor() {
    super('Training was cancelled');
    this.name = 'TrainingCancelled';
  }
}

/**
 * Runs `jobs` over `size` workers, each initialised with `init`; calls `onDone` as each job finishes.
 * Resolves with results in job order; rejects on the first error or on abort, terminating every worker.
 */
export async function runPool(
  size: number,
  init: Omit<WorkerInit, 'type'>,
  jobs: Omit<WorkerJob, 'type'>[],
  onDone: (r: JobResult) => void,
  signal?: AbortSignal,
): Promise<JobResult[]> {
  const results = new Map<number, JobResult>();
  const workers: Worker[] = [];
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new TrainingCancelled());
      signal?.addEventListener('abort', () => reject(new TrainingCancelled()), { once: true });
      // Up to two jobs queued per worker, so it starts the next one at once even while this thread is busy (the fusion
      // heads); only one once no more jobs are left than workers, so no job waits behind a busy worker at the end.
      const queued = new Map<Worker, number>();
      const fill = (w: Worker) => {
        while (next < jobs.length && (queued.get(w) ?? 0) < (jobs.length - next > workers.length ? 2 : 1)) {
          queued.set(w, (queued.get(w) ?? 0) + 1);
          w.postMessage({ type: 'job', ...jobs[next++] } satisfies WorkerJob);
        }
        if (results.size === jobs.length) resolve();
      };
      for (let i = 0; i < Math.max(1, Math.min(size, jobs.length)); i++) {
        const w = startWorker(path.join(__dirname, 'worker.ts'), 'lightgbm-worker.js');
        workers.push(w);
        w.on('error', reject);
        w.on('exit', (code) => code !== 0 && reject(new Error(`LightGBM worker exited with code ${code}`)));
        w.on('message', (msg: WorkerReply) => {
          if (msg.type === 'loaded') w.postMessage({ type: 'init', ...init } satisfies WorkerInit);
          else if (msg.type === 'ready') fill(w);
          else if (msg.type === 'error') reject(new Error(`training label ${msg.label}: ${msg.message}`));
          else {
            queued.set(w, (queued.get(w) ?? 1) - 1);
            results.set(msg.label, msg);
            onDone(msg);
            fill(w);
          }
        });
      }
      if (jobs.length === 0) resolve();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return jobs.map((j) => results.get(j.label) as JobResult);
}
