// A training run end to end: read the data, check it (labels, leakage, where the model goes), split off evaluation
// rows (an explicit file or a seeded stratified split), encode, train one-vs-rest, evaluate (plus text-only and
// poster-only ablations), and save the model folder with its manifest and report. Re-exports prediction (predict.ts).
import * as path from 'node:path';
import { formatIssue, MovieRow, quoteText, readDataset } from './data';
import { cacheDirOf, datasetOptionsOf, EngineOptions, loadEncoders, posterAccessOf, RunProgress } from './engineOptions';
import { FeatureExtractor, Features, modalityColumns, selectColumns } from './features';
import { evaluate, MultiLabelReport, precisionRecallCurve, PrecisionRecallPoint } from './metrics';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type AblationEntry, type GenreEntry, type Manifest, type Report } from '../../common/modelTypes';
import { checkOutDir, checkStore, DEFAULT_KEEP_MODELS, saveToStore, sha256File, STORE_DIR, storeModelName, writeDirAtomic } from './modelStore';
import { checkTrainRunOptions } from './runOptions';
import { evalOverlap, overlapMessage } from './leakage';
import { labelColumns, stratifiedSplit, toRows } from './split';
import { DEFAULT_TRAIN_OPTIONS, OneVsRestPredictor, TrainOptions, trainOneVsRest, TrainProgress } from './trainer';
import { checkGenreCount, checkLabelsNotInput, checkTrainable, cooccurrence, DEFAULT_MAX_GENRES } from './labelChecks';

export * from './engineOptions';
export { stratifiedSplit } from './split';
export { evalFile, loadModelEncoders, predictFile, type Prediction } from './predict';
export { MODEL_FORMAT, MODEL_FORMAT_VERSION } from '../../common/modelTypes';
export type { AblationEntry, GenreEntry, Manifest, Report } from '../../common/modelTypes';
export { loadModel, type LoadedModel } from './modelFiles';

export interface TrainRunOptions extends EngineOptions {
  data: string;
  /** Explicit evaluation file; otherwise `evalFraction` of the rows, split with `seed`, stratified by genre. */
  evalFile?: string;
  evalFraction?: number;
  /** Evaluate on `evalFile` even when it is the training file or shares rows with it (recorded as `evaluation.overlap`). */
  allowEvalOverlap?: boolean;
  /** Model directory to write (a new path, or a model folder with `overwrite`); default: a new model in the store `store`. */
  out?: string;
  /** Replace `out` when it holds a Genre Lens model (anything else at `out` is always refused). */
  overwrite?: boolean;
  /** Models the store keeps after saving (default DEFAULT_KEEP_MODELS); the current and pinned ones are always kept. */
  keep?: number;
  /** Model store folder; default `.genre-lens` in the current directory. */
  store?: string;
  seed?: number;
  /** Refuse a training file with more distinct genre names than this (default 100): probably the wrong column. */
  maxGenres?: number;
  /** Train text-only and poster-only models too, for the report's modality comparison (default true). */
  ablation?: boolean;
  train?: Partial<TrainOptions>;
  onProgress?: (p: RunProgress) => void;
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

export interface TrainRunResult {
  modelDir: string;
  manifest: Manifest;
  report: Report;
  warnings: string[];
}

/** Located warnings for posters that were given but could not be used (the first `max`, then a count). */
export function posterWarnings(rows: readonly MovieRow[], reasons: readonly (string | null)[], max = 20): string[] {
  const bad = rows.flatMap((row, i) => (row.poster && reasons[i] ? [{ row, reason: reasons[i] as string }] : []));
  const out = bad.slice(0, max).map(({ row, reason }) => {
    const at = row.posterAt ?? row.range.start;
    return `${row.range.file}:${at.line + 1}:${at.character + 1}: poster ${quoteText(row.poster?.raw ?? '', 200)}: ${reason}`;
  });
  if (bad.length > max) out.push(`… and ${bad.length - max} more rows with an unusable poster`);
  return out;
}

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

function thin(points: PrecisionRecallPoint[], max = 101): PrecisionRecallPoint[] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]);
}

/** Trains a model on `rows`' features and evaluates it on the evaluation features. */
async function fitAndScore(train: { X: Float32Array; nrow: number }, ncol: number, labels: Uint8Array[], genres: string[],
  evalX: Float32Array, evalRows: number, evalTruth: Uint8Array[], options: Partial<TrainOptions>,
  onProgress: (p: TrainProgress) => void, signal?: AbortSignal) {
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

/** What `out` may replace, and what it must never touch: the files being read. */
function outOptions(o: TrainRunOptions) {
  return { overwrite: o.overwrite, protect: [o.data, o.evalFile] };
}

export async function trainRun(options: TrainRunOptions): Promise<TrainRunResult> {
  const started = Date.now();
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    options.onWarning?.(m);
  };
  const progress = (p: RunProgress) => options.onProgress?.(p);
  checkTrainRunOptions(options);
  if (options.out) checkOutDir(options.out, outOptions(options)); // before any work, and again when saving
  else checkStore(options.store ?? path.resolve(STORE_DIR));
  const seed = options.seed ?? 42;
  const fraction = options.evalFraction ?? 0.2;

  progress({ phase: 'reading', detail: options.data });
  const data = await readDataset(options.data, datasetOptionsOf(options));
  data.issues.forEach((i) => warn(formatIssue(i)));
  checkLabelsNotInput(data);
  checkGenreCount(data, options.maxGenres ?? DEFAULT_MAX_GENRES);
  const labelled = data.rows.filter((r) => r.genres !== null);
  if (labelled.length === 0) throw new Error(`${options.data}: no row has genres to learn from (column: ${data.columns.genres ?? 'none found'})`);
  let trainRows: MovieRow[];
  let evalRows: MovieRow[];
  let evaluation: Manifest['evaluation'];
  if (options.evalFile) {
    const evalData = await readDataset(options.evalFile, { ...datasetOptionsOf(options), columns: { ...options.dataset?.columns } });
    evalData.issues.forEach((i) => warn(formatIssue(i)));
    trainRows = labelled;
    evalRows = evalData.rows.filter((r) => r.genres !== null);
    evaluation = { kind: 'file', path: path.resolve(options.evalFile), sha256: sha256File(options.evalFile), rows: evalRows.length };
    const overlap = evalOverlap(options.data, options.evalFile, trainRows, evalRows);
    if (overlap && !options.allowEvalOverlap) throw new Error(overlapMessage(options.evalFile, overlap, false));
    if (overlap) {
      evaluation.overlap = overlap;
      warn(overlapMessage(options.evalFile, overlap, true));
    }
  } else {
    const split = stratifiedSplit(labelled, fraction, seed);
    trainRows = split.train.map((i) => labelled[i]);
    evalRows = split.eval.map((i) => labelled[i]);
    evaluation = { kind: 'split', fraction, rows: evalRows.length };
    if (trainRows.length === 0) {
      throw new Error(`--eval-fraction ${fraction} (evalFraction) holds out all ${labelled.length} labelled rows for evaluation ` +
        `(${evalRows.length} evaluation rows, ${trainRows.length} training rows), leaving none to train on; use a smaller fraction such as 0.2`);
    }
  }
  if (evalRows.length === 0) {
    throw new Error(options.evalFile ? `${options.evalFile}: no row has genres to evaluate on`
      : `no labelled rows to evaluate on: the held-out split of ${labelled.length} rows is empty (every genre is on fewer than 2 rows); give --eval <file>`);
  }
  const genres = [...new Set(trainRows.flatMap((r) => r.genres ?? []))].sort((a, b) => a.localeCompare(b));
  const unseen = [...new Set(evalRows.flatMap((r) => r.genres ?? []))].filter((g) => !genres.includes(g));
  if (unseen.length) {
    const more = unseen.length > 20 ? `, … and ${unseen.length - 20} more` : '';
    warn(`Genres only in the evaluation rows are not predicted: ${unseen.slice(0, 20).join(', ')}${more}`);
  }
  checkTrainable(trainRows, genres, options.train?.minPositives ?? DEFAULT_TRAIN_OPTIONS.minPositives);

  progress({ phase: 'loading encoders' });
  const encoders = await loadEncoders(options, warn);
  const extractor = new FeatureExtractor(encoders, cacheDirOf(options), posterAccessOf(options));
  let trainF: Features;
  let evalF: Features;
  let posterReasons: Features['posterReasons'];
  try {
    const onProgress = (phase: 'text' | 'posters', done: number, total: number) =>
      progress({ phase: phase === 'text' ? 'encoding text' : 'encoding posters', done, total });
    const all = await extractor.extract([...trainRows, ...evalRows], { onProgress, signal: options.signal });
    const ncol = all.layout.total;
    const split = (from: number, n: number): Features => ({ ...all, X: all.X.slice(from * ncol, (from + n) * ncol), nrow: n,
      posterMissingReason: all.posterMissingReason.slice(from, from + n),
      posterMissing: all.posterMissingReason.slice(from, from + n).filter((r) => r !== null).length });
    trainF = split(0, trainRows.length);
    evalF = split(trainRows.length, evalRows.length);
    posterReasons = all.posterReasons;
    const ranked = all.posterReasons.map((r) => `${r.count} × ${r.reason}`).join('; ');
    // Without an image encoder no poster is read: nothing to warn about per row.
    if (encoders.image) posterWarnings([...trainRows, ...evalRows], all.posterMissingReason).forEach(warn);
    if (encoders.image && all.posterMissing > 0) warn(`${all.posterMissing} of ${all.nrow} rows have no usable poster (${ranked}); they get the poster-missing indicator.`);
  } finally {
    await encoders.text.dispose();
    await encoders.image?.dispose();
  }

  const layout = extractor.layout;
  const labels = labelColumns(trainRows, genres);
  const evalCols = labelColumns(evalRows, genres);
  const evalTruth = toRows(evalCols, evalRows.length);
  const variants: { name: 'both' | 'text' | 'poster'; cols: number[] | null }[] = [{ name: 'both', cols: null }];
  if (options.ablation !== false && encoders.image) {
    variants.push({ name: 'text', cols: modalityColumns(layout, 'text') }, { name: 'poster', cols: modalityColumns(layout, 'poster') });
  }
  const trainOptions = { ...options.train, seed };
  let boostersDone = 0;
  const boostersTotal = variants.length * genres.length;
  const results = new Map<string, Awaited<ReturnType<typeof fitAndScore>>>();
  for (const v of variants) {
    const ncol = v.cols ? v.cols.length : layout.total;
    const X = v.cols ? selectColumns(trainF.X, trainF.nrow, layout.total, v.cols) : trainF.X;
    const EX = v.cols ? selectColumns(evalF.X, evalF.nrow, layout.total, v.cols) : evalF.X;
    const base = boostersDone;
    const r = await fitAndScore({ X, nrow: trainF.nrow }, ncol, labels, genres, EX, evalF.nrow, evalTruth, trainOptions,
      (p) => progress({ phase: 'training', done: base + p.done, total: boostersTotal, detail: `${v.name}: ${p.genre}` }), options.signal);
    boostersDone = base + genres.length;
    results.set(v.name, r);
  }
  const main = results.get('both');
  if (!main) throw new Error('internal: the full model was not trained');
  main.model.warnings.forEach(warn);

  progress({ phase: 'evaluating' });
  const createdAt = new Date().toISOString();
  const genreEntries: GenreEntry[] = main.model.genres.map((g, i) => ({ name: g.genre, threshold: g.threshold,
    positives: g.positives, bestIteration: g.bestIteration, oofF1: g.oofF1,
    booster: g.model ? `boosters/${String(i).padStart(2, '0')}.txt` : null }));
  const { micro, macro, weighted, samples, subsetAccuracy, hammingLoss } = main.metrics;
  const manifest: Manifest = {
    format: MODEL_FORMAT, formatVersion: MODEL_FORMAT_VERSION, createdAt, genres: genreEntries,
    encoders: extractor.identities(), features: layout, params: main.model.params, training: main.model.options, seed,
    dataset: { path: path.resolve(options.data), sha256: sha256File(options.data), format: data.format, columns: data.columns,
      rows: data.rows.length, trainRows: trainRows.length, unlabeledRows: data.rows.length - labelled.length },
    evaluation, metrics: { micro, macro, weighted, samples, subsetAccuracy, hammingLoss },
    trainingSeconds: (Date.now() - started) / 1000, warnings: savedWarnings(warnings),
  };
  const trained = main.model.genres.map((g) => g.model !== null);
  const cooc = cooccurrence(labels, trained, trainRows.length);
  const report: Report = {
    formatVersion: MODEL_FORMAT_VERSION,
    run: { createdAt, dataset: manifest.dataset, evaluation, encoders: manifest.encoders, seed, trainingSeconds: manifest.trainingSeconds,
      warnings: manifest.warnings, posters: { missingTrain: trainF.posterMissing, missingEval: evalF.posterMissing, reasons: posterReasons } },
    genres, thresholds: genreEntries.map((g) => g.threshold), metrics: main.metrics,
    ablation: Object.fromEntries([...results].map(([k, v]) => [k, ablationEntry(v.metrics)])) as Report['ablation'],
    cooccurrence: cooc,
    prCurves: genres.map((_, g) => (trained[g] && evalCols[g].some((v) => v) ? thin(precisionRecallCurve(evalCols[g], main.proba[g])) : [])),
  };

  progress({ phase: 'saving' });
  options.signal?.throwIfAborted();
  const files: Record<string, string> = {
    'manifest.json': JSON.stringify(manifest, null, 2) + '\n',
    'report.json': JSON.stringify(report) + '\n',
  };
  main.model.genres.forEach((g, i) => {
    if (g.model && genreEntries[i].booster) files[genreEntries[i].booster as string] = g.model;
  });
  let modelDir: string;
  if (options.out) {
    writeDirAtomic(options.out, files, outOptions(options));
    modelDir = path.resolve(options.out);
  } else {
    modelDir = saveToStore(options.store ?? path.resolve(STORE_DIR), storeModelName(createdAt, options.data), files, options.keep ?? DEFAULT_KEEP_MODELS);
  }
  return { modelDir, manifest, report, warnings };
}
