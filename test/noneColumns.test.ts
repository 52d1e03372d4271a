// "(none)" columns: a title or poster column the user leaves out (null in ColumnSettings) stays out — in the train
// request's params, in the genreLens.columns setting, and in the model a daemon trains (manifest.dataset.columns),
// while an absent key still means "detect it". Text and genres cannot be left out.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { Requests } from '../common/protocol';
import { buildDaemonSettings } from '../client/settings';
import { checkParams, trainParams } from '../server/requestSchemas';
import { validateSettings } from '../server/settings';
import { DaemonProcess, startDaemon } from './daemonProcess';

const repo = path.resolve(__dirname, '..');
let work: string;
let daemon: DaemonProcess;
let conn: ProtocolConnection;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-none-columns-'));
  fs.cpSync(path.join(repo, 'examples'), path.join(work, 'data'), { recursive: true });
  daemon = await startDaemon(work, { initializationOptions: { trusted: true, imageEncoder: 'none' }, capabilities: { window: { workDoneProgress: true } } });
  conn = daemon.conn;
});

after(async () => {
  await daemon.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

test('the train request accepts null for title and poster, and refuses it for text and genres naming the field', () => {
  const ok = checkParams('genreLens/train', trainParams, { data: 'm.csv', columns: { title: null, poster: null, text: 'plot' } });
  assert.deepEqual(ok.columns, { title: null, poster: null, text: 'plot' });
  assert.throws(() => checkParams('genreLens/train', trainParams, { data: 'm.csv', columns: { text: null } }),
    /^Error: genreLens\/train: columns\.text: expected a column name \(a string\)$/);
  assert.throws(() => checkParams('genreLens/train', trainParams, { data: 'm.csv', columns: { genres: null } }),
    /genreLens\/train: columns\.genres: expected a column name/);
  assert.throws(() => checkParams('genreLens/train', trainParams, { data: 'm.csv', columns: { poster: 3 } }),
    /genreLens\/train: columns\.poster: expected a column name \(a string\), or null for none/);
});

test('the genreLens.columns setting keeps null for title and poster from the client to the daemon', () => {
  const columns = { poster: null, title: null, text: 'overview' };
  const sent = buildDaemonSettings((k) => (k === 'columns' ? { defaultValue: {}, workspaceValue: columns } : undefined),
    { trusted: true, env: {}, defaultCache: '/c' });
  assert.deepEqual(sent.columns, columns);
  assert.deepEqual(validateSettings(sent), { settings: { columns, cacheDirectory: '/c', trusted: true }, warnings: [] });
  const bad = validateSettings({ columns: { text: null } });
  assert.deepEqual(bad.warnings, ['genreLens.columns: expected an object whose keys title, text, genres, poster name columns ' +
    '(title and poster may be null for none); using {}']);
  assert.deepEqual(bad.settings.columns, {});
});

test('a daemon trains with the poster column left out when the request says poster: null', async () => {
  const detected = await conn.sendRequest(Requests.detectColumns, { data: 'data/movies.csv' });
  assert.equal(detected.columns.poster, 'poster', 'movies.csv has a poster column that detection finds');
  assert.equal(detected.columns.title, 'title');
  const r = await conn.sendRequest(Requests.train, { data: 'data/movies.csv', columns: { poster: null }, skipAblation: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(r.model.dir, 'manifest.json'), 'utf8')) as { dataset: { columns: Record<string, string | null> } };
  assert.deepEqual(manifest.dataset.columns, { id: 'id', title: 'title', text: 'overview', genres: 'genres', poster: null });
});

test('the genreLens.columns setting with title: null leaves the title out of what the daemon reads', async () => {
  await conn.sendNotification('workspace/didChangeConfiguration',
    { settings: { genreLens: { trusted: true, imageEncoder: 'none', columns: { title: null } } } });
  const detected = await conn.sendRequest(Requests.detectColumns, { data: 'data/movies.csv' });
  assert.equal(detected.columns.title, null);
  assert.equal(detected.columns.poster, 'poster', 'a role not given is still detected');
});
