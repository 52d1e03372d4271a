// A training run end to end: check the options, take the store's training lock, choose the training and evaluation
// rows (trainingRows.ts), encode them (trainFeatures.ts), fit the blended model (ablation.ts), save the model folder
// built by reportBuild.ts ('saved': it can be served), then fit the modality comparison and rewrite its report.json.
// Re-exports prediction (predict.ts) and what the CLI, daemon and tests use.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineOptions, RunProgress } from './engineOptions';
import { Fitted, fitComparison, fitModel, Variant } from './ablation';
import { DEFAULT_HEADS } from './blendModel';
import type { MovieRow } from './data';
import { type Features, rowText } from './features';
import type { HeadData, HeadName } from './heads';
import { TrainingCancelled } from './lightgbm/pool';
import { checkOutDir, checkStore, DEFAULT_KEEP_MODELS, saveToStore, STORE_DIR, storeModelName, writeDirAtomic, writeFileAtomic } from './modelStore';
import { buildModelFiles } from './reportBuild';
import { checkTrainRunOptions } from './runOptions';
import { labelColumns, toRows } from './split';
import { lockStore, type StoreLock } from './storeLock';
import { trainEvalFeatures } from './trainFeatures';
import { trainingRows } from './trainingRows';
import type { TrainOptions } from './trainer';
import type { AblationStatus, Manifest, Report } from '../../common/modelTypes';

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
  /** Train text-only and poster-only models too, for the report's modality comparison (default true); fitted after the model is saved. */
  ablation?: boolean;
  /** The fusion heads blended with LightGBM (default DEFAULT_HEADS; [] = LightGBM alone). */
  heads?: readonly HeadName[];
  train?: Partial<TrainOptions>;
  /** Who holds the store's training lock, as the second training's error names it (default 'genre-lens train (CLI)'). */
  lockedBy?: string;
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

export { posterWarnings } from './trainFeatures';
export { savedWarnings } from './reportBuild';

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
  const store = options.out ? undefined : options.store ?? path.resolve(STORE_DIR);
  if (store) checkStore(store);
  else checkOutDir(options.out as string, outOptions(options)); // before any work, and again when saving
  // One training at a time per store (CLI and daemon alike); a model written to --out takes no lock.
  let lock: StoreLock | undefined;
  if (store) {
    lock = lockStore(store, options.lockedBy ?? 'genre-lens train (CLI)');
    if (lock.recovered) warn(lock.recovered);
  }
  try {
    const seed = options.seed ?? 42;
    progress({ phase: 'reading', detail: options.data });
    const rows = await trainingRows(options, warn);
    const features = await trainEvalFeatures(options, rows.trainRows, rows.evalRows, warn, progress);

    const labels = labelColumns(rows.trainRows, rows.genres);
    const evalCols = labelColumns(rows.evalRows, rows.genres);
    const evalTruth = toRows(evalCols, rows.evalRows.length);
    const data = (f: Features, r: readonly MovieRow[]): HeadData => ({ X: f.X, nrow: f.nrow, layout: features.layout, texts: r.map(rowText) });
    const fitOptions = { heads: options.heads ?? DEFAULT_HEADS, train: { ...options.train, seed }, progress, signal: options.signal };
    const main = await fitModel(data(features.train, rows.trainRows), data(features.eval, rows.evalRows), labels, rows.genres, evalTruth, fitOptions);
    main.model.warnings.forEach(warn);

    const results = new Map<Variant, Fitted>([['both', main]]);
    const compare = options.ablation !== false && features.encoders.image !== null;
    const createdAt = new Date().toISOString();
    const trainingSeconds = (Date.now() - started) / 1000;
    const build = (ablationStatus: AblationStatus) => buildModelFiles({ rows, features, results, labels, evalCols, seed, createdAt,
      trainingSeconds, warnings, ablationStatus });
    const saved = build(compare ? 'pending' : 'skipped');
    const { manifest, files } = saved;
    let report = saved.report;

    progress({ phase: 'saving' });
    // A cancel sent while the files were built (synchronous work) is only seen after a turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    options.signal?.throwIfAborted();
    let modelDir: string;
    if (store) {
      modelDir = saveToStore(store, storeModelName(createdAt, options.data), files, options.keep ?? DEFAULT_KEEP_MODELS);
    } else {
      writeDirAtomic(options.out as string, files, outOptions(options));
      modelDir = path.resolve(options.out as string);
    }
    progress({ phase: 'saved', detail: modelDir });
    if (compare) {
      let status: AblationStatus = 'done';
      try {
        for (const [k, v] of await fitComparison(features.train, features.eval, features.layout, labels, rows.genres, evalTruth, fitOptions)) results.set(k, v);
      } catch (e) {
        status = e instanceof TrainingCancelled || options.signal?.aborted ? 'cancelled' : 'failed';
        if (status === 'failed') warn(`the text-only / poster-only comparison failed (${e instanceof Error ? e.message : String(e)}); the model is saved without it`);
      }
      report = build(status).report;
      // The model is saved and served: a report that cannot be rewritten (its folder pruned or removed meanwhile) is a warning.
      try {
        if (!fs.existsSync(path.join(modelDir, 'manifest.json'))) throw new Error('the model folder is gone');
        writeFileAtomic(path.join(modelDir, 'report.json'), JSON.stringify(report) + '\n');
      } catch (e) {
        warn(`${path.join(modelDir, 'report.json')}: the comparison could not be saved (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    return { modelDir, manifest, report, warnings };
  } finally {
    lock?.release();
  }
}
