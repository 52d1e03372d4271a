// Train/eval leakage: finds whether an explicit evaluation file is the training file (same path or same bytes) or
// shares rows with it by content (title + description, compared after NFKC, with invisible characters removed,
// trimmed, whitespace-collapsed and case-folded), because metrics measured on rows the model was trained on are optimistic.
import * as fs from 'node:fs';
import type { EvalOverlap } from '../../common/modelTypes';
import { foldInvisible, type MovieRow } from './data';

export type { EvalOverlap };

/** Zero-width and bidi characters (\p{Cf}, default-ignorables) and compatibility look-alikes do not make a row new. */
const normalise = (s: string) => foldInvisible(s).trim().replace(/\s+/g, ' ').toLowerCase();

/** The content a row is compared by; null for a row with neither title nor description. */
export function rowContentKey(row: Pick<MovieRow, 'title' | 'text'>): string | null {
  const title = normalise(row.title);
  const text = normalise(row.text);
  return title || text ? `${title}\u0000${text}` : null;
}

/** The same file (path, link or hard link), or byte-identical copies (the sha256 of the bytes each was read from). */
function sameFile(a: DatasetFile, b: DatasetFile): boolean {
  const ra = fs.realpathSync(a.file);
  const rb = fs.realpathSync(b.file);
  if (ra === rb) return true;
  const sa = fs.statSync(ra);
  const sb = fs.statSync(rb);
  return (sa.dev === sb.dev && sa.ino === sb.ino) || a.sha256 === b.sha256;
}

/** A dataset file and the sha256 of the bytes it was read from (Dataset.sha256). */
export interface DatasetFile {
  file: string;
  sha256: string;
}

/** How far the evaluation rows overlap the training rows, or null when they do not. */
export function evalOverlap(trainFile: DatasetFile, evalFile: DatasetFile, trainRows: readonly MovieRow[], evalRows: readonly MovieRow[]): EvalOverlap | null {
  const seen = new Set(trainRows.map(rowContentKey));
  const rows = evalRows.filter((r) => {
    const key = rowContentKey(r);
    return key !== null && seen.has(key);
  }).length;
  const same = sameFile(trainFile, evalFile);
  return rows > 0 || same ? { rows, sameFile: same } : null;
}

/** The error (or, when allowed, the warning) describing an overlap. */
export function overlapMessage(evalFile: string, overlap: EvalOverlap, allowed: boolean): string {
  const what = overlap.sameFile
    ? `the evaluation file ${evalFile} is the training file`
    : `the evaluation file ${evalFile} shares ${overlap.rows} ${overlap.rows === 1 ? 'row' : 'rows'} with the training file (same title and description)`;
  if (allowed) return `${what.charAt(0).toUpperCase()}${what.slice(1)}${overlap.sameFile ? ` (${overlap.rows} shared rows)` : ''}; ` +
    'the evaluation metrics are optimistic because the model was trained on those rows.';
  return `${what}${overlap.sameFile ? ` (${overlap.rows} shared rows)` : ''}, so its metrics would be optimistic. ` +
    'Remove the shared rows from one of the files, leave out --eval to hold out a share of the training rows, ' +
    'or pass --allow-eval-overlap to evaluate on it anyway.';
}
