// The daemon's current model: the store's current model, loaded into the prediction thread (predictClient.ts) at start
// and again whenever the store's pointer changes on disk (a training from the daemon or the CLI, Select Model).
// Reloads run one at a time and coalesce; a model being replaced still answers the hovers already sent to it. The
// served model's report.json is watched too: its comparison lands after the model is served (onReport).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MovieRow } from './engine/data';
import type { EngineOptions } from './engine/engineOptions';
import { POINTER, resolveModelDir } from './engine/modelFiles';
import type { Manifest } from '../common/modelTypes';
import type { ModelSummary } from '../common/protocol';
import type { PredictClient } from './predictClient';
import type { RowResult } from './engine/pipeline';

/** The model being served: its folder and manifest (all the language-server thread keeps of it). */
export interface ServedModel {
  dir: string;
  manifest: Manifest;
}

export interface RowPrediction {
  genres: { name: string; probability: number; threshold: number; predicted: boolean; trained: boolean }[];
  /** Why the poster was not used, or null when it was. */
  posterNote: string | null;
  /** With `explain`: why each genre, the poster thumbnail, the nearest training movies (each absent when unavailable). */
  why?: RowResult['why'];
  thumbnail?: RowResult['thumbnail'];
  neighbours?: RowResult['neighbours'];
}

export function summarize(loaded: ServedModel): ModelSummary {
  const m = loaded.manifest;
  const brief = ({ id, fallback }: { id: string; fallback: boolean }) => ({ id, fallback });
  return { dir: loaded.dir, createdAt: m.createdAt, dataset: m.dataset.path, genres: m.genres.map((g) => g.name),
    microF1: m.metrics.micro.f1, macroF1: m.metrics.macro.f1, samplesF1: m.metrics.samples.f1, evalRows: m.evaluation.rows,
    encoders: { text: brief(m.encoders.text), image: m.encoders.image && brief(m.encoders.image) } };
}

/** The engine options, plus whether a hover may start a background poster download. */
export type HostOptions = EngineOptions & { prefetchPosters?: boolean };

/** The hover's note for a poster URL that is not in the cache and that hovers do not download. */
export const NOT_PREFETCHED = 'poster not downloaded: hovers never download (turn on the genreLens.prefetchPosters setting, ' +
  'or train on this file to download the posters)';

/** How often the store's current.json is checked: this works before the store exists, and creates nothing. */
const POLL_MS = 500;

/** What changes when current.json is replaced or rewritten ('none' while it does not exist). */
function fileStamp(file: string): string {
  try {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    return st ? `${st.ino}:${st.mtimeMs}:${st.size}` : 'none';
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

/** A model folder as loaded: its path and its manifest's stamp. */
const modelStamp = (dir: string) => `${dir}@${fileStamp(path.join(dir, 'manifest.json'))}`;
/** A model's report.json as last seen (rewritten, atomically, when its modality comparison lands). */
const reportStamp = (dir: string) => `${dir}@${fileStamp(path.join(dir, 'report.json'))}`;

/**
 * The host `current()` returns, once its first load has finished; a settings change may replace the host meanwhile,
 * and then the new one is waited for too. Null without a host, or when `signal` aborts first.
 */
export async function settledHost(current: () => ModelHost | undefined, signal?: AbortSignal): Promise<ModelHost | null> {
  const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
  for (let host = current(); host && !signal?.aborted; ) {
    await Promise.race([host.ready, aborted]);
    const now = current();
    if (now === host) return signal?.aborted ? null : host;
    host = now;
  }
  return null;
}

export class ModelHost {
  private served: (ServedModel & { pipeline: number }) | null = null;
  /** The served model as loaded: `modelStamp(loadedDir)` then (null when nothing is served). */
  private loadedFrom: string | null = null;
  private loadedDir: string | null = null;
  /** The served model's report.json as last seen (`reportStamp`). */
  private reportSeen: string | null = null;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private disposed = false;
  private readonly pointer: string;
  private poll: NodeJS.Timeout | undefined;
  private started = () => undefined as void;
  /** Settles once the load at start has finished, whatever its outcome: the first hovers wait for it. */
  readonly ready = new Promise<void>((resolve) => (this.started = resolve));
  /** Reload passes run so far. */
  reloads = 0;
  /** Why the store's current model could not be loaded (then nothing is served), or null. */
  lastError: string | null = null;

  /** onReport: the served model's report.json changed on disk (not when a new model is served: onChange says that). */
  constructor(readonly store: string, private options: HostOptions, private readonly onChange: () => void, private readonly client: PredictClient,
    private readonly onReport: (dir: string) => void = () => undefined) {
    this.pointer = path.join(store, POINTER);
  }

  get model(): ServedModel | null {
    return this.served && { dir: this.served.dir, manifest: this.served.manifest };
  }

  setOptions(options: HostOptions): void {
    this.options = options;
  }

  /**
   * Loads the store's current model (if any) and reloads whenever the store's pointer changes, or the served model's
   * folder is replaced in place (`train --out <it> --overwrite`). Both are polled (like fs.watchFile, but from stamps
   * taken before the first load, so a change during that load is not missed).
   */
  async start(): Promise<void> {
    if (this.disposed) return this.started();
    let seen = fileStamp(this.pointer);
    this.poll = setInterval(() => {
      const now = fileStamp(this.pointer);
      if (now !== seen || this.servedChanged()) this.reload().catch(() => undefined); // a pass records its own errors
      else if (!this.running && this.loadedDir && this.reportChanged()) this.onReport(this.loadedDir);
      seen = now;
    }, POLL_MS).unref();
    await this.reload().finally(this.started);
  }

  /** The served model's folder was replaced since it was loaded (its manifest is not the one loaded). */
  private servedChanged(): boolean {
    const dir = this.loadedDir;
    return this.served !== null && dir !== null && !this.running && this.loadedFrom !== modelStamp(dir);
  }

  /**
   * The served model's report.json changed since it was last seen (then it counts as seen): true once per change. The
   * daemon calls it when a comparison it ran ends, so the poll does not announce that change a second time.
   */
  reportChanged(): boolean {
    if (this.loadedDir === null) return false;
    const now = reportStamp(this.loadedDir);
    if (now === this.reportSeen) return false;
    this.reportSeen = now;
    return true;
  }

  /**
   * Re-reads the pointer and swaps in the model it names once that has fully loaded. One reload runs at a time; any
   * number of calls during it cause exactly one more pass after it, which all of them wait for.
   */
  reload(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (!this.running) {
      this.running = this.pass().finally(() => (this.running = null));
      return this.running;
    }
    this.queued ??= this.running.catch(() => undefined).then(() => {
      this.queued = null;
      return this.reload();
    });
    return this.queued;
  }

  private async pass(): Promise<void> {
    this.reloads++;
    let dir: string;
    try {
      dir = resolveModelDir(this.store);
    } catch {
      if (!this.served) this.lastError = null; // no model yet; with one, keep serving it
      return;
    }
    const stamp = modelStamp(dir);
    if (stamp === this.loadedFrom) return;
    const report = reportStamp(dir); // before the load: a report rewritten during it counts as changed
    const options = { ...this.options, dataset: undefined, prefetchPosters: undefined }; // documents are parsed here, not there
    try {
      const loaded = await this.client.load(dir, options);
      if (this.disposed) return this.client.release(loaded.pipeline);
      this.swap({ dir: loaded.dir, manifest: loaded.manifest, pipeline: loaded.pipeline }, { dir, stamp, report }, null);
    } catch (e) {
      if (!this.disposed) this.swap(null, null, `Could not load the model in ${dir}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Serves `next`; the previous model is released, and freed once the hovers sent to it are answered. */
  private swap(next: ModelHost['served'], from: { dir: string; stamp: string; report: string } | null, error: string | null): void {
    const old = this.served;
    this.served = next;
    this.loadedFrom = from?.stamp ?? null;
    this.loadedDir = from?.dir ?? null;
    this.reportSeen = from?.report ?? null;
    this.lastError = error;
    if (old) this.client.release(old.pipeline);
    this.onChange();
  }

  /** Predicts one row. Poster URLs are never downloaded while a hover waits: such rows are text + cached poster only.
   * `prefetch` (only the hover passes it): with `prefetchPosters` (and downloads allowed), start a background download
   * for the next time. `explain`: also why, the poster thumbnail and the nearest training movies, computed with it. */
  async predictRow(row: MovieRow, signal?: AbortSignal, explain = false, prefetch = false): Promise<(RowPrediction & { model: ServedModel }) | null> {
    const served = this.served;
    if (!served) return null;
    const [r] = await this.client.predict(served.pipeline, [row], signal, explain);
    return this.rowPrediction(served, row, r, prefetch);
  }

  /** Predicts many rows in one prediction-thread request (fills, quick fixes, inlay hints): no explanation, never a
   * download. Null when nothing is served. */
  async predictRows(rows: MovieRow[], signal?: AbortSignal): Promise<(RowPrediction & { model: ServedModel })[] | null> {
    const served = this.served;
    if (!served) return null;
    const results = await this.client.predict(served.pipeline, rows, signal, false);
    return results.map((r, i) => this.rowPrediction(served, rows[i], r, false));
  }

  private rowPrediction(served: NonNullable<ModelHost['served']>, row: MovieRow, r: RowResult, prefetch: boolean): RowPrediction & { model: ServedModel } {
    let posterNote = r.posterNote;
    if (row.poster && row.poster.kind !== 'file' && posterNote?.includes('not downloaded')) {
      if (!this.options.prefetchPosters || this.options.allowDownloads === false) posterNote = NOT_PREFETCHED;
      else if (prefetch) this.client.prefetch(served.pipeline, row.poster.url).catch(() => undefined); // ready for the next hover
    }
    const genres = served.manifest.genres.map((g, i) => ({ name: g.name, probability: r.proba[i], threshold: g.threshold,
      predicted: r.predicted[i], trained: g.booster !== null }));
    const { why, thumbnail, neighbours } = r;
    return { genres, posterNote, model: { dir: served.dir, manifest: served.manifest },
      ...(why ? { why } : {}), ...(thumbnail ? { thumbnail } : {}), ...(neighbours ? { neighbours } : {}) };
  }

  /** Stops watching, releases the model, and makes a load still running release what it loads. */
  async dispose(): Promise<void> {
    this.disposed = true;
    clearInterval(this.poll);
    const old = this.served;
    this.served = null;
    if (old) this.client.release(old.pipeline);
    await this.running?.catch(() => undefined);
    this.started();
  }
}
