// The daemon's save-then-compare flow over LSP, with the engine's comparison played by test/fakeEngine (a real model is
// trained and saved, then the "comparison" waits for the test): the model is served to hovers and the train request
// answers before the comparison ends; the comparison landing is announced and the report filled in; Cancel Training
// during it keeps the model; a new training cancels a running comparison instead of waiting for it.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import type { Report } from '../common/modelTypes';
import { ModelState, Notifications, ReportChanged, Requests } from '../common/protocol';
import { DaemonProcess, startDaemon, until } from './daemonProcess';

const repo = path.resolve(__dirname, '..');
let work: string;
let gates: string;
let d: DaemonProcess;
const states: ModelState[] = [];
const changes: ReportChanged[] = [];
const progress: { value: { kind: string; message?: string } }[] = [];

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-compare-'));
  gates = path.join(work, 'gates');
  fs.mkdirSync(gates);
  fs.cpSync(path.join(repo, 'examples'), path.join(work, 'data'), { recursive: true });
  fs.copyFileSync(path.join(work, 'data/movies.csv'), path.join(work, 'data/second.csv'));
  d = await startDaemon(work, {
    initializationOptions: { trusted: true, imageEncoder: 'none', textEncoder: 'use-lite' },
    preload: [path.join(repo, 'test/fakeEngine/hook.ts')], env: { GENRE_LENS_FAKE_GATE: gates },
    setup: (c) => {
      c.onNotification(Notifications.status, (s) => void states.push(s));
      c.onNotification(Notifications.reportChanged, (r) => void changes.push(r));
      c.onNotification('$/progress', (p: (typeof progress)[number]) => void progress.push(p));
    },
  });
});

after(async () => {
  await d.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

const release = (seed: number) => fs.writeFileSync(path.join(gates, `go-${seed}`), '');
const report = async () => (await d.conn.sendRequest(Requests.getReport)) as Report;
const status = () => d.conn.sendRequest(Requests.modelStatus);
const csv = (name: string) => pathToFileURL(path.join(work, 'data', name)).href;
async function hover(name: string): Promise<string> {
  d.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: csv(name), languageId: 'csv', version: 1,
    text: fs.readFileSync(path.join(work, 'data', name), 'utf8') } });
  const h = (await d.conn.sendRequest('textDocument/hover', { textDocument: { uri: csv(name) }, position: { line: 1, character: 2 } })) as Hover | null;
  return h ? (h.contents as MarkupContent).value : '';
}
const changeOf = (dir: string) => changes.find((c) => c.model === dir && c.comparison);

test('the saved model is served, and the train request answered, while its comparison still runs (Cancel Training then stops only the comparison)', async () => {
  assert.match(await hover('movies.csv'), /no genre model yet/);
  const r = await d.conn.sendRequest(Requests.train, { data: csv('movies.csv'), seed: 1, workDoneToken: 'w1' });
  assert.equal(r.comparison, 'pending', 'answered before the comparison ends (it waits for this test)');
  assert.ok(progress.some((p) => p.value.message === 'model saved'), 'the notification said the model was saved');
  const s = await status();
  assert.equal(s.state, 'ready');
  assert.equal(s.state === 'ready' && s.model.dir, r.model.dir, 'the new model is served');
  assert.ok(s.state === 'ready' && s.comparison, 'with its comparison running');
  assert.match(await hover('movies.csv'), /predicted genres[\s\S]*Model: movies\\\.csv, micro\\-F1/, 'hovers answer from it now');
  assert.equal((await report()).ablationStatus, 'pending');
  await until(() => states.some((x) => x.state === 'ready' && /^comparing text-only and poster-only models \d+\/40$/.test(x.comparison?.phase ?? '')),
    'comparison progress in the status');
  assert.equal(await d.conn.sendRequest(Requests.cancelTraining).then(() => changeOf(r.model.dir)), undefined, 'nothing landed yet');
  // That cancel was real: this comparison now ends cancelled. The next test lets one land.
  await until(() => changeOf(r.model.dir) !== undefined);
  assert.equal(changeOf(r.model.dir)?.comparison, 'cancelled');
});

test('a comparison that runs to the end is announced, the report is filled in, and the status is plain ready', async () => {
  const r = await d.conn.sendRequest(Requests.train, { data: csv('movies.csv'), seed: 2 });
  assert.equal(r.comparison, 'pending');
  assert.equal(changeOf(r.model.dir), undefined);
  release(2);
  await until(() => changeOf(r.model.dir) !== undefined, 'the comparison landed');
  assert.equal(changeOf(r.model.dir)?.comparison, 'done');
  const rep = await report();
  assert.equal(rep.ablationStatus, 'done');
  assert.deepEqual(Object.keys(rep.ablation).sort(), ['both', 'poster', 'text']);
  const s = await status();
  assert.ok(s.state === 'ready' && s.model.dir === r.model.dir && s.comparison === undefined, JSON.stringify(s));
  assert.equal(changes.filter((c) => c.model === r.model.dir && c.comparison).length, 1, 'announced once');
});

test('Cancel Training during the comparison keeps the new model and marks the comparison cancelled', async () => {
  const r = await d.conn.sendRequest(Requests.train, { data: csv('second.csv'), seed: 3 });
  assert.equal(r.comparison, 'pending');
  const pointer = fs.readFileSync(path.join(work, '.genre-lens/current.json'), 'utf8');
  assert.match(await hover('movies.csv'), /Model: second\\\.csv/);
  assert.equal(await d.conn.sendRequest(Requests.cancelTraining), true);
  await until(() => changeOf(r.model.dir) !== undefined);
  assert.equal(changeOf(r.model.dir)?.comparison, 'cancelled');
  assert.equal((await report()).ablationStatus, 'cancelled');
  const s = await status();
  assert.ok(s.state === 'ready' && s.model.dir === r.model.dir && !s.comparison, JSON.stringify(s));
  assert.equal(fs.readFileSync(path.join(work, '.genre-lens/current.json'), 'utf8'), pointer, 'the pointer still names it');
  assert.match(await hover('movies.csv'), /Model: second\\\.csv/, 'hovers still answer from it');
  assert.equal(await d.conn.sendRequest(Requests.cancelTraining), false, 'nothing left to cancel');
});

test('a new training does not wait for a running comparison: it cancels it, and that model stays whole', async () => {
  const first = await d.conn.sendRequest(Requests.train, { data: csv('movies.csv'), seed: 4 });
  assert.equal(first.comparison, 'pending');
  release(5);
  const second = await d.conn.sendRequest(Requests.train, { data: csv('second.csv'), seed: 5 });
  assert.equal(changeOf(first.model.dir)?.comparison, 'cancelled', 'the first comparison was cancelled before the second training');
  assert.ok(fs.existsSync(path.join(first.model.dir, 'manifest.json')));
  await until(() => changeOf(second.model.dir) !== undefined || second.comparison !== 'pending');
  const s = await status();
  assert.ok(s.state === 'ready' && s.model.dir === second.model.dir, JSON.stringify(s));
});
