// Unit tests of the first-run helpers (client/firstRun.ts): copying the bundled example never overwrites anything and
// keeps the posters beside the CSV; the context keys follow the model state; only a prediction hover counts as one.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyExample, EXAMPLE_FOLDER, isPredictionHover, modelContext } from '../client/firstRun';
import { renderError, renderNoModel } from '../server/hover';

const examples = path.resolve(__dirname, '..', 'examples');

test('the example is copied into a new folder with its posters, and a second copy takes the next free name', (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-example-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const first = copyExample(examples, root);
  assert.equal(first.dir, path.join(root, EXAMPLE_FOLDER));
  assert.deepEqual(fs.readFileSync(first.csv), fs.readFileSync(path.join(examples, 'movies.csv')));
  // The posters are copied beside it, so the CSV's relative paths find them (the example names one missing poster on purpose).
  assert.deepEqual(fs.readdirSync(path.join(first.dir, 'posters')).sort(), fs.readdirSync(path.join(examples, 'posters')).sort());
  const named = [...fs.readFileSync(first.csv, 'utf8').matchAll(/,(posters\/[\w-]+\.png)\r?\n/g)].map((m) => m[1]);
  assert.ok(named.filter((p) => fs.existsSync(path.join(first.dir, p))).length > 10, `posters found: ${named.length}`);
  // The user's own files: a folder, and a plain file, by the next names. Neither is touched.
  fs.writeFileSync(path.join(first.dir, 'movies.csv'), 'mine\n');
  fs.writeFileSync(path.join(root, `${EXAMPLE_FOLDER}-2`), 'a file\n');
  const second = copyExample(examples, root);
  assert.equal(second.dir, path.join(root, `${EXAMPLE_FOLDER}-3`));
  assert.equal(fs.readFileSync(path.join(first.dir, 'movies.csv'), 'utf8'), 'mine\n');
  assert.equal(fs.readFileSync(path.join(root, `${EXAMPLE_FOLDER}-2`), 'utf8'), 'a file\n');
});

test('copying into something that is not a folder fails without writing', (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-example-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const file = path.join(root, 'file');
  fs.writeFileSync(file, 'x');
  assert.throws(() => copyExample(examples, file), /is not a folder/);
  assert.deepEqual(fs.readdirSync(root), ['file']);
});

test('the context keys follow the model state', () => {
  const model = { dir: '/w/m', createdAt: '', dataset: '/w/movies.csv', genres: ['A'], microF1: 0.5, macroF1: 0.5, samplesF1: 0.5, evalRows: 1,
    encoders: { text: { id: 't', fallback: false }, image: null } };
  const keys = (s: Parameters<typeof modelContext>[0]) => Object.entries(modelContext(s)).filter(([, v]) => v).map(([k]) => k);
  assert.deepEqual(keys({ state: 'none', store: '/w/.genre-lens' }), []);
  assert.deepEqual(keys({ state: 'training', percent: 5, phase: 'encoding', model: null }), ['genreLens.training']);
  assert.deepEqual(keys({ state: 'training', percent: 5, phase: 'encoding', model }), ['genreLens.hasModel', 'genreLens.training']);
  assert.deepEqual(keys({ state: 'ready', model }), ['genreLens.hasModel']);
  assert.deepEqual(keys({ state: 'ready', model, comparison: { percent: 1, phase: 'comparing' } }), ['genreLens.hasModel', 'genreLens.training']);
  assert.deepEqual(keys({ state: 'error', message: 'x', model: null }), []);
  assert.deepEqual(keys({ state: 'error', message: 'x', model }), ['genreLens.hasModel']);
});

test('only a hover with predicted genres completes the walkthrough step, whatever the title says', () => {
  assert.equal(isPredictionHover('**Pickle Barrel Wedding** — predicted genres\n\nPredicted: **Comedy**'), true);
  assert.equal(isPredictionHover(renderNoModel(null)), false);
  assert.equal(isPredictionHover(renderNoModel('boom', false)), false);
  assert.equal(isPredictionHover(renderError('**x** — predicted genres')), false);
});
