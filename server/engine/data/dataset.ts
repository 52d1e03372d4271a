// Reads a movie dataset (a file, or an editor's unsaved text) into MovieRows: detected columns, normalised genres,
// resolved posters, located issues. rowAt finds the row under a position (for hovers).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectColumns } from './columns';
import { readCsv } from './csv';
import { decodeDataset, readDatasetBytes } from './decode';
import { normaliseGenres, parseGenreCell } from './genres';
import { readJson, readJsonl } from './json';
import { envPosterRoots } from '../posterFile';
import { DEFAULT_POSTER_BASE_URL, posterOutsideRoots, resolvePoster } from './posters';
import { RawCell, RawRecord, SourceText } from './source';
import { quoteText } from './textFold';
import {
  CellSpan, ColumnMapping, ColumnRole, Dataset, DatasetError, DatasetFormat, DatasetIssue, DatasetOptions, GenreSample, MovieRow, ParseOptions, PosterRef,
  SourcePosition,
} from './types';

const NO_COLUMNS: ColumnMapping = { id: null, title: null, text: null, genres: null, poster: null };

/**
 * Longest text kept per cell (longer is cut, with a warning): the text encoders read only the first few hundred
 * tokens, and a row must not pin a huge cell. A longer poster reference is ignored.
 */
export const MAX_CELL_CHARS = { text: 20_000, title: 500, id: 500, poster: 4096 };
const WHAT = { text: 'description', title: 'title', id: 'id', poster: 'poster reference' };

/** The first `n` characters (not splitting a surrogate pair) as a new string, not a view that keeps `s` alive. */
function head(s: string, n: number): string {
  const end = n > 0 && s.charCodeAt(n - 1) >= 0xd800 && s.charCodeAt(n - 1) <= 0xdbff ? n - 1 : n;
  return Buffer.from(s.slice(0, end), 'utf16le').toString('utf16le');
}

export function formatOf(fileName: string): DatasetFormat | undefined {
  const ext = path.extname(fileName).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  if (ext === '.json') return 'json';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return undefined;
}

/**
 * Reads a dataset file: a regular file only, at most `options.maxBytes`, decoded by BOM / UTF-8 / detected legacy
 * encoding (a warning issue says which when it is not UTF-8; a fatal error then mentions it too). `sha256` is of the
 * bytes read here, so it names exactly what the rows came from.
 */
export async function readDataset(file: string, options: DatasetOptions = {}): Promise<Dataset> {
  const bytes = await readDatasetBytes(file, options.maxBytes);
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex'); // of these bytes, not of the file as it is later
  const decoded = decodeDataset(file, bytes);
  const note = decoded.warning;
  let dataset: Dataset;
  try {
    dataset = parseDataset(decoded.text, { ...options, fileName: file });
  } catch (e) {
    if (!(e instanceof DatasetError) || !note) throw e;
    throw new DatasetError({ ...e.issue, message: `${e.issue.message} (note: the file is not UTF-8 and was read as ${decoded.encoding})` });
  }
  // The decoder's note already says invalid bytes became U+FFFD: the text's own replacement warning would repeat it.
  if (note && /U\+FFFD/.test(note.message)) dataset.issues = dataset.issues.filter((i) => !replacementWarnings.has(i));
  if (note) dataset.issues.unshift(new SourceText(file, decoded.text.slice(0, note.offset)).issue('warning', note.offset, note.message));
  dataset.sha256 = sha256;
  return dataset;
}

/** The warnings parseDataset gave for U+FFFD in the text (readDataset drops them when its decoder made those). */
const replacementWarnings = new WeakSet<DatasetIssue>();

/**
 * A warning at the first U+FFFD (the replacement character a decoder writes for bytes that are not valid in the
 * encoding it used: an editor opening a Latin-1 file as UTF-8, say), with how many there are; null without one.
 */
function replacementWarning(src: SourceText): DatasetIssue | null {
  const first = src.text.indexOf('\uFFFD');
  if (first < 0) return null;
  let count = 0;
  for (let i = first; i >= 0; i = src.text.indexOf('\uFFFD', i + 1)) count++;
  const issue = src.issue('warning', first, `${count} replacement character${count === 1 ? '' : 's'} (U+FFFD): bytes that were not valid ` +
    "text in the file's encoding were replaced — reopen the file with its real encoding (Reopen with Encoding) or save it as UTF-8", first + 1);
  replacementWarnings.add(issue);
  return issue;
}

/**
 * Parses dataset text. Throws DatasetError when nothing sensible can be read (empty file, invalid JSON, unclosed
 * CSV quote, no text column, ...); per-row problems become `issues` and the rest of the file is still read.
 */
export function parseDataset(text: string, options: ParseOptions): Dataset {
  const src = new SourceText(options.fileName, text);
  const format = options.format ?? formatOf(options.fileName);
  if (!format) throw src.error(0, 'unknown dataset format: expected a file name ending in .csv, .tsv, .json, .jsonl or .ndjson');
  if (src.text.trim() === '') throw src.error(0, 'the file is empty');
  const nul = src.text.indexOf('\0');
  if (nul >= 0) {
    let count = 0;
    for (let i = nul; i >= 0; i = src.text.indexOf('\0', i + 1)) count++;
    throw src.error(nul, `NUL byte (U+0000)${count > 1 ? `, the first of ${count}` : ''}: a binary or damaged file, not text — ` +
      'remove the NUL bytes or save the data as UTF-8 text');
  }
  const table = format === 'csv' ? readCsv(src, options.delimiter) : format === 'json' ? readJson(src) : readJsonl(src);
  const issues = table.issues;
  const replaced = replacementWarning(src);
  if (replaced) issues.push(replaced);
  const hasData = table.columns.length > 0 || table.records.length > 0;
  const columns = hasData ? detectColumns(table.columns, options.columns ?? {}, src) : NO_COLUMNS;
  if (table.records.length === 0) issues.push(src.issue('warning', src.text.length, 'no data rows'));

  const posterContext = {
    baseDir: options.baseDir ?? path.dirname(path.resolve(options.fileName)),
    posterBaseUrl: options.posterBaseUrl ?? DEFAULT_POSTER_BASE_URL,
    fileExists: options.fileExists ?? fs.existsSync,
    posterRoots: [...(options.posterRoots ?? []), ...envPosterRoots()].map((r) => path.resolve(r)),
  };
  const labels = { known: 0, empty: 0, invalid: 0 };
  const samples = new GenreSampler(format);

  const readRow = (record: RawRecord, index: number): MovieRow => {
    const cell = (role: ColumnRole) => (columns[role] === null ? undefined : record.cells.get(columns[role]));
    const str = (role: keyof typeof MAX_CELL_CHARS): string => {
      const c = cell(role);
      if (c === undefined || c.value === null) return '';
      if (typeof c.value === 'string') {
        const s = c.value.trim();
        const max = MAX_CELL_CHARS[role];
        if (s.length <= max) return s;
        const what = `the ${WHAT[role]} in column "${columns[role]}" is ${s.length} characters long`;
        if (role === 'poster') {
          issues.push(src.issue('warning', c.offset, `${what}, more than the ${max} a poster reference may have; ignored`, c.end));
          return '';
        }
        issues.push(src.issue('warning', c.offset, `${what}; only its first ${max} are used`, c.end));
        return head(s, max).trimEnd();
      }
      if (typeof c.value === 'number' || typeof c.value === 'boolean') return String(c.value);
      const found = Array.isArray(c.value) ? 'a list' : 'an object';
      issues.push(src.issue('warning', c.offset, `expected text in column "${columns[role]}", found ${found}; ignored`, c.end));
      return '';
    };

    const text = str('text');
    if (text === '') {
      const c = cell('text');
      issues.push(src.issue('warning', c?.offset ?? record.start, `empty "${columns.text}": no description to encode`, c?.end));
    }

    let genres: string[] | null = null;
    const genreCell = columns.genres === null ? undefined : cell('genres');
    if (columns.genres !== null) {
      const c = genreCell;
      const parsed = parseGenreCell(c?.value);
      if (parsed.kind === 'labels') {
        labels.known++;
        genres = parsed.names;
        if (c) samples.add(src.text, c, parsed.names);
      } else if (parsed.kind === 'empty') {
        labels.empty++;
      } else {
        labels.invalid++;
        const at = c?.offset ?? record.start;
        issues.push(src.issue('warning', at, `${parsed.reason}; genres unknown for this row (left out of training and evaluation)`, c?.end));
      }
    }

    let poster: PosterRef | null = null;
    const rawPoster = str('poster');
    if (rawPoster !== '') {
      poster = resolvePoster(rawPoster, posterContext) ?? null;
      const c = cell('poster')!;
      if (!poster) issues.push(src.issue('warning', c.offset, `unsupported poster reference ${quoteText(rawPoster, 200)}; ignored`, c.end));
      const outside = poster && posterOutsideRoots(poster, posterContext);
      if (outside) {
        issues.push(src.issue('warning', c.offset, outside, c.end));
        poster = null;
      }
    }

    const id = str('id');
    const posterCell = poster ? cell('poster') : undefined;
    return { index, id: id === '' ? undefined : id, title: str('title'), text, genres, poster, range: src.range(record.start, record.end),
      ...(posterCell ? { posterAt: src.position(posterCell.offset), posterCell: cellSpan(src, posterCell) } : {}),
      ...(genreCell ? { genresCell: cellSpan(src, genreCell) } : {}) };
  };

  const rows = table.records.map(readRow);
  const normalised = normaliseGenres(rows.map((r) => r.genres));
  rows.forEach((row, i) => (row.genres = normalised.lists[i]));
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  return {
    file: options.fileName,
    format,
    delimiter: table.delimiter,
    available: table.columns,
    columns,
    rows,
    genres: normalised.genres,
    normalizations: normalised.normalizations,
    labels,
    issues,
    genreSamples: samples.samples,
  };
}

/** A cell's exact span. */
function cellSpan(src: SourceText, c: RawCell): CellSpan {
  return { start: src.position(c.offset), end: src.position(c.end) };
}

/** Genre cells longer than this are not kept as samples; at most GENRE_SAMPLES are kept. */
const MAX_SAMPLE_CHARS = 2000;
const GENRE_SAMPLES = 64;

/**
 * Keeps a few non-empty genre cells as written: the first 8, the first with two or more names, and the first with
 * each genre name not seen yet (so TMDB ids can be learned for every genre), up to GENRE_SAMPLES in all.
 */
class GenreSampler {
  readonly samples: GenreSample[] = [];
  private readonly seen = new Set<string>();
  private multi = false;
  constructor(private readonly format: DatasetFormat) {}

  add(text: string, c: RawCell, names: string[]): void {
    if (this.samples.length >= GENRE_SAMPLES || c.end - c.offset > MAX_SAMPLE_CHARS) return;
    const fresh = names.filter((n) => !this.seen.has(n.toLowerCase()));
    if (this.samples.length >= 8 && fresh.length === 0 && (this.multi || names.length < 2)) return;
    for (const n of fresh) this.seen.add(n.toLowerCase());
    if (names.length >= 2) this.multi = true;
    const native = this.format !== 'csv' && typeof c.value !== 'string';
    const raw = native ? text.slice(c.offset, c.end) : String(c.value);
    this.samples.push({ text: head(raw, raw.length), native }); // a copy: a slice would keep the whole text alive
  }
}

/**
 * The row whose range contains `at` (a 0-based offset, or a 0-based line/character as in LSP), by binary search
 * over the rows (which are in file order). Both ends count as inside, so the end of a line still hits its row.
 */
export function rowAt(dataset: Pick<Dataset, 'rows'>, at: number | { line: number; character: number }): MovieRow | undefined {
  const cmp = (p: SourcePosition) => (typeof at === 'number' ? p.offset - at : p.line - at.line || p.character - at.character);
  const { rows } = dataset;
  let lo = 0, hi = rows.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cmp(rows[mid].range.start) <= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found >= 0 && cmp(rows[found].range.end) >= 0 ? rows[found] : undefined;
}
