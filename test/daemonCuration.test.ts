// The curator's tools over LSP (real daemon, tiny USE-Lite model trained on the example with four rows' genres swapped):
// suspicious-label diagnostics and their settings, exact quick-fix edits for every genre format (from a training.json the
// test writes), reader problems as the user types. Fill Missing Genres and inlay hints: test/daemonFill.test.ts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CodeAction, Diagnostic, InlayHint, TextDocumentEdit } from 'vscode-languageserver-protocol/node';
import { parseDataset, rowAt } from '../server/engine/data';
import { issuesForRows, rowKey } from '../server/engine/labelIssues';
import type { TrainingRecordFile } from '../common/modelTypes';
import { DIAGNOSTIC_DEFAULTS, Requests } from '../common/protocol';
import { buildDaemonSettings } from '../client/settings';
import { hasEmptyGenreCell } from '../server/curation';
import { escapeMarkdown } from '../server/hover';
import { looksLikeDataset } from '../server/diagnostics';
import { diagnosticSettings, validateSettings } from '../server/settings';
import { until } from './daemonProcess';
import {
  at, csvQuote, exampleLines, FINE, fixture, FORMATS, repo, spanOf, SUSPECT, SUSPECT2, SUSPECT3, suspicious, useCurationDaemon,
} from './curationDaemon';

/** The example's rows whose genres are swapped for the training (m02 is the clearest: a wedding comedy labelled horror). */
const SWAPS: Record<string, string> = { m01: 'Comedy|Romance', m02: 'Horror|Thriller', m49: 'Animation|Comedy', m66: 'Horror' };
const h = useCurationDaemon('genre-lens-curation-', {
  prepare: (work) => {
    fs.cpSync(path.join(repo, 'examples/posters'), path.join(work, 'posters'), { recursive: true });
    fs.writeFileSync(path.join(work, 'corrupt.csv'), exampleLines((cells) => {
      const swap = SWAPS[cells[0]];
      if (!swap) return null;
      cells[cells.length - 2] = swap; // no comma in these rows' genres or posters
      return cells;
    }).join('\n'));
  },
});
const { open, change, diagnostics, settings, uriOf } = h;
let model = '';
let records: TrainingRecordFile | null = null;

test('suspicious labels from a real trained model: the swapped rows are flagged on their genre cells', async () => {
  const text = fs.readFileSync(path.join(h.work, 'corrupt.csv'), 'utf8');
  const uri = open('corrupt.csv', text);
  const r = await h.d.conn.sendRequest(Requests.train, { data: 'corrupt.csv', seed: 42, skipAblation: true });
  model = r.model.dir;
  assert.ok(fs.existsSync(path.join(model, 'training.json')), 'the model records its training rows');
  const ds = suspicious(await diagnostics(uri, (x) => suspicious(x).length > 0));
  const rows = parseDataset(text, { fileName: path.join(h.work, 'corrupt.csv') }).rows;
  // Diagnostics come most suspicious first: the top one is a swapped row (the clearest signal), on its genre cell.
  const top = ds[0];
  const row = rows.find((x) => x.range.start.line === top.range.start.line)!;
  assert.ok(row.id! in SWAPS, `the most suspicious row is a swapped one; flagged: ${ds.map((x) => rows.find((r) => r.range.start.line === x.range.start.line)?.id).join(', ')}`);
  const line = text.split('\n')[row.range.start.line];
  const cell = line.indexOf(`,${SWAPS[row.id!]},`) + 1;
  assert.deepEqual(top.range, { start: { line: row.range.start.line, character: cell }, end: { line: row.range.start.line, character: cell + SWAPS[row.id!].length } });
  assert.equal(top.source, 'Genre Lens');
  assert.equal(top.severity, 3, 'Information by default');
  assert.match(top.message as string, /^Suspicious genres \(score 0\.\d\d\): the model (doubts|expects) .*\(p 0\.\d\d\).*\. Suggested: /);
  const data = top.data as { suggested: string[]; labelled: string[] };
  assert.deepEqual(data.labelled, row.genres!.slice().sort((a, b) => r.model.genres.indexOf(a) - r.model.genres.indexOf(b)));
  assert.notDeepEqual(data.suggested, data.labelled);
});

test('the hover of a row says why (a model without posters: all from the description) and names its nearest training movies', async () => {
  const text = fs.readFileSync(path.join(h.work, 'corrupt.csv'), 'utf8');
  const uri = uriOf('corrupt.csv');
  const rows = parseDataset(text, { fileName: path.join(h.work, 'corrupt.csv') }).rows;
  let md = '', why: string[] = [];
  for (const row of rows.slice(0, 10)) { // the first row with a predicted genre
    const hover = await h.d.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: row.range.start }) as
      { contents: { value: string } } | null;
    md = hover?.contents.value ?? '';
    why = md.split('\n').filter((l) => /^- .+: description \d+% · poster \d+%$/.test(l));
    if (why.length) break;
  }
  assert.ok(why.length > 0 && md.includes('**Why**'), md);
  assert.ok(why.every((l) => l.endsWith('description 100% · poster 0%')), why.join('\n'));
  const near = md.split('**Nearest training movies**')[1]?.split('\n').filter((l) => l.startsWith('- ')) ?? [];
  assert.equal(near.length, 3, md);
  assert.ok(near.every((l) => rows.some((r) => l.startsWith(`- ${escapeMarkdown(r.title)} — line `))), near.join('\n'));
});

// ---- every genre format, from a training.json written by the test ------------------------------------------------

test('a suspicious-label quick fix writes exactly the suggestion, in the file\'s own genre format', async () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(model, 'manifest.json'), 'utf8')) as { genres: { name: string }[] };
  const genres = manifest.genres.map((g) => g.name);
  const proba = (p: Record<string, number>) => genres.map((g) => p[g] ?? 0.01);
  const record: TrainingRecordFile = {
    genres, file: path.join(h.work, 'pipe.csv'),
    thresholds: { positive: genres.map(() => 0.6), negative: genres.map(() => 0.1) },
    rows: [
      { key: rowKey(SUSPECT), line: 2, title: SUSPECT.title, labels: [genres.indexOf('Comedy')], proba: proba({ Comedy: 0.01, Horror: 0.97, Thriller: 0.95 }), split: 'train' },
      { key: rowKey(FINE), line: 3, title: FINE.title, labels: ['Horror', 'Thriller'].map((g) => genres.indexOf(g)).sort(), proba: proba({ Horror: 0.9, Thriller: 0.9 }), split: 'train' },
      { key: rowKey(SUSPECT2), line: 4, title: SUSPECT2.title, labels: [genres.indexOf('Comedy')], proba: proba({ Comedy: 0.03, Horror: 0.9 }), split: 'train' },
      { key: rowKey(SUSPECT3), line: 5, title: SUSPECT3.title, labels: [genres.indexOf('Comedy')], proba: proba({ Comedy: 0.04, Horror: 0.85 }), split: 'eval' },
    ],
  };
  fs.writeFileSync(path.join(model, 'training.json'), JSON.stringify(record));
  records = record;
  const suggested = genres.filter((g) => g === 'Horror' || g === 'Thriller');
  const [expected] = issuesForRows(parseDataset(fixture(FORMATS[0]), { fileName: path.join(h.work, 'x.csv') }).rows, record);
  for (const f of FORMATS) {
    const text = fixture(f);
    const ds = parseDataset(text, { fileName: path.join(h.work, f.file) });
    assert.deepEqual(ds.rows.map((r) => r.genres), [['Comedy'], ['Horror', 'Thriller'], null], `${f.name}: the fixture reads`);
    const uri = open(f.file, text);
    const [diag] = suspicious(await diagnostics(uri, (x) => suspicious(x).length > 0));
    assert.equal(suspicious(await diagnostics(uri)).length, 1, `${f.name}: only the suspect row`);
    assert.deepEqual(diag.range, spanOf(ds.rows[0].genresCell), `${f.name}: on the genre cell`);
    assert.equal(diag.message, `Suspicious genres (score ${expected.issue.score.toFixed(2)}): the model doubts Comedy (p 0.01) and expects ` +
      `Horror (p 0.97), Thriller (p 0.95). Suggested: ${suggested.join(', ')}`);
    assert.deepEqual(diag.data, { suggested, labelled: ['Comedy'], score: expected.issue.score, key: rowKey(SUSPECT) });
    const actions = (await h.d.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] },
    })) as CodeAction[];
    const fix = actions.find((a) => a.title.startsWith('Replace genres'));
    assert.ok(fix, `${f.name}: a replace action among ${actions.map((a) => a.title).join(' / ')}`);
    assert.equal(fix.title, `Replace genres with the suggestion: ${suggested.join(', ')}`);
    assert.equal(fix.kind, 'quickfix');
    const [docEdit] = fix.edit!.documentChanges as TextDocumentEdit[];
    assert.deepEqual(docEdit.textDocument, { uri, version: 1 });
    assert.deepEqual(docEdit.edits, [{ range: spanOf(ds.rows[0].genresCell), newText: f.cell(suggested) }], f.name);
  }
});

test('a fill quick fix on a row with an empty genre cell writes the predicted genres in the file\'s format', async () => {
  for (const f of FORMATS) {
    const uri = uriOf(f.file);
    const ds = parseDataset(fixture(f), { fileName: path.join(h.work, f.file) });
    const empty = ds.rows[2];
    const actions = (await h.d.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri }, range: { start: at(empty.range.start), end: at(empty.range.start) }, context: { diagnostics: [] },
    })) as CodeAction[];
    assert.equal(actions.length, 1, `${f.name}: ${actions.map((a) => a.title).join(' / ')}`);
    const m = /^Fill genres: (.+)$/.exec(actions[0].title);
    assert.ok(m, actions[0].title);
    const predicted = m[1].split(', ');
    const [docEdit] = actions[0].edit!.documentChanges as TextDocumentEdit[];
    assert.deepEqual(docEdit.edits, [{ range: spanOf(empty.genresCell), newText: f.cell(predicted) }], f.name);
    // A row that has genres gets no fill.
    const none = (await h.d.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri }, range: { start: at(ds.rows[1].range.start), end: at(ds.rows[1].range.start) }, context: { diagnostics: [] },
    })) as CodeAction[];
    assert.deepEqual(none, []);
  }
});

test('the settings: severity, the cap per file (with a count of the rest), maxRows and off', async () => {
  assert.ok(records, 'the training.json of the previous test');
  const rowsOf = [SUSPECT3, FINE, SUSPECT, SUSPECT2];
  const text = `title,overview,genres\n${rowsOf.map((r) => `${r.title},${csvQuote(r.text)},${r === FINE ? 'Horror|Thriller' : 'Comedy'}`).join('\n')}\n`;
  const uri = open('many.csv', text);
  const all = suspicious(await diagnostics(uri, (x) => suspicious(x).length === 3));
  const expected = issuesForRows(parseDataset(text, { fileName: path.join(h.work, 'many.csv') }).rows, records);
  assert.deepEqual(all.map((x) => x.range.start.line), expected.map((e) => e.row.range.start.line), 'most suspicious first');
  assert.deepEqual(all.map((x) => x.range.start.line).sort(), [1, 3, 4]);
  await settings({ diagnostics: { suspiciousLabels: 'warning', maxPerFile: 2 } });
  const capped = await diagnostics(uri, (x) => suspicious(x).length === 2);
  assert.deepEqual(suspicious(capped).map((x) => x.range.start.line), expected.slice(0, 2).map((e) => e.row.range.start.line));
  assert.ok(suspicious(capped).every((x) => x.severity === 2));
  assert.equal(capped.find((y) => y.code === 'suspicious-labels-capped')?.message, '1 more suspicious row is not shown: genreLens.diagnostics.maxPerFile is 2');
  await settings({ diagnostics: { maxRows: 3 } });
  await diagnostics(uri, (x) => x.length === 0);
  await settings({ diagnostics: { maxRows: 4, suspiciousLabels: 'off' } });
  await diagnostics(uri, (x) => x.length === 0);
  await settings({ diagnostics: { suspiciousLabels: 'hint', maxPerFile: 'many' } }); // a bad value: its default (100), with a warning
  const hints = await diagnostics(uri, (x) => suspicious(x).length === 3 && x.every((y) => y.severity === 4));
  assert.equal(hints.length, 3);
  await settings({});
  await diagnostics(uri, (x) => suspicious(x).length === 3 && x.every((y) => y.severity === 3));
});

test('a suggestion is not offered once the row\'s genres were edited', async () => {
  const f = FORMATS[0];
  const uri = uriOf(f.file);
  const [diag] = suspicious(await diagnostics(uri));
  const version = change(uri, f.text(f.cell(['Drama']), f.cell(['Horror', 'Thriller']), f.empty));
  await diagnostics(uri, (x) => suspicious(x).length === 0, version); // no record for the row with its new genres
  const actions = (await h.d.conn.sendRequest('textDocument/codeAction', {
    textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] },
  })) as CodeAction[];
  assert.equal(actions.filter((a) => a.title.startsWith('Replace')).length, 0);
});

test('a suggestion is not offered for another row that now stands where it was (same genres, other row key)', async () => {
  const text = (above: string) => `title,overview,genres\n${above}${SUSPECT.title},${csvQuote(SUSPECT.text)},Comedy\n`;
  const uri = open('shift.csv', text(''));
  const [diag] = suspicious(await diagnostics(uri, (x) => suspicious(x).length === 1));
  const replaces = async (d: Diagnostic) => ((await h.d.conn.sendRequest('textDocument/codeAction', {
    textDocument: { uri }, range: d.range, context: { diagnostics: [d] },
  })) as CodeAction[]).filter((a) => a.title.startsWith('Replace genres'));
  assert.equal((await replaces(diag)).length, 1, 'offered on the row it was computed for');
  // A row with the same genres (and a longer line) is inserted above: the stale diagnostic's range now lies on that row.
  const other = 'Two sisters run a bakery by the sea, trade jokes with the fishermen and bake a cake so large that the whole town ' +
    'has to help carry it to the harbour festival.';
  const version = change(uri, text(`Quiet Meadow,${csvQuote(other)},Comedy\n`));
  const [moved] = suspicious(await diagnostics(uri, (x) => suspicious(x).length === 1, version));
  assert.equal(moved.range.start.line, diag.range.start.line + 1, 'the suspect row moved down one line');
  const now = parseDataset(text(`Quiet Meadow,${csvQuote(other)},Comedy\n`), { fileName: path.join(h.work, 'shift.csv') });
  assert.equal(rowAt(now, diag.range.start)?.title, 'Quiet Meadow', 'the stale range is on the inserted row');
  assert.deepEqual(await replaces(diag), [], 'not offered for the inserted row');
  assert.equal((await replaces(moved)).length, 1, 'still offered for the suspect row at its new place');
});

test('reader problems become diagnostics at their location and clear when fixed', async () => {
  const good = 'title,overview,genres\nA,"fine text",Comedy\nB,"more text",Drama\n';
  const uri = open('broken.csv', 'title,overview,genres\nA,"fine text",Comedy\nB,"bad "quote here,Drama\n');
  const [problem] = await diagnostics(uri, (x) => x.length > 0);
  assert.equal(problem.source, 'Genre Lens');
  assert.equal(problem.severity, 1);
  assert.equal(problem.range.start.line, 2);
  assert.match(problem.message as string, /quot/);
  const version = change(uri, good);
  assert.deepEqual(await diagnostics(uri, undefined, version), []);
  const jsonl = open('rows.jsonl', '{"title":"A","overview":"x","genres":["Comedy"]}\n{"title":"B","overview": oops}\n');
  const [bad] = await diagnostics(jsonl, (x) => x.length > 0);
  assert.equal(bad.range.start.line, 1);
  assert.equal(bad.code, 'dataset-error');
  assert.deepEqual(await diagnostics(jsonl, undefined, change(jsonl, '{"title":"A","overview":"x","genres":["Comedy"]}\n')), []);
  // A JSON file that is not a movie dataset gets none; closing a document clears its diagnostics.
  const other = open('package.json', '{"name": "x", "version": "1.0.0"}');
  assert.deepEqual(await diagnostics(other), []);
  const again = change(uri, 'title,overview,genres\nA,"x"y,Comedy\n');
  await diagnostics(uri, (x) => x.length > 0, again);
  void h.d.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  await diagnostics(uri, (x) => x.length === 0);
});

test('malformed code-action and inlay-hint params get nothing, not an error', async () => {
  const uri = uriOf('many.csv');
  await settings({ inlayHints: true });
  assert.equal((await h.d.conn.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } } }) as InlayHint[]).length, 4);
  for (const params of [{}, { textDocument: { uri } }, { textDocument: { uri }, range: { start: 'x', end: null } },
    { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } }, context: { diagnostics: 'no', only: 7 } },
    { textDocument: { uri }, range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } },
      context: { diagnostics: [{ source: 'Genre Lens', code: 'suspicious-label', range: { start: { line: 1, character: 0 } }, data: { suggested: [1], labelled: 'x' } }, null] } }]) {
    assert.deepEqual(await h.d.conn.sendRequest('textDocument/codeAction', params), [], JSON.stringify(params));
    if (typeof (params as { range?: { start?: unknown } }).range?.start !== 'object') assert.deepEqual(await h.d.conn.sendRequest('textDocument/inlayHint', params), []);
  }
});

// ---- pure parts: settings on both sides, and what counts as an empty genre cell or a dataset --------------------------

test('genreLens.diagnostics.* and genreLens.inlayHints: validated one by one, a bad value named with its default', () => {
  assert.deepEqual(validateSettings({ diagnostics: { suspiciousLabels: 'warning', maxPerFile: 5, maxRows: 10, datasetProblems: false }, inlayHints: true }),
    { settings: { diagnostics: { suspiciousLabels: 'warning', maxPerFile: 5, maxRows: 10, datasetProblems: false }, inlayHints: true }, warnings: [] });
  const bad = validateSettings({ diagnostics: { suspiciousLabels: 'loud', maxPerFile: -1, maxRows: 1.5, datasetProblems: 'yes' }, inlayHints: 'on' });
  assert.deepEqual(bad.warnings, [
    'genreLens.inlayHints: expected true or false; using false',
    'genreLens.diagnostics.suspiciousLabels: expected one of information, warning, hint, off; using information',
    'genreLens.diagnostics.maxPerFile: expected an integer from 0 to 100000; using 100',
    'genreLens.diagnostics.maxRows: expected an integer from 0 to 10000000; using 50000',
    'genreLens.diagnostics.datasetProblems: expected true or false; using true',
  ]);
  assert.deepEqual(diagnosticSettings(bad.settings), DIAGNOSTIC_DEFAULTS);
  assert.deepEqual(validateSettings({ diagnostics: 'all' }).warnings,
    ['genreLens.diagnostics: expected an object (suspiciousLabels, maxPerFile, maxRows, datasetProblems); using the defaults']);
  const sent = buildDaemonSettings((k) => ({ 'diagnostics.maxPerFile': { defaultValue: 100, workspaceValue: 7 }, inlayHints: { defaultValue: false, globalValue: true } })[k],
    { trusted: true, env: {}, defaultCache: '/c' });
  assert.deepEqual(sent.diagnostics, { maxPerFile: 7 });
  assert.equal(sent.inlayHints, true);
  assert.equal(buildDaemonSettings(() => undefined, { trusted: true, env: {}, defaultCache: '/c' }).diagnostics, undefined);
  const contributed = (JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { default: unknown }> } } })
    .contributes.configuration.properties;
  for (const [key, value] of Object.entries(DIAGNOSTIC_DEFAULTS)) assert.equal(contributed[`genreLens.diagnostics.${key}`].default, value, key);
  assert.equal(contributed['genreLens.inlayHints'].default, false);
});

test('empty genre cells, in every format; fatal reader errors only for files that look like movie datasets', () => {
  const cases: [string, string, boolean[]][] = [
    ['m.csv', 'title,overview,genres\nA,x,\nB,y,""\nC,z,[]\nD,w,"[]"\nE,v,Drama\nF,u,[broken\n', [true, true, true, true, false, false]],
    ['m.json', '[{"title":"A","overview":"x","genres":null},{"title":"B","overview":"y"},{"title":"C","overview":"z","genres":["Drama"]},' +
      '{"title":"D","overview":"w","genres":""}]', [true, true, false, true]],
  ];
  for (const [file, text, want] of cases) {
    const ds = parseDataset(text, { fileName: `/w/${file}` });
    assert.deepEqual(ds.rows.map((r) => hasEmptyGenreCell(text, ds, r)), want, file);
  }
  const noGenres = parseDataset('title,overview\nA,x\n', { fileName: '/w/n.csv' });
  assert.equal(hasEmptyGenreCell('title,overview\nA,x\n', noGenres, noGenres.rows[0]), false);
  assert.equal(looksLikeDataset('title,"Overview",genres\nA,"bad "q,x\n', 'csv'), true);
  assert.equal(looksLikeDataset('x,y\n1,2\n', 'csv'), false);
  assert.equal(looksLikeDataset('x,plot2\n1,2\n', 'csv', 'plot2'), true);
  assert.equal(looksLikeDataset('{"name": "x", "description": "y"}', 'json'), false);
  assert.equal(looksLikeDataset('[{"title": "x", "overview": ', 'json'), true);
  assert.equal(looksLikeDataset('{"title": "x", "plot": "y"}\n{bad', 'jsonl'), true);
});

test('in Restricted Mode Fill Missing Genres is refused and says why; diagnostics come back once the new host serves the model', async () => {
  const uri = uriOf('many.csv');
  const seen = h.published.get(uri)!.length;
  await settings({ trusted: false }); // a new model host: it serves nothing until it has loaded the model again
  await assert.rejects(h.d.conn.sendRequest(Requests.fillMissingGenres, { uri: uriOf('fill.csv') }), /Restricted Mode/);
  await until(() => h.published.get(uri)!.slice(seen).some((p) => suspicious(p.diagnostics).length === 3) &&
    suspicious(h.published.get(uri)!.at(-1)!.diagnostics).length === 3, 'suspicious labels after the host was replaced');
});
