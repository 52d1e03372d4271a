// The language server's side of the prediction thread (predictWorker.ts): typed requests with ids whose replies settle
// promises. A model is released only after the host's requests to it have been answered; a thread that dies fails
// the requests in flight and is started again, its models reloaded, on the next request.
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { MovieRow } from './engine/data';
import type { EngineOptions, RunProgress } from './engine/engineOptions';
import { startWorker } from './engine/workers';
import type { PredictReplies, PredictReply, PredictRequest } from './predictWorker';

/** What a request carries besides its id (a union spread by member, so each keeps its own fields). */
type Body<R> = R extends unknown ? Omit<R, 'id'> : never;
type Request = Body<Exclude<PredictRequest, { type: 'cancel' }>>;

/** A model known to the host: how to load it, its requests in flight, and its load in the current thread. */
interface Model {
  dir: string;
  options: EngineOptions;
  uses: number;
  released: boolean;
  loading: Promise<PredictReplies['load']> | null;
}

export class PredictClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly models = new Map<number, Model>();
  /** Download progress of the loads in flight, by request id. */
  private readonly loadProgress = new Map<number, (p: RunProgress) => void>();

  /** `onDownload(dir, p)`: a model's load is downloading encoder files; `p` null when that load has finished. */
  constructor(private readonly onDownload: (dir: string, p: RunProgress | null) => void = () => undefined) {}

  /** Loads a model folder in the prediction thread; `pipeline` names it in later calls. */
  async load(dir: string, options: EngineOptions): Promise<PredictReplies['load'] & { pipeline: number }> {
    const pipeline = this.nextId++;
    const model: Model = { dir, options, uses: 0, released: false, loading: null };
    this.models.set(pipeline, model);
    try {
      return { pipeline, ...(await this.use(pipeline, async () => undefined)).load };
    } catch (e) {
      this.release(pipeline);
      throw e;
    }
  }

  /** Predicts rows with a loaded model; posters are never downloaded while a hover waits. `explain`: with why, the
   * nearest training movies and poster thumbnails (for the hover). */
  predict(pipeline: number, rows: MovieRow[], signal?: AbortSignal, explain = false): Promise<PredictReplies['predict']> {
    return this.use(pipeline, () => this.request<'predict'>({ type: 'predict', pipeline, rows, downloadPosters: false, explain }, signal))
      .then((r) => r.value);
  }

  /** Downloads a poster into the cache for the next hover (in the background: the caller does not wait for it). */
  prefetch(pipeline: number, url: string): Promise<null> {
    return this.use(pipeline, () => this.request<'prefetch'>({ type: 'prefetch', pipeline, url })).then((r) => r.value);
  }

  /** Frees a model once the requests already made to it are answered. */
  release(pipeline: number): void {
    const model = this.models.get(pipeline);
    if (!model || model.released) return;
    model.released = true;
    if (model.uses === 0) this.forget(pipeline, model);
  }

  /** Models loaded in the thread and not yet freed there (for tests). */
  async stats(): Promise<PredictReplies['stats']> {
    return this.request<'stats'>({ type: 'stats' });
  }

  /** Stops the thread; pending requests fail, and the next request starts a new one. */
  async terminate(): Promise<void> {
    await this.worker?.terminate();
  }

  /** Runs `fn` with the model loaded in the current thread, counting it as in flight so a release waits for it. */
  private async use<T>(pipeline: number, fn: () => Promise<T>): Promise<{ value: T; load: PredictReplies['load'] }> {
    const model = this.models.get(pipeline);
    if (!model || model.released) throw new Error(`internal: model ${pipeline} was released`);
    model.uses++;
    try {
      const loading = (model.loading ??= this.request<'load'>({ type: 'load', pipeline, dir: model.dir, options: model.options },
        undefined, (p) => this.onDownload(model.dir, p)).finally(() => this.onDownload(model.dir, null)));
      const load = await loading.catch((e: unknown) => {
        if (model.loading === loading) model.loading = null; // a failed load is tried again by the next request (not a newer one)
        throw e;
      });
      return { value: await fn(), load };
    } finally {
      if (--model.uses === 0 && model.released) this.forget(pipeline, model);
    }
  }

  private forget(pipeline: number, model: Model): void {
    this.models.delete(pipeline);
    if (model.loading) void this.request<'release'>({ type: 'release', pipeline }).catch(() => undefined);
  }

  private request<K extends keyof PredictReplies>(body: Request & { type: K }, signal?: AbortSignal,
    onProgress?: (p: RunProgress) => void): Promise<PredictReplies[K]> {
    const worker = this.thread();
    const id = this.nextId++;
    if (onProgress) this.loadProgress.set(id, onProgress);
    return new Promise<PredictReplies[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.ref(); // while a reply is awaited (the thread is unref'd when idle, so it never keeps a process alive)
      worker.postMessage({ ...body, id });
      const cancel = () => this.worker === worker && this.pending.has(id) && worker.postMessage({ type: 'cancel', id: 0, target: id });
      if (signal?.aborted) cancel();
      else signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(path.join(__dirname, 'predictWorker.ts'), 'predict-worker.js');
    worker.on('message', (r: PredictReply) => {
      if ('progress' in r) return void this.loadProgress.get(r.id)?.(r.progress);
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      this.loadProgress.delete(r.id);
      if (this.pending.size === 0) worker.unref();
      if (r.ok) p?.resolve(r.value);
      else p?.reject(new Error(r.message));
    });
    worker.on('error', (e) => this.stopped(worker, e.message));
    worker.on('exit', (code) => this.stopped(worker, `exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private stopped(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const model of this.models.values()) model.loading = null; // loaded again in the next thread when used
    const error = new Error(`the prediction thread stopped (${why}); the next hover starts it again`);
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.loadProgress.clear();
  }
}
