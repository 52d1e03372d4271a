// The curator's tools in the daemon, wired in one place: diagnostics (dataset problems and suspicious labels), quick
// fixes, Fill Missing Genres and inlay hints (diagnostics.ts, codeActions.ts, fillGenres.ts, inlayHints.ts), plus the
// row helpers they share. server.ts makes one Curation and tells it when the model or the settings change.
import { ClientCapabilities, CodeActionKind, Connection, ServerCapabilities, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type Dataset, type MovieRow, rowAt } from './engine/data';
import type { CellEdit } from './engine/data/genreWriter';
import type { DocumentDatasets } from './documents';
import type { ModelHost } from './modelHost';
import type { DaemonSettings } from '../common/protocol';
import { quietly } from './daemonErrors';
import { RowPredictions } from './rowPredictions';
import { DatasetDiagnostics } from './diagnostics';
import { registerCodeActions } from './codeActions';
import { registerFillGenres } from './fillGenres';
import { registerInlayHints } from './inlayHints';

export interface CurationContext {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  /** Open documents parsed with the served model's columns (the hovers' parse, cached per version). */
  parsed: DocumentDatasets;
  /** The current host (undefined before the client's `initialized`). */
  host: () => ModelHost | undefined;
  settings: () => DaemonSettings;
  trusted: () => boolean;
  log: (message: string) => void;
  clientCapabilities: () => ClientCapabilities;
  predictions: RowPredictions;
}

/** What the daemon adds to its InitializeResult for these features. */
export const CURATION_CAPABILITIES: Partial<ServerCapabilities> = {
  codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
  inlayHintProvider: true,
};

/** The `source` of every Genre Lens diagnostic. */
export const SOURCE = 'Genre Lens';
export const SUSPICIOUS_LABEL = 'suspicious-label';

export const RESTRICTED_FILL = 'this workspace is in Restricted Mode: trust it (Manage Workspace Trust) to fill genres from predictions.';

type Range = { start: { line: number; character: number }; end: { line: number; character: number } };
export const isPosition = (p: unknown): p is Range['start'] => {
  const q = p as Partial<Range['start']> | null;
  return typeof q === 'object' && q !== null && Number.isInteger(q.line) && Number.isInteger(q.character);
};

/** The document URI and range of a request's params, or null when malformed (params come from the client untrusted). */
export function documentRange(params: unknown): { uri: string; range: Range } | null {
  const p = params as { textDocument?: { uri?: unknown }; range?: { start?: unknown; end?: unknown } } | null;
  const uri = p?.textDocument?.uri;
  if (typeof uri !== 'string' || !isPosition(p?.range?.start) || !isPosition(p?.range?.end)) return null;
  return { uri, range: { start: p.range.start, end: p.range.end } };
}

/** The rows of `dataset` that overlap `range` (in file order). */
export function rowsIn(dataset: Pick<Dataset, 'rows'>, range: { start: { line: number; character: number }; end: { line: number; character: number } }): MovieRow[] {
  const first = rowAt(dataset, range.start);
  const out: MovieRow[] = [];
  const before = (a: { line: number; character: number }, b: { line: number; character: number }) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  for (let i = first ? first.index : 0; i < dataset.rows.length; i++) {
    const row = dataset.rows[i];
    if (!before(row.range.start, range.end)) break;
    if (before(range.start, row.range.end)) out.push(row);
  }
  return out;
}

/** A genre cell that says nothing: blank, `""`, `''`, `null`, `None`, `[]` (CSV quotes around it removed first). */
const EMPTY_CELL = /^\s*(""|''|null|none|\[\s*\])?\s*$/i;

/** The text of a parsed span of a document's `text`: spans are relative to the text without its BOM (as SourceText reads it). */
export function spanText(text: string, span: { start: { offset: number }; end: { offset: number } }): string {
  const bom = text.startsWith('\uFEFF') ? 1 : 0;
  return text.slice(span.start.offset + bom, span.end.offset + bom);
}

/** The row's genre cell is empty, so Fill Missing Genres may write it (a JSON row without the key counts: the key is added). */
export function hasEmptyGenreCell(text: string, dataset: Pick<Dataset, 'columns' | 'format'>, row: MovieRow): boolean {
  if (dataset.columns.genres === null || row.genres !== null) return false;
  if (!row.genresCell) return dataset.format !== 'csv';
  let cell = spanText(text, row.genresCell).trim();
  if (dataset.format === 'csv' && cell.length >= 2 && cell.startsWith('"') && cell.endsWith('"')) cell = cell.slice(1, -1).replace(/""/g, '"');
  return EMPTY_CELL.test(cell);
}

/** An engine CellEdit as an LSP TextEdit. */
export const textEdit = (e: CellEdit) => ({
  range: { start: { line: e.range.start.line, character: e.range.start.character }, end: { line: e.range.end.line, character: e.range.end.character } },
  newText: e.newText,
});

/** An AbortSignal that follows an LSP cancellation token; a promise's value unless the signal aborts first. */
export { signalOf, untilAborted } from './hoverRequest';

export class Curation {
  private readonly diagnostics: DatasetDiagnostics;
  private readonly ctx: CurationContext;
  /** The served model as last seen (`dir@createdAt`), undefined before the first look, and the host serving it (a
   * settings change may make a new host, which serves nothing until it has loaded the same model again). */
  private lastModel: string | null | undefined;
  private lastHost: ModelHost | undefined;

  constructor(ctx: Omit<CurationContext, 'predictions'>) {
    this.ctx = { ...ctx, predictions: new RowPredictions() };
    this.diagnostics = new DatasetDiagnostics(this.ctx);
    registerCodeActions(this.ctx);
    registerFillGenres(this.ctx);
    registerInlayHints(this.ctx);
  }

  /** Called on every status change: when the served model is another one, diagnostics and inlay hints are recomputed. */
  modelMaybeChanged(): void {
    const host = this.ctx.host();
    const m = host?.model;
    const now = m ? `${m.dir}@${m.manifest.createdAt}` : null;
    if (now === this.lastModel && host === this.lastHost) return;
    this.lastModel = now;
    this.lastHost = host;
    this.ctx.predictions.clear();
    this.refresh();
  }

  /** The settings changed (documents are parsed again: columns may have changed). */
  settingsChanged(): void {
    this.refresh();
  }

  private refresh(): void {
    this.diagnostics.refreshAll();
    if (this.ctx.clientCapabilities().workspace?.inlayHint?.refreshSupport) {
      quietly('refreshing inlay hints', this.ctx.connection.languages.inlayHint.refresh(), this.ctx.log);
    }
  }
}
