// Worker thread that runs the daemon's long jobs (training, predicting a whole file) off the LSP request loop, so
// hovers keep answering. It reports progress and warnings as messages; a 'cancel' message aborts the job (during a
// training's modality comparison, which follows the saved model, it stops the comparison and the model stays).
import { parentPort, workerData } from 'node:worker_threads';
import type { EngineOptions, RunProgress, TrainRunOptions } from './engine/run';
import { predictFile, trainRun } from './engine/run';
import { predictionsCsv, predictionsJson } from './engine/predictionsOut';
import * as fs from 'node:fs';
import type { AblationStatus } from '../common/modelTypes';

export type JobRequest =
  | { kind: 'train'; options: Omit<TrainRunOptions, 'onProgress' | 'onWarning' | 'signal'> }
  | { kind: 'predict'; model: string; data: string; out: string; options: EngineOptions };

/**
 * A training job's result. The engine saves the model (progress 'saved'), then fits the modality comparison, and
 * resolves once that is done, cancelled (the model stays) or skipped; `comparison` is the report's final status.
 */
export interface TrainJobResult {
  modelDir: string;
  warnings: string[];
  comparison: AblationStatus;
}

export type JobMessage =
  | { type: 'progress'; progress: RunProgress }
  | { type: 'warning'; message: string }
  | { type: 'done'; result: unknown }
  | { type: 'failed'; message: string; cancelled: boolean };

async function run(job: JobRequest, signal: AbortSignal, post: (m: JobMessage) => void): Promise<unknown> {
  const onProgress = (progress: RunProgress) => post({ type: 'progress', progress });
  const onWarning = (message: string) => post({ type: 'warning', message });
  if (job.kind === 'train') {
    const r = await trainRun({ ...job.options, lockedBy: 'VS Code daemon', onProgress, onWarning, signal });
    const result: TrainJobResult = { modelDir: r.modelDir, warnings: r.warnings, comparison: r.report.ablationStatus ?? 'done' };
    return result;
  }
  const r = await predictFile(job.model, job.data, { ...job.options, onProgress, onWarning, signal });
  const genres = r.model.manifest.genres.map((g) => g.name);
  const text = job.out.toLowerCase().endsWith('.json') ? predictionsJson(r.predictions, genres) : predictionsCsv(r.predictions, genres);
  fs.writeFileSync(job.out, text, { flag: 'wx' }); // never overwrite
  return { out: job.out, rows: r.predictions.length };
}

const port = parentPort;
if (port) {
  const ac = new AbortController();
  port.on('message', (m: { type: 'cancel' }) => m.type === 'cancel' && ac.abort());
  const post = (m: JobMessage) => port.postMessage(m);
  run(workerData as JobRequest, ac.signal, post).then(
    (result) => post({ type: 'done', result }),
    (e: unknown) => post({ type: 'failed', message: e instanceof Error ? e.message : String(e), cancelled: ac.signal.aborted }),
  );
}
