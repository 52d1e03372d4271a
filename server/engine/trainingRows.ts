// Which rows a training run trains on and which it evaluates on: reads the training file (and the evaluation file),
// checks the labels (not an input column, not too many genres, at least one trainable), and sets the evaluation rows
// apart — an explicit file (refused when it shares rows with the training file, unless allowed) or a seeded share.
import * as path from 'node:path';
import { Dataset, formatIssue, MovieRow, readDataset } from './data';
import { datasetOptionsOf, EngineOptions } from './engineOptions';
import { absentColumnWarnings, readWithModelColumns } from './modelColumns';
import type { Manifest } from '../../common/modelTypes';
import { evalOverlap, overlapMessage } from './leakage';
import { checkGenreCount, checkLabelsNotInput, checkTrainable, DEFAULT_MAX_GENRES } from './labelChecks';
import { stratifiedSplit } from './split';
import { DEFAULT_TRAIN_OPTIONS } from './trainer';

/** The options of a training run that choose its rows (a subset of TrainRunOptions). */
export interface RowOptions extends EngineOptions {
  data: string;
  evalFile?: string;
  evalFraction?: number;
  allowEvalOverlap?: boolean;
  seed?: number;
  maxGenres?: number;
  train?: { minPositives?: number };
}

export interface TrainingRows {
  /** The training file as read; `data.sha256` is of the bytes the rows came from. */
  data: Dataset;
  /** Rows of the training file with known genres. */
  labelled: number;
  trainRows: MovieRow[];
  evalRows: MovieRow[];
  evaluation: Manifest['evaluation'];
  /** The genres of the training rows, sorted: the model's genres. */
  genres: string[];
}

/** The hash of the bytes a dataset was read from (readDataset always sets it). */
export function sha256Of(d: Dataset): string {
  if (!d.sha256) throw new Error(`internal: ${d.file} was not read by readDataset, so the bytes it came from are unknown`);
  return d.sha256;
}

export async function trainingRows(options: RowOptions, warn: (m: string) => void): Promise<TrainingRows> {
  const seed = options.seed ?? 42;
  const fraction = options.evalFraction ?? 0.2;
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
    // Read with the columns the model is trained on (detected in the training file, or given), not detected afresh.
    const trained = { dir: path.dirname(path.resolve(options.data)), columns: data.columns, label: `the training file ${options.data}` };
    const evalData = await readWithModelColumns(options.evalFile, datasetOptionsOf(options), trained, 'eval');
    absentColumnWarnings(trained, evalData).forEach(warn);
    evalData.issues.forEach((i) => warn(formatIssue(i)));
    trainRows = labelled;
    evalRows = evalData.rows.filter((r) => r.genres !== null);
    evaluation = { kind: 'file', path: path.resolve(options.evalFile), sha256: sha256Of(evalData), rows: evalRows.length };
    const overlap = evalOverlap({ file: options.data, sha256: sha256Of(data) }, { file: options.evalFile, sha256: sha256Of(evalData) }, trainRows, evalRows);
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
  return { data, labelled: labelled.length, trainRows, evalRows, evaluation, genres };
}
