// Shared by test/daemonCuration.test.ts and test/daemonFill.test.ts: the real daemon started in a temporary folder with
// an LSP client that records published diagnostics, workspace/applyEdit requests and inlay-hint refreshes; helpers to
// open and change documents and await diagnostics; and the small fixture rows and genre formats the tests write.
import { after, before } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ApplyWorkspaceEditParams, Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { DaemonProcess, startDaemon, until } from './daemonProcess';

export const repo = path.resolve(__dirname, '..');
export const BASE = { trusted: true, textEncoder: 'use-lite', imageEncoder: 'none' };

export interface CurationDaemon {
  work: string;
  d: DaemonProcess;
  published: Map<string, PublishDiagnosticsParams[]>;
  applied: ApplyWorkspaceEditParams[];
  hintRefreshes: number;
  uriOf(name: string): string;
  open(name: string, text: string, languageId?: string): string;
  /** Replaces the whole text; returns the new version. */
  change(uri: string, text: string): number;
  /** The latest diagnostics published for `uri` once `ok` holds for them (and, with `version`, for that version). */
  diagnostics(uri: string, ok?: (ds: Diagnostic[]) => boolean, version?: number): Promise<Diagnostic[]>;
  settings(extra: object): Promise<void>;
}

/** Registers before/after hooks that start the daemon in a new folder (`prepare` fills it first) and stop it. */
export function useCurationDaemon(prefix: string, o: { prepare?: (work: string) => void; codeActionDisabledSupport?: boolean } = {}): CurationDaemon {
  const versions = new Map<string, number>();
  const h: CurationDaemon = {
    work: '', d: undefined as unknown as DaemonProcess, published: new Map(), applied: [], hintRefreshes: 0,
    uriOf: (name) => pathToFileURL(path.join(h.work, name)).href,
    open(name, text, languageId = name.endsWith('.csv') ? 'csv' : name.endsWith('.jsonl') ? 'jsonl' : 'json') {
      const uri = h.uriOf(name);
      versions.set(uri, 1);
      void h.d.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
      return uri;
    },
    change(uri, text) {
      const version = (versions.get(uri) ?? 1) + 1;
      versions.set(uri, version);
      void h.d.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
      return version;
    },
    async diagnostics(uri, ok = () => true, version) {
      let last: PublishDiagnosticsParams | undefined;
      await until(() => {
        last = h.published.get(uri)?.at(-1);
        return !!last && (version === undefined || last.version === version) && ok(last.diagnostics);
      }, `diagnostics of ${path.basename(uri)}`);
      return last!.diagnostics;
    },
    settings: (extra) => h.d.conn.sendNotification('workspace/didChangeConfiguration', { settings: { genreLens: { ...BASE, ...extra } } }),
  };
  before(async () => {
    h.work = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    o.prepare?.(h.work);
    h.d = await startDaemon(h.work, {
      initializationOptions: BASE,
      capabilities: {
        window: { workDoneProgress: true },
        workspace: { applyEdit: true, workspaceEdit: { documentChanges: true, changeAnnotationSupport: {} }, inlayHint: { refreshSupport: true } },
        textDocument: { hover: { contentFormat: ['markdown'] }, publishDiagnostics: { versionSupport: true },
          ...(o.codeActionDisabledSupport ? { codeAction: { disabledSupport: true } } : {}) },
      },
      setup: (c) => {
        c.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
          h.published.set(p.uri, [...(h.published.get(p.uri) ?? []), p]);
        });
        c.onRequest('workspace/applyEdit', (p: ApplyWorkspaceEditParams) => {
          h.applied.push(p);
          return { applied: true };
        });
        c.onRequest('workspace/inlayHint/refresh', () => {
          h.hintRefreshes++;
          return null;
        });
      },
    });
  });
  after(async () => {
    await h.d?.stop();
    if (h.work) fs.rmSync(h.work, { recursive: true, force: true });
  });
  return h;
}

export const suspicious = (ds: Diagnostic[]) => ds.filter((x) => x.code === 'suspicious-label');
export const at = (p: { line: number; character: number }) => ({ line: p.line, character: p.character });
export const spanOf = (cell: { start: { line: number; character: number }; end: { line: number; character: number } } | undefined) =>
  cell && { start: at(cell.start), end: at(cell.end) };
export const csvQuote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The bundled example's lines, with `edit(cells, line)` applied to each data row's comma-split cells (genres: next-to-last). */
export function exampleLines(edit: (cells: string[]) => string[] | null): string[] {
  return fs.readFileSync(path.join(repo, 'examples/movies.csv'), 'utf8').split('\n').map((line, i) => {
    if (i === 0 || !line) return line;
    return edit(line.split(','))?.join(',') ?? line;
  });
}

// ---- the rows and genre formats the quick-fix and fill tests write ---------------------------------------------------

export const TMDB: Record<string, number> = { Action: 28, Animation: 16, Comedy: 35, Drama: 18, Horror: 27, Romance: 10749, 'Science Fiction': 878, Thriller: 53 };
export const SUSPECT = { title: 'Laugh Track Lodge', text: 'A stand-up comic books a week at a mountain lodge and finds the guests vanishing one by one into the snow.' };
export const SUSPECT2 = { title: 'Knock Knock Manor', text: 'A prank show films in a manor whose owner never leaves the attic.' };
export const SUSPECT3 = { title: 'Giggle Hill', text: 'Two clowns hide in a fairground after closing time and hear the carousel turn by itself.' };
export const FINE = { title: 'The Cellar Door', text: 'Something scratches behind the cellar door of an old farmhouse every night at three.' };
export const EMPTY = { title: 'Hollow Street', text: 'A family moves into a house where the walls whisper at night and a curse waits in the cellar; screams echo until dawn.' };

export interface Format { name: string; file: string; text: (a: string, b: string, empty: string) => string; cell: (genres: string[]) => string; empty: string }
export const csv = (a: string, b: string, empty: string) =>
  `title,overview,genres\n${SUSPECT.title},${csvQuote(SUSPECT.text)},${a}\n${FINE.title},${csvQuote(FINE.text)},${b}\n${EMPTY.title},${csvQuote(EMPTY.text)},${empty}\n`;
const jsonRow = (r: { title: string; text: string }, genres: string) => `{"title": ${JSON.stringify(r.title)}, "overview": ${JSON.stringify(r.text)}, "genres": ${genres}}`;
export const FORMATS: Format[] = [
  { name: 'CSV pipe', file: 'pipe.csv', text: csv, cell: (g) => csvQuote(g.join('|')), empty: '' },
  { name: 'CSV comma', file: 'comma.csv', text: csv, cell: (g) => csvQuote(g.join(', ')), empty: '' },
  { name: 'CSV JSON array cell', file: 'jsoncell.csv', text: csv, cell: (g) => csvQuote(JSON.stringify(g).replace(/","/g, '", "')), empty: '' },
  { name: 'CSV TMDB objects', file: 'tmdb.csv', text: csv, empty: '[]',
    cell: (g) => csvQuote(`[${g.map((n) => `{"id": ${TMDB[n]}, "name": "${n}"}`).join(', ')}]`) },
  { name: 'CSV Python repr', file: 'python.csv', text: csv, cell: (g) => csvQuote(`[${g.map((n) => `'${n}'`).join(', ')}]`), empty: '' },
  { name: 'JSON file', file: 'movies.json', empty: '[]', cell: (g) => `[${g.map((n) => JSON.stringify(n)).join(', ')}]`,
    text: (a, b, empty) => `[\n  ${jsonRow(SUSPECT, a)},\n  ${jsonRow(FINE, b)},\n  ${jsonRow(EMPTY, empty)}\n]\n` },
  { name: 'JSONL', file: 'movies.jsonl', empty: 'null', cell: (g) => JSON.stringify(g.join('|')),
    text: (a, b, empty) => `${jsonRow(SUSPECT, a)}\n${jsonRow(FINE, b)}\n${jsonRow(EMPTY, empty)}\n` },
];
export const fixture = (f: Format) => f.text(f.cell(['Comedy']), f.cell(['Horror', 'Thriller']), f.empty);
