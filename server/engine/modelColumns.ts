// Reading data with the columns a model was trained on (manifest.dataset.columns): they are the overrides, so a role
// the training excluded stays excluded and settings or flags never pick another column; a file lacking the text column
// (or, to evaluate, the genres column) is an error naming the column, the file and the model; a file lacking the title or
// poster column is predicted without it, with a warning (a missing poster is the method's "poster missing" input).
import type { ColumnMapping, ColumnOverrides, ColumnRole, Dataset, DatasetOptions, ParseOptions } from './data';
import { DatasetError, decodeDataset, formatOf, parseDataset, quoteText, readDataset, readDatasetBytes } from './data';
import { columnKey } from './data/columns';
import { readCsv } from './data/csv';
import { readJson, readJsonl } from './data/json';
import { SourceText } from './data/source';

/** Prediction needs the model's inputs; evaluation needs its genres column too. */
export type ColumnUse = 'predict' | 'eval';

/** Where a model's columns come from: its folder and manifest.dataset.columns; `label` names it in messages
 * (default "the model in <dir>"; a training run reading its --eval file says "the training file <path>"). */
export interface ModelColumns {
  dir: string;
  columns: Partial<ColumnMapping>;
  label?: string;
}

/** "the model in <dir> was trained with", or "<label> uses". */
const usedBy = (model: ModelColumns) => (model.label ? `${model.label} uses` : `the model in ${model.dir} was trained with`);

/** A data file lacks a column the model needs. */
export class ModelColumnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelColumnError';
  }
}

const ROLES: ColumnRole[] = ['id', 'title', 'text', 'genres', 'poster'];
/** The roles the model reads (its inputs, and the labels it is scored against), fixed to the model's columns; the id
 * (and the genres when predicting) are detected or given as for any file. */
const pinned = (role: ColumnRole, use: ColumnUse) => role === 'text' || role === 'title' || role === 'poster' || (role === 'genres' && use === 'eval');
const FLAGS: Partial<Record<ColumnRole, string>> = { title: '--title-column', text: '--text-column', genres: '--genres-column', poster: '--poster-column' };
const key = columnKey;

/** A file must have the model's text column, and its genres column to evaluate; the other roles may be absent. */
const needed = (role: ColumnRole, use: ColumnUse) => role === 'text' || (role === 'genres' && use === 'eval');

/**
 * The column overrides that read a file as the model was trained: the model's column for each role it reads (null =
 * excluded), `base`'s overrides (or detection) for the others. With `available` (the file's columns), a role the file
 * may lack (title, poster) and does lack becomes null. A role an older manifest does not record is detected as before.
 */
export function modelColumnOverrides(model: ModelColumns, use: ColumnUse, available?: readonly string[], base: ColumnOverrides = {}): ColumnOverrides {
  const has = available && new Set(available.map(key));
  const out: ColumnOverrides = {};
  for (const role of ROLES) {
    const name = model.columns[role];
    if (!pinned(role, use) || name === undefined) {
      if (base[role] !== undefined) out[role] = base[role];
      continue;
    }
    out[role] = name !== null && has && !needed(role, use) && !has.has(key(name)) ? null : name;
  }
  return out;
}

/** The error for the columns the model needs that a file with columns `available` lacks; null when it has them all. */
export function missingColumnsError(model: ModelColumns, use: ColumnUse, file: string, available: readonly string[]): ModelColumnError | null {
  const has = new Set(available.map(key));
  const missing = ROLES.flatMap((role) => {
    const name = model.columns[role];
    return needed(role, use) && typeof name === 'string' && !has.has(key(name)) ? [{ role, name }] : [];
  });
  if (missing.length === 0) return null;
  const what = missing.map((m) => `the ${m.role} column ${quoteText(m.name)}`).join(' and ');
  const list = available.length ? available.slice(0, 30).map((n) => quoteText(n)).join(', ') + (available.length > 30 ? ', …' : '') : '(none)';
  return new ModelColumnError(`${file}: ${usedBy(model)} ${what}, which this file lacks ` +
    `(its columns: ${list})${missing.some((m) => m.role === 'genres') ? '; evaluation needs the genres' : ''}. ` +
    `Rename the column${missing.length > 1 ? 's' : ''} in this file${model.label ? '' : ", or train a model on this file's columns"}.`);
}

/** Warnings for the model's title and poster columns that a read dataset lacks (they were read as absent). */
export function absentColumnWarnings(model: ModelColumns, dataset: Pick<Dataset, 'file' | 'columns'>): string[] {
  return (['title', 'poster'] as const).flatMap((role) => {
    const name = model.columns[role];
    if (typeof name !== 'string' || dataset.columns[role] !== null) return [];
    const effect = role === 'poster' ? 'every row is predicted as having no poster' : 'rows are predicted from their description alone';
    return [`${dataset.file}: no ${role} column ${quoteText(name)} (${usedBy(model)} it): ${effect}`];
  });
}

/** Warnings for column flags or settings that differ from the model's columns (the model's win). */
export function ignoredColumnWarnings(model: ModelColumns, given: ColumnOverrides | undefined, use: ColumnUse = 'predict'): string[] {
  return ROLES.filter((role) => pinned(role, use)).flatMap((role) => {
    const want = given?.[role];
    const has = model.columns[role];
    if (want === undefined || has === undefined || (want === null ? has === null : has !== null && key(want) === key(has))) return [];
    const name = (v: string | null) => (v === null ? '(none)' : quoteText(v));
    const where = FLAGS[role] ? `${FLAGS[role]} ${name(want)} (or genreLens.columns.${role} in VS Code)` : `the ${role} column ${name(want)}`;
    return [`${where} is ignored: ${usedBy(model)} the ${role} column ${name(has)}`];
  });
}

/** The columns the format reader finds in `text`, or null when it cannot read it (the first error then stands). */
function availableColumns(text: string, options: ParseOptions): string[] | null {
  const format = options.format ?? formatOf(options.fileName);
  try {
    const src = new SourceText(options.fileName, text);
    return (format === 'csv' ? readCsv(src, options.delimiter) : format === 'json' ? readJson(src) : format === 'jsonl' ? readJsonl(src) : null)?.columns ?? null;
  } catch {
    return null;
  }
}

/** After the first read with the model's columns failed: the overrides for a second read, or the error to throw. */
function retryColumns(model: ModelColumns, use: ColumnUse, file: string, available: string[] | null, error: unknown, base?: ColumnOverrides): ColumnOverrides {
  if (!(error instanceof DatasetError) || !available) throw error;
  const missing = missingColumnsError(model, use, file, available);
  if (missing) throw missing;
  const second = modelColumnOverrides(model, use, available, base);
  if (JSON.stringify(second) === JSON.stringify(modelColumnOverrides(model, use, undefined, base))) throw error; // not about the columns
  return second;
}

/** Parses text (an open document) with the model's columns; a second parse only when it lacks an optional column. */
export function parseWithModelColumns(text: string, options: ParseOptions, model: ModelColumns, use: ColumnUse): Dataset {
  try {
    return parseDataset(text, { ...options, columns: modelColumnOverrides(model, use, undefined, options.columns) });
  } catch (e) {
    return parseDataset(text, { ...options, columns: retryColumns(model, use, options.fileName, availableColumns(text, options), e, options.columns) });
  }
}

/** Reads a data file with the model's columns; read again only when it lacks an optional column (or is unreadable). */
export async function readWithModelColumns(file: string, options: DatasetOptions, model: ModelColumns, use: ColumnUse): Promise<Dataset> {
  try {
    return await readDataset(file, { ...options, columns: modelColumnOverrides(model, use, undefined, options.columns) });
  } catch (e) {
    const available = e instanceof DatasetError
      ? await readDatasetBytes(file, options.maxBytes).then((b) => availableColumns(decodeDataset(file, b).text, { ...options, fileName: file }), () => null)
      : null;
    return readDataset(file, { ...options, columns: retryColumns(model, use, file, available, e, options.columns) });
  }
}
