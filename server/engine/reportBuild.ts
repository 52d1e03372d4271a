// What a training run saves: the manifest (genres, thresholds, encoders, provenance, metrics), the report the panel
// draws (metrics, ablation, co-occurrence, thinned precision–recall curves, the evaluation rows' predictions) and
// the booster and head files and training.json (held-out probabilities, label issues), as the model folder's file map.
import * as path from 'node:path';
import type { MovieRow } from './data';
import type { Fitted, Variant } from './ablation';
import { cooccurrence } from './labelChecks';
import { MultiLabelReport, precisionRecallCurve, PrecisionRecallPoint } from './metrics';
import {
  MAX_EVALUATION_CELLS, MAX_EVALUATION_ROWS, MODEL_FORMAT, MODEL_FORMAT_VERSION,
  type AblationEntry, type AblationStatus, type EvaluationRow, type GenreEntry, type Manifest, type Report,
} from '../../common/modelTypes';
import type { TrainEvalFeatures } from './trainFeatures';
import { sha256Of, type TrainingRows } from './trainingRows';
import { labelIssueSummary } from './labelIssues';
import { TRAINING_FILE } from './modelFiles';
import { buildTrainingRecord, trainingRecordJson } from './trainingRecord';

/**
 * The warnings saved in manifest.json and report.json: the first `max`, each cut to `maxChars`, then a count, so a
 * file with a warning on every row still saves a model that loadModel accepts (the CLI shows them all).
 */
export function savedWarnings(warnings: readonly string[], max = 200, maxChars = 1000): string[] {
  const out = warnings.slice(0, max).map((w) => (w.length > maxChars ? `${w.slice(0, maxChars - 1)}…` : w));
  if (warnings.length > max) out.push(`… and ${warnings.length - max} more warnings`);
  return out;
}

function ablationEntry(m: MultiLabelReport): AblationEntry {
  return { micro: m.micro, macro: m.macro, samples: m.samples, subsetAccuracy: m.subsetAccuracy, perGenreF1: m.perLabel.map((l) => l.f1) };
}

/** At most `max` points of a curve, evenly spaced, keeping both ends. */
function thin(points: PrecisionRecallPoint[], max = 101): PrecisionRecallPoint[] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]);
}

/**
 * The evaluation rows' predictions as report.json records them (line, title, probability per genre at full precision),
 * or undefined above MAX_EVALUATION_ROWS rows or MAX_EVALUATION_CELLS probabilities, which would swell the report.
 */
export function evaluationRows(rows: readonly MovieRow[], proba: readonly Float64Array[], labels?: readonly Uint8Array[]): EvaluationRow[] | undefined {
  if (rows.length > MAX_EVALUATION_ROWS || rows.length * proba.length > MAX_EVALUATION_CELLS) return undefined;
  return rows.map((row, i) => ({ line: row.range.start.line + 1, title: row.title, proba: proba.map((p) => p[i]),
    ...(labels ? { labels: labels.flatMap((col, g) => (col[i] ? [g] : [])) } : {}) }));
}

export interface RunFacts {
  rows: TrainingRows;
  features: TrainEvalFeatures;
  results: Map<Variant, Fitted>;
  /** The training rows' genre-major labels, and the evaluation rows'. */
  labels: Uint8Array[];
  evalCols: Uint8Array[];
  seed: number;
  createdAt: string;
  trainingSeconds: number;
  warnings: readonly string[];
  /** Where the text-only/poster-only comparison stands ('done' when `results` has it). */
  ablationStatus: AblationStatus;
}

/** The manifest, the report and the model folder's files (relative path → content). */
export function buildModelFiles(f: RunFacts): { manifest: Manifest; report: Report; files: Record<string, string> } {
  const main = f.results.get('both');
  if (!main) throw new Error('internal: the full model was not trained');
  const { data, trainRows, evalRows, evaluation, genres } = f.rows;
  const blend = main.blended?.blend ?? null;
  const genreEntries: GenreEntry[] = main.model.genres.map((g, i) => ({ name: g.genre, threshold: main.thresholds[i],
    positives: g.positives, bestIteration: g.bestIteration, oofF1: blend ? blend.oofF1[i] : g.oofF1,
    booster: g.model ? `boosters/${String(i).padStart(2, '0')}.txt` : null }));
  const { micro, macro, weighted, samples, subsetAccuracy, hammingLoss } = main.metrics;
  const manifest: Manifest = {
    format: MODEL_FORMAT, formatVersion: blend ? MODEL_FORMAT_VERSION : 1, createdAt: f.createdAt, genres: genreEntries,
    encoders: f.features.encoders, features: f.features.layout, params: main.model.params, training: main.model.options, seed: f.seed,
    dataset: { path: path.resolve(data.file), sha256: sha256Of(data), format: data.format, columns: data.columns,
      rows: data.rows.length, trainRows: trainRows.length, unlabeledRows: data.rows.length - f.rows.labelled },
    evaluation, metrics: { micro, macro, weighted, samples, subsetAccuracy, hammingLoss },
    trainingSeconds: f.trainingSeconds, warnings: savedWarnings(f.warnings),
    ...(blend ? { blend: { components: blend.components } } : {}),
  };
  const trained = main.model.genres.map((g) => g.model !== null);
  const posters = { missingTrain: f.features.train.posterMissing, missingEval: f.features.eval.posterMissing, reasons: f.features.posterReasons };
  const recorded = evaluationRows(evalRows, main.proba, f.evalCols);
  const record = buildTrainingRecord(f.rows, f.labels, main.oof, f.evalCols, main.proba);
  const report: Report = {
    formatVersion: manifest.formatVersion,
    run: { createdAt: f.createdAt, dataset: manifest.dataset, evaluation, encoders: manifest.encoders, seed: f.seed,
      trainingSeconds: manifest.trainingSeconds, warnings: manifest.warnings, posters },
    genres, thresholds: genreEntries.map((g) => g.threshold), metrics: main.metrics,
    // LightGBM alone on each set of features, so the comparison is of modalities, not of models.
    ablation: Object.fromEntries([...f.results].map(([k, v]) => [k, ablationEntry(v.lgbmMetrics)])) as Report['ablation'],
    ablationStatus: f.ablationStatus,
    ...(main.components ? { components: main.components } : {}),
    cooccurrence: cooccurrence(f.labels, trained, trainRows.length),
    prCurves: genres.map((_, g) => (trained[g] && f.evalCols[g].some((v) => v) ? thin(precisionRecallCurve(f.evalCols[g], main.proba[g])) : [])),
    ...(recorded ? { evaluationRows: recorded } : {}),
    labelIssues: labelIssueSummary(record),
  };
  const files: Record<string, string> = {
    'manifest.json': JSON.stringify(manifest, null, 2) + '\n',
    'report.json': JSON.stringify(report) + '\n',
    [TRAINING_FILE]: trainingRecordJson(record),
  };
  main.model.genres.forEach((g, i) => {
    if (g.model && genreEntries[i].booster) files[genreEntries[i].booster as string] = g.model;
  });
  for (const [rel, content] of Object.entries(main.headFiles ?? {})) files[`heads/${rel}`] = content;
  return { manifest, report, files };
}
