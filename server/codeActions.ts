// Quick fixes: "Replace genres with the suggestion: …" on a suspicious-label diagnostic (only on its own row: same row key
// and genres), "Fill genres: Action, Drama" on empty genre cells in range (≤ MAX_FILL_ROWS; one the model cannot fill gets a
// disabled action saying why). Each is one versioned edit of the genre cell only, in the file's own genre format.
import { CodeAction, CodeActionKind, CodeActionParams, Diagnostic, WorkspaceEdit } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type Dataset, type MovieRow, rowAt, visible } from './engine/data';
import { genreCellEdit } from './engine/data/genreWriter';
import { rowKey } from './engine/labelIssues';
import type { SuspiciousLabelData } from '../common/protocol';
import { fillEdits } from './rowPredictions';
import {
  type CurationContext, documentRange, hasEmptyGenreCell, isPosition, RESTRICTED_FILL, rowsIn, signalOf, SOURCE, SUSPICIOUS_LABEL, textEdit, untilAborted,
} from './curation';

/** Rows a fill quick-fix request predicts at most (a selection over many rows: use Fill Missing Genres in This File). */
export const MAX_FILL_ROWS = 20;
/** Why a fill quick fix is disabled. */
export const NO_GENRE = 'Cannot fill: the model predicts no genre above its threshold for this row';
export const UNWRITABLE = "Cannot fill: the predicted genres cannot be written in this file's genre format";

/** A diagnostic's `data` as a suspicious-label suggestion, or null (it comes back from the client untrusted). */
function suggestionOf(d: Diagnostic): SuspiciousLabelData | null {
  if (d.source !== SOURCE || d.code !== SUSPICIOUS_LABEL) return null;
  const data = d.data as Partial<SuspiciousLabelData> | null | undefined;
  const names = (v: unknown): v is string[] => Array.isArray(v) && v.length <= 200 && v.every((g) => typeof g === 'string' && g.length <= 200);
  if (!data || typeof data !== 'object' || !names(data.suggested) || !names(data.labelled)) return null;
  if (typeof data.key !== 'string' || !/^[0-9a-f]{32}$/.test(data.key)) return null;
  return { suggested: data.suggested, labelled: data.labelled, score: typeof data.score === 'number' ? data.score : 0, key: data.key };
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
    // Another row there now (rows inserted above), or the row was edited since: the suggestion no longer applies.
    if (!s || !row || rowKey(row) !== s.key || !sameGenres(row.genres, s.labelled)) return [];
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
    if (!doc) return [];
    const version = doc.version; // the document object follows edits: a parse is only used with its own version's text
    const dataset = (await untilAborted(ctx.parsed.get(doc), signalOf(token)))?.dataset;
    if (!dataset || doc.version !== version) return [];
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
    const plan = await fillEdits(ctx.predictions, host, text, dataset, empty, signalOf(token));
    const now = ctx.documents.get(doc.uri);
    if (token.isCancellationRequested || now?.version !== version) return actions;
    const which = (row: MovieRow) => (empty.length > 1 ? ` (${visible(row.title.trim().slice(0, 60)) || `line ${row.range.start.line + 1}`})` : '');
    for (const f of plan.fills) {
      actions.push({ title: `Fill genres: ${f.genres.join(', ')}${which(f.row)}`, kind: CodeActionKind.QuickFix, edit: versionedEdit(doc, [textEdit(f.edit)]) });
    }
    if (ctx.clientCapabilities().textDocument?.codeAction?.disabledSupport) { // otherwise a row the model cannot fill gets nothing
      const disabled = (title: string, reason: string): CodeAction => ({ title, kind: CodeActionKind.QuickFix, disabled: { reason } });
      for (const row of plan.unpredicted) actions.push(disabled(`Fill genres${which(row)}`, NO_GENRE));
      for (const u of plan.unwritable) actions.push(disabled(`Fill genres: ${visible(u.genres.join(', '))}${which(u.row)}`, UNWRITABLE));
    }
    return actions;
  });
}
