// Which row the report webview may open: its `openRow` message names a file and a line, and is honoured only when the
// file is exactly the shown report's dataset or evaluation file (report.json is untrusted too, so that file must also be an
// existing regular file with a dataset extension). No vscode import, so it is unit-tested; reportPanel.ts opens the result.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The most lines a row may be at (a 256 MiB file cannot have more). */
const MAX_LINE = 1 << 28;

export interface RowTarget {
  file: string;
  line: number;
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 4096 && !v.includes('\0');

/** The data files a report's rows are in: the dataset, and the evaluation file when it was a separate one. */
export function reportDataFiles(report: unknown): string[] {
  const run = (report as { run?: { dataset?: { path?: unknown }; evaluation?: { kind?: unknown; path?: unknown } } } | null)?.run;
  const files: string[] = [];
  if (str(run?.dataset?.path) && path.isAbsolute(run.dataset.path)) files.push(run.dataset.path);
  const ev = run?.evaluation;
  if (ev?.kind === 'file' && str(ev.path) && path.isAbsolute(ev.path) && !files.includes(ev.path)) files.push(ev.path);
  return files;
}

/**
 * The file and 1-based line an `openRow` message asks for, when `file` is one of the report's data files (compared
 * exactly, as the report wrote it) and `line` a positive integer; null otherwise.
 */
export function rowTarget(report: unknown, message: unknown): RowTarget | null {
  const m = message as { type?: unknown; file?: unknown; line?: unknown } | null;
  if (!m || typeof m !== 'object' || m.type !== 'openRow' || !str(m.file)) return null;
  if (typeof m.line !== 'number' || !Number.isInteger(m.line) || m.line < 1 || m.line > MAX_LINE) return null;
  return reportDataFiles(report).includes(m.file) ? { file: m.file, line: m.line } : null;
}

/** The extensions of the files a dataset can be read from (server/engine/data/dataset.ts formatOf), in any case. */
export const DATA_EXTENSIONS = ['.csv', '.tsv', '.json', '.jsonl', '.ndjson'];

/** What rowFileProblem needs of a file's status (fs.statSync follows a symlink, so its target is judged). */
export type StatFile = (file: string) => { isFile(): boolean };

/**
 * Why `file` is not opened as a row's file, or null when it may be: it must end in a dataset extension and be an existing
 * regular file — not a directory, FIFO, socket or device (opening a FIFO would block the editor), nor a symlink to one.
 */
export function rowFileProblem(file: string, stat: StatFile = fs.statSync): string | null {
  if (!DATA_EXTENSIONS.includes(path.extname(file).toLowerCase())) {
    return `${file} is not a dataset file (${DATA_EXTENSIONS.join(', ')})`;
  }
  let status: { isFile(): boolean };
  try {
    status = stat(file);
  } catch {
    return `${file} does not exist or cannot be read (moved or deleted since the model was trained?)`;
  }
  return status.isFile() ? null : `${file} is not a regular file`;
}

/** The row to open for an `openRow` message, or the warning saying why it is not opened. */
export function openRowRequest(report: unknown, message: unknown, stat: StatFile = fs.statSync): { target: RowTarget } | { warning: string } {
  const target = rowTarget(report, message);
  if (!target) return { warning: 'Genre Lens: the report opens rows of its own dataset or evaluation file only.' };
  const problem = rowFileProblem(target.file, stat);
  return problem ? { warning: `Genre Lens: not opening the row: ${problem}.` } : { target };
}
