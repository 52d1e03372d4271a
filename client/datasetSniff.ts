// Decides, without VS Code (pure, unit-tested), whether an open document wants the daemon: CSV/TSV/JSONL always; a
// JSON document only when its first 64 KB look like a movie dataset — a top-level array of objects with a description
// column and a genres or title column (the daemon's own column names, or the ones set in genreLens.columns).
import type { ColumnSettings } from '../common/protocol';

/** How much of a JSON document is looked at. */
export const SNIFF_LIMIT = 64 * 1024;

/** Known column names per role, as in server/engine/data/columns.ts (test/datasetSniff.test.ts keeps them equal). */
export const SNIFF_ALIASES = {
  title: ['title', 'name', 'original_title', 'movie_title'],
  text: ['overview', 'description', 'plot', 'synopsis', 'summary', 'storyline'],
  genres: ['genres', 'genre', 'labels', 'label', 'tags', 'categories'],
};

/** At most this many rows are looked at. */
const MAX_ROWS = 20;
const key = (name: string) => name.trim().toLowerCase();

/** The first `limit` characters of a document, read line by line (a huge document is never joined into one string). */
export function documentHead(doc: { lineCount: number; lineAt(line: number): { text: string } }, limit = SNIFF_LIMIT): string {
  let head = '';
  for (let i = 0; i < doc.lineCount && head.length < limit; i++) head += (i ? '\n' : '') + doc.lineAt(i).text;
  return head.slice(0, limit);
}

/**
 * The first rows of a top-level JSON array, parsed from a prefix of the text: the prefix is cut after the last row
 * object that closes inside it. Null when the text does not start an array or no row object closes in it.
 */
export function firstRows(text: string, limit = SNIFF_LIMIT): unknown[] | null {
  const head = text.slice(0, limit);
  const start = head.search(/\S/);
  if (start < 0 || head[start] !== '[') return null;
  let depth = 0;
  let rows = 0;
  let end = -1;
  for (let i = start; i < head.length && rows < MAX_ROWS; i++) {
    const c = head[i];
    if (c === '"') { // a string: skip to its closing quote, over escapes
      for (i++; i < head.length && head[i] !== '"'; i++) if (head[i] === '\\') i++;
    } else if (c === '[' || c === '{') {
      depth++;
    } else if (c === ']' || c === '}') {
      depth--;
      if (depth === 1 && c === '}') {
        end = i + 1;
        rows++;
      }
      if (depth <= 0) break;
    }
  }
  if (end < 0) return null;
  try {
    const parsed: unknown = JSON.parse(`${head.slice(start, end)}]`);
    return Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** True when some row object has a text column and a genres or title column. */
export function looksLikeMovieDataset(text: string, columns: ColumnSettings = {}): boolean {
  const rows = firstRows(text);
  if (!rows) return false;
  const names = (role: keyof typeof SNIFF_ALIASES) => {
    const set = new Set(SNIFF_ALIASES[role]);
    const chosen = columns[role];
    if (typeof chosen === 'string') set.add(key(chosen));
    return set;
  };
  const textNames = names('text');
  const otherNames = new Set([...names('genres'), ...names('title')]);
  return rows.some((row) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) return false;
    const keys = Object.keys(row).map(key);
    return keys.some((k) => textNames.has(k)) && keys.some((k) => otherNames.has(k));
  });
}

/** What the activation needs to know about an open document. */
export interface OpenDocument {
  /** The URI scheme: only `file` and `untitled` documents are datasets (not git:, output:, vscode-settings:...). */
  scheme: string;
  /** The file path (or the untitled name). */
  path: string;
  languageId: string;
  /** The document's first characters (read only for a JSON document). */
  head(): string;
}

/** A CSV/TSV/JSONL document always wants the daemon; a JSON one when it looks like a movie dataset. */
export function wantsDaemon(doc: OpenDocument, columns?: ColumnSettings): boolean {
  if (doc.scheme !== 'file' && doc.scheme !== 'untitled') return false;
  if (doc.languageId === 'csv' || doc.languageId === 'tsv' || doc.languageId === 'jsonl' || /\.(csv|tsv|jsonl|ndjson)$/i.test(doc.path)) return true;
  if (doc.languageId !== 'json' && !/\.json$/i.test(doc.path)) return false;
  return looksLikeMovieDataset(doc.head(), columns);
}
