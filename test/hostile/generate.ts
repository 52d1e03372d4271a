// Generators for the hostile corpus: the bundled example as a small labelled table, RFC 4180 CSV / JSON / JSONL
// writers, FIFOs, sparse (large but cheap) files and deeply nested JSON. Large inputs are made here on the fly,
// never committed.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { REPO } from './exec';

export type Row = Record<string, string>;
export const COLUMNS = ['id', 'title', 'overview', 'genres'];

let cached: Row[] | null = null;
/** The 72 rows of examples/movies.csv (id, title, overview, genres, poster). */
export function movies(): Row[] {
  cached ??= parse(fs.readFileSync(path.join(REPO, 'examples/movies.csv')), { columns: true }) as Row[];
  return cached.map((r) => ({ ...r }));
}

const quote = (v: string) => (/[",\r\n;\t]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v);

export function csvText(rows: Row[], columns = COLUMNS, eol = '\n'): string {
  return [columns.map(quote).join(','), ...rows.map((r) => columns.map((c) => quote(r[c] ?? '')).join(','))].join(eol) + eol;
}

export function jsonlText(rows: Row[], columns = COLUMNS): string {
  return rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c) => [c, r[c] ?? ''])))).join('\n') + '\n';
}

export function jsonText(rows: Row[], columns = COLUMNS): string {
  return JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? '']))), null, 1) + '\n';
}

export function write(dir: string, rel: string, content: string | Buffer): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** The labelled example (text only) as `data.csv` in `dir`. */
export function tinyCsv(dir: string, name = 'data.csv', rows = movies()): string {
  return write(dir, name, csvText(rows));
}

/** The example's posters copied into `dir/posters`, and rows whose poster cells point at them. */
export function withPosters(dir: string): Row[] {
  fs.cpSync(path.join(REPO, 'examples/posters'), path.join(dir, 'posters'), { recursive: true });
  return movies();
}

export function mkfifo(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('mkfifo', [file]);
  return file;
}

/** A file of `bytes` zero bytes that takes no disk space (a hole), after an optional prefix. */
export function sparse(file: string, bytes: number, prefix: Buffer = Buffer.alloc(0)): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, prefix);
  fs.truncateSync(file, bytes);
  return file;
}

export const deep = (n: number, open = '[', close = ']', inner = '1') => open.repeat(n) + inner + close.repeat(n);

/** `rows` rows whose genre cells each carry `perRow` names no other row uses. */
export function manyGenres(rows: number, perRow: number): Row[] {
  const base = movies();
  return Array.from({ length: rows }, (_, i) => ({ ...base[i % base.length], id: `g${i}`,
    genres: Array.from({ length: perRow }, (_, j) => `Genre${i}x${j}`).join('|') }));
}

/** A minimal valid 1×1 PNG. */
export const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

export const SVG_EVIL = '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n' +
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="http://127.0.0.1:9/x.png"/><text>&x;</text></svg>\n';

/** Copies a model folder (for damaged-model cases). */
export function copyModel(from: string, to: string): string {
  fs.cpSync(from, to, { recursive: true });
  return to;
}
