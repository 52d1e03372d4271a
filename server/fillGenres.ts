// genreLens/fillMissingGenres (Fill Missing Genres in This File): predicts an open document's empty genre cells (the first
// FILL_MAX_ROWS, batched, cancellable progress), sends ONE WorkspaceEdit annotated needsConfirmation (the editor previews it)
// and counts the rows left empty by reason; refused in Restricted Mode.
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AnnotatedTextEdit, CancellationToken, ChangeAnnotation, WorkspaceEdit } from 'vscode-languageserver/node';
import { settledHost } from './modelHost';
import { FILL_MAX_ROWS, FillMissingGenresResult, Requests } from '../common/protocol';
import { fillEdits } from './rowPredictions';
import { checkParams, fillMissingGenresParams } from './requestSchemas';
import { type CurationContext, hasEmptyGenreCell, RESTRICTED_FILL, signalOf, textEdit, untilAborted } from './curation';

export const FILL_ANNOTATION = 'genreLens.fillMissingGenres';

export function registerFillGenres(ctx: CurationContext): void {
  const method = Requests.fillMissingGenres.method;
  ctx.connection.onRequest(Requests.fillMissingGenres, async (raw, token: CancellationToken): Promise<FillMissingGenresResult> => {
    const params = checkParams(method, fillMissingGenresParams, raw);
    if (!ctx.trusted()) throw new Error(`Cannot fill missing genres: ${RESTRICTED_FILL}`);
    const uri = params.uri.startsWith('file:') ? params.uri : pathToFileURL(path.resolve(params.uri)).href;
    const doc = ctx.documents.get(uri) ?? ctx.documents.all().find((d) => d.uri.startsWith('file:') && sameFile(d.uri, uri));
    const name = path.basename(uri);
    if (!doc) throw new Error(`${name} is not open: open it in the editor first (the edit is previewed there).`);
    const host = await settledHost(ctx.host);
    if (!host?.model) throw new Error(host?.lastError ?? 'No model yet: train one first.');
    const version = doc.version; // the document object follows edits: its rows and text must be this version's
    const text = doc.getText();
    const parsed = await untilAborted(ctx.parsed.get(doc), signalOf(token));
    if (!parsed) throw new Error('Fill Missing Genres was cancelled; nothing was edited.');
    if (parsed.stale || doc.version !== version) {
      throw new Error(`${name} was read again meanwhile (it was edited, or the model or settings changed); nothing was edited. Run the command again.`);
    }
    if (parsed.tooLarge) throw new Error(`${name} is too large to fill from the editor; use genre-lens predict on it instead.`);
    if (!parsed.dataset) throw new Error(parsed.error?.message ?? `${name} is not a movie dataset.`);
    if (parsed.columnError) throw new Error(parsed.columnError);
    const dataset = parsed.dataset;
    if (dataset.columns.genres === null) throw new Error(`${name} has no genres column to fill (name it in the genreLens.columns setting).`);
    const empty = dataset.rows.filter((r) => hasEmptyGenreCell(text, dataset, r));
    const rows = empty.slice(0, FILL_MAX_ROWS);
    const remaining = empty.length - rows.length;
    if (!rows.length) return { rows: 0, applied: false, unpredicted: 0, unwritable: 0, remaining };

    const progress = await ctx.connection.window.createWorkDoneProgress();
    progress.begin('Genre Lens: predicting missing genres', 0, `0/${rows.length} rows`, true);
    const signal = signalOf(token);
    const ac = new AbortController();
    signal.addEventListener('abort', () => ac.abort());
    progress.token.onCancellationRequested(() => ac.abort());
    let plan;
    try {
      plan = await fillEdits(ctx.predictions, host, text, dataset, rows, ac.signal,
        (done) => progress.report(Math.round((done / rows.length) * 100), `${done}/${rows.length} rows`));
    } finally {
      progress.done();
    }
    if (ac.signal.aborted) throw new Error('Fill Missing Genres was cancelled; nothing was edited.');
    if (ctx.documents.get(doc.uri)?.version !== version) {
      throw new Error(`${name} changed while its rows were predicted; nothing was edited. Run the command again.`);
    }
    const edits: AnnotatedTextEdit[] = plan.fills.map((f) => ({ ...textEdit(f.edit), annotationId: FILL_ANNOTATION }));
    const skipped = { unpredicted: plan.unpredicted.length, unwritable: plan.unwritable.length, remaining };
    if (plan.unwritable.length) {
      const first = plan.unwritable[0];
      ctx.log(`Fill Missing Genres: ${plan.unwritable.length} row(s) of ${name} left empty: their predicted genres cannot be written in ` +
        `its genre format (first: line ${first.row.range.start.line + 1}, ${first.genres.join(', ')})`);
    }
    if (!edits.length) return { rows: 0, applied: false, ...skipped };
    const annotation: ChangeAnnotation = { label: 'Fill missing genres', needsConfirmation: true,
      description: `${edits.length} row${edits.length === 1 ? '' : 's'} of ${name} given predicted genres` };
    const edit: WorkspaceEdit = {
      documentChanges: [{ textDocument: { uri: doc.uri, version }, edits }],
      changeAnnotations: { [FILL_ANNOTATION]: annotation },
    };
    const r = await ctx.connection.workspace.applyEdit({ label: 'Fill missing genres', edit });
    if (!r.applied && r.failureReason) ctx.log(`Fill Missing Genres was not applied: ${r.failureReason}`);
    return { rows: edits.length, applied: r.applied, ...skipped };
  });
}

/** Two file URIs naming the same file (their spelling may differ: %-escapes, drive letter case). */
function sameFile(a: string, b: string): boolean {
  try {
    return path.resolve(fileURLToPath(a)) === path.resolve(fileURLToPath(b));
  } catch {
    return false;
  }
}
