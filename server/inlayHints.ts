// Inlay hints (setting genreLens.inlayHints, off by default): ` → Action, Drama` at the end of each row in the range the
// editor asks for (at most MAX_HINT_ROWS rows per request), predicted in batches (rowPredictions.ts, never a download)
// and remembered per model; a cancelled request stops between batches. Refreshed when the model or setting changes.
import type { InlayHint, InlayHintParams } from 'vscode-languageserver/node';
import { visible } from './engine/data';
import { type CurationContext, documentRange, rowsIn, signalOf, untilAborted } from './curation';

/** Rows hinted per request (an editor asks for the visible range, usually far fewer). */
export const MAX_HINT_ROWS = 200;

export function registerInlayHints(ctx: CurationContext): void {
  ctx.connection.languages.inlayHint.on(async (params: InlayHintParams, token): Promise<InlayHint[]> => {
    const at = documentRange(params);
    if (ctx.settings().inlayHints !== true || !at) return [];
    const doc = ctx.documents.get(at.uri);
    if (!doc) return [];
    const version = doc.version; // the document object follows edits: hints from an older version's rows are not sent
    const parsed = await untilAborted(ctx.parsed.get(doc), signalOf(token));
    const host = ctx.host();
    if (!parsed?.dataset || parsed.columnError || !host?.model || doc.version !== version) return [];
    const rows = rowsIn(parsed.dataset, at.range).slice(0, MAX_HINT_ROWS);
    const predicted = await ctx.predictions.predict(host, rows, signalOf(token));
    if (token.isCancellationRequested) return [];
    return rows.flatMap((row, i) => {
      const p = predicted[i];
      if (!p) return [];
      const label = ` → ${p.genres.length ? visible(p.genres.join(', ')) : '(no genre above its threshold)'}`;
      const tooltip = p.genres.map((g, k) => `${visible(g)} ${(p.probabilities[k] * 100).toFixed(0)}%`).join(', ') || 'No genre above its threshold';
      return [{ position: { line: row.range.end.line, character: row.range.end.character }, label, tooltip }];
    });
  });
}
