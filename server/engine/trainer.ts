// One-vs-rest LightGBM: one binary booster per genre, trained in parallel on a worker pool, early-stopped on a
// validation split carved from the training rows, with each genre's decision threshold chosen to maximise F1 on
// out-of-fold predictions of the training rows (never on evaluation rows). Deterministic for a given seed.
import * as os from 'node:os';
import { LightGBM, loadLightGBM, Params } from './lightgbm/lightgbm';
import { JobResult, runPool } from './lightgbm/pool';
import { shuffledIndices } from './random';

export interface TrainOptions {
  seed: number;
  /** Parallel workers (each one LightGBM instance); default: the number of cores. */
  workers: number;
  /** Fraction of training rows held out for early stopping. */
  validFraction: number;
  /** Folds for the out-of-fold predictions that set the thresholds. */
  folds: number;
  maxRounds: number;
  patience: number;
  /** Genres with fewer positive training rows than this are not trained, and are reported. */
  minPositives: number;
  /** LightGBM parameters, merged over DEFAULT_PARAMS. */
  params: Params;
}

/**
 * Chosen by measurement on an inner split of the training rows only (see README, "Choosing the defaults"): learning
 * rate 0.1, 31 bins and 15 % of the features per tree, stopping after 15 rounds without progress, cost 40 % less CPU
 * than 25 % of the features and 20 rounds, for 0.017 less micro-F1 alone, which the blend with the heads makes up.
 */
export const DEFAULT_PARAMS: Params = {
  objective: 'binary',
  metric: 'binary_logloss',
  learning_rate: 0.1,
  num_leaves: 15,
  max_bin: 31,
  feature_fraction: 0.15,
  lambda_l2: 1,
  force_col_wise: true,
  deterministic: true,
  num_threads: 1,
  verbose: -1,
};

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  seed: 42,
  workers: Math.max(1, os.availableParallelism?.() ?? os.cpus().length),
  validFraction: 0.15,
  folds: 3,
  maxRounds: 1000,
  patience: 15,
  minPositives: 10,
  params: {},
};

export interface GenreModel {
  genre: string;
  /** LightGBM model text; null when the genre had too few positives to learn. */
  model: string | null;
  threshold: number;
  bestIteration: number;
  positives: number;
  /** F1 of the out-of-fold predictions at the chosen threshold. */
  oofF1: number;
  /**
   * The out-of-fold probabilities of the training rows (training-row order) the threshold was chosen on: each from a
   * booster that never saw that row. Absent for an untrained genre and for a model loaded from disk (never saved).
   */
  oof?: Float32Array;
  scalePosWeight: number;
  /** The file the model text was read from (a saved model's boosters/NN.txt), named in errors. */
  source?: string;
}

export interface OneVsRestModel {
  genres: GenreModel[];
  numFeatures: number;
  params: Params;
  options: Omit<TrainOptions, 'params' | 'workers'>;
  warnings: string[];
  /** The held-out rows of each out-of-fold split (present after training; never saved). */
  folds?: number[][];
}

export interface TrainProgress {
  done: number;
  total: number;
  genre: string;
}

/** Rows × genres labels: `labels[g][row]` is 1 when the row has genre g. */
export type LabelColumns = Uint8Array[];

export async function trainOneVsRest(
  X: Float32Array,
  nrow: number,
  ncol: number,
  labels: LabelColumns,
  genres: string[],
  options: Partial<TrainOptions> = {},
  onProgress?: (p: TrainProgress) => void,
  signal?: AbortSignal,
): Promise<OneVsRestModel> {
  const opt = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  if (X.length !== nrow * ncol) throw new RangeError(`feature matrix has ${X.length} values, expected ${nrow}×${ncol}`);
  if (labels.length !== genres.length) throw new RangeError(`${labels.length} label columns for ${genres.length} genres`);
  // Small datasets need smaller leaves to split at all: at most LightGBM's 20, at least 3, about a tenth of the rows.
  const minDataInLeaf = Math.min(20, Math.max(3, Math.floor(nrow / 10)));
  const params: Params = { ...DEFAULT_PARAMS, min_data_in_leaf: minDataInLeaf, ...opt.params, seed: opt.seed };
  const warnings: string[] = [];

  const { validRows, fitRows, folds } = trainingSplits(nrow, opt);

  const positives = labels.map((col) => col.reduce((s, v) => s + v, 0));
  const untrainable = untrainableGenres(genres, positives, nrow, opt.minPositives);
  if (untrainable.every((reason) => reason !== null)) throw new Error(noClassifierMessage(untrainable as string[], opt.minPositives));
  const jobs = genres.flatMap((genre, g) => {
    const reason = untrainable[g];
    if (reason !== null) {
      warnings.push(reason);
      return [];
    }
    return [{ label: g, labels: Uint8Array.from(labels[g]).buffer, params: { ...params, scale_pos_weight: scalePosWeight(positives[g], nrow) },
      rounds: opt.maxRounds, patience: opt.patience }];
  });

  const shared = new SharedArrayBuffer(X.byteLength);
  new Float32Array(shared).set(X);
  const datasetParams: Params = { max_bin: params.max_bin, min_data_in_leaf: params.min_data_in_leaf,
    feature_pre_filter: false, verbose: -1, seed: opt.seed };
  let done = 0;
  const results = await runPool(opt.workers, { matrix: shared, nrow, ncol, datasetParams, fitRows, validRows, folds }, jobs,
    (r) => onProgress?.({ done: ++done, total: jobs.length, genre: genres[r.label] }), signal);
  const byLabel = new Map<number, JobResult>(results.map((r) => [r.label, r]));

  const genreModels = genres.map((genre, g): GenreModel => {
    const r = byLabel.get(g);
    if (!r) return { genre, model: null, threshold: 1, bestIteration: 0, positives: positives[g], oofF1: 0, scalePosWeight: 1 };
    // Kept as float32 (issue 12 uses them), and the threshold is chosen on exactly these values.
    const oof = Float32Array.from(r.oof);
    const { threshold, f1 } = bestF1Threshold(labels[g], oof);
    return { genre, model: r.model, threshold, bestIteration: r.bestIteration, positives: positives[g], oofF1: f1, oof,
      scalePosWeight: scalePosWeight(positives[g], nrow) };
  });
  const { params: _p, workers: _w, ...rest } = opt;
  return { genres: genreModels, numFeatures: ncol, params, options: rest, warnings, folds };
}

/**
 * The early-stopping split and the out-of-fold splits of the training rows (ascending row indices), shared by every
 * genre so each worker bins the data once, and by the fusion heads so every component's out-of-fold rows are the same.
 */
export function trainingSplits(nrow: number, opt: Pick<TrainOptions, 'seed' | 'validFraction' | 'folds'>):
  { validRows: number[]; fitRows: number[]; folds: number[][] } {
  const order = shuffledIndices(nrow, opt.seed);
  const nValid = Math.max(1, Math.round(nrow * opt.validFraction));
  return {
    validRows: order.slice(0, nValid).sort((a, b) => a - b),
    fitRows: order.slice(nValid).sort((a, b) => a - b),
    folds: Array.from({ length: opt.folds }, (_, k) => order.filter((_, i) => i % opt.folds === k).sort((a, b) => a - b)),
  };
}

/**
 * Per genre, why no classifier can be trained on it, or null when one can: fewer than `minPositives` training rows
 * have it, or fewer than that many do not (a genre on every row has nothing to be told apart from). Checked before
 * LightGBM sees the genre, which fails on a one-class label column.
 */
export function untrainableGenres(genres: readonly string[], positives: readonly number[], nrow: number, minPositives: number): (string | null)[] {
  const min = Math.max(1, minPositives);
  const untrained = 'no classifier was trained and it is never predicted.';
  return genres.map((genre, g) => {
    const pos = positives[g], neg = nrow - positives[g];
    if (pos < min) return `${genre}: only ${pos} training rows have this genre (fewer than ${min}); ${untrained}`;
    if (neg === 0) return `${genre}: every training row (${nrow}) has this genre, so there is nothing to tell it apart from; ${untrained}`;
    if (neg < min) return `${genre}: all but ${neg} of the ${nrow} training rows have this genre (fewer than ${min} without it); ${untrained}`;
    return null;
  });
}

/** The error when not one genre can be trained: each genre's reason (the first 20). */
export function noClassifierMessage(reasons: readonly string[], minPositives: number): string {
  const shown = reasons.slice(0, 20).map((r) => r.replace(/; no classifier was trained and it is never predicted\.$/, ''));
  const more = reasons.length > 20 ? `; … and ${reasons.length - 20} more genres` : '';
  const min = Math.max(1, minPositives);
  const why = shown.length ? `${shown.join('; ')}${more}` : 'no genre occurs in the training rows';
  return `no classifier could be trained, so no model was saved: ${why} ` +
    `(each genre needs at least ${min} training rows with it and ${min} without)`;
}

/** Imbalance handling: up-weight positives by sqrt(negatives/positives) (the full ratio over-corrects). */
export function scalePosWeight(pos: number, n: number): number {
  return pos > 0 ? Math.sqrt((n - pos) / pos) : 1;
}

/**
 * The threshold maximising F1 of `scores >= threshold` against `truth`; ties go to the higher threshold. The
 * threshold returned is the midpoint between the chosen score and the next lower one, so it generalises.
 */
export function bestF1Threshold(truth: Uint8Array, scores: Float32Array | Float64Array): { threshold: number; f1: number } {
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]);
  const totalPos = truth.reduce((s, v) => s + v, 0);
  if (totalPos === 0) return { threshold: 1, f1: 0 };
  let tp = 0;
  let best = { threshold: 1, f1: 0 };
  for (let i = 0; i < order.length; i++) {
    tp += truth[order[i]];
    const s = scores[order[i]];
    if (i + 1 < order.length && scores[order[i + 1]] === s) continue; // only cut between distinct scores
    const f1 = (2 * tp) / (i + 1 + totalPos);
    if (f1 > best.f1) {
      const lower = i + 1 < order.length ? scores[order[i + 1]] : 0;
      best = { threshold: (s + lower) / 2, f1 };
    }
  }
  return best;
}

/** Runs LightGBM on a genre's model; a damaged one (a LightGBMError or a WebAssembly trap) becomes an Error naming its file. */
function boosterCall<T>(g: GenreModel, fn: (text: string) => T): T {
  try {
    return fn(g.model ?? '');
  } catch (e) {
    throw new Error(`${g.source ?? `the ${g.genre} model`}: not a usable LightGBM model (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Loads a trained one-vs-rest model into one LightGBM instance for prediction in this thread. */
export class OneVsRestPredictor {
  private constructor(private readonly lgb: LightGBM, private readonly model: OneVsRestModel,
    private readonly boosters: (ReturnType<LightGBM['loadBooster']> | null)[]) {}

  static async load(model: OneVsRestModel): Promise<OneVsRestPredictor> {
    const lgb = await loadLightGBM();
    const boosters = model.genres.map((g) => (g.model ? boosterCall(g, (text) => lgb.loadBooster(text)) : null));
    return new OneVsRestPredictor(lgb, model, boosters);
  }

  /** Probabilities, genre-major: `result[g][row]`. Untrained genres get 0. */
  predictProba(X: Float32Array, nrow: number): Float64Array[] {
    return this.boosters.map((b, g) => (b ? boosterCall(this.model.genres[g], () => b.predict(X, nrow, this.model.numFeatures)) : new Float64Array(nrow)));
  }

  /** SHAP contributions of one genre: nrow × (numFeatures + 1) values, log-odds space, last = expected value. */
  contributions(genre: number, X: Float32Array, nrow: number): Float64Array {
    const b = this.boosters[genre];
    if (!b) return new Float64Array(nrow * (this.model.numFeatures + 1));
    return boosterCall(this.model.genres[genre], () => b.predict(X, nrow, this.model.numFeatures, 'contrib'));
  }

  /** Raw scores (log-odds) of one genre, one a row; zeros for an untrained genre. Equal to the sum of its contributions. */
  raw(genre: number, X: Float32Array, nrow: number): Float64Array {
    const b = this.boosters[genre];
    if (!b) return new Float64Array(nrow);
    return boosterCall(this.model.genres[genre], () => b.predict(X, nrow, this.model.numFeatures, 'raw'));
  }

  /** Whether genre `genre` has a booster. */
  trained(genre: number): boolean {
    return this.boosters[genre] !== null;
  }

  /** 0/1 decisions with each genre's threshold, genre-major like predictProba. */
  decide(proba: Float64Array[]): Uint8Array[] {
    return proba.map((p, g) => Uint8Array.from(p, (v) => (this.model.genres[g].model && v >= this.model.genres[g].threshold ? 1 : 0)));
  }

  dispose(): void {
    for (const b of this.boosters) b?.free();
  }
}
