// Filling empty genre cells over LSP (real daemon, tiny USE-Lite model trained with "Romance" renamed "Romance; Love", which a
// pipe-separated file cannot hold): one previewed edit, skipped rows counted by reason, the 5000-row cap, disabled quick fixes,
// inlay hints; and with a fake prediction thread: batches, cancellation, no poster download except from a hover.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CodeAction, InlayHint, TextDocumentEdit } from 'vscode-languageserver-protocol/node';
import { type MovieRow, parseDataset } from '../server/engine/data';
import { applyCellEdit, genreCellEdit } from '../server/engine/data/genreWriter';
import type { Manifest } from '../common/modelTypes';
import { FILL_MAX_ROWS, Requests } from '../common/protocol';
import { UNWRITABLE } from '../server/codeActions';
import { ModelHost } from '../server/modelHost';
import type { PredictClient } from '../server/predictClient';
import { BATCH, fillEdits, RowPredictions } from '../server/rowPredictions';
import { until } from './daemonProcess';
import { at, csv, csvQuote, EMPTY, repo, spanOf, useCurationDaemon } from './curationDaemon';

const RENAMED = 'Romance; Love';
const example = parseDataset(fs.readFileSync(path.join(repo, 'examples/movies.csv'), 'utf8'), { fileName: path.join(repo, 'examples/movies.csv') }).rows;
const h = useCurationDaemon('genre-lens-fill-', {
  codeActionDisabledSupport: true,
  prepare: (work) => fs.writeFileSync(path.join(work, 'train.csv'), `title,overview,genres\n${example.map((r) => {
    const genres = r.genres!.map((g) => (g === 'Romance' ? RENAMED : g));
    return `${csvQuote(r.title)},${csvQuote(r.text)},${csvQuote(genres.includes(RENAMED) ? JSON.stringify(genres) : genres.join('|'))}`;
  }).join('\n')}\n`),
});
const { open, change, settings, uriOf } = h;
const range = { start: { line: 0, character: 0 }, end: { line: 100_000, character: 0 } };
const FILL_TEXT = csv('Comedy|Drama', 'Horror|Thriller', '') + `Second Hollow,${csvQuote(EMPTY.text.replace('family', 'couple'))},\n`;

test('Fill Missing Genres sends one versioned edit with a change annotation that needs confirmation', async () => {
  const r0 = await h.d.conn.sendRequest(Requests.train, { data: 'train.csv', seed: 42, skipAblation: true });
  assert.ok(r0.model.genres.includes(RENAMED), r0.model.genres.join(' / '));
  const text = FILL_TEXT;
  const uri = open('fill.csv', text);
  const version = change(uri, text); // version 2
  const r = await h.d.conn.sendRequest(Requests.fillMissingGenres, { uri });
  assert.equal(r.rows + r.unpredicted + r.unwritable, 2);
  assert.equal(r.remaining, 0);
  assert.ok(r.rows >= 1 && r.applied, JSON.stringify(r));
  assert.equal(h.applied.length, 1);
  const { edit, label } = h.applied[0];
  assert.equal(label, 'Fill missing genres');
  const annotations = Object.entries(edit.changeAnnotations ?? {});
  assert.equal(annotations.length, 1);
  assert.equal(annotations[0][1].needsConfirmation, true);
  assert.equal(annotations[0][1].label, 'Fill missing genres');
  const changes = edit.documentChanges as TextDocumentEdit[];
  assert.equal(changes.length, 1);
  assert.deepEqual(changes[0].textDocument, { uri, version });
  const rows = parseDataset(text, { fileName: path.join(h.work, 'fill.csv') }).rows;
  assert.equal(changes[0].edits.length, r.rows);
  for (const e of changes[0].edits) {
    assert.equal((e as { annotationId?: string }).annotationId, annotations[0][0]);
    assert.ok([rows[2], rows[3]].some((row) => JSON.stringify(e.range) === JSON.stringify(spanOf(row.genresCell))), JSON.stringify(e.range));
    assert.match((e as { newText: string }).newText, /^[A-Za-z ]+(\|[A-Za-z ]+)*$/, 'pipe style, like the file');
  }
  await assert.rejects(h.d.conn.sendRequest(Requests.fillMissingGenres, { uri: uriOf('not-open.csv') }), /not open/);
  await assert.rejects(h.d.conn.sendRequest(Requests.fillMissingGenres.method, { uri: 42 }), /genreLens\/fillMissingGenres: uri: /);
});

test('inlay hints only when genreLens.inlayHints is on, at the end of each row', async () => {
  const uri = uriOf('fill.csv');
  assert.deepEqual(await h.d.conn.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range }), []);
  const before = h.hintRefreshes;
  await settings({ inlayHints: true });
  await until(() => h.hintRefreshes > before, 'the daemon asks the editor to refresh inlay hints');
  const hints = (await h.d.conn.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range })) as InlayHint[];
  assert.equal(hints.length, 4, JSON.stringify(hints));
  const rows = parseDataset(FILL_TEXT, { fileName: path.join(h.work, 'fill.csv') }).rows;
  for (const [i, row] of rows.entries()) {
    assert.deepEqual(hints[i].position, at(row.range.end));
    assert.match(hints[i].label as string, /^ → (\(no genre above its threshold\)|[A-Za-z; ]+(, [A-Za-z; ]+)*)$/);
  }
  await settings({});
});

test('rows left empty are counted by reason: no genre above its threshold, or genres the file\'s format cannot hold', async (t) => {
  // Romance rows of the training data (predicted "Romance; Love" in-sample) and others, all blank, in a pipe-separated file.
  const picked = [...example.filter((r) => r.genres!.includes('Romance')), ...example.filter((r) => !r.genres!.includes('Romance')).slice(0, 6)];
  const text = `title,overview,genres\nKept,A row that keeps its genres.,Drama|Thriller\n${picked.map((r) => `${csvQuote(r.title)},${csvQuote(r.text)},`).join('\n')}\n`;
  const uri = open('skips.csv', text);
  const rows = parseDataset(text, { fileName: path.join(h.work, 'skips.csv') }).rows.slice(1);
  await settings({ inlayHints: true });
  const hints = (await h.d.conn.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range })) as InlayHint[];
  assert.equal(hints.length, rows.length + 1);
  const kind = (hint: InlayHint) => (String(hint.label).includes(RENAMED) ? 'unwritable' : /no genre above/.test(String(hint.label)) ? 'unpredicted' : 'fill');
  const kinds = hints.slice(1).map(kind);
  const count = (k: string) => kinds.filter((x) => x === k).length;
  assert.ok(count('unwritable') >= 1, `some Romance row is predicted "${RENAMED}": ${hints.map((x) => x.label).join(' / ')}`);
  const before = h.applied.length;
  const r = await h.d.conn.sendRequest(Requests.fillMissingGenres, { uri });
  t.diagnostic(JSON.stringify(r));
  assert.deepEqual(r, { rows: count('fill'), applied: count('fill') > 0, unpredicted: count('unpredicted'), unwritable: count('unwritable'), remaining: 0 });
  const edits = h.applied.length > before ? (h.applied.at(-1)!.edit.documentChanges as TextDocumentEdit[])[0].edits : [];
  assert.deepEqual(edits.map((e) => e.range.start.line), rows.filter((_, i) => kinds[i] === 'fill').map((row) => row.range.start.line));
  // The quick fix on a row it cannot write: a disabled action saying why (this client supports them), not nothing.
  const row = rows[kinds.indexOf('unwritable')];
  const actions = (await h.d.conn.sendRequest('textDocument/codeAction', {
    textDocument: { uri }, range: { start: at(row.range.start), end: at(row.range.start) }, context: { diagnostics: [] },
  })) as CodeAction[];
  assert.equal(actions.length, 1, actions.map((a) => a.title).join(' / '));
  assert.match(actions[0].title, new RegExp(`^Fill genres: .*${RENAMED}`));
  assert.deepEqual(actions[0].disabled, { reason: UNWRITABLE });
  assert.equal(actions[0].edit, undefined);
  await settings({});
});

test(`Fill Missing Genres looks at the first ${FILL_MAX_ROWS} empty rows and counts the rest`, async (t) => {
  const line = `Night Ward,${csvQuote(EMPTY.text)},`; // the same row throughout: predicted once, then remembered
  const text = `title,overview,genres\nKept,A row that keeps its genres.,Horror\n${Array.from({ length: FILL_MAX_ROWS + 3 }, () => line).join('\n')}\n`;
  const uri = open('big.csv', text);
  const before = h.applied.length;
  const r = await h.d.conn.sendRequest(Requests.fillMissingGenres, { uri });
  t.diagnostic(JSON.stringify(r));
  assert.equal(r.rows + r.unpredicted + r.unwritable, FILL_MAX_ROWS, JSON.stringify(r));
  assert.equal(r.remaining, 3);
  if (r.rows) {
    const edits = (h.applied[before].edit.documentChanges as TextDocumentEdit[])[0].edits;
    assert.equal(edits.length, FILL_MAX_ROWS);
    assert.equal(Math.max(...edits.map((e) => e.range.start.line)), FILL_MAX_ROWS + 1, 'the first rows, in file order');
  }
});

test('a JSONL row with leading blanks and no genres key gets the property appended', () => {
  const text = '{"title": "A", "overview": "x", "genres": "Drama|Comedy"}\n   {"title": "B", "overview": "y"}\n\t{"title":"C","overview":"z"}\n';
  const ds = parseDataset(text, { fileName: '/w/m.jsonl' });
  let out = text;
  for (const row of ds.rows.slice(1).reverse()) {
    const edit = genreCellEdit(text, ds, row, ['Horror', 'Thriller']);
    assert.ok(edit, `row ${row.title}`);
    out = applyCellEdit(out, edit);
  }
  assert.equal(out, '{"title": "A", "overview": "x", "genres": "Drama|Comedy"}\n   {"title": "B", "overview": "y", "genres": "Horror|Thriller"}\n' +
    '\t{"title":"C","overview":"z","genres":"Horror|Thriller"}\n');
});

// ---- without a daemon: a host whose prediction thread is a counter ------------------------------------------------------

test('fills and inlay hints predict in batches, stop when cancelled and never start a poster download; a hover may', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-fake-model-'));
  fs.writeFileSync(path.join(dir, 'manifest.json'), '{}'); // only stat'ed: the fake thread answers the load
  const manifest = { genres: [{ name: 'Horror', threshold: 0.5, booster: 'b.txt' }] } as unknown as Manifest;
  const calls = { predict: [] as number[], prefetch: [] as string[] };
  const client = {
    load: async (d: string) => ({ dir: d, manifest, pipeline: 1 }),
    predict: async (_p: number, rows: MovieRow[]) => {
      calls.predict.push(rows.length);
      return rows.map(() => ({ proba: [0.9], predicted: [true], posterNote: 'poster not downloaded (not in the cache)' }));
    },
    prefetch: async (_p: number, url: string) => {
      calls.prefetch.push(url);
      return null;
    },
    release: () => undefined,
  } as unknown as PredictClient;
  const host = new ModelHost(dir, { prefetchPosters: true, allowDownloads: true }, () => undefined, client);
  try {
    await host.start();
    assert.ok(host.model);
    const text = `title,overview,genres,poster\n${Array.from({ length: 70 }, (_, i) => `Film ${i},Text ${i},,http://127.0.0.1:9/p${i}.jpg`).join('\n')}\n`;
    const ds = parseDataset(text, { fileName: '/w/posters.csv' });
    assert.equal(ds.rows[0].poster?.kind, 'url');
    const predictions = new RowPredictions();
    const ac = new AbortController();
    const cut = await fillEdits(predictions, host, text, ds, ds.rows, ac.signal, (done) => done >= BATCH && ac.abort());
    assert.deepEqual({ predict: calls.predict, fills: cut.fills.length, skipped: cut.skipped }, { predict: [BATCH], fills: BATCH, skipped: 70 - BATCH });
    const plan = await fillEdits(predictions, host, text, ds, ds.rows);
    assert.deepEqual(calls.predict, [BATCH, BATCH, 70 - 2 * BATCH], 'the first batch remembered, the rest in batches');
    assert.deepEqual(plan.fills.map((f) => f.genres), ds.rows.map(() => ['Horror']));
    await host.predictRow(ds.rows[0]);
    assert.deepEqual(calls.prefetch, [], 'fills and quick fixes start no download');
    await host.predictRow(ds.rows[1], undefined, true, true);
    assert.deepEqual(calls.prefetch, ['http://127.0.0.1:9/p1.jpg'], 'the hover starts one');
  } finally {
    await host.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
