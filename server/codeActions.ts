// Quick fixes on open dataset documents: "Replace genres with the suggestion: …" on a suspicious-label diagnostic, and
// "Fill genres: Action, Drama" on rows in the requested range whose genre cell is empty (at most MAX_FILL_ROWS rows,
// predicted through the host). Each is one versioned edit of the genre cell only, in the file's own genre format.
import { CodeAction, CodeActionKind, CodeActionParams, Diagnostic, WorkspaceEdit } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type Dataset, rowAt, visible } from './engine/data';
import { detectGenreStyle, genreCellEdit } from './engine/data/genreWriter';
import type { SuspiciousLabelData } from '../common/protocol';
import {
  type CurationContext, documentRange, hasEmptyGenreCell, isPosition, RESTRICTED_FILL, rowsIn, signalOf, SOURCE, SUSPICIOUS_LABEL, textEdit,
} from './curation';

/** Rows a fill quick-fix request predicts at most (a selection over many rows: use Fill Missing Genres in This File). */
export const MAX_FILL_ROWS = 20;

/** A diagnostic's `data` as a suspicious-label suggestion, or null (it comes back from the client untrusted). */
function suggestionOf(d: Diagnostic): SuspiciousLabelData | null {
  if (d.source !== SOURCE || d.code !== SUSPICIOUS_LABEL) return null;
  const data = d.data as Partial<SuspiciousLabelData> | null | undefined;
  const names = (v: unknown): v is string[] => Array.isArray(v) && v.length <= 200 && v.every((g) => typeof g === 'string' && g.length <= 200);
  if (!data || typeof data !== 'object' || !names(data.suggested) || !names(data.labelled)) return null;
  return { suggested: data.suggested, labelled: data.labelled, score: typeof data.score === 'number' ? data.score : 0 };
}

const sameGenres = (a: readonly string[] | null, b: readonly string[]) =>
  a !== null && a.length === b.length && [...a].map((g) => g.toLowerCase()).sort().join('\n') === [...b].map((g) => g.toLowerCase()).sort().join('\n');

/** One versioned edit of `doc` (the editor refuses it if the document changed since). */
export const versionedEdit = (doc: TextDocument, edits: ReturnType<typeof textEdit>[]): WorkspaceEdit => ({
  documentChanges: [{ textDocument: { uri: doc.uri, version: doc.version }, edits }],
});

function replaceActions(doc: TextDocument, dataset: Dataset, diagnostics: Diagnostic[]): CodeAction[] {
  const text = doc.getText();
  return diagnostics.flatMap((d) => {
    const s = suggestionOf(d);
    const row = s && s.suggested.length ? rowAt(dataset, d.range.start) : undefined;
    if (!s || !row || !sameGenres(row.genres, s.labelled)) return []; // the row was edited since: the suggestion no longer applies
    const edit = genreCellEdit(text, dataset, row, s.suggested);
    if (!edit) return [];
    return [{ title: `Replace genres with the suggestion: ${s.suggested.join(', ')}`, kind: CodeActionKind.QuickFix, diagnostics: [d],
      isPreferred: true, edit: versionedEdit(doc, [textEdit(edit)]) }];
  });
}

export function registerCodeActions(ctx: CurationContext): void {
  ctx.connection.onCodeAction(async (params: CodeActionParams, token): Promise<CodeAction[]> => {
    const at = documentRange(params);
    const only = params?.context?.only;
    if (!at || (Array.isArray(only) && !only.some((k) => CodeActionKind.QuickFix === k || CodeActionKind.QuickFix.startsWith(`${k}.`)))) return [];
    const doc = ctx.documents.get(at.uri);
    const dataset = doc && ctx.parsed.get(doc).dataset;
    if (!doc || !dataset) return [];
    const given = params.context?.diagnostics;
    const actions = replaceActions(doc, dataset, Array.isArray(given) ? given.filter((x) => isPosition(x?.range?.start)) : []);
    const text = doc.getText();
    const empty = rowsIn(dataset, at.range).filter((r) => hasEmptyGenreCell(text, dataset, r)).slice(0, MAX_FILL_ROWS);
    const host = ctx.host();
    if (!empty.length || !host?.model) return actions;
    if (!ctx.trusted()) {
      const disabled = ctx.clientCapabilities().textDocument?.codeAction?.disabledSupport;
      return disabled ? [...actions, { title: 'Fill genres', kind: CodeActionKind.QuickFix, disabled: { reason: `Cannot predict: ${RESTRICTED_FILL}` } }] : actions;
    }
    const version = doc.version;
    const predicted = await ctx.predictions.predict(host, empty, signalOf(token));
    const now = ctx.documents.get(doc.uri);
    if (token.isCancellationRequested || now?.version !== version) return actions;
    const style = detectGenreStyle(dataset);
    empty.forEach((row, i) => {
      const genres = predicted[i]?.genres;
      const edit = genres?.length ? genreCellEdit(text, dataset, row, genres, style) : null;
      if (!genres || !edit) return;
      const which = empty.length > 1 ? ` (${visible(row.title.trim().slice(0, 60)) || `line ${row.range.start.line + 1}`})` : '';
      actions.push({ title: `Fill genres: ${genres.join(', ')}${which}`, kind: CodeActionKind.QuickFix, edit: versionedEdit(doc, [textEdit(edit)]) });
    });
    return actions;
  });
}
