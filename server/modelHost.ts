// The daemon's current model: loaded from the model store at start and again whenever the store's pointer changes
// on disk (a training from the daemon or the CLI, or Select Model), with its encoders and predictor ready for hovers.
// Predicting one row reuses cached embeddings, so hovering a row a second time costs only the boosters.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MovieRow } from './engine/data';
import { FeatureExtractor } from './engine/features';
import { resolveModelDir } from './engine/modelStore';
import { EngineOptions, LoadedModel, loadModel, loadModelEncoders } from './engine/run';
import { OneVsRestPredictor } from './engine/trainer';
import type { ModelSummary } from '../common/protocol';

export interface RowPrediction {
  genres: { name: string; probability: number; threshold: number; predicted: boolean; trained: boolean }[];
  /** Why the poster was not used, or null when it was. */
  posterNote: string | null;
}

interface Ready {
  loaded: LoadedModel;
  predictor: OneVsRestPredictor;
  extractor: Promise<FeatureExtractor>;
}

export function summarize(loaded: LoadedModel): ModelSummary {
  const m = loaded.manifest;
  return { dir: loaded.dir, createdAt: m.createdAt, dataset: m.dataset.path, genres: m.genres.map((g) => g.name),
    microF1: m.metrics.micro.f1, macroF1: m.metrics.macro.f1, samplesF1: m.metrics.samples.f1, evalRows: m.evaluation.rows };
}

/** The engine options, plus whether a hover may start a background poster download. */
export type HostOptions = EngineOptions & { prefetchPosters?: boolean };

/** The hover's note for a poster URL that is not in the cache and that hovers do not download. */
export const NOT_PREFETCHED = 'poster not downloaded: hovers never download (turn on the genreLens.prefetchPosters setting, ' +
  'or train on this file to download the posters)';

export class ModelHost {
  private current: Ready | null = null;
  private watcher: fs.FSWatcher | null = null;
  private loadedFrom: string | null = null;
  lastError: string | null = null;

  constructor(readonly store: string, private options: HostOptions, private readonly onChange: () => void) {}

  get model(): LoadedModel | null {
    return this.current?.loaded ?? null;
  }

  setOptions(options: HostOptions): void {
    this.options = options;
  }

  /** Loads the store's current model (if any) and reloads whenever the store changes. */
  async start(): Promise<void> {
    await this.reload();
    this.watch();
  }

  private watch(): void {
    let timer: NodeJS.Timeout | undefined;
    const poke = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void this.reload(), 150);
    };
    try {
      fs.mkdirSync(this.store, { recursive: true });
      this.watcher = fs.watch(this.store, poke);
      this.watcher.on('error', () => { // e.g. the store folder was deleted: stop watching instead of crashing
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      this.watcher = null;
    }
  }

  /** Re-reads the pointer; swaps in the new model only after it loaded fully. */
  async reload(): Promise<void> {
    let dir: string;
    try {
      dir = resolveModelDir(this.store);
    } catch {
      if (this.current) return; // keep serving the model we have
      this.lastError = null;
      return;
    }
    const stamp = `${dir}@${fs.statSync(path.join(dir, 'manifest.json'), { throwIfNoEntry: false })?.mtimeMs ?? 0}`;
    if (stamp === this.loadedFrom) return;
    try {
      const loaded = loadModel(dir);
      const predictor = await OneVsRestPredictor.load(loaded.model);
      const extractor = loadModelEncoders(loaded.manifest, this.options)
        .then((enc) => new FeatureExtractor(enc, this.options.cacheDir ?? null,
          { allowDownloads: this.options.allowDownloads, allowPrivateNetwork: this.options.allowPrivateNetwork }));
      extractor.catch(() => undefined); // reported when a hover needs it
      const old = this.current;
      this.current = { loaded, predictor, extractor };
      this.loadedFrom = stamp;
      this.lastError = null;
      if (old) void this.disposeReady(old);
      this.onChange();
    } catch (e) {
      this.lastError = `Could not load the model in ${dir}: ${e instanceof Error ? e.message : String(e)}`;
      this.onChange();
    }
  }

  /** Predicts one row. Poster URLs are never downloaded while a hover waits: such rows are text + cached poster only.
   * Only with `prefetchPosters` (and downloads allowed) does a hover start a background download for the next time. */
  async predictRow(row: MovieRow): Promise<RowPrediction | null> {
    const ready = this.current;
    if (!ready) return null;
    const extractor = await ready.extractor;
    const f = await extractor.extract([row], { downloadPosters: false });
    let posterNote = f.posterMissingReason[0];
    if (row.poster && row.poster.kind !== 'file' && posterNote?.includes('not downloaded')) {
      if (this.options.prefetchPosters && this.options.allowDownloads !== false) {
        extractor.downloadPoster(row.poster.url).catch(() => undefined); // ready for the next hover
      } else posterNote = NOT_PREFETCHED;
    }
    const proba = ready.predictor.predictProba(f.X, 1);
    const decisions = ready.predictor.decide(proba);
    const genres = ready.loaded.manifest.genres.map((g, i) => ({ name: g.name, probability: proba[i][0], threshold: g.threshold,
      predicted: decisions[i][0] === 1, trained: g.booster !== null }));
    return { genres, posterNote };
  }

  private async disposeReady(r: Ready): Promise<void> {
    r.predictor.dispose();
    const ex = await r.extractor.catch(() => null);
    await ex?.encoders.text.dispose();
    await ex?.encoders.image?.dispose();
  }

  async dispose(): Promise<void> {
    this.watcher?.close();
    if (this.current) await this.disposeReady(this.current);
    this.current = null;
  }
}
