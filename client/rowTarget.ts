// Which row the report webview may open: its `openRow` message names a file and a line, and is honoured only when the
// file is exactly the shown report's dataset or evaluation file — never an arbitrary path from the webview. Pure (no
// vscode import), so it is unit-tested; reportPanel.ts opens what it returns.
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
