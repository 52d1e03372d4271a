// "(none)" columns: a title or poster column the user leaves out (null in ColumnSettings) stays out — in the train
// request's params, in the genreLens.columns setting, and in the model a daemon trains (manifest.dataset.columns),
// while an absent key still means "detect it". Text and genres cannot be left out.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection, ProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { Requests } from '../common/protocol';
import { buildDaemonSettings } from '../client/settings';
import { checkParams, trainParams } from '../server/requestSchemas';
import { validateSettings } from '../server/settings';

const repo = path.resolve(__dirname, '..');
let work: string;
let server: ChildProcess;
let conn: ProtocolConnection;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-none-columns-'));
  fs.cpSync(path.join(repo, 'examples'), path.join(work, 'data'), { recursive: true });
  server = spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(repo, 'server/cli.ts'), 'serve', '--stdio'], {
    cwd: work, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, GENRE_LENS_CACHE: path.join(work, 'cache') },
  });
  conn = createProtocolConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  conn.onRequest('window/workDoneProgress/create', () => null);
  for (const n of ['$/progress', 'genreLens/status', 'window/logMessage', 'window/showMessage']) conn.onNotification(n, () => undefined);
  conn.listen();
  server.once('exit', () => conn.dispose()); // a daemon that dies fails the pending request instead of hanging the test
  await conn.sendRequest('initialize', {
    processId: process.pid, rootUri: pathToFileURL(work).href, workspaceFolders: [{ uri: pathToFileURL(work).href, name: 'w' }],
    capabilities: { window: { workDoneProgress: true } }, initializationOptions: { trusted: true, imageEncoder: 'none' },
  });
  await conn.sendNotification('initialized', {});
});

after(async () => {
  await conn.sendRequest('shutdown').catch(() => undefined);
  await conn.sendNotification('exit').catch(() => undefined);
  conn.dispose();
  server.kill();
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
