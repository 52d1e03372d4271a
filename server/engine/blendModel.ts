// The model a training run fits and predicts with: LightGBM one-vs-rest (the method's core) plus the fusion heads
// (heads/), fitted on the same out-of-fold splits and blended with weights and per-genre thresholds chosen on the
// out-of-fold predictions of the training rows only. A model without heads is LightGBM alone at its own thresholds.
import { blendProba, chooseBlend, fitHead, type HeadData, type HeadFit, type HeadModel, type HeadName } from './heads';
import {
  bestF1Threshold, DEFAULT_TRAIN_OPTIONS, OneVsRestModel, OneVsRestPredictor, TrainOptions, trainingSplits, trainOneVsRest, TrainProgress,
  untrainableGenres,
} from './trainer';
import { TrainingCancelled } from './lightgbm/pool';
import type { BlendRecord } from '../../common/modelTypes';

/** The heads blended with LightGBM by default, chosen by measurement on training rows (README, "Choosing the defaults"). */
export const DEFAULT_HEADS: readonly HeadName[] = ['linear', 'tfidf', 'knn'];

export interface BlendedFit {
  lgbm: OneVsRestModel;
  heads: HeadFit[];
  /** The components' weights (LightGBM first) and the blend's per-genre thresholds; null without heads. */
  blend: (BlendRecord & { thresholds: number[]; oofF1: number[] }) | null;
  /**
   * The model's out-of-fold probabilities of the training rows, genre-major: the blend at the chosen weights (LightGBM
   * alone without heads), each from components that never saw the row; 0 for an untrained genre. Never saved as such
   * (training.json records them rounded).
   */
  oof: Float32Array[];
}

/**
 * Fits LightGBM (on its worker threads) and the heads (on this thread) at the same time, on the same out-of-fold
 * splits, then chooses the blend on their out-of-fold probabilities.
 */
export async function fitBlended(data: HeadData, labels: Uint8Array[], genres: string[], heads: readonly HeadName[],
  options: Partial<TrainOptions>, onProgress: (p: TrainProgress) => void, signal?: AbortSignal): Promise<BlendedFit> {
  const opt = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  const stop = new AbortController();
  const onAbort = () => stop.abort(new TrainingCancelled());
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const lgbmRun = trainOneVsRest(data.X, data.nrow, data.layout.total, labels, genres, options, onProgress, stop.signal);
  const positives = labels.map((col) => col.reduce((s, v) => s + v, 0));
  const trained = untrainableGenres(genres, positives, data.nrow, opt.minPositives).map((r) => r === null);
  const { folds } = trainingSplits(data.nrow, opt);
  const headsRun = (async () => {
    const fits: HeadFit[] = [];
    try {
      for (const name of heads) fits.push(await fitHead(name, data, labels, trained, folds, opt.seed, stop.signal));
    } catch (e) {
      fits.forEach((f) => f.model.dispose());
      throw e;
    }
    return fits;
  })();
  // Whichever fails first stops the other; both have finished before this returns or throws.
  const [l, h] = await Promise.allSettled([lgbmRun.catch((e) => (stop.abort(), Promise.reject(e))), headsRun.catch((e) => (stop.abort(), Promise.reject(e)))]);
  signal?.removeEventListener('abort', onAbort);
  if (l.status === 'rejected' || h.status === 'rejected') {
    if (h.status === 'fulfilled') h.value.forEach((f) => f.model.dispose());
    throw l.status === 'rejected' ? l.reason : (h as PromiseRejectedResult).reason;
  }
  const lgbm = l.value, fits = h.value;
  const lgbmOof = lgbm.genres.map((g) => (g.model && g.oof ? g.oof : new Float32Array(data.nrow)));
  if (fits.length === 0) return { lgbm, heads: [], blend: null, oof: lgbmOof };
  const choice = chooseBlend([{ name: 'lightgbm', oof: lgbmOof }, ...fits.map((f) => ({ name: f.name, oof: f.oof }))], labels, trained);
  const components = [{ name: 'lightgbm' as const, weight: choice.weights[0] },
    ...fits.map((f, i) => ({ name: f.name, weight: choice.weights[i + 1] }))];
  const blended = blendProba([lgbmOof, ...fits.map((f) => f.oof)].map((c) => c.map((g) => Float64Array.from(g))), choice.weights);
  const oof = blended.map((p, g) => (trained[g] ? Float32Array.from(p) : new Float32Array(data.nrow)));
  return { lgbm, heads: fits, blend: { components, thresholds: choice.thresholds, oofF1: choice.oofF1 }, oof };
}

/** Each head's own per-genre thresholds (best F1 on its out-of-fold probabilities), for scoring it alone. */
export function headThresholds(fit: HeadFit, labels: Uint8Array[], trained: boolean[]): number[] {
  return fit.oof.map((oof, g) => (trained[g] ? bestF1Threshold(labels[g], oof).threshold : 1));
}

/** Predicts with LightGBM and the heads, blends, and decides at the model's thresholds. */
export class BlendPredictor {
  private constructor(private readonly lgbm: OneVsRestPredictor, private readonly model: OneVsRestModel,
    private readonly heads: HeadModel[], private readonly weights: number[], readonly thresholds: number[]) {}

  /** `thresholds`: the model's decision threshold per genre (the blend's, or LightGBM's own without heads). */
  static async create(model: OneVsRestModel, heads: HeadModel[], blend: BlendRecord | null, thresholds: number[]): Promise<BlendPredictor> {
    if (blend && blend.components.length !== heads.length + 1) throw new Error(`internal: ${blend.components.length} blend weights for ${heads.length + 1} components`);
    const weights = blend ? blend.components.map((c) => c.weight) : [1];
    return new BlendPredictor(await OneVsRestPredictor.load(model), model, heads, weights, thresholds);
  }

  /** Every component's probabilities (LightGBM first, then the heads in blend order), genre-major. */
  async components(data: HeadData): Promise<Float64Array[][]> {
    const out = [this.lgbm.predictProba(data.X, data.nrow)];
    for (const h of this.heads) out.push(await h.predict(data));
    return out;
  }

  /** The blended probabilities, genre-major; untrained genres get 0. */
  async predictProba(data: HeadData): Promise<Float64Array[]> {
    if (this.heads.length === 0) return this.lgbm.predictProba(data.X, data.nrow);
    return this.blend(await this.components(data));
  }

  /** The blend of components() (the same as predictProba), so an explanation reuses the components' probabilities. */
  blend(components: Float64Array[][]): Float64Array[] {
    if (this.heads.length === 0) return components[0];
    const blended = blendProba(components, this.weights);
    return blended.map((p, g) => (this.model.genres[g].model ? p : new Float64Array(p.length)));
  }

  /** The components in blend order (LightGBM first) with their weights; `head` null for LightGBM. */
  get parts(): { name: 'lightgbm' | HeadName; weight: number; head: HeadModel | null }[] {
    return [{ name: 'lightgbm' as const, weight: this.weights[0], head: null },
      ...this.heads.map((head, i) => ({ name: head.name, weight: this.weights[i + 1], head }))];
  }

  /** Whether genre g has a classifier (untrained genres are never predicted). */
  trained(genre: number): boolean {
    return this.model.genres[genre].model !== null;
  }

  /** LightGBM's raw score (log-odds) of one genre per row: the sum of its contributions. */
  raw(genre: number, X: Float32Array, nrow: number): Float64Array {
    return this.lgbm.raw(genre, X, nrow);
  }

  /** 0/1 decisions, genre-major, at `thresholds` (default: the model's). */
  decide(proba: Float64Array[], thresholds: readonly number[] = this.thresholds): Uint8Array[] {
    return proba.map((p, g) => Uint8Array.from(p, (v) => (this.model.genres[g].model && v >= thresholds[g] ? 1 : 0)));
  }

  /** SHAP contributions of LightGBM for one genre (see OneVsRestPredictor.contributions). */
  contributions(genre: number, X: Float32Array, nrow: number): Float64Array {
    return this.lgbm.contributions(genre, X, nrow);
  }

  dispose(): void {
    this.lgbm.dispose();
    this.heads.forEach((h) => h.dispose());
  }
}
