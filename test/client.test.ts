// Unit tests of what the extension does without VS Code: status-bar texts, the never-overwrite predictions file
// name, the hover's Markdown (escaping untrusted data text) and the training progress percentages.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { predictionsPath, statusText } from '../client/format';
import { buildDaemonSettings } from '../client/settings';
import { escapeMarkdown, renderError, renderNoModel, renderPrediction } from '../server/hover';
import { comparisonPercent, percentOf, progressMessage } from '../server/jobs';
import type { MovieRow } from '../server/engine/data';

const model = { dir: '/w/.genre-lens/models/x', createdAt: '2026-01-01T00:00:00Z', dataset: '/w/movies.csv', genres: ['A', 'B'],
  microF1: 0.6789, macroF1: 0.5, samplesF1: 0.6, evalRows: 10,
  encoders: { text: { id: 'Xenova/all-MiniLM-L6-v2', fallback: false }, image: { id: 'mobilenetv2-imagenet-int8-onnx', fallback: false } } };

test('status bar text follows the model state', () => {
  assert.match(statusText({ state: 'none', store: '/w/.genre-lens' }).text, /no model/);
  assert.equal(statusText({ state: 'training', percent: 42, phase: 'training', model: null }).text, '$(sync~spin) Genre: training 42%');
  assert.equal(statusText({ state: 'ready', model }).text, '$(check) Genre: micro-F1 0.68');
  assert.match(statusText({ state: 'ready', model }).tooltip, /movies\.csv \(2 genres, micro-F1 0\.679/);
  assert.equal(statusText({ state: 'error', message: 'boom', model: null }).tooltip, 'boom');
  assert.equal(statusText({ state: 'ready', model }).warning, false);
});

test('a model served while its comparison runs: a spinning status with the comparison percent, a tooltip saying how to stop it', () => {
  const s = statusText({ state: 'ready', model, comparison: { percent: 40, phase: 'comparing text-only and poster-only models 30/76' } });
  assert.equal(s.text, '$(sync~spin) Genre: micro-F1 0.68 · comparing 40%');
  assert.match(s.tooltip, /^The model is ready and answers hovers; its text-only\/poster-only comparison is running \(comparing text-only and poster-only models 30\/76\)/);
  assert.match(s.tooltip, /Cancel Training" stops the comparison and keeps the model/);
  assert.match(s.tooltip, /movies\.csv \(2 genres/);
});

test('a model trained with a fallback encoder gets a warning look and a tooltip saying which and how to fix it', () => {
  const fellBack = { ...model, encoders: { text: { id: 'universal-sentence-encoder-lite', fallback: true }, image: null } };
  const s = statusText({ state: 'ready', model: fellBack });
  assert.equal(s.text, '$(warning) Genre: micro-F1 0.68');
  assert.equal(s.warning, true);
  assert.match(s.tooltip, /bundled text encoder universal-sentence-encoder-lite instead of all-MiniLM-L6-v2/);
  assert.match(s.tooltip, /genreLens\.downloadModels.*genreLens\.modelsDirectory/s);
  assert.match(s.tooltip, /movies\.csv \(2 genres/, 'the usual tooltip follows');
  const image = { ...model, encoders: { text: model.encoders.text, image: { id: 'nsfwjs-mobilenetv2', fallback: true } } };
  assert.match(statusText({ state: 'ready', model: image }).tooltip, /poster encoder nsfwjs-mobilenetv2 instead of ImageNet MobileNetV2/);
  assert.doesNotMatch(statusText({ state: 'ready', model: image }).tooltip, /text encoder/);
});

test('predictions go to a new file beside the data, never over an existing one', () => {
  const taken = new Set(['/d/movies.predictions.csv', '/d/movies.predictions-2.csv']);
  assert.equal(predictionsPath('/d/movies.csv', (p) => taken.has(p)), '/d/movies.predictions-3.csv');
  assert.equal(predictionsPath('/d/movies.json', () => false), '/d/movies.predictions.json');
  assert.equal(predictionsPath('/d/movies.jsonl', () => false), '/d/movies.predictions.csv');
});

test('hover Markdown escapes data text and marks thresholds and agreement', () => {
  assert.equal(escapeMarkdown('<img src=x onerror=alert(1)> *b* [l](command:x)'),
    '&lt;img src=x onerror=alert\\(1\\)&gt; \\*b\\* \\[l\\]\\(command:x\\)');
  const row: MovieRow = { index: 0, title: 'Night <Shift>', text: 'x', genres: ['Horror', 'Drama'], poster: null,
    range: { file: 'f', start: { line: 1, character: 0, offset: 10 }, end: { line: 1, character: 5, offset: 15 } } };
  const md = renderPrediction(row, { posterNote: 'no poster given', genres: [
    { name: 'Horror', probability: 0.8, threshold: 0.3, predicted: true, trained: true },
    { name: 'Comedy', probability: 0.4, threshold: 0.35, predicted: true, trained: true },
    { name: 'Drama', probability: 0.1, threshold: 0.4, predicted: false, trained: true },
  ] }, 'm');
  assert.match(md, /^\*\*Night &lt;Shift&gt;\*\*/);
  assert.match(md, /Predicted: \*\*Horror, Comedy\*\*/);
  const lines = md.split('\n');
  assert.ok(lines.findIndex((l) => l.includes('Horror') && l.includes('80.0%')) < lines.findIndex((l) => l.includes('Comedy') && l.includes('40.0%')), 'sorted by probability');
  assert.match(md, /\*\*Horror\*\* \| 80\.0% \| `████████░░` \| ≥ 0\.30 \| ✓ agrees/);
  assert.match(md, /\*\*Comedy\*\* \| 40\.0% .*\| ✗ not labelled/);
  assert.match(md, /Drama \| 10\.0% .*\| < 0\.40 \| ✗ missed/);
  assert.match(md, /no poster given/);
  assert.match(renderNoModel(null), /\[Train a genre model\]\(command:genreLens\.train\)/);
});

test('training progress maps phases onto one rising percentage', () => {
  assert.equal(percentOf({ phase: 'reading' }), 0);
  assert.equal(percentOf({ phase: 'encoding text', done: 50, total: 100 }), 25);
  assert.equal(percentOf({ phase: 'training', done: 19, total: 19 }), 97);
  assert.equal(percentOf({ phase: 'saving' }), 98);
  assert.equal(percentOf({ phase: 'downloading', done: 45e6, total: 90e6 }), 4); // within 'loading encoders' (2–5%)
  assert.equal(percentOf({ phase: 'saved', detail: '/m' }), 100, 'the model is done when saved');
  assert.equal(percentOf({ phase: 'comparing', done: 1, total: 76 }), 100, 'the comparison has its own percent');
  assert.equal(comparisonPercent({ phase: 'comparing', done: 19, total: 76 }), 25);
  assert.equal(comparisonPercent({ phase: 'training', done: 19, total: 76 }), 0);
});

test('progress messages count items, and an encoder download in MB', () => {
  assert.equal(progressMessage({ phase: 'encoding text', done: 120, total: 500 }), 'encoding text 120/500');
  assert.equal(progressMessage({ phase: 'training' }), 'training');
  assert.equal(progressMessage({ phase: 'downloading', done: 12_345_678, total: 90_400_000, detail: 'onnx/model.onnx' }),
    'downloading onnx/model.onnx 12.3/90.4 MB');
  assert.equal(progressMessage({ phase: 'downloading', done: 2_000_000, detail: 'tokenizer.json' }), 'downloading tokenizer.json 2.0 MB');
  assert.equal(progressMessage({ phase: 'saved', detail: '/store/models/m' }), 'model saved');
  assert.equal(progressMessage({ phase: 'comparing', done: 12, total: 76 }), 'comparing text-only and poster-only models 12/76');
});

test('daemon settings ignore workspace values of machine-scoped settings and carry Workspace Trust', () => {
  const inspected: Record<string, { defaultValue?: unknown; globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown }> = {
    posterBaseUrl: { defaultValue: 'https://image.tmdb.org/t/p/w342', workspaceValue: 'http://169.254.169.254/' },
    imageModelUrl: { defaultValue: '', workspaceFolderValue: 'http://evil.example/model.onnx' },
    modelStore: { defaultValue: '', globalValue: '/home/me/models', workspaceValue: '/etc' },
    cacheDirectory: { defaultValue: '' },
    allowPrivateNetwork: { defaultValue: false, workspaceValue: true },
    posterRoots: { defaultValue: [], workspaceValue: ['/'] },
    seed: { defaultValue: 42, workspaceValue: 7 },
    keepModels: { defaultValue: 5, globalValue: 3, workspaceFolderValue: 2 },
    columns: { defaultValue: {}, workspaceValue: { text: 'plot' } },
    hubUrl: { defaultValue: '', workspaceValue: 'http://evil.example/' },
    downloadModels: { defaultValue: true, globalValue: false, workspaceValue: true },
    textEncoder: { defaultValue: 'minilm', workspaceValue: 'use-lite' },
    imageEncoder: { defaultValue: 'mobilenetv2', workspaceFolderValue: 'onnx' },
  };
  const s = buildDaemonSettings((k) => inspected[k], { trusted: false, env: { GENRE_LENS_CACHE: '/c' }, defaultCache: '/storage/cache' });
  assert.equal(s.posterBaseUrl, 'https://image.tmdb.org/t/p/w342');
  assert.equal(s.imageModelUrl, undefined);
  assert.equal(s.modelStore, '/home/me/models');
  assert.equal(s.cacheDirectory, '/c');
  assert.equal(s.allowPrivateNetwork, false);
  assert.deepEqual(s.posterRoots, []);
  assert.equal(s.seed, 7);
  assert.equal(s.keepModels, 2);
  assert.deepEqual(s.columns, { text: 'plot' });
  assert.equal(s.trusted, false);
  assert.equal(s.hubUrl, undefined, 'a workspace cannot choose the hub');
  assert.equal(s.downloadModels, false, "the user's choice, not the workspace's");
  assert.equal(s.textEncoder, 'use-lite');
  assert.equal(s.imageEncoder, 'onnx');
  const t = buildDaemonSettings((k) => inspected[k], { trusted: true, env: {}, defaultCache: '/storage/cache' });
  assert.equal(t.trusted, true);
  assert.equal(t.cacheDirectory, '/storage/cache');
  const user = buildDaemonSettings((k) => (k === 'hubUrl' ? { defaultValue: '', globalValue: 'https://mirror.example/' } : undefined),
    { trusted: true, env: {}, defaultCache: '/s' });
  assert.equal(user.hubUrl, 'https://mirror.example/');
});

test('hover error and Restricted Mode texts escape what they quote and link nowhere', () => {
  assert.equal(renderError('bad <b>[x](command:rm)</b>\r*boom*'),
    '**Genre Lens**: cannot predict this row: bad &lt;b&gt;\\[x\\]\\(command:rm\\)&lt;/b&gt; \\*boom\\*');
  const restricted = renderNoModel('model <i>broken</i>', false);
  assert.match(restricted, /Restricted Mode/);
  assert.doesNotMatch(restricted, /command:|<i>/);
});
