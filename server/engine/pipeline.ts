// One saved model ready to predict: its manifest and column mapping, the encoders it was trained with, the feature
// extractor (with its embedding cache), the boosters, heads, blend and thresholds. Predict, eval and hovers all go through it;
// on request it also says why (explain.ts), lists the nearest training movies (neighbours.ts) and makes poster thumbnails.
// dispose() is safe while predictions run: each holds a reference, and the last one to finish frees the resources.
import type { MovieRow } from './data';
import { cacheDirOf, EngineOptions, posterAccessOf, RunProgress } from './engineOptions';
import { defaultCacheDir } from './encoders/fetchCache';
import * as path from 'node:path';
import { BlendPredictor } from './blendModel';
import { explainRows, type GenreWhy } from './explain';
import { disposeEncoders, FeatureExtractor, FeatureOptions, mapLimit, rowText } from './features';
import type { Manifest } from '../../common/modelTypes';
import { loadModelEncoders } from './modelEncoders';
import { type LoadedModel, loadModel } from './modelFiles';
import { type Neighbour, NeighbourIndex } from './neighbours';
import { posterThumbnail } from './thumbnail';

export { loadModelEncoders } from './modelEncoders';

/** One row's prediction: probability and decision per model genre (manifest order), and why its poster was not used. */
export interface RowResult {
  proba: number[];
  predicted: boolean[];
  /** null when the poster was encoded. */
  posterNote: string | null;
  /** With `explain`: per trained genre, the evidence from the description vs the poster (explain.ts). */
  why?: GenreWhy[];
  /** With `thumbnails`: the poster as a `data:image/jpeg;base64,` URI ≤ 24 KB (local file or cached download only). */
  thumbnail?: string;
  /** With `explain`: the nearest training movies by text embedding; absent without a kNN head and training.json. */
  neighbours?: Neighbour[];
}

export type PredictRowsOptions = Pick<FeatureOptions, 'signal' | 'downloadPosters' | 'onProgress'> & {
  /** Also say why (`why`) and list the nearest training movies (`neighbours`); a failure there leaves them out. */
  explain?: boolean;
  /** Also make each row's poster thumbnail (never downloading). */
  thumbnails?: boolean;
};

export class ModelPipeline {
  private refs = 0;
  private disposed = false;
  private freed: Promise<void> | null = null;
  private onFreed: () => void = () => undefined;
  private readonly whenFreed = new Promise<void>((resolve) => (this.onFreed = resolve));
  /** The nearest-neighbour index, read on the first `explain` (undefined until then, null when there is none). */
  private neighbourIndex: NeighbourIndex | null | undefined;

  private constructor(readonly loaded: LoadedModel, private readonly extractor: FeatureExtractor, private readonly predictor: BlendPredictor,
    private readonly posterCacheDir: string) {}

  /** Loads a model folder (or a store's current model) with the encoders it was trained with (downloading them if need be). */
  static async load(modelDir: string, options: EngineOptions, onProgress?: (p: RunProgress) => void): Promise<ModelPipeline> {
    const loaded = loadModel(modelDir);
    const encoders = await loadModelEncoders(loaded.manifest, options, onProgress).catch((e: unknown) => {
      throw new Error(`${loaded.dir}: ${e instanceof Error ? e.message : String(e)}`);
    });
    try {
      const extractor = new FeatureExtractor(encoders, cacheDirOf(options), posterAccessOf(options));
      const want = loaded.manifest.features;
      if (extractor.layout.total !== want.total || extractor.layout.text.dim !== want.text.dim || extractor.layout.image.dim !== want.image.dim) {
        throw new Error(`${loaded.dir}/manifest.json: features: the model expects ${want.total} features, its encoders give ${extractor.layout.total}`);
      }
      const thresholds = loaded.manifest.genres.map((g) => g.threshold);
      const predictor = await BlendPredictor.create(loaded.model, loaded.heads, loaded.manifest.blend ?? null, thresholds);
      // The folder FeatureExtractor downloads posters into (features.ts): thumbnails read cached downloads from it.
      return new ModelPipeline(loaded, extractor, predictor, path.join(cacheDirOf(options) ?? defaultCacheDir(), 'posters'));
    } catch (e) {
      loaded.heads.forEach((h) => h.dispose());
      await disposeEncoders(encoders);
      throw e;
    }
  }

  get dir(): string {
    return this.loaded.dir;
  }

  get manifest(): Manifest {
    return this.loaded.manifest;
  }

  /**
   * Probabilities and decisions for `rows` (read with the model's columns), with `explain` why and the nearest
   * training movies, with `thumbnails` the posters' thumbnails. Throws once the pipeline is disposed.
   */
  async predictRows(rows: readonly MovieRow[], options: PredictRowsOptions = {}): Promise<RowResult[]> {
    this.acquire();
    try {
      // Thumbnails only read local files and the poster cache, so they are made while the rows are encoded.
      const thumbs = options.thumbnails ? mapLimit(rows, 4, (row) => posterThumbnail(row, this.posterCacheDir)) : null;
      const f = await this.extractor.extract(rows, options);
      options.signal?.throwIfAborted();
      const data = { X: f.X, nrow: f.nrow, layout: this.extractor.layout, texts: rows.map(rowText) };
      const components = await this.predictor.components(data);
      const proba = this.predictor.blend(components);
      const decisions = this.predictor.decide(proba);
      const results: RowResult[] = rows.map((_, r) => ({ proba: proba.map((p) => p[r]), predicted: decisions.map((d) => d[r] === 1),
        posterNote: f.posterMissingReason[r] }));
      if (options.explain) {
        const names = this.manifest.genres.map((g) => g.name);
        const why = tryOrNull(() => explainRows(this.predictor, data, names, components, proba, decisions));
        if (this.neighbourIndex === undefined) this.neighbourIndex = NeighbourIndex.load(this.dir, this.loaded.heads, this.extractor.layout);
        const index = this.neighbourIndex;
        results.forEach((res, r) => {
          if (why) res.why = why[r];
          const near = index && tryOrNull(() => index.find(f.X, r, rows[r]));
          if (near) res.neighbours = near;
        });
      }
      (await thumbs)?.forEach((t, r) => t && (results[r].thumbnail = t));
      return results;
    } finally {
      this.release();
    }
  }

  /** Downloads a poster URL into the poster cache for the next prediction (see FeatureExtractor.downloadPoster). */
  async downloadPoster(url: string): Promise<void> {
    this.acquire();
    try {
      await this.extractor.downloadPoster(url);
    } finally {
      this.release();
    }
  }

  /** Frees the boosters and encoders once the predictions in flight have finished; resolves when they are freed. */
  dispose(): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      if (this.refs === 0) void this.free();
    }
    return this.whenFreed;
  }

  private acquire(): void {
    if (this.disposed) throw new Error(`the model pipeline of ${this.dir} was disposed; load the model again to predict`);
    this.refs++;
  }

  private release(): void {
    if (--this.refs === 0 && this.disposed) void this.free();
  }

  /** Runs once; never rejects (a failure to free is no reason to fail the prediction that happened to finish last). */
  private free(): Promise<void> {
    this.freed ??= (async () => {
      try {
        this.predictor.dispose();
        await disposeEncoders(this.extractor.encoders);
      } catch {
        // already unusable either way
      } finally {
        this.onFreed();
      }
    })();
    return this.freed;
  }
}

/** fn's value, or null when it throws: an explanation that fails leaves the prediction as it is. */
function tryOrNull<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}
