// Diagnostics for open dataset documents (CSV / JSON / JSONL): the readers' problems (problems.ts) and, when the served
// model has a training.json, suspicious labels (labelIssues.ts) on the rows' genre cells. Recomputed 250 ms after the
// user stops typing, for every open document when the model or the settings change, and cleared when a document closes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Diagnostic, DiagnosticSeverity } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { COLUMN_ALIASES, type Dataset, type DatasetFormat, type MovieRow, visible } from './engine/data';
import { datasetProblems } from './engine/data/problems';
import { issuesForRows, type LabelIssue } from './engine/labelIssues';
import { readTrainingRows } from './engine/modelFiles';
import type { TrainingRecordFile } from '../common/modelTypes';
import type { SuspiciousLabelData } from '../common/protocol';
import type { ParsedDocument } from './documents';
import { diagnosticSettings } from './settings';
import { type CurationContext, SOURCE, SUSPICIOUS_LABEL } from './curation';

export const DEBOUNCE_MS = 250;
/** At most this many problem diagnostics per file (one more says how many were left out). */
export const MAX_PROBLEMS = 1000;
/** Local poster files checked per parse. */
const MAX_POSTER_CHECKS = 2000;
const SEVERITY = { information: DiagnosticSeverity.Information, warning: DiagnosticSeverity.Warning, hint: DiagnosticSeverity.Hint };

const probabilities = (xs: { genre: string; probability: number }[]) => xs.map((x) => `${x.genre} (p ${x.probability.toFixed(2)})`).join(', ');

/** `Suspicious genres (score 0.93): the model doubts Comedy (p 0.02) and expects Horror (p 0.88). Suggested: Horror, Thriller` */
export function suspiciousMessage(issue: LabelIssue): string {
  const parts = [
    ...(issue.doubted.length ? [`doubts ${probabilities(issue.doubted)}`] : []),
    ...(issue.missing.length ? [`expects ${probabilities(issue.missing)}`] : []),
  ];
  const suggested = issue.suggested.length ? issue.suggested.join(', ') : '(no genre)';
  return visible(`Suspicious genres (score ${issue.score.toFixed(2)}): the model ${parts.join(' and ')}. Suggested: ${suggested}`);
}

/**
 * A fatal reader error is shown only for a document that looks like a movie dataset (a known or configured text
 * column near its start), so a package.json or an unrelated CSV gets no "no text column" error.
 */
export function looksLikeDataset(text: string, format: DatasetFormat, textColumn?: string | null): boolean {
  const names = new Set([...COLUMN_ALIASES.text, ...(typeof textColumn === 'string' ? [textColumn.trim().toLowerCase()] : [])]);
  const head = text.slice(0, 64 * 1024);
  if (format === 'csv') {
    const header = head.split(/\r?\n/, 1)[0].replace(/^\uFEFF/, '');
    return header.split(/[,;\t]/).some((c) => names.has(c.trim().replace(/^"|"$/g, '').trim().toLowerCase()));
  }
  if (format === 'json' && !/^\s*\[/.test(head)) return false;
  const keys = [...head.matchAll(/"((?:[^"\\]|\\.){1,100})"\s*:/g)].map((m) => m[1].trim().toLowerCase());
  return keys.some((k) => names.has(k));
}

/** The row's genre cell, else its first line. */
function rowRange(doc: TextDocument, row: MovieRow): Diagnostic['range'] {
  const at = (p: { line: number; character: number }) => ({ line: p.line, character: p.character });
  if (row.genresCell) return { start: at(row.genresCell.start), end: at(row.genresCell.end) };
  const start = at(row.range.start);
  if (row.range.end.line === start.line) return { start, end: at(row.range.end) };
  const line = doc.getText({ start: { line: start.line, character: 0 }, end: { line: start.line + 1, character: 0 } }).replace(/\r?\n$/, '');
  return { start, end: { line: start.line, character: line.length } };
}

export class DatasetDiagnostics {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Each model folder's training.json as last read, with the stamp of the file then. */
  private readonly records = new Map<string, { stamp: string; record: TrainingRecordFile | null }>();
  /** Suspicious-label diagnostics per document, with what they were computed from. */
  private readonly suspicious = new Map<string, { key: string; diagnostics: Diagnostic[] }>();
  private readonly told = new Set<string>();

  constructor(private readonly ctx: CurationContext) {
    ctx.documents.onDidChangeContent((e) => this.schedule(e.document.uri, DEBOUNCE_MS));
    ctx.documents.onDidClose((e) => {
      clearTimeout(this.timers.get(e.document.uri));
      this.timers.delete(e.document.uri);
      this.suspicious.delete(e.document.uri);
      void ctx.connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] }).catch(() => undefined);
    });
  }

  /** Recomputes every open document's diagnostics (soon, one document at a time). */
  refreshAll(): void {
    for (const doc of this.ctx.documents.all()) this.schedule(doc.uri, 0);
  }

  private schedule(uri: string, delay: number): void {
    clearTimeout(this.timers.get(uri));
    this.timers.set(uri, setTimeout(() => {
      this.timers.delete(uri);
      const doc = this.ctx.documents.get(uri);
      if (!doc) return;
      let diagnostics: Diagnostic[];
      try {
        diagnostics = this.compute(doc);
      } catch (e) {
        this.ctx.log(`Diagnostics of ${uri} failed: ${e instanceof Error ? e.message : String(e)}`);
        diagnostics = [];
      }
      void this.ctx.connection.sendDiagnostics({ uri, version: doc.version, diagnostics }).catch(() => undefined);
    }, delay));
  }

  /** The diagnostics of an open document as it is now. */
  compute(doc: TextDocument): Diagnostic[] {
    const parsed = this.ctx.parsed.get(doc);
    if (parsed.tooLarge || !parsed.format) return [];
    const s = diagnosticSettings(this.ctx.settings());
    return [
      ...(s.datasetProblems ? this.problems(doc, parsed) : []),
      ...(s.suspiciousLabels !== 'off' && parsed.dataset ? this.suspiciousLabels(doc, parsed.dataset) : []),
    ];
  }

  private problems(doc: TextDocument, parsed: ParsedDocument): Diagnostic[] {
    const { dataset } = parsed;
    const error = dataset ? null : parsed.error ?? null;
    if (!dataset && (!error || !looksLikeDataset(doc.getText(), parsed.format!, this.ctx.settings().columns?.text))) return [];
    const problems = datasetProblems(dataset, error, { checkPosterFiles: true, maxPosterChecks: MAX_POSTER_CHECKS });
    const out: Diagnostic[] = problems.slice(0, MAX_PROBLEMS).map((p) => ({
      range: p.range, severity: p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      message: p.message, source: SOURCE, code: p.code,
    }));
    if (problems.length > MAX_PROBLEMS) {
      out.push({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Information,
        message: `${problems.length - MAX_PROBLEMS} more dataset problems are not shown (at most ${MAX_PROBLEMS} per file)`, source: SOURCE,
        code: 'dataset-problems-capped' });
    }
    return out;
  }

  /** The served model's training.json (cached per folder and file stamp); null without one or when it is invalid. */
  private record(dir: string): TrainingRecordFile | null {
    let stamp: string;
    try {
      const st = fs.statSync(path.join(dir, 'training.json'), { throwIfNoEntry: false });
      stamp = st ? `${st.mtimeMs}:${st.size}` : 'none';
    } catch (e) {
      stamp = `error ${(e as Error).message}`;
    }
    const hit = this.records.get(dir);
    if (hit?.stamp === stamp) return hit.record;
    let record: TrainingRecordFile | null = null;
    try {
      record = stamp === 'none' ? null : readTrainingRows(dir);
    } catch (e) {
      this.ctx.log(`No suspicious-label diagnostics: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.records.clear(); // only the served model's is kept
    this.records.set(dir, { stamp, record });
    return record;
  }

  private suspiciousLabels(doc: TextDocument, dataset: Dataset): Diagnostic[] {
    const model = this.ctx.host()?.model;
    if (!model) return [];
    const record = this.record(model.dir);
    if (!record) return [];
    const s = diagnosticSettings(this.ctx.settings());
    if (dataset.rows.length > s.maxRows) {
      const key = `${doc.uri}\nmaxRows`;
      if (!this.told.has(key)) {
        this.told.add(key);
        this.ctx.log(`${path.basename(dataset.file)} has ${dataset.rows.length} rows, more than genreLens.diagnostics.maxRows (${s.maxRows}): ` +
          'no suspicious-label diagnostics (raise the setting to check it)');
      }
      return [];
    }
    const key = JSON.stringify([doc.version, model.dir, this.records.get(model.dir)?.stamp, s]);
    const hit = this.suspicious.get(doc.uri);
    if (hit?.key === key) return hit.diagnostics;
    const severity = SEVERITY[s.suspiciousLabels as keyof typeof SEVERITY];
    const found = issuesForRows(dataset.rows, record);
    const diagnostics: Diagnostic[] = found.slice(0, s.maxPerFile).map(({ row, issue }) => ({
      range: rowRange(doc, row), severity, source: SOURCE, code: SUSPICIOUS_LABEL, message: suspiciousMessage(issue),
      data: { suggested: issue.suggested, labelled: issue.labelled, score: issue.score } satisfies SuspiciousLabelData,
    }));
    if (found.length > s.maxPerFile) {
      const more = found.length - s.maxPerFile;
      diagnostics.push({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity, source: SOURCE,
        code: 'suspicious-labels-capped',
        message: `${more} more suspicious row${more === 1 ? ' is' : 's are'} not shown: genreLens.diagnostics.maxPerFile is ${s.maxPerFile}` });
    }
    this.suspicious.set(doc.uri, { key, diagnostics });
    return diagnostics;
  }
}
