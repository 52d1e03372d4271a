// When the extension starts the daemon for an open document (client/datasetSniff.ts): CSV/TSV/JSONL always, a JSON
// document only when its first 64 KB look like a movie dataset, never a document that is not a file (git:, output:).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { documentHead, firstRows, looksLikeMovieDataset, SNIFF_ALIASES, SNIFF_LIMIT, wantsDaemon } from '../client/datasetSniff';
import { COLUMN_ALIASES } from '../server/engine/data';

const repo = path.resolve(__dirname, '..');
const doc = (p: string, languageId: string, text = '', scheme = 'file') => ({ scheme, path: p, languageId, head: () => text });

test('the sniffer knows the same column names as the daemon', () => {
  for (const role of ['title', 'text', 'genres'] as const) assert.deepEqual(SNIFF_ALIASES[role], COLUMN_ALIASES[role], role);
});

test('the bundled JSON example looks like a movie dataset; package.json, settings and other JSON do not', () => {
  assert.equal(looksLikeMovieDataset(fs.readFileSync(path.join(repo, 'examples/movies.json'), 'utf8')), true);
  assert.equal(looksLikeMovieDataset(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')), false);
  assert.equal(looksLikeMovieDataset(fs.readFileSync(path.join(repo, 'tsconfig.json'), 'utf8')), false);
  assert.equal(looksLikeMovieDataset('{"editor.fontSize": 14}'), false);
  assert.equal(looksLikeMovieDataset('[1, 2, 3]'), false);
  assert.equal(looksLikeMovieDataset('[{"name": "eslint", "version": "9"}]'), false, 'a title-like key alone is not enough');
  assert.equal(looksLikeMovieDataset('[{"description": "a package", "version": "9"}]'), false, 'nor a text-like key alone');
  assert.equal(looksLikeMovieDataset('{"movies": [{"title": "A", "overview": "B"}]}'), false, 'the daemon reads only a top-level array');
  assert.equal(looksLikeMovieDataset(''), false);
  assert.equal(looksLikeMovieDataset('not json at all'), false);
});

test('keys match like the daemon\'s (trimmed, any case), and genreLens.columns names count', () => {
  assert.equal(looksLikeMovieDataset('\uFEFF [{" Overview ": "x", "GENRES": "Drama"}]'), true);
  assert.equal(looksLikeMovieDataset('[{"tagline": "x", "kind": "Drama"}]'), false);
  assert.equal(looksLikeMovieDataset('[{"tagline": "x", "kind": "Drama"}]', { text: 'Tagline', genres: 'kind' }), true);
  assert.equal(looksLikeMovieDataset('[{"tagline": "x", "title": "T"}]', { text: 'tagline', poster: null }), true);
});

test('only the first 64 KB are read: a huge array is judged by the rows that close inside them', () => {
  const row = { title: 'A "quoted" [title] {with} brackets', overview: 'x'.repeat(1000), genres: ['Drama'] };
  const huge = `[\n${Array.from({ length: 5000 }, () => JSON.stringify(row)).join(',\n')}\n]`;
  assert.ok(huge.length > 50 * SNIFF_LIMIT);
  const rows = firstRows(huge);
  assert.equal(rows?.length, 20, 'at most 20 rows are parsed');
  assert.deepEqual(rows?.[0], row);
  assert.equal(looksLikeMovieDataset(huge), true);
  // A first row longer than the limit never closes inside it: not judged a dataset (and nothing throws).
  const long = `[${JSON.stringify({ ...row, overview: 'y'.repeat(SNIFF_LIMIT) })}]`;
  assert.equal(firstRows(long), null);
  assert.equal(looksLikeMovieDataset(long), false);
  // Broken JSON before the first closing row is not a dataset either.
  assert.equal(looksLikeMovieDataset('[{"title": "A", "overview": x}]'), false);
});

test('documentHead reads lines until the limit, not the whole document', () => {
  let read = 0;
  const lines = Array.from({ length: 100_000 }, (_, i) => `line ${i}`);
  const head = documentHead({ lineCount: lines.length, lineAt: (i) => (read++, { text: lines[i] }) }, 100);
  assert.equal(head, lines.join('\n').slice(0, 100));
  assert.ok(read < 20, `${read} lines read`);
});

test('CSV, TSV and JSONL documents want the daemon; JSON only when it is a dataset; only file and untitled documents', () => {
  assert.equal(wantsDaemon(doc('/w/movies.csv', 'csv')), true);
  assert.equal(wantsDaemon(doc('/w/movies.tsv', 'plaintext')), true, 'by extension whatever the language mode');
  assert.equal(wantsDaemon(doc('/w/movies.jsonl', 'jsonl')), true);
  assert.equal(wantsDaemon(doc('/w/m.ndjson', 'plaintext')), true);
  assert.equal(wantsDaemon(doc('Untitled-1', 'csv', '', 'untitled')), true);
  assert.equal(wantsDaemon(doc('/w/movies.csv', 'csv', '', 'git')), false);
  assert.equal(wantsDaemon(doc('/w/notes.md', 'markdown')), false);
  let sniffed = false;
  assert.equal(wantsDaemon({ scheme: 'file', path: '/w/notes.txt', languageId: 'plaintext', head: () => (sniffed = true, '') }), false);
  assert.equal(sniffed, false, 'a document that is not JSON is not read');
  assert.equal(wantsDaemon(doc('/w/package.json', 'json', '{"name": "x", "description": "y"}')), false);
  assert.equal(wantsDaemon(doc('/w/movies.json', 'json', '[{"title": "A", "overview": "B", "genres": "Drama"}]')), true);
  assert.equal(wantsDaemon(doc('/w/data.json', 'jsonc', '[{"title": "A", "plot": "B"}]')), true, 'a .json file in another JSON mode');
});
