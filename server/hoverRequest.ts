// The hover request: the first hovers after start wait for the model; the row under the cursor is found in the
// document as the served model reads it (its columns), predicted in the prediction thread and rendered (hover.ts).
// A hover the editor cancels stops waiting and answers nothing.
import * as path from 'node:path';
import { CancellationToken, Hover, HoverParams, MarkupKind, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { rowAt } from './engine/data';
import type { DocumentDatasets } from './documents';
import { escapeMarkdown, renderError, renderNoModel, renderPrediction } from './hover';
import { type ModelHost, settledHost } from './modelHost';

export interface HoverContext {
  documents: TextDocuments<TextDocument>;
  /** Documents parsed with the served model's columns. */
  parsed: DocumentDatasets;
  /** The current host (undefined before the client's `initialized`). */
  host: () => ModelHost | undefined;
  trusted: () => boolean;
}

/** An AbortSignal that follows an LSP cancellation token. */
export function signalOf(token: CancellationToken): AbortSignal {
  const ac = new AbortController();
  if (token.isCancellationRequested) ac.abort();
  else token.onCancellationRequested(() => ac.abort());
  return ac.signal;
}

/** `p`'s value, or null as soon as `signal` aborts (a cancelled request stops waiting; `p` goes on for other callers). */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | null> {
  if (signal.aborted) return Promise.resolve(null);
  return new Promise<T | null>((resolve, reject) => {
    const abort = () => resolve(null);
    signal.addEventListener('abort', abort, { once: true });
    p.finally(() => signal.removeEventListener('abort', abort)).then(resolve, reject);
  });
}

export async function answerHover(params: HoverParams, token: CancellationToken, ctx: HoverContext): Promise<Hover | null> {
  const uri: unknown = params?.textDocument?.uri;
  const { line, character } = (params?.position ?? {}) as { line?: unknown; character?: unknown };
  if (typeof uri !== 'string' || !Number.isInteger(line) || !Number.isInteger(character)) return null; // malformed: no hover
  const doc = ctx.documents.get(uri);
  if (!doc) return null;
  const signal = signalOf(token);
  const host = await settledHost(ctx.host, signal); // the first hovers wait for the model loaded at start
  if (!host) return null;
  const version = doc.version; // the document object follows edits: rows of an older text are not hovered
  const parsed = await untilAborted(ctx.parsed.get(doc), signal); // a large document is parsed in the parse thread
  if (!parsed || doc.version !== version) return null;
  const { dataset, tooLarge, columnError, columnNotes } = parsed;
  if (tooLarge) {
    const at = { line: line as number, character: 0 };
    return { contents: { kind: MarkupKind.Markdown, value: tooLarge }, range: { start: at, end: at } };
  }
  const row = dataset && rowAt(dataset, params.position);
  if (!row) return null;
  const markdown = (value: string): Hover => ({ contents: { kind: MarkupKind.Markdown, value }, range: { start: row.range.start, end: row.range.end } });
  if (columnError) return markdown(renderError(columnError));
  if (!host.model) return markdown(host.lastError ? renderError(host.lastError) : renderNoModel(null, ctx.trusted()));
  try {
    const prediction = await host.predictRow(row, signal, true, true); // with why, thumbnail, nearest movies; may prefetch the poster
    if (!prediction) return null;
    const { manifest } = prediction.model;
    const notes = (columnNotes ?? []).map((n) => `\n\n*${escapeMarkdown(n)}*`).join('');
    return markdown(renderPrediction(row, prediction, `${path.basename(manifest.dataset.path)}, micro-F1 ${manifest.metrics.micro.f1.toFixed(3)}`) + notes);
  } catch (e) {
    return signal.aborted ? null : markdown(renderError(e instanceof Error ? e.message : String(e)));
  }
}
