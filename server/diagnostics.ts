// Diagnostics for open dataset documents (CSV / JSON / JSONL): the readers' problems (problems.ts) and, when the served
// model has a training.json, suspicious labels (labelIssues.ts) on the rows' genre cells. Recomputed 250 ms (larger
// files: up to 2 s) after the user stops typing, for every open document when the model or the settings change, and
// cleared when a document closes. Poster checks, the record's index and the rows' keys are reused between versions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Diagnostic, DiagnosticSeverity } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { COLUMN_ALIASES, type Dataset, type DatasetFormat, formatOf, type MovieRow, visible } from './engine/data';
import { datasetProblems, posterFileProblem } from './engine/data/problems';
import { byScore, labelIndices, labelIssue, type LabelIssue, recordsByKey, rowKey } from './engine/labelIssues';
import { readTrainingRows } from './engine/modelFiles';
import { MAX_RECORD_TITLE, type TrainingRecordFile, type TrainingRowRecord } from '../common/modelTypes';
import type { SuspiciousLabelData } from '../common/protocol';
import type { ParsedDocument } from './documents';
import { diagnosticSettings } from './settings';
import { type CurationContext, SOURCE, SUSPICIOUS_LABEL } from './curation';

export const DEBOUNCE_MS = 250;
/** The longest wait after an edit (a parse takes ~0.3 s per MB, in the parse thread: a large file is not re-read at every pause). */
export const MAX_DEBOUNCE_MS = 2000;
/** How long a poster file's check is reused (a poster added or removed meanwhile shows after this); a save drops them all. */
export const POSTER_TTL_MS = 10_000;
/** Bounds on the caches: poster checks kept, distinct genre lists whose label indices are kept. */
const MAX_CACHED_POSTERS = 50_000;
const MAX_CACHED_LABELS = 10_000;
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

/** The wait after an edit of a document of `chars` characters: 250 ms up to 1 MB, then 100 ms more per MB, at most 2 s. */
export function debounceFor(chars: number): number {
  const mb = chars / (1024 * 1024);
  return mb <= 1 ? DEBOUNCE_MS : Math.min(MAX_DEBOUNCE_MS, Math.round(DEBOUNCE_MS + (mb - 1) * 100));
}

/** What the daemon injects (tests count calls through these). */
export interface DiagnosticsDeps {
  /** Why a poster file cannot be used, or null (default: a stat, problems.ts). */
  posterProblem?: (file: string) => string | null;
  /** A model folder's training.json (default readTrainingRows). */
  readRecord?: (dir: string) => TrainingRecordFile | null;
  now?: () => number;
}

/** A training.json with what every check needs from it, memoised: its rows by key, label indices per genre list, and
 * each recorded row's judgement (a row is judged only when its labels are the recorded ones, so it is the record's). */
interface RecordIndex {
  record: TrainingRecordFile;
  byKey: Map<string, TrainingRowRecord[]>;
  labels: Map<string, number[] | null>;
  judged: Map<TrainingRowRecord, LabelIssue | null>;
}

const sameLabels = (a: readonly number[], sorted: readonly number[]) =>
  a.length === sorted.length && [...a].sort((x, y) => x - y).every((v, i) => v === sorted[i]);

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
  /** Each document's latest pass (numbered across documents, from lastPass): only the latest publishes, once parsed. */
  private readonly passes = new Map<string, number>();
  private lastPass = 0;
  /** The served model's training.json as last read, with the stamp of the file then and its index. */
  private readonly records = new Map<string, { stamp: string; index: RecordIndex | null }>();
  /** Suspicious-label diagnostics per document, with what they were computed from. */
  private readonly suspicious = new Map<string, { key: string; diagnostics: Diagnostic[] }>();
  /** Each document's rows at its last check, with their keys (reused for the rows an edit left alone). */
  private readonly rowKeys = new Map<string, { rows: readonly MovieRow[]; keys: string[] }>();
  /** Poster file checks by path, with when they were made. */
  private readonly posters = new Map<string, { problem: string | null; at: number }>();
  private readonly told = new Set<string>();
  /** Work done, for tests: row keys hashed, record indexes built. */
  readonly counters = { keysHashed: 0, recordIndexes: 0 };
  private readonly deps: Required<DiagnosticsDeps>;

  constructor(private readonly ctx: CurationContext, deps: DiagnosticsDeps = {}) {
    this.deps = { posterProblem: posterFileProblem, readRecord: readTrainingRows, now: Date.now, ...deps };
    ctx.documents.onDidChangeContent((e) => this.schedule(e.document.uri, debounceFor(e.document.getText().length)));
    ctx.documents.onDidSave(() => this.posters.clear());
    ctx.documents.onDidClose((e) => {
      clearTimeout(this.timers.get(e.document.uri));
      this.timers.delete(e.document.uri);
      this.passes.delete(e.document.uri);
      this.suspicious.delete(e.document.uri);
      this.rowKeys.delete(e.document.uri);
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
      const [pass, version] = [++this.lastPass, doc.version];
      this.passes.set(uri, pass);
      void this.compute(doc).catch((e: unknown) => {
        this.ctx.log(`Diagnostics of ${uri} failed: ${e instanceof Error ? e.message : String(e)}`);
        return [];
      }).then((diagnostics) => {
        // Not published when a newer pass started meanwhile, or the document changed (its own pass is scheduled) or closed.
        if (!diagnostics || this.passes.get(uri) !== pass || doc.version !== version) return;
        return this.ctx.connection.sendDiagnostics({ uri, version, diagnostics });
      }).catch(() => undefined);
    }, delay));
  }

  /** The diagnostics of an open document as it is now (null: it changed, or its parse was replaced, while it was parsed).
   * A JSON document that does not look like a dataset is not parsed. */
  async compute(doc: TextDocument): Promise<Diagnostic[] | null> {
    const format = formatOf(doc.uri.replace(/[?#].*$/, '')) ?? (doc.languageId === 'json' ? 'json' : undefined);
    if (format === 'json' || format === 'jsonl') { // package.json, tsconfig.json...: not parsed at every edit
      const modelText = this.ctx.host()?.model?.manifest.dataset.columns.text;
      if (!looksLikeDataset(doc.getText(), format, this.ctx.settings().columns?.text ?? modelText)) return [];
    }
    const version = doc.version; // the document object follows edits
    const parsed = await this.ctx.parsed.get(doc);
    if (parsed.stale || doc.version !== version) return null;
    if (parsed.tooLarge || !parsed.format) return [];
    const s = diagnosticSettings(this.ctx.settings());
    return [
      ...(s.datasetProblems ? this.problems(doc, parsed) : []),
      ...(s.suspiciousLabels !== 'off' && parsed.dataset ? this.suspiciousLabels(doc, parsed.dataset) : []),
    ];
  }

  /** A poster file's check, reused for POSTER_TTL_MS. */
  private readonly posterProblem = (file: string): string | null => {
    const now = this.deps.now();
    const hit = this.posters.get(file);
    if (hit && now - hit.at < POSTER_TTL_MS) return hit.problem;
    if (this.posters.size >= MAX_CACHED_POSTERS) this.posters.clear();
    const problem = this.deps.posterProblem(file);
    this.posters.set(file, { problem, at: now });
    return problem;
  };

  private problems(doc: TextDocument, parsed: ParsedDocument): Diagnostic[] {
    const { dataset } = parsed;
    const error = dataset ? null : parsed.error ?? null;
    if (!dataset && (!error || !looksLikeDataset(doc.getText(), parsed.format!, this.ctx.settings().columns?.text))) return [];
    const problems = datasetProblems(dataset, error, { checkPosterFiles: true, maxPosterChecks: MAX_POSTER_CHECKS, posterProblem: this.posterProblem });
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

  /** The served model's training.json and its index (cached per folder and file stamp); null without one or when invalid. */
  private record(dir: string): RecordIndex | null {
    let stamp: string;
    try {
      const st = fs.statSync(path.join(dir, 'training.json'), { throwIfNoEntry: false });
      stamp = st ? `${st.mtimeMs}:${st.size}` : 'none';
    } catch (e) {
      stamp = `error ${(e as Error).message}`;
    }
    const hit = this.records.get(dir);
    if (hit?.stamp === stamp) return hit.index;
    let index: RecordIndex | null = null;
    try {
      const record = stamp === 'none' ? null : this.deps.readRecord(dir);
      if (record) {
        index = { record, byKey: recordsByKey(record), labels: new Map(), judged: new Map() };
        this.counters.recordIndexes++;
      }
    } catch (e) {
      this.ctx.log(`No suspicious-label diagnostics: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.records.clear(); // only the served model's is kept
    this.records.set(dir, { stamp, index });
    return index;
  }

  /** The row's genres as the record's sorted genre indices (memoised per genre list); null when unknown to the model. */
  private labelsOf(index: RecordIndex, row: MovieRow): number[] | null {
    if (!row.genres) return null;
    const list = row.genres.join('\u0000');
    let labels = index.labels.get(list);
    if (labels === undefined) {
      labels = labelIndices(index.record.genres, row);
      if (index.labels.size < MAX_CACHED_LABELS) index.labels.set(list, labels);
    }
    return labels;
  }

  /**
   * The rows' keys (rowKey). A row whose title and text equal those of the row at the same index at the last check, or
   * at the same distance from the end (rows inserted or deleted above it), keeps its key without being hashed again.
   */
  private keysOf(uri: string, rows: readonly MovieRow[]): string[] {
    const prev = this.rowKeys.get(uri);
    const shift = prev ? prev.rows.length - rows.length : 0;
    const keys = rows.map((row, i) => {
      for (const j of shift === 0 ? [i] : [i, i + shift]) {
        const old = prev?.rows[j];
        if (old && old.title === row.title && old.text === row.text) return prev!.keys[j];
      }
      this.counters.keysHashed++;
      return rowKey(row);
    });
    this.rowKeys.set(uri, { rows, keys });
    return keys;
  }

  /** Rows whose key has a record with the same labels, that are issues; score desc (as labelIssues.issuesForRows). */
  private issues(uri: string, rows: readonly MovieRow[], index: RecordIndex): { row: MovieRow; issue: LabelIssue }[] {
    const keys = this.keysOf(uri, rows);
    const found: { row: MovieRow; issue: LabelIssue }[] = [];
    rows.forEach((row, i) => {
      const labels = this.labelsOf(index, row);
      const match = labels && index.byKey.get(keys[i])?.find((r) => sameLabels(r.labels, labels));
      if (!labels || !match) return;
      let judged = index.judged.get(match);
      if (judged === undefined) index.judged.set(match, (judged = labelIssue(index.record, match, labels, match.proba)));
      if (judged) found.push({ row, issue: { ...judged, line: row.range.start.line + 1, title: row.title.slice(0, MAX_RECORD_TITLE), key: keys[i] } });
    });
    return byScore(found);
  }

  private suspiciousLabels(doc: TextDocument, dataset: Dataset): Diagnostic[] {
    const model = this.ctx.host()?.model;
    if (!model) return [];
    const index = this.record(model.dir);
    if (!index) return [];
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
    const found = this.issues(doc.uri, dataset.rows, index);
    const diagnostics: Diagnostic[] = found.slice(0, s.maxPerFile).map(({ row, issue }) => ({
      range: rowRange(doc, row), severity, source: SOURCE, code: SUSPICIOUS_LABEL, message: suspiciousMessage(issue),
      data: { suggested: issue.suggested, labelled: issue.labelled, score: issue.score, key: issue.key } satisfies SuspiciousLabelData,
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
