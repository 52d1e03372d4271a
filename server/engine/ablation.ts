// The models a training run fits: the full model (text + poster features) and, for the report's modality comparison,
// the same training on the text columns only and on the poster columns only. Each is trained on the training rows
// alone and then scored on the evaluation rows.
import type { FeatureLayout } from '../../common/modelTypes';
import { Features, modalityColumns, selectColumns } from './features';
import { evaluate, MultiLabelReport } from './metrics';
import type { RunProgress } from './engineOptions';
import { toRows } from './split';
import { OneVsRestModel, OneVsRestPredictor, TrainOptions, trainOneVsRest, TrainProgress } from './trainer';

export type Variant = 'both' | 'text' | 'poster';

export interface Fitted {
  model: OneVsRestModel;
  /** Evaluation-row probabilities, genre-major: `proba[g][row]`. */
  proba: Float64Array[];
  metrics: MultiLabelReport;
}

/** Trains a model on the training features, then predicts and scores the evaluation features. */
async function fitAndScore(train: { X: Float32Array; nrow: number }, ncol: number, labels: Uint8Array[], genres: string[],
  evalX: Float32Array, evalRows: number, evalTruth: Uint8Array[], options: Partial<TrainOptions>,
  onProgress: (p: TrainProgress) => void, signal?: AbortSignal): Promise<Fitted> {
  const model = await trainOneVsRest(train.X, train.nrow, ncol, labels, genres, options, onProgress, signal);
  const predictor = await OneVsRestPredictor.load(model);
  try {
    const proba = predictor.predictProba(evalX, evalRows);
    const decisions = predictor.decide(proba);
    const metrics = evaluate(evalTruth, toRows(decisions, evalRows), genres);
    return { model, proba, metrics };
  } finally {
    predictor.dispose();
  }
}

export interface FitOptions {
  /** Also fit the text-only and poster-only models (only when there are poster features). */
  ablation: boolean;
  train: Partial<TrainOptions>;
  progress: (p: RunProgress) => void;
  signal?: AbortSignal;
}

/**
 * Fits 'both' and, when asked, 'text' and 'poster'. `labels` are the training rows' genre-major columns and
 * `evalTruth` the evaluation rows' row-major truth: evaluation labels are only ever scored against.
 */
export async function fitVariants(trainF: Features, evalF: Features, layout: FeatureLayout, labels: Uint8Array[], genres: string[],
  evalTruth: Uint8Array[], o: FitOptions): Promise<Map<Variant, Fitted>> {
  const variants: { name: Variant; cols: number[] | null }[] = [{ name: 'both', cols: null }];
  if (o.ablation) variants.push({ name: 'text', cols: modalityColumns(layout, 'text') }, { name: 'poster', cols: modalityColumns(layout, 'poster') });
  let boostersDone = 0;
  const boostersTotal = variants.length * genres.length;
  const results = new Map<Variant, Fitted>();
  for (const v of variants) {
    const ncol = v.cols ? v.cols.length : layout.total;
    const X = v.cols ? selectColumns(trainF.X, trainF.nrow, layout.total, v.cols) : trainF.X;
    const EX = v.cols ? selectColumns(evalF.X, evalF.nrow, layout.total, v.cols) : evalF.X;
    const base = boostersDone;
    const r = await fitAndScore({ X, nrow: trainF.nrow }, ncol, labels, genres, EX, evalF.nrow, evalTruth, o.train,
      (p) => o.progress({ phase: 'training', done: base + p.done, total: boostersTotal, detail: `${v.name}: ${p.genre}` }), o.signal);
    boostersDone = base + genres.length;
    results.set(v.name, r);
  }
  return results;
}
