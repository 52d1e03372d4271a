// Integration tests of the daemon: a real LSP client talks to `genre-lens serve --stdio` over stdio. It trains on
// the bundled example (with work-done progress), cancels a second training and checks the first model is intact,
// and hovers rows in CSV (incl. a quoted multi-line field), JSON and JSONL documents, saved and unsaved.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Hover, MarkupContent, ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { escapeMarkdown } from '../server/hover';
import { ModelState, Notifications, ReportChanged, Requests } from '../common/protocol';
import { DaemonProcess, startDaemon, until } from './daemonProcess';
import { needsShared, shared } from './sharedDir';

const repo = path.resolve(__dirname, '..');
const sharedModels = shared('models'); // optional: without it posters are encoded by the bundled nsfwjs fallback
let work: string;
let daemon: DaemonProcess;
let conn: ProtocolConnection;
const progress: { token: string | number; value: { kind: string; percentage?: number; message?: string; cancellable?: boolean } }[] = [];
const states: ModelState[] = [];
const reportChanges: ReportChanged[] = [];

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-daemon-'));
  fs.cpSync(path.join(repo, 'examples'), path.join(work, 'data'), { recursive: true });
  const useOnnx = !needsShared('models/mobilenetv2-12-int8.onnx');
  daemon = await startDaemon(work, {
    initializationOptions: { trusted: true, ...(useOnnx ? { modelsDirectory: sharedModels } : { imageEncoder: 'nsfwjs' }) },
    setup: (c) => {
      c.onNotification('$/progress', (p: (typeof progress)[number]) => void progress.push(p));
      c.onNotification(Notifications.status, (s) => void states.push(s));
      c.onNotification(Notifications.reportChanged, (r) => void reportChanges.push(r));
    },
  });
  conn = daemon.conn;
});

after(async () => {
  await daemon.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

function open(rel: string, languageId: string, text?: string): string {
  const file = path.join(work, rel);
  const uri = pathToFileURL(file).href;
  conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text: text ?? fs.readFileSync(file, 'utf8') } });
  return uri;
}

async function hover(uri: string, line: number, character: number): Promise<string> {
  const h = (await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } })) as Hover | null;
  return h ? (h.contents as MarkupContent).value : '';
}


test('before any model, a hover says how to train one with a command link', async () => {
  const uri = open('data/movies.csv', 'csv');
  const text = await hover(uri, 1, 2);
  assert.match(text, /no genre model yet/);
  assert.match(text, /\(command:genreLens\.train\)/);
  assert.equal((await conn.sendRequest(Requests.modelStatus)).state, 'none');
  assert.equal(fs.existsSync(path.join(work, '.genre-lens')), false, 'no store folder before a model is saved');
});

test('detectColumns reports the columns and genres of a file', async () => {
  const r = await conn.sendRequest(Requests.detectColumns, { data: 'data/movies.csv' });
  assert.equal(r.rows, 72);
  assert.deepEqual(r.columns, { id: 'id', title: 'title', text: 'overview', genres: 'genres', poster: 'poster' });
  assert.equal(r.genres.length, 8);
});

let firstModel = '';
test('train reports work-done progress and produces a model the daemon loads', async () => {
  const r = await conn.sendRequest(Requests.train, { data: pathToFileURL(path.join(work, 'data/movies.csv')).href });
  firstModel = r.model.dir;
  assert.ok(r.model.microF1 > 0 && r.model.microF1 <= 1);
  assert.equal(r.model.genres.length, 8);
  const kinds = progress.map((p) => p.value.kind);
  assert.equal(kinds[0], 'begin');
  assert.equal(progress[0].value.cancellable, true);
  assert.ok(kinds.includes('report') && kinds.at(-1) === 'end');
  const percents = progress.filter((p) => p.value.kind === 'report').map((p) => p.value.percentage ?? 0);
  assert.ok(percents.some((p) => p > 50), `progress reached ${Math.max(...percents)}%`);
  assert.ok(progress.some((p) => /training \d+\/\d+/.test(p.value.message ?? '')), 'booster counts reported');
  assert.ok(states.some((s) => s.state === 'training'));
  const status = await conn.sendRequest(Requests.modelStatus);
  assert.equal(status.state, 'ready');
  assert.equal(status.state === 'ready' && status.model.dir, firstModel, 'served when the request answers');
  // The text-only/poster-only comparison follows the saved model: the report has it once that lands.
  if (r.comparison === 'pending') await until(() => reportChanges.some((c) => c.model === firstModel && c.comparison === 'done'), 'the comparison landed');
  assert.ok(fs.existsSync(path.join(work, '.genre-lens/.gitignore')));
  assert.ok(fs.existsSync(path.join(firstModel, 'manifest.json')));
  const report = (await conn.sendRequest(Requests.getReport)) as { genres: string[]; ablation: Record<string, unknown>; ablationStatus?: string };
  assert.equal(report.genres.length, 8);
  assert.deepEqual(Object.keys(report.ablation).sort(), ['both', 'poster', 'text']);
  assert.ok(report.ablationStatus === undefined || report.ablationStatus === 'done', report.ablationStatus);
});

test('a cancelled second training leaves the first model in place', async () => {
  const pointer = fs.readFileSync(path.join(work, '.genre-lens/current.json'), 'utf8');
  const manifest = fs.readFileSync(path.join(firstModel, 'manifest.json'), 'utf8');
  const before = progress.length;
  const second = conn.sendRequest(Requests.train, { data: 'data/movies.csv', seed: 7 });
  await until(() => progress.slice(before).some((p) => p.value.kind === 'begin'));
  assert.equal(await conn.sendRequest(Requests.cancelTraining), true);
  await assert.rejects(second, /cancelled/);
  assert.equal(fs.readFileSync(path.join(work, '.genre-lens/current.json'), 'utf8'), pointer);
  assert.equal(fs.readFileSync(path.join(firstModel, 'manifest.json'), 'utf8'), manifest);
  assert.equal(fs.readdirSync(path.join(work, '.genre-lens/models')).filter((n) => n.startsWith('.')).length, 0, 'no temp dirs left');
  const status = await conn.sendRequest(Requests.modelStatus);
  assert.equal(status.state, 'ready');
  assert.equal(status.state === 'ready' && status.model.dir, firstModel);
});

test('hovers predict the row under the cursor in CSV, JSON and JSONL documents', async () => {
  const csv = pathToFileURL(path.join(work, 'data/movies.csv')).href;
  const lines = fs.readFileSync(path.join(work, 'data/movies.csv'), 'utf8').split('\n');
  const title = (t: string) => new RegExp(`^\\*\\*${escapeMarkdown(t).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}\\*\\*`);
  // First field of row m01 (line 1), last field of m02 (line 2).
  assert.match(await hover(csv, 1, 0), title('Sparrowgate Ridge Cabin'));
  assert.match(await hover(csv, 2, lines[2].length - 2), title('Pickle Barrel Wedding'));
  // Inside the quoted multi-line overview of m19: its second physical line.
  const m19 = lines.findIndex((l) => l.startsWith('m19,'));
  const inside = await hover(csv, m19 + 1, 5);
  assert.match(inside, title('My Roommate Is Probably a Ghost'));
  assert.match(inside, /\| genre \| probability/);
  assert.match(inside, /✓ agrees|✗ missed/);
  // The header line is no row.
  assert.equal(await hover(csv, 0, 3), '');

  const json = open('data/movies.json', 'json');
  const jsonText = fs.readFileSync(path.join(work, 'data/movies.json'), 'utf8').split('\n');
  const third = JSON.parse(fs.readFileSync(path.join(work, 'data/movies.json'), 'utf8'))[2] as { title: string };
  const at = jsonText.findIndex((l) => l.includes(JSON.stringify(third.title)));
  assert.match(await hover(json, at, 4), title(third.title));

  const jsonl = open('data/movies.jsonl', 'jsonl');
  const l5 = JSON.parse(fs.readFileSync(path.join(work, 'data/movies.jsonl'), 'utf8').split('\n')[4]) as { title: string };
  assert.match(await hover(jsonl, 4, 10), title(l5.title));
});

test('hovers read unsaved edits, escape the data text, and answer again from the cache', async () => {
  // No poster column, though the model was trained with one: predicted without a poster.
  const text = 'title,overview,genres\n"<b>*Evil*</b> [x](command:rm)","A haunted house full of screams and a curse.",Horror\n';
  const uri = open('data/scratch.csv', 'csv', text);
  const h = await hover(uri, 1, 3);
  assert.ok(h.includes('&lt;b&gt;\\*Evil\\*&lt;/b&gt; \\[x\\]\\(command:rm\\)'), h);
  assert.doesNotMatch(h, /<b>/);
  conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 },
    contentChanges: [{ text: 'title,overview,genres\nRenamed Film,"A starship crew meets an alien AI.",Science Fiction\n' }] });
  assert.match(await hover(uri, 1, 3), /^\*\*Renamed Film\*\*/);
  assert.match(await hover(uri, 1, 3), /^\*\*Renamed Film\*\*/);
});
