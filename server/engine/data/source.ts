// The text being read, with offset → line/character conversion and located issues/errors; plus the table shape
// the format readers (csv.ts, json.ts) produce for dataset.ts.
import { DatasetError, DatasetIssue, SourcePosition, SourceRange } from './types';
import { visible } from './textFold';

/**
 * One cell: a string for CSV, any JSON value for JSON/JSONL; `offset` is where the cell's text starts and `end` where it
 * ends (exclusive): a CSV field with its quotes but not the blanks around it, a JSON value node.
 */
export interface RawCell {
  value: unknown;
  offset: number;
  end: number;
}

/** One data row as read: cells by column name, and its character span (end exclusive, without the line break). */
export interface RawRecord {
  cells: Map<string, RawCell>;
  start: number;
  end: number;
}

export interface RawTable {
  /** Usable column names in file order. */
  columns: string[];
  records: RawRecord[];
  issues: DatasetIssue[];
  delimiter?: string;
}

export class SourceText {
  readonly text: string;
  /** Offset where each line starts; line breaks are \n, \r\n or \r (as in LSP). */
  readonly lineStarts: number[] = [0];

  constructor(readonly file: string, text: string) {
    this.text = text.startsWith('\uFEFF') ? text.slice(1) : text;
    for (const m of this.text.matchAll(/\r\n|\r|\n/g)) this.lineStarts.push(m.index + m[0].length);
  }

  position(offset: number): SourcePosition {
    let lo = 0, hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.lineStarts[lo], offset };
  }

  range(start: number, end: number): SourceRange {
    return { file: this.file, start: this.position(start), end: this.position(end) };
  }

  /** The offset where the line holding `offset` ends (before its line break). */
  lineEnd(offset: number): number {
    const next = this.lineStarts[this.position(offset).line + 1];
    if (next === undefined) return this.text.length;
    return next - (this.text.startsWith('\r\n', next - 2) ? 2 : 1);
  }

  /** An issue at `offset`, spanning to `end` (default and when not after `offset`: the rest of the line). */
  issue(severity: DatasetIssue['severity'], offset: number, message: string, end?: number): DatasetIssue {
    const p = this.position(offset);
    const issue: DatasetIssue = { severity, message: visible(message), file: this.file, line: p.line + 1, column: p.character + 1 };
    const to = end !== undefined && end > offset ? end : this.lineEnd(offset);
    if (to > offset) {
      const e = this.position(to);
      issue.endLine = e.line + 1;
      issue.endColumn = e.character + 1;
    }
    return issue;
  }

  error(offset: number, message: string, end?: number): DatasetError {
    return new DatasetError(this.issue('error', offset, message, end));
  }
}
