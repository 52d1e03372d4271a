// The daemon's prediction thread: it holds the loaded model pipelines (engine/pipeline.ts) and answers the host's
// requests (predictClient.ts) — load a model, predict rows, prefetch a poster, release a model — so encoding, ONNX
// sessions and embedding-cache reads never run on the language server's request loop.
// One long-lived stateful worker, not a pool such as piscina: piscina aborts a task by terminating its worker, which
// would drop the loaded model, and a single thread holding the current model is not a pool.
import { parentPort } from 'node:worker_threads';
import type { MovieRow } from './engine/data';
import type { EngineOptions, RunProgress } from './engine/engineOptions';
import { ModelPipeline, RowResult } from './engine/pipeline';
import type { Manifest } from '../common/modelTypes';

/** What each request answers with. */
export interface PredictReplies {
  load: { dir: string; manifest: Manifest };
  predict: RowResult[];
  prefetch: null;
  release: null;
  /** How many pipelines are loaded and not yet freed (tests, logs). */
  stats: { pipelines: number };
}

export type PredictRequest =
  | { type: 'load'; id: number; pipeline: number; dir: string; options: EngineOptions }
  /** explain: also why, the nearest training movies and the posters' thumbnails (pipeline.ts RowResult). */
  | { type: 'predict'; id: number; pipeline: number; rows: MovieRow[]; downloadPosters: boolean; explain?: boolean }
  | { type: 'prefetch'; id: number; pipeline: number; url: string }
  | { type: 'release'; id: number; pipeline: number }
  | { type: 'stats'; id: number }
  /** Aborts request `target` (a hover the editor no longer wants). */
  | { type: 'cancel'; id: number; target: number };

export type PredictReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string }
  /** Not a reply: request `id` (a load) is downloading its encoders' files. */
  | { id: number; progress: RunProgress };

const pipelines = new Map<number, ModelPipeline>();
/** Pipelines released but still finishing their predictions. */
let freeing = 0;
const running = new Map<number, AbortController>();

function pipelineOf(id: number): ModelPipeline {
  const p = pipelines.get(id);
  if (!p) throw new Error(`internal: no model ${id} in the prediction thread (it was released)`);
  return p;
}

async function handle(m: Exclude<PredictRequest, { type: 'cancel' }>, signal: AbortSignal,
  onProgress: (p: RunProgress) => void): Promise<PredictReplies[keyof PredictReplies]> {
  switch (m.type) {
    case 'load': {
      // Only a model trained elsewhere downloads here (its encoders in neither the models folder nor the cache).
      const p = await ModelPipeline.load(m.dir, m.options, (progress) => progress.phase === 'downloading' && onProgress(progress));
      const before = pipelines.get(m.pipeline);
      pipelines.set(m.pipeline, p);
      if (before) void before.dispose(); // loaded twice (a retry raced a load): keep one, free the other
      return { dir: p.dir, manifest: p.manifest };
    }
    case 'predict':
      return pipelineOf(m.pipeline).predictRows(m.rows, { signal, downloadPosters: m.downloadPosters, explain: m.explain === true,
        thumbnails: m.explain === true });
    case 'prefetch':
      await pipelineOf(m.pipeline).downloadPoster(m.url);
      return null;
    case 'release': {
      const p = pipelines.get(m.pipeline);
      pipelines.delete(m.pipeline);
      if (p) {
        freeing++;
        await p.dispose().finally(() => freeing--); // after the predictions still running on it
      }
      return null;
    }
    case 'stats':
      return { pipelines: pipelines.size + freeing };
  }
}

const port = parentPort;
if (port) {
  port.on('message', (m: PredictRequest) => {
    if (m.type === 'cancel') {
      running.get(m.target)?.abort();
      return;
    }
    const ac = new AbortController();
    running.set(m.id, ac);
    handle(m, ac.signal, (progress) => port.postMessage({ id: m.id, progress } satisfies PredictReply)).then(
      (value) => port.postMessage({ id: m.id, ok: true, value } satisfies PredictReply),
      (e: unknown) => port.postMessage({ id: m.id, ok: false, message: e instanceof Error ? e.message : String(e) } satisfies PredictReply),
    ).finally(() => running.delete(m.id));
  });
}
