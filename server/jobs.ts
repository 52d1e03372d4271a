// Runs one long job (training, or predicting a whole file) in a worker thread (jobWorker.ts) and turns its
// messages into callbacks. Cancel asks the job to abort; if it does not stop promptly the worker is terminated.
import * as path from 'node:path';
import { startWorker } from './engine/workers';
import type { RunProgress } from './engine/run';
import type { JobMessage, JobRequest } from './jobWorker';

export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelled';
  }
}

export interface RunningJob<T> {
  result: Promise<T>;
  cancel(): void;
}

export function runJob<T>(job: JobRequest, onProgress: (p: RunProgress) => void, onWarning: (m: string) => void): RunningJob<T> {
  const worker = startWorker(path.join(__dirname, 'jobWorker.ts'), 'job-worker.js', { workerData: job });
  let cancelled = false;
  const result = new Promise<T>((resolve, reject) => {
    worker.on('message', (m: JobMessage) => {
      if (m.type === 'progress') onProgress(m.progress);
      else if (m.type === 'warning') onWarning(m.message);
      else if (m.type === 'done') resolve(m.result as T);
      else reject(m.cancelled || cancelled ? new JobCancelled() : new Error(m.message));
    });
    worker.on('error', (e) => reject(cancelled ? new JobCancelled() : e));
    worker.on('exit', (code) => reject(cancelled ? new JobCancelled() : new Error(`the job's worker stopped (exit code ${code})`)));
  }).finally(() => void worker.terminate().catch(() => undefined));
  return {
    result,
    cancel() {
      cancelled = true;
      worker.postMessage({ type: 'cancel' });
      setTimeout(() => void worker.terminate().catch(() => undefined), 5000).unref();
    },
  };
}

/**
 * Overall percent from a phase's own progress (rough weights of each phase's share of a run). The model is done at
 * 'saved'; the comparison that follows has its own percent (`comparisonPercent`).
 */
const PHASES: Record<RunProgress['phase'], [number, number]> = {
  reading: [0, 2], downloading: [2, 5], 'loading encoders': [2, 5], 'encoding text': [5, 45], 'encoding posters': [45, 55],
  training: [55, 97], evaluating: [97, 98], saving: [98, 100], saved: [100, 100], comparing: [100, 100],
};
export function percentOf(p: RunProgress): number {
  const [from, to] = PHASES[p.phase];
  const frac = p.total ? Math.min(1, (p.done ?? 0) / p.total) : 0;
  return Math.round(from + (to - from) * frac);
}

/** How far the text-only/poster-only comparison is (0–100), from its 'comparing' progress. */
export function comparisonPercent(p: RunProgress): number {
  return p.phase === 'comparing' && p.total ? Math.round(100 * Math.min(1, (p.done ?? 0) / p.total)) : 0;
}

/**
 * The progress message: `encoding text 120/500`, for an encoder download `downloading onnx/model.onnx 12.3/90.4 MB`,
 * `model saved` and then `comparing text-only and poster-only models 12/76`.
 */
export function progressMessage(p: RunProgress): string {
  if (p.phase === 'saved') return 'model saved';
  if (p.phase === 'comparing') return `comparing text-only and poster-only models${p.total ? ` ${p.done ?? 0}/${p.total}` : ''}`;
  if (p.phase === 'downloading') {
    const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
    const size = p.total ? `${mb(p.done ?? 0)}/${mb(p.total)}` : mb(p.done ?? 0);
    return `downloading ${p.detail ?? 'encoder files'} ${size} MB`;
  }
  return p.total ? `${p.phase} ${p.done ?? 0}/${p.total}` : p.phase;
}
