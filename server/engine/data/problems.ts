// A parsed dataset's problems as editor-ready diagnostics (0-based LSP ranges spanning the cell or token at fault):
// the readers' located issues, the fatal DatasetError, and local poster files that do not exist (a bounded number of
// stat calls). Pure engine code: no vscode or LSP imports, the daemon maps these onto Diagnostics.
import * as fs from 'node:fs';
import { visible } from './textFold';
import { Dataset, DatasetError, DatasetIssue } from './types';

export interface Problem {
  severity: 'error' | 'warning';
  message: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  /** 'dataset-error' (the file, or a row, could not be read), 'dataset-warning' (kept, something ignored), 'poster-missing'. */
  code: string;
}

export interface ProblemOptions {
  /** Check that local poster files exist (default true). */
  checkPosterFiles?: boolean;
  /** At most this many distinct poster files checked (default DEFAULT_MAX_POSTER_CHECKS); later posters go unchecked. */
  maxPosterChecks?: number;
  /** Why a poster file cannot be used, or null (default posterFileProblem); the daemon passes a cached one. */
  posterProblem?: (file: string) => string | null;
}

export const DEFAULT_MAX_POSTER_CHECKS = 2000;

/** An issue's span (1-based, end exclusive) as a 0-based range; without an end, its first character. */
export function issueRange(issue: DatasetIssue): Problem['range'] {
  const start = { line: issue.line - 1, character: issue.column - 1 };
  const end = issue.endLine !== undefined && issue.endColumn !== undefined
    ? { line: issue.endLine - 1, character: issue.endColumn - 1 }
    : { line: start.line, character: start.character + 1 };
  return { start, end };
}

function fromIssue(issue: DatasetIssue): Problem {
  return { severity: issue.severity, message: issue.message, range: issueRange(issue),
    code: issue.severity === 'error' ? 'dataset-error' : 'dataset-warning' };
}

/** Why a local poster file cannot be used, or null when it is a regular file (a stat, no open). */
export function posterFileProblem(file: string): string | null {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(file, { throwIfNoEntry: false });
  } catch (err) {
    return `poster file unreadable (${(err as NodeJS.ErrnoException).code ?? 'error'}): ${file}`;
  }
  if (!stat) return `poster file not found: ${file}`;
  return stat.isFile() ? null : `poster is not a regular file: ${file}`;
}

/**
 * The problems of a dataset that was parsed (`dataset`, with its issues) or failed to parse (`error`: one error
 * problem), in file order. Local poster files are stat-ed once per distinct path, at most `maxPosterChecks` times.
 */
export function datasetProblems(dataset: Dataset | null, error: DatasetError | null, options: ProblemOptions = {}): Problem[] {
  const problems: Problem[] = [];
  if (error) problems.push({ ...fromIssue(error.issue), severity: 'error', code: 'dataset-error' });
  if (!dataset) return problems;
  for (const issue of dataset.issues) problems.push(fromIssue(issue));
  if (options.checkPosterFiles ?? true) {
    let budget = Math.max(0, options.maxPosterChecks ?? DEFAULT_MAX_POSTER_CHECKS);
    const checked = new Map<string, string | null>();
    const check = options.posterProblem ?? posterFileProblem;
    for (const row of dataset.rows) {
      const poster = row.poster;
      if (poster?.kind !== 'file') continue;
      let problem = checked.get(poster.path);
      if (problem === undefined) {
        if (budget === 0) break;
        budget--;
        problem = check(poster.path);
        checked.set(poster.path, problem);
      }
      if (problem === null) continue;
      const at = row.posterCell ?? (row.posterAt && { start: row.posterAt, end: { ...row.posterAt, character: row.posterAt.character + 1 } });
      const start = at?.start ?? row.range.start, end = at?.end ?? row.range.end;
      problems.push({ severity: 'warning', message: visible(problem), code: 'poster-missing',
        range: { start: { line: start.line, character: start.character }, end: { line: end.line, character: end.character } } });
    }
  }
  return problems.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
