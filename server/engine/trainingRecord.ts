// training.json: what a model folder records of the rows it was trained and evaluated on, for finding label issues
// later without the training data's features: each row's key, line, title, labels and held-out probabilities (4
// decimals; out-of-fold for training rows, the model's for a split's evaluation rows), and the per-genre thresholds.
// An --eval file's rows are not recorded (they are the user's test data), so the record never depends on their labels.
import * as path from 'node:path';
import type { MovieRow } from './data';
import { confidentThresholds, round4, rowKey } from './labelIssues';
import { MAX_RECORD_TITLE, type TrainingRecordFile, type TrainingRowRecord } from '../../common/modelTypes';
import type { TrainingRows } from './trainingRows';

function rowRecords(rows: readonly MovieRow[], labels: readonly Uint8Array[], proba: readonly (Float32Array | Float64Array)[],
  split: 'train' | 'eval'): TrainingRowRecord[] {
  return rows.map((row, i) => ({
    key: rowKey(row), line: row.range.start.line + 1, title: row.title.slice(0, MAX_RECORD_TITLE),
    labels: labels.flatMap((col, g) => (col[i] ? [g] : [])), proba: proba.map((p) => round4(p[i])), split,
  }));
}

/**
 * The record of a training run: `trainLabels`/`oof` are the training rows' genre-major labels and out-of-fold
 * probabilities; `evalLabels`/`evalProba` the evaluation rows', recorded only for a split of the training file.
 * The thresholds come from the training rows alone.
 */
export function buildTrainingRecord(rows: Pick<TrainingRows, 'data' | 'trainRows' | 'evalRows' | 'evaluation' | 'genres'>,
  trainLabels: readonly Uint8Array[], oof: readonly Float32Array[], evalLabels: readonly Uint8Array[], evalProba: readonly Float64Array[]): TrainingRecordFile {
  const train = rowRecords(rows.trainRows, trainLabels, oof, 'train');
  const evalRecords = rows.evaluation.kind === 'split' ? rowRecords(rows.evalRows, evalLabels, evalProba, 'eval') : [];
  return { genres: [...rows.genres], file: path.resolve(rows.data.file), thresholds: confidentThresholds(rows.genres.length, train),
    rows: [...train, ...evalRecords] };
}

/** training.json's text: the same record gives the same bytes (one row per line, for diffs). */
export function trainingRecordJson(record: TrainingRecordFile): string {
  const head = JSON.stringify({ genres: record.genres, file: record.file, thresholds: record.thresholds });
  const rows = record.rows.map((r) => JSON.stringify({ key: r.key, line: r.line, title: r.title, labels: r.labels, proba: r.proba, split: r.split }));
  return `${head.slice(0, -1)},"rows":[${rows.length ? `\n${rows.join(',\n')}\n` : ''}]}\n`;
}
