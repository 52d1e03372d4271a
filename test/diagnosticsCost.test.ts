// What live diagnostics (server/diagnostics.ts) redo on each edit, counted rather than timed: poster files checked once
// per path until POSTER_TTL_MS passes or a document is saved, row keys hashed only for rows an edit touched, the
// training.json index built once, JSON files that are not datasets left unparsed, the debounce growing with size; and
// hasEmptyGenreCell reading spans of a document whose text starts with a BOM.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from 'vscode-languageserver/node';
import { parseDataset } from '../server/engine/data';
import { confidentThresholds, issuesForRows, labelIndices, rowKey } from '../server/engine/labelIssues';
import type { TrainingRecordFile } from '../common/modelTypes';
import { DocumentDatasets } from '../server/documents';
import { DatasetDiagnostics, DEBOUNCE_MS, debounceFor, MAX_DEBOUNCE_MS, POSTER_TTL_MS } from '../server/diagnostics';
import { hasEmptyGenreCell } from '../server/curation';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-diag-cost-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

type Listener = (e: { document: TextDocument }) => void;

/** A DatasetDiagnostics over one open document, with counted poster checks, parses and a clock the test moves. */
function harness(text: string, name = 'movies.csv', record: TrainingRecordFile | null = null) {
  const listeners: Record<string, Listener[]> = {};
  const on = (kind: string) => (f: Listener) => ((listeners[kind] ??= []).push(f), { dispose: () => undefined });
  let doc = TextDocument.create(pathToFileURL(path.join(dir, name)).href, name.endsWith('.csv') ? 'csv' : 'json', 1, text);
  const documents = { onDidChangeContent: on('change'), onDidClose: on('close'), onDidSave: on('save'), all: () => [doc], get: () => doc };
  const real = new DocumentDatasets(() => ({}), () => undefined);
  const counts = { posterChecks: 0, parses: 0 };
  const parsed = { get: (d: TextDocument) => (counts.parses++, real.get(d)) };
  const model = path.join(dir, 'model');
  fs.mkdirSync(model, { recursive: true });
  fs.writeFileSync(path.join(model, 'training.json'), '{}'); // stamped; its content comes from readRecord
  let now = 1000;
  const ctx = { connection: { sendDiagnostics: async () => undefined }, documents, parsed, settings: () => ({}), log: () => undefined,
    host: () => (record ? { model: { dir: model, manifest: { dataset: { columns: {} } } } } : undefined) };
  const diagnostics = new DatasetDiagnostics(ctx as never, {
    posterProblem: (file) => (counts.posterChecks++, fs.existsSync(file) ? null : `poster file not found: ${file}`),
    readRecord: () => record, now: () => now,
  });
  return {
    diagnostics, counts,
    compute: async (): Promise<Diagnostic[]> => (await diagnostics.compute(doc)) ?? assert.fail('the document changed while it was parsed'),
    edit: (next: string) => (doc = TextDocument.create(doc.uri, doc.languageId, doc.version + 1, next)),
    advance: (ms: number) => (now += ms),
    save: () => listeners.save?.forEach((f) => f({ document: doc })),
  };
}

test('diagnostics cost: poster files are checked once per path across edits, again after the TTL or a save', async () => {
  fs.writeFileSync(path.join(dir, 'a.jpg'), 'x');
  const text = 'title,overview,genres,poster\nA,x,Drama,a.jpg\nB,y,Drama,gone.jpg\nC,z,Drama,a.jpg\n';
  const h = harness(text);
  const missing = (ds: Diagnostic[]) => ds.filter((d) => d.code === 'poster-missing').map((d) => d.range.start.line);
  assert.deepEqual(missing(await h.compute()), [2]);
  assert.equal(h.counts.posterChecks, 2, 'two distinct paths');
  h.edit(text.replace('x,', 'xx,'));
  assert.deepEqual(missing(await h.compute()), [2]);
  assert.equal(h.counts.posterChecks, 2, 'a new version reuses the checks');
  h.advance(POSTER_TTL_MS);
  h.edit(text);
  await h.compute();
  assert.equal(h.counts.posterChecks, 4, 'checked again once the TTL passed');
  h.edit(text.replace('x,', 'xy,'));
  h.save();
  fs.writeFileSync(path.join(dir, 'gone.jpg'), 'x');
  assert.deepEqual(missing(await h.compute()), [], 'a save drops the checks: the poster added meanwhile is found');
  assert.equal(h.counts.posterChecks, 6);
});

/** A training.json for `text`'s rows: every row recorded with its labels, `flip`ped rows' probabilities inverted. */
function recordOf(text: string, flip: (i: number) => boolean): TrainingRecordFile {
  const ds = parseDataset(text, { fileName: path.join(dir, 'movies.csv') });
  const genres = ds.genres.map((g) => g.name);
  const rows = ds.rows.map((r, i) => {
    const labels = labelIndices(genres, r) ?? [];
    const proba = genres.map((_, g) => (labels.includes(g) !== flip(i) ? 0.9 : 0.02));
    return { key: rowKey(r), line: r.range.start.line + 1, title: r.title, labels, proba, split: 'train' as const };
  });
  return { genres, file: ds.file, thresholds: confidentThresholds(genres.length, rows), rows };
}

test('diagnostics cost: row keys are hashed only for edited rows, the record indexed once; issues as issuesForRows', async () => {
  const genres = ['Drama', 'Comedy', 'Horror', 'Action'];
  const lines = Array.from({ length: 40 }, (_, i) => `M${i},plot number ${i},${genres[i % 4]}|${genres[(i + 1) % 4]}`);
  const text = ['title,overview,genres', ...lines, ''].join('\n');
  const record = recordOf(text, (i) => i % 10 === 3);
  const h = harness(text, 'movies.csv', record);
  const suspicious = (ds: Diagnostic[]) => ds.filter((d) => d.code === 'suspicious-label').map((d) => `${d.range.start.line}:${d.message}`);
  const expected = (t: string) => issuesForRows(parseDataset(t, { fileName: path.join(dir, 'movies.csv') }).rows, record)
    .map(({ row, issue }) => `${row.genresCell!.start.line}:${issue.score.toFixed(2)}`);
  const first = suspicious(await h.compute());
  assert.equal(first.length, 4);
  assert.deepEqual(first.map((s) => s.replace(/:Suspicious genres \(score ([\d.]+)\).*/, ':$1')), expected(text));
  assert.equal(h.diagnostics.counters.keysHashed, 40);

  h.edit(text.replace('plot number 5,', 'plot number five,'));
  assert.deepEqual(suspicious(await h.compute()), first, 'row 5 is not suspicious, and no longer recorded');
  assert.equal(h.diagnostics.counters.keysHashed, 41, 'only the edited row is hashed again');

  const inserted = text.replace('title,overview,genres\n', 'title,overview,genres\nNew,a new plot,Drama\n');
  h.edit(inserted);
  const shifted = suspicious(await h.compute());
  assert.deepEqual(shifted.map((s) => Number(s.split(':')[0])), first.map((s) => Number(s.split(':')[0]) + 1), 'same rows, one line down');
  assert.equal(h.diagnostics.counters.keysHashed, 42 + 1, 'the new row, and row 5 whose text changed back');
  assert.equal(h.diagnostics.counters.recordIndexes, 1);
  assert.equal(h.counts.parses, 3);
});

test('diagnostics cost: a JSON file that is not a dataset is not parsed; a JSON dataset is', async () => {
  const config = harness('{ "name": "x", "version": "1.0.0", "dependencies": {} }', 'package.json');
  assert.deepEqual(await config.compute(), []);
  assert.equal(config.counts.parses, 0);
  const data = harness('[{"title": "A", "overview": "x", "genres": "Drama", "poster": "nope.jpg"}]', 'movies.json');
  assert.deepEqual((await data.compute()).map((d) => d.code), ['poster-missing']);
  assert.equal(data.counts.parses, 1);
});

test('diagnostics cost: the debounce grows with the document, 250 ms up to 1 MB, at most 2 s', () => {
  const MB = 1024 * 1024;
  assert.equal(debounceFor(0), DEBOUNCE_MS);
  assert.equal(debounceFor(MB), DEBOUNCE_MS);
  assert.ok(debounceFor(5 * MB) > DEBOUNCE_MS && debounceFor(5 * MB) < debounceFor(10 * MB));
  assert.equal(debounceFor(64 * MB), MAX_DEBOUNCE_MS);
  assert.equal(MAX_DEBOUNCE_MS, 2000);
});

test('hasEmptyGenreCell: spans are read past a leading BOM', () => {
  for (const bom of ['', '\uFEFF']) {
    const text = `${bom}title,overview,genres\nA,x,""\nB,y,Drama\nC,z,[]\n`;
    const ds = parseDataset(text, { fileName: 'm.csv' });
    assert.deepEqual(ds.rows.map((r) => hasEmptyGenreCell(text, ds, r)), [true, false, true], JSON.stringify(bom));
  }
});
