// Safety of the daemon, driven over stdio by a real LSP client like test/daemon.test.ts: settings are validated (a bad
// value becomes its default with a warning naming it), Restricted Mode refuses training, a hover never downloads a
// poster unless prefetch is on, hover errors are escaped, and Delete Old Models does a dry run before deleting.
// Request params are checked (an error names the request and the field); a stray rejection never kills the daemon.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Hover, MarkupContent, ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { Requests } from '../common/protocol';
import { validateSettings } from '../server/settings';
import { checkParams, deleteOldModelsParams, predictFileParams, selectModelParams, trainParams } from '../server/requestSchemas';
import { MAX_HOVER_ROWS, tooLargeForHovers } from '../server/documents';
import { startDaemon as startDaemonProcess, until } from './daemonProcess';

const repo = path.resolve(__dirname, '..');

interface Daemon {
  conn: ProtocolConnection;
  work: string;
  /** window/showMessage texts received so far. */
  messages: string[];
  stop(): Promise<void>;
}

/** `showMessageRequest: false` = a client that does not implement window/showMessageRequest (it answers MethodNotFound). */
async function startDaemon(initializationOptions: unknown, { showMessageRequest = true } = {}): Promise<Daemon> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-safety-'));
  fs.cpSync(path.join(repo, 'examples'), path.join(work, 'data'), { recursive: true });
  const messages: string[] = [];
  const { conn, stop } = await startDaemonProcess(work, {
    initializationOptions,
    setup: (c) => {
      if (showMessageRequest) {
        c.onRequest('window/showMessageRequest', (m: { message: string }) => {
          messages.push(m.message);
          return null;
        });
      }
      c.onNotification('window/showMessage', (m: { message: string }) => void messages.push(m.message));
    },
  });
  return {
    conn, work, messages, async stop() {
      await stop();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

function open(d: Daemon, rel: string, text: string): string {
  const uri = pathToFileURL(path.join(d.work, rel)).href;
  void d.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'csv', version: 1, text } });
  return uri;
}

async function hover(d: Daemon, uri: string, line: number): Promise<string> {
  const h = (await d.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: 1 } })) as Hover | null;
  return h ? (h.contents as MarkupContent).value : '';
}


test('settings are validated one by one: a bad value becomes its default with a warning naming it', () => {
  const r = validateSettings({ seed: 'abc', imageEncoder: 'evil', posterRoots: 'x', keepModels: 0, imageModelUrl: 'file:///etc/passwd',
    prefetchPosters: 'yes', modelStore: '/models', columns: { text: 'plot' }, trusted: true, textEncoder: 'bert', hubUrl: 'ftp://hub',
    downloadModels: 'no' });
  assert.deepEqual(r.warnings.sort(), [
    'genreLens.downloadModels: expected true or false; using true',
    'genreLens.hubUrl: expected an http(s) URL; using the default',
    'genreLens.imageEncoder: expected one of mobilenetv2, onnx, nsfwjs, none; using mobilenetv2',
    'genreLens.imageModelUrl: expected an http(s) URL; using the default',
    'genreLens.keepModels: expected an integer of at least 1; using 5',
    'genreLens.posterRoots: expected an array of folder paths; using []',
    'genreLens.prefetchPosters: expected true or false; using false',
    'genreLens.seed: expected an integer from 0 to 2147483647; using 42',
    'genreLens.textEncoder: expected one of minilm, use-lite; using minilm',
  ]);
  assert.deepEqual(r.settings, { imageEncoder: 'mobilenetv2', modelStore: '/models', columns: { text: 'plot' }, seed: 42, trusted: true,
    prefetchPosters: false, posterRoots: [], keepModels: 5, textEncoder: 'minilm', downloadModels: true });
  // The earlier name of the ImageNet encoder stays valid, and a mirror URL is taken as given.
  assert.deepEqual(validateSettings({ imageEncoder: 'onnx', textEncoder: 'use-lite', hubUrl: 'https://mirror.example/hf', downloadModels: false }),
    { settings: { imageEncoder: 'onnx', textEncoder: 'use-lite', hubUrl: 'https://mirror.example/hf', downloadModels: false }, warnings: [] });
  assert.deepEqual(validateSettings('nonsense').warnings, ['genreLens: expected the settings as an object; using the defaults']);
  assert.deepEqual(validateSettings(undefined), { settings: {}, warnings: [] });
});

describe('a daemon in Restricted Mode with bad settings', () => {
  let d: Daemon;
  before(async () => {
    d = await startDaemon({ seed: 'abc', imageEncoder: 'evil', posterRoots: 'x' }); // and no `trusted`
  });
  after(() => d.stop());

  test('warns about each bad setting and keeps answering', async () => {
    assert.equal((await d.conn.sendRequest(Requests.modelStatus)).state, 'none');
    assert.ok(d.messages.includes('Genre Lens: genreLens.seed: expected an integer from 0 to 2147483647; using 42'), d.messages.join('\n'));
    assert.ok(d.messages.includes('Genre Lens: genreLens.imageEncoder: expected one of mobilenetv2, onnx, nsfwjs, none; using mobilenetv2'));
    assert.ok(d.messages.includes('Genre Lens: genreLens.posterRoots: expected an array of folder paths; using []'));
    await d.conn.sendNotification('workspace/didChangeConfiguration', { settings: { genreLens: { keepModels: 'many' } } });
    await until(() => d.messages.some((m) => m.includes('genreLens.keepModels: expected an integer of at least 1; using 5')));
    assert.equal((await d.conn.sendRequest(Requests.modelStatus)).state, 'none');
  });

  test('refuses to train or predict a file, and the hover says why instead of linking to training', async () => {
    await assert.rejects(d.conn.sendRequest(Requests.train, { data: 'data/movies.csv' }), /Restricted Mode/);
    await assert.rejects(d.conn.sendRequest(Requests.predictFile, { data: 'data/movies.csv', out: 'data/p.csv' }), /Restricted Mode/);
    const models = path.join(d.work, '.genre-lens/models');
    assert.equal(fs.existsSync(models) ? fs.readdirSync(models).length : 0, 0, 'no model saved');
    assert.equal(fs.existsSync(path.join(d.work, 'data/p.csv')), false);
    const h = await hover(d, open(d, 'data/movies.csv', fs.readFileSync(path.join(d.work, 'data/movies.csv'), 'utf8')), 1);
    assert.match(h, /Restricted Mode/);
    assert.doesNotMatch(h, /command:/);
    assert.deepEqual(await d.conn.sendRequest(Requests.deleteOldModels, { dryRun: true }),
      { store: path.join(d.work, '.genre-lens'), keep: 5, deleted: [], kept: [] });
  });
});

describe('a trusted daemon with a model', () => {
  let d: Daemon;
  let posterServer: http.Server;
  const requests: string[] = [];
  let base = '';
  const settings = (extra: object) => ({ trusted: true, imageEncoder: 'nsfwjs', allowPrivateNetwork: true, ...extra });
  let modelDir = '';

  before(async () => {
    posterServer = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => posterServer.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(posterServer.address() as AddressInfo).port}`;
    d = await startDaemon(settings({}));
    const r = await d.conn.sendRequest(Requests.train, { data: 'data/movies.csv', skipAblation: true });
    modelDir = r.model.dir;
  });
  after(async () => {
    await d.stop();
    posterServer.close();
  });

  const row = (poster: string) => `title,overview,genres,poster\nNight Shift,"A haunted hospital full of screams.",Horror,${poster}\n`;

  test('a hover over a row with a poster URL makes no request unless prefetchPosters is on', async () => {
    const off = await hover(d, open(d, 'data/off.csv', row(`${base}/off.jpg`)), 1);
    assert.match(off, /^\*\*Night Shift\*\*/);
    assert.match(off, /genreLens\\\.prefetchPosters/);
    // The same with prefetch on: the request arrives, and the earlier hover's URL was never asked for.
    await d.conn.sendNotification('workspace/didChangeConfiguration', { settings: { genreLens: settings({ prefetchPosters: true }) } });
    assert.match(await hover(d, open(d, 'data/on.csv', row(`${base}/on.jpg`)), 1), /^\*\*Night Shift\*\*/);
    await until(() => requests.includes('/on.jpg'));
    assert.equal(requests.includes('/off.jpg'), false, requests.join(' '));
  });

  test('of two train requests sent at once the second is refused, and a cancel reaches the first', async () => {
    const first = d.conn.sendRequest(Requests.train, { data: 'data/movies.csv', skipAblation: true, seed: 3 });
    const second = d.conn.sendRequest(Requests.train, { data: 'data/movies.csv', skipAblation: true, seed: 4 });
    await assert.rejects(second, /already running/);
    assert.equal(await d.conn.sendRequest(Requests.cancelTraining), true);
    await assert.rejects(first, /cancelled/);
  });

  test('Delete Old Models does a dry run first and never deletes the current model', async () => {
    const models = path.join(d.work, '.genre-lens/models');
    for (const old of ['2000-01-01T00-00-00-000Z-old1.csv', '2000-01-02T00-00-00-000Z-old2.csv']) fs.cpSync(modelDir, path.join(models, old), { recursive: true });
    const plan = await d.conn.sendRequest(Requests.deleteOldModels, { keep: 1, dryRun: true });
    assert.deepEqual(plan.deleted.map((p) => path.basename(p)).sort(), ['2000-01-01T00-00-00-000Z-old1.csv', '2000-01-02T00-00-00-000Z-old2.csv']);
    assert.ok(plan.kept.map((p) => path.basename(p)).includes(path.basename(modelDir)));
    assert.equal(fs.readdirSync(models).filter((n) => !n.startsWith('.')).length, 3, 'a dry run deletes nothing');
    const done = await d.conn.sendRequest(Requests.deleteOldModels, { keep: 1 });
    assert.equal(done.deleted.length, 2);
    assert.deepEqual(fs.readdirSync(models).filter((n) => !n.startsWith('.')), [path.basename(modelDir)]);
    await assert.rejects(d.conn.sendRequest(Requests.deleteOldModels, { keep: 0 }), /keep: expected an integer of at least 1/);
  });

  test('an error from loading a model reaches the hover escaped', async () => {
    const evil = path.join(d.work, '.genre-lens/models/evil');
    fs.cpSync(modelDir, evil, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(evil, 'manifest.json'), 'utf8')) as { encoders: { text: { id: string } } };
    manifest.encoders.text.id = '<img src=x onerror=alert(1)> **boom** [x](command:evil)';
    fs.writeFileSync(path.join(evil, 'manifest.json'), JSON.stringify(manifest));
    await d.conn.sendRequest(Requests.selectModel, { dir: evil });
    const h = await hover(d, open(d, 'data/err.csv', row('')), 1);
    assert.match(h, /^\*\*Genre Lens\*\*: cannot predict this row: /);
    assert.ok(h.includes('&lt;img src=x onerror=alert\\(1\\)&gt; \\*\\*boom\\*\\* \\[x\\]\\(command:evil\\)'), h);
    assert.doesNotMatch(h, /<img|\]\(command:/);
  });
});

test('request params are checked: an error names the request and the field', () => {
  const error = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  assert.equal(error(() => checkParams('genreLens/train', trainParams, { data: 12 })), 'genreLens/train: data: expected a file URI or path (a string)');
  assert.equal(error(() => checkParams('genreLens/predictFile', predictFileParams, { data: { toString: 1 }, out: 'p.csv' })),
    'genreLens/predictFile: data: expected a file URI or path (a string)');
  assert.match(error(() => checkParams('genreLens/train', trainParams, { data: 'http://127.0.0.1/movies.csv' })),
    /^genreLens\/train: data: http:\/\/127\.0\.0\.1\/movies\.csv is not a file on disk \(its scheme is http:\)/);
  assert.match(error(() => checkParams('genreLens/train', trainParams, { data: 'movies.csv', evalFile: 'untitled:Untitled-1' })),
    /^genreLens\/train: evalFile: untitled:Untitled-1 is not a file on disk .*save the document first$/);
  assert.match(error(() => checkParams('genreLens/predictFile', predictFileParams, { data: 'm.csv', out: 'file://host/p.csv' })),
    /^genreLens\/predictFile: out: file:\/\/host\/p\.csv is not a local file URI/);
  assert.equal(error(() => checkParams('genreLens/train', trainParams, { data: 'm.csv', evalFraction: 1, seed: 1.5 })),
    'genreLens/train: evalFraction: expected a number between 0 and 1 (exclusive); seed: expected an integer from 0 to 2147483647');
  assert.equal(error(() => checkParams('genreLens/selectModel', selectModelParams, { dir: 42 })),
    'genreLens/selectModel: dir: expected a model folder (a path or file URI) or null');
  assert.equal(error(() => checkParams('genreLens/deleteOldModels', deleteOldModelsParams, { keep: 'abc', dryRun: 'yes' })),
    'genreLens/deleteOldModels: keep: expected an integer of at least 1; dryRun: expected true or false');
  assert.equal(error(() => checkParams('genreLens/train', trainParams, 'movies.csv')), 'genreLens/train: expected the parameters as an object');
  // Good params pass, a Windows drive letter is a path and not a URI scheme.
  assert.deepEqual(checkParams('genreLens/train', trainParams, { data: 'C:\\data\\m.csv', columns: { text: 'plot' }, workDoneToken: 't' }),
    { data: 'C:\\data\\m.csv', columns: { text: 'plot' }, workDoneToken: 't' });
  assert.deepEqual(checkParams('genreLens/selectModel', selectModelParams, { dir: null }), { dir: null });
});

test('a document with more rows than hovers parse is refused before parsing', () => {
  const row = '{"title":"t","overview":"o","genres":"Drama"}';
  assert.equal(tooLargeForHovers(`${row}\n`.repeat(1000), 'jsonl'), null);
  assert.equal(tooLargeForHovers(`${row}\n`.repeat(MAX_HOVER_ROWS + 1), 'jsonl'), `more than ${MAX_HOVER_ROWS} rows`);
  // JSON on one line: its objects count as rows.
  assert.equal(tooLargeForHovers(`[${Array(MAX_HOVER_ROWS + 1).fill(row).join(',')}]`, 'json'), `more than ${MAX_HOVER_ROWS} rows`);
  assert.equal(tooLargeForHovers(`[${Array(1000).fill(row).join(',')}]`, 'json'), null);
});

test('a rejection nobody handles is logged, even with the LightGBM glue loaded; an uncaught exception is logged and exits 1', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-guards-'));
  const script = path.join(dir, 'guards.ts');
  fs.writeFileSync(script, `
    import { installProcessGuards } from ${JSON.stringify(path.join(repo, 'server/daemonErrors'))};
    import { loadLightGBM } from ${JSON.stringify(path.join(repo, 'server/engine/lightgbm/lightgbm'))};
    installProcessGuards((m) => console.log('LOG', m.split('\\n')[0]));
    void loadLightGBM().then(() => { // its glue adds handlers that rethrow (exit code 7 before the guards)
      void Promise.reject(new Error('nobody awaits this'));
      setTimeout(() => {
        console.log('still running');
        throw new Error('boom');
      }, 50);
    });
  `);
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, script], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines, [
    'LOG ignored an unexpected error (the daemon keeps running): Error: nobody awaits this',
    'still running',
    'LOG stopping after an unexpected error (its state is unknown; the editor restarts it): Error: boom',
  ]);
  assert.match(r.stderr, /genre-lens: ignored an unexpected error .*nobody awaits this/);
});

describe('a client without window/showMessageRequest, sent a bad setting and bad request params', () => {
  let d: Daemon;
  before(async () => {
    d = await startDaemon({ keepModels: -1, trusted: true }, { showMessageRequest: false });
  });
  after(() => d.stop());

  test('gets the warning as a notification, and the daemon keeps answering hovers', async () => {
    await until(() => d.messages.includes('Genre Lens: genreLens.keepModels: expected an integer of at least 1; using 5'));
    const h = await hover(d, open(d, 'data/movies.csv', fs.readFileSync(path.join(d.work, 'data/movies.csv'), 'utf8')), 1);
    assert.match(h, /no genre model yet/);
    assert.equal((await d.conn.sendRequest(Requests.modelStatus)).state, 'none');
  });

  test('malformed params get an error naming the request and the field, and nothing is written', async () => {
    const raw = (method: string, params: unknown) => d.conn.sendRequest(method, params);
    await assert.rejects(raw('genreLens/predictFile', { data: { toString: 1 }, out: 'data/p.csv' }),
      { message: 'genreLens/predictFile: data: expected a file URI or path (a string)' });
    await assert.rejects(raw('genreLens/train', { data: 12 }), { message: 'genreLens/train: data: expected a file URI or path (a string)' });
    await assert.rejects(raw('genreLens/train', { data: 'http://127.0.0.1:9/m.csv' }), /genreLens\/train: data: .* is not a file on disk/);
    await assert.rejects(raw('genreLens/train', [{ data: 'data/movies.csv' }, 5]), /by name/);
    assert.equal(fs.existsSync(path.join(d.work, 'data/p.csv')), false);
    assert.equal((await d.conn.sendRequest(Requests.modelStatus)).state, 'none');
  });
});
