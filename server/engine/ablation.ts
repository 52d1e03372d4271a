// The models a training run fits: the full model (LightGBM on text + poster features blended with the fusion heads,
// blendModel.ts) and, for the report's modality comparison, LightGBM on the text columns only and on the poster
// columns only. Each is trained on the training rows alone and then scored on the evaluation rows.
import type { ComponentEntry, FeatureLayout } from '../../common/modelTypes';
import { BlendedFit, BlendPredictor, fitBlended, headThresholds } from './blendModel';
import { Features, modalityColumns, selectColumns } from './features';
import type { HeadData, HeadName } from './heads';
import { evaluate, MultiLabelReport } from './metrics';
import type { RunProgress } from './engineOptions';
import { toRows } from './split';
import type { OneVsRestModel, TrainOptions } from './trainer';

export type Variant = 'both' | 'text' | 'poster';

export interface Fitted {
  /** LightGBM's one-vs-rest model (each genre at its own out-of-fold threshold). */
  model: OneVsRestModel;
  /** The full model's heads and blend (absent for the comparison models). */
  blended?: BlendedFit;
  /** The heads' saved files (relative to heads/), taken before the heads are freed. */
  headFiles?: Record<string, string>;
  /** The model's decision threshold per genre (the blend's when there are heads). */
  thresholds: number[];
  /** The training rows' out-of-fold probabilities of the model (the blend's, or LightGBM's alone), genre-major. */
  oof: Float32Array[];
  /** Evaluation-row probabilities of the model, genre-major: `proba[g][row]`. */
  proba: Float64Array[];
  metrics: MultiLabelReport;
  /** Each component scored alone and the blend, when the model blends heads. */
  components?: ComponentEntry[];
  /** LightGBM alone on these features (= `metrics` without heads): what the modality comparison compares. */
  lgbmMetrics: MultiLabelReport;
}

export interface FitOptions {
  /** The fusion heads blended with LightGBM (none: LightGBM alone). */
  heads: readonly HeadName[];
  train: Partial<TrainOptions>;
  progress: (p: RunProgress) => void;
  signal?: AbortSignal;
}

function entry(name: string, weight: number, m: MultiLabelReport): ComponentEntry {
  return { name, weight, micro: m.micro, macro: m.macro, samples: m.samples, subsetAccuracy: m.subsetAccuracy };
}

/**
 * Fits the full model and scores it on the evaluation rows. `labels` are the training rows' genre-major columns and
 * `evalTruth` the evaluation rows' row-major truth: evaluation labels are only ever scored against.
 */
export async function fitModel(train: HeadData, evalData: HeadData, labels: Uint8Array[], genres: string[], evalTruth: Uint8Array[],
  o: FitOptions): Promise<Fitted> {
  const fit = await fitBlended(train, labels, genres, o.heads, o.train,
    (p) => o.progress({ phase: 'training', done: p.done, total: p.total, detail: p.genre }), o.signal);
  const trained = fit.lgbm.genres.map((g) => g.model !== null);
  const thresholds = fit.blend ? fit.blend.thresholds : fit.lgbm.genres.map((g) => g.threshold);
  const headFiles = Object.assign({}, ...fit.heads.map((h) => h.model.files())) as Record<string, string>;
  o.progress({ phase: 'evaluating' });
  const predictor = await BlendPredictor.create(fit.lgbm, fit.heads.map((h) => h.model), fit.blend, thresholds);
  try {
    const score = (proba: Float64Array[], at: readonly number[]) => evaluate(evalTruth, toRows(predictor.decide(proba, at), evalData.nrow), genres);
    const proba = await predictor.predictProba(evalData);
    const metrics = score(proba, thresholds);
    if (!fit.blend) return { model: fit.lgbm, thresholds, oof: fit.oof, proba, metrics, lgbmMetrics: metrics };
    const parts = await predictor.components(evalData);
    const own = [fit.lgbm.genres.map((g) => g.threshold), ...fit.heads.map((h) => headThresholds(h, labels, trained))];
    const alone = parts.map((p, i) => score(p, own[i]));
    const components = [...fit.blend.components.map((c, i) => entry(c.name, c.weight, alone[i])), entry('blend', 1, metrics)];
    return { model: fit.lgbm, blended: fit, headFiles, thresholds, oof: fit.oof, proba, metrics, components, lgbmMetrics: alone[0] };
  } finally {
    predictor.dispose();
  }
}

/** The modality comparison: LightGBM on the text columns only and on the poster columns only, scored alike. */
export async function fitComparison(trainF: Features, evalF: Features, layout: FeatureLayout, labels: Uint8Array[], genres: string[],
  evalTruth: Uint8Array[], o: FitOptions): Promise<Map<Variant, Fitted>> {
  const variants = [{ name: 'text' as const, cols: modalityColumns(layout, 'text') }, { name: 'poster' as const, cols: modalityColumns(layout, 'poster') }];
  const results = new Map<Variant, Fitted>();
  let done = 0;
  const total = variants.length * genres.length;
  for (const v of variants) {
    const sub = (f: Features): HeadData => ({ X: selectColumns(f.X, f.nrow, layout.total, v.cols), nrow: f.nrow, texts: [],
      layout: { ...layout, total: v.cols.length } });
    const base = done;
    const onProgress = (p: RunProgress) => {
      if (p.phase === 'training' && p.done !== undefined) o.progress({ phase: 'comparing', done: base + p.done, total, detail: `${v.name}: ${p.detail}` });
    };
    results.set(v.name, await fitModel(sub(trainF), sub(evalF), labels, genres, evalTruth, { ...o, heads: [], progress: onProgress }));
    done = base + genres.length;
    // Untrained genres are no jobs: the variant's last event says it is complete.
    o.progress({ phase: 'comparing', done, total, detail: `${v.name}: done` });
  }
  return results;
}
