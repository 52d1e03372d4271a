// Types of the dataset layer: a movie dataset (CSV / JSON / JSONL) read into rows that keep their source range,
// plus the located issues (warnings, dropped rows) and the fatal DatasetError. Pure data, no I/O.
import type { ColumnMapping, ColumnRole } from '../../../common/modelTypes';
import { visible } from './textFold';

export type { ColumnMapping, ColumnRole };

export type DatasetFormat = 'csv' | 'json' | 'jsonl';

/** A place in the source text, 0-based like LSP. `offset` counts UTF-16 code units from the start of the text. */
export interface SourcePosition {
  line: number;
  character: number;
  offset: number;
}

/**
 * Where a row is in its file. `end` is exclusive and excludes the line break. Positions are relative to the text
 * without its leading UTF-8 BOM, which is how editors present a document.
 */
export interface SourceRange {
  file: string;
  start: SourcePosition;
  end: SourcePosition;
}

/** A poster reference, classified and resolved but not fetched. `raw` is the cell as written. */
export type PosterRef =
  /**
   * A local file: an absolute path as written, or a relative one resolved against the data file's directory.
   * `roots`: the folders it may be read from (its real path is checked against them when it is read).
   */
  | { kind: 'file'; path: string; raw: string; roots?: string[] }
  /** An http(s) URL as written. */
  | { kind: 'url'; url: string; raw: string }
  /** A TMDB `poster_path` (`/abc123.jpg`, no such local file) resolved against the poster base URL. */
  | { kind: 'tmdb'; url: string; posterPath: string; raw: string };

export interface MovieRow {
  /** Position in `Dataset.rows`. */
  index: number;
  id?: string;
  title: string;
  /** The description (overview/plot/...), trimmed. Title + text are combined for encoding elsewhere. */
  text: string;
  /** Canonical genre names, never empty; null = unknown (empty or unparseable cell, or no genres column). */
  genres: string[] | null;
  poster: PosterRef | null;
  /** Where the poster cell starts, for messages about that poster. */
  posterAt?: SourcePosition;
  /** The poster cell's exact span (as genresCell), when the row has a poster. */
  posterCell?: CellSpan;
  /**
   * The genre cell's exact span in the source: CSV, the whole field with its quotes (surrounding blanks excluded; an
   * empty span for an empty field); JSON/JSONL, the value node (`null`, `""`, `[]`...). Absent without a genres
   * column, or when a JSON row lacks the key.
   */
  genresCell?: CellSpan;
  range: SourceRange;
}

/** A cell's span in the source, end exclusive. */
export interface CellSpan {
  start: SourcePosition;
  end: SourcePosition;
}

/**
 * The source text of a non-empty genre cell, kept so the file's genre style can be learned (genreWriter.ts). `text` is
 * the cell's value for CSV cells and JSON strings, the raw JSON source of a JSON array (`native`).
 */
export interface GenreSample {
  text: string;
  native: boolean;
}



/** Column names to use instead of auto-detection; null = ignore that role even if a column matches. */
export type ColumnOverrides = Partial<Record<ColumnRole, string | null>>;

export interface GenreCount {
  name: string;
  count: number;
}

/** A genre spelling that was folded into the canonical one (case, whitespace, NFKC, invisible characters), `count` times. */
export interface GenreNormalization {
  from: string;
  to: string;
  count: number;
}

/**
 * A located problem. `line`/`column` are 1-based, as shown to humans. Severity 'error' = the row (or array
 * element / JSONL line) was dropped; 'warning' = the row was kept with something unknown or ignored.
 */
export interface DatasetIssue {
  severity: 'error' | 'warning';
  message: string;
  file: string;
  line: number;
  column: number;
  /** Where the token/cell at fault ends (1-based, exclusive), when known: a line/column range for editors. */
  endLine?: number;
  endColumn?: number;
}

/** `file:line:column: message`, with control and invisible characters (bidi overrides...) shown as escapes. */
export function formatIssue(issue: DatasetIssue): string {
  return visible(`${issue.file}:${issue.line}:${issue.column}: ${issue.message}`);
}

/** A problem that stops the whole file from being read; `message` is `file:line:column: reason`. */
export class DatasetError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  constructor(readonly issue: DatasetIssue) {
    super(formatIssue(issue));
    this.name = 'DatasetError';
    this.file = issue.file;
    this.line = issue.line;
    this.column = issue.column;
  }
}

export interface Dataset {
  file: string;
  format: DatasetFormat;
  /** The CSV field delimiter used (detected or given). */
  delimiter?: string;
  /** All usable column names (CSV header / union of JSON keys), in file order. */
  available: string[];
  columns: ColumnMapping;
  rows: MovieRow[];
  /** Genres with the number of rows that have them, most frequent first. */
  genres: GenreCount[];
  normalizations: GenreNormalization[];
  /** Rows with known genres; with an empty genre cell; with an unparseable one (a warning each). */
  labels: { known: number; empty: number; invalid: number };
  issues: DatasetIssue[];
  /** A bounded sample of non-empty genre cells as written (the first ones, and the first with a genre not seen yet). */
  genreSamples?: GenreSample[];
  /**
   * sha256 (hex) of the exact bytes readDataset read (before decoding): the provenance a model records. Undefined
   * for parseDataset of an in-memory text (an editor's buffer), whose bytes on disk, if any, were not read.
   */
  sha256?: string;
}

export interface DatasetOptions {
  /** Default: from the file name's extension (.csv/.tsv, .json, .jsonl/.ndjson). */
  format?: DatasetFormat;
  /** CSV field delimiter; default: detected on the header line among `,` `;` and tab. */
  delimiter?: string;
  columns?: ColumnOverrides;
  /** Base URL for TMDB poster paths; default https://image.tmdb.org/t/p/w342 */
  posterBaseUrl?: string;
  /** Directory that relative poster paths resolve against; default: the data file's directory. */
  baseDir?: string;
  /** Used to tell a TMDB `/abc.jpg` from a real file at the filesystem root; default fs.existsSync. */
  fileExists?: (file: string) => boolean;
  /** readDataset refuses larger files; default DEFAULT_MAX_DATASET_BYTES (256 MiB). */
  maxBytes?: number;
  /**
   * Folders local posters may be read from besides the data file's directory (`baseDir`), plus those in
   * $GENRE_LENS_POSTER_ROOTS. A poster path outside all of them is ignored with a warning.
   */
  posterRoots?: string[];
}

export interface ParseOptions extends DatasetOptions {
  /** Used in messages and ranges, for the format, and (by default) to resolve relative poster paths. */
  fileName: string;
}
