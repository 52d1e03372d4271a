// The daemon's encoder settings end to end: genreLens.hubUrl points MiniLM's download at a 127.0.0.1 hub mimic serving
// the tiny BERT fixture, the training's work-done progress and status show the download in MB, and the model summary
// names MiniLM; with genreLens.downloadModels off (and an empty cache) training falls back to USE-Lite, and says so.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeTinyBert } from '../scripts/tinyBert';
import { ModelState, Notifications, Requests } from '../common/protocol';
import { DaemonProcess, startDaemon, until } from './daemonProcess';
import { type HubMimic, MIMIC_COMMIT, startHubMimic } from './hubMimic';

// The daemon inherits this environment: downloads allowed (test/setup.ts's GENRE_LENS_OFFLINE removed), no models
// folder, and the hub only through the genreLens.hubUrl setting.
for (const k of ['GENRE_LENS_OFFLINE', 'GENRE_LENS_MODELS', 'HF_HUB_OFFLINE', 'HF_ENDPOINT']) delete process.env[k];

const repo = path.resolve(__dirname, '..');
let work: string;
let mimic: HubMimic;
let daemon: DaemonProcess;
const messages: string[] = [];
const states: ModelState[] = [];
const settings = (extra: object) => ({ trusted: true, textEncoder: 'minilm', imageEncoder: 'none', hubUrl: mimic.url, ...extra });
const data = () => pathToFileURL(path.join(work, 'data/movies.csv')).href;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-daemon-download-'));
  fs.mkdirSync(path.join(work, 'data'));
  fs.copyFileSync(path.join(repo, 'examples/movies.csv'), path.join(work, 'data/movies.csv'));
  writeTinyBert(path.join(work, 'hub'));
  mimic = await startHubMimic(path.join(work, 'hub'));
  daemon = await startDaemon(work, {
    initializationOptions: settings({ cacheDirectory: path.join(work, 'cache') }),
    setup: (c) => {
      c.onNotification('$/progress', (p: { value: { kind: string; message?: string } }) => void (p.value.message && messages.push(p.value.message)));
      c.onNotification(Notifications.status, (s) => void states.push(s));
    },
  });
});

after(async () => {
  await daemon?.stop();
  await mimic?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

test('genreLens.hubUrl: the first training downloads MiniLM from there, with progress in MB, and the model names it', async () => {
  const r = await daemon.conn.sendRequest(Requests.train, { data: data(), skipAblation: true });
  assert.deepEqual(r.model.encoders, { text: { id: 'Xenova/all-MiniLM-L6-v2', fallback: false }, image: null });
  assert.ok(mimic.requests.some((q) => q.includes('/Xenova/all-MiniLM-L6-v2/resolve/') && q.includes('onnx/model.onnx')), mimic.requests.join('\n'));
  const download = /^downloading onnx\/model\.onnx \d+\.\d\/\d+\.\d MB$/;
  assert.ok(messages.some((m) => download.test(m)), messages.join('\n'));
  assert.ok(states.some((s) => s.state === 'training' && download.test(s.phase)), 'the status bar sees the download');
  const report = (await daemon.conn.sendRequest(Requests.getReport)) as { run: { encoders: { text: { revision?: string; fallback: boolean } } } };
  assert.equal(report.run.encoders.text.revision, MIMIC_COMMIT);
  const status = await daemon.conn.sendRequest(Requests.modelStatus);
  assert.equal(status.state, 'ready');
  assert.equal(status.state === 'ready' && status.model.encoders.text.fallback, false);
});

test('a model whose encoder files are not in the cache (trained elsewhere): loading it downloads them, with work-done progress', async () => {
  const from = messages.length;
  const fromState = states.length;
  const requested = mimic.requests.length;
  // A new, empty cache: the current MiniLM model's pinned files must be fetched again before it can serve hovers.
  await daemon.conn.sendNotification('workspace/didChangeConfiguration',
    { settings: { genreLens: settings({ cacheDirectory: path.join(work, 'cache-fresh') }) } });
  await until(() => messages.slice(from).some((m) => m.startsWith('downloading onnx/model.onnx')), 'a download message');
  await until(() => states.slice(fromState).some((st) => st.state === 'ready'), 'the model served again (published after its load)');
  assert.ok(mimic.requests.slice(requested).some((q) => q.includes(`/resolve/${MIMIC_COMMIT}/onnx/model.onnx`)),
    `fetched at the model's commit: ${mimic.requests.slice(requested).join(', ')}`);
  assert.ok(messages.slice(from).some((m) => /^downloading onnx\/model\.onnx \d+\.\d\/\d+\.\d MB$/.test(m)), messages.slice(from).join('\n'));
});

test('genreLens.downloadModels off: nothing is fetched, training falls back to USE-Lite, and the summary marks it', async () => {
  const before = mimic.requests.length;
  // An empty cache, so MiniLM's files can only come from a download.
  await daemon.conn.sendNotification('workspace/didChangeConfiguration',
    { settings: { genreLens: settings({ downloadModels: false, cacheDirectory: path.join(work, 'cache2') }) } });
  const r = await daemon.conn.sendRequest(Requests.train, { data: data(), skipAblation: true });
  assert.deepEqual(r.model.encoders, { text: { id: 'use-lite', fallback: true }, image: null });
  assert.ok(r.warnings.some((w) => /genreLens\.downloadModels/.test(w)), r.warnings.join('\n'));
  assert.equal(mimic.requests.length, before, 'no request reached the hub');
  const status = await daemon.conn.sendRequest(Requests.modelStatus);
  assert.equal(status.state, 'ready');
  assert.equal(status.state === 'ready' && status.model.encoders.text.fallback, true);
});
