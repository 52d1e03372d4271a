// The daemon part of the hostile corpus: one `genre-lens serve --stdio` driven by a real LSP client (as in
// test/daemon.test.ts), hovering hostile rows (devices, FIFOs, escaping paths, loopback URLs, markup in titles, deep
// JSON, a huge cell, a 1,000,000-line document) and loading hostile models; every answer within a bound, memory bounded,
// no request sent. A second session is a client without window/showMessageRequest sending bad settings and bad params.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection, Hover, MarkupContent, ProtocolConnection, StreamMessageReader, StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { Requests } from '../../common/protocol';
import { Ctx } from './case';
import { CLI, MAX_RSS_KB, procKb } from './exec';
import { csvText, deep, jsonlText, mkfifo, movies } from './generate';

const HOVER_MS = 30_000;
export interface Outcome { name: string; problem: string | null }

const timeout = <T>(p: Promise<T>, ms: number, what: string) => Promise.race([p,
  new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms).unref())]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Session {
  server: ChildProcess;
  conn: ProtocolConnection;
  exited: Promise<void>;
  /** The peak RSS seen so far (KB). */
  peakKb: () => number;
  /** Shutdown/exit, else SIGTERM, else SIGKILL; returns a problem or null. */
  stop: () => Promise<string | null>;
}

/** Starts `genre-lens serve --stdio` in `ws` with a watchdog on its memory; `showMessageRequest: false` is a client
 * that does not implement window/showMessageRequest (it answers MethodNotFound, as the LSP library does). */
function startSession(ctx: Ctx, ws: string, { showMessageRequest = true } = {}): Session {
  const server: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--stdio'], {
    cwd: ws, stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, GENRE_LENS_CACHE: ctx.cache } });
  let peakKb = 0;
  const watchdog = setInterval(() => {
    const kb = procKb(server.pid ?? -1, 'VmRSS');
    peakKb = Math.max(peakKb, procKb(server.pid ?? -1, 'VmHWM'), kb);
    if (kb > MAX_RSS_KB * 1.25) server.kill('SIGKILL');
  }, 200);
  const exited = new Promise<void>((r) => server.on('exit', () => r()));
  const conn: ProtocolConnection = createProtocolConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  conn.onRequest('window/workDoneProgress/create', () => null);
  if (showMessageRequest) conn.onRequest('window/showMessageRequest', () => null);
  for (const n of ['window/logMessage', 'window/showMessage', 'genreLens/status']) conn.onNotification(n, () => undefined);
  conn.onError(() => undefined);
  conn.listen();
  const stop = async () => {
    try {
      await timeout(conn.sendRequest('shutdown'), 5000, 'shutdown').catch(() => undefined);
      void conn.sendNotification('exit').catch(() => undefined);
      const clean = await timeout(exited, 10_000, 'exit').then(() => true, () => false);
      if (clean) return null;
      server.kill('SIGTERM');
      const term = await timeout(exited, 5000, 'SIGTERM').then(() => true, () => false);
      if (!term) server.kill('SIGKILL');
      return term ? 'did not exit after shutdown/exit (SIGTERM worked)' : 'ignored shutdown, exit and SIGTERM';
    } finally {
      clearInterval(watchdog);
      conn.dispose();
    }
  };
  return { server, conn, exited, peakKb: () => Math.max(peakKb, procKb(server.pid ?? -1, 'VmHWM')), stop };
}

const initialize = (conn: ProtocolConnection, ws: string, initializationOptions: object) => timeout(conn.sendRequest('initialize', {
  processId: process.pid, rootUri: pathToFileURL(ws).href, workspaceFolders: [{ uri: pathToFileURL(ws).href, name: 'w' }],
  capabilities: { textDocument: { hover: { contentFormat: ['markdown'] } } }, initializationOptions }), HOVER_MS, 'initialize');

/** `ws` holds a store (.genre-lens) whose model uses a poster encoder, and posters/. */
export async function daemonCases(ctx: Ctx, ws: string): Promise<Outcome[]> {
  const out: Outcome[] = [];
  const record = async (name: string, body: () => Promise<string | null>) => {
    try {
      out.push({ name: `daemon: ${name}`, problem: await body() });
    } catch (e) {
      out.push({ name: `daemon: ${name}`, problem: (e as Error).message });
    }
  };
  await clientWithoutShowMessageRequest(ctx, ws, record);
  const P = ['id', 'title', 'overview', 'genres', 'poster'];
  const base = movies().slice(0, 3);
  const hostilePosters = ['/dev/zero', 'posters/zero.png', 'posters/pipe.png', '/proc/self/environ', '../../../../../etc/passwd',
    `${ctx.server}/hover/p.png`, '/hovertmdb.png'];
  fs.symlinkSync('/dev/zero', path.join(ws, 'posters/zero.png'));
  mkfifo(path.join(ws, 'posters/pipe.png'));
  const evil = '<img src=x onerror=alert(1)> [click](command:workbench.action.terminal.new) **bold** `code`';
  const csv = csvText([...hostilePosters.map((poster, i) => ({ ...base[i % 3], id: `h${i}`, poster })),
    { ...base[0], id: 'evil', title: evil, poster: '' }], P);
  fs.writeFileSync(path.join(ws, 'hostile.csv'), csv);

  const session = startSession(ctx, ws);
  const { conn } = session;
  const { open, hover, ready } = helpers(conn, ws);

  try {
    await initialize(conn, ws, { trusted: true, posterBaseUrl: `${ctx.server}/tmdbhover` });
    await conn.sendNotification('initialized', {});
    const modelDir = await ready();
    const uri = open('hostile.csv', 'csv', csv);
    for (const [i, poster] of hostilePosters.entries()) {
      await record(`hover a row whose poster is ${poster.replace(ctx.server, 'http://127.0.0.1:<port>')}`, async () => {
        const h = await hover(uri, i + 1);
        return h === null || /predicted genres/.test(h) ? null : `unexpected hover: ${h.slice(0, 120)}`;
      });
    }
    await record('hover over markup/HTML in a title shows it escaped', async () => {
      const h = (await hover(uri, hostilePosters.length + 1)) ?? '';
      return /<img|\]\(command:workbench/.test(h) ? `unescaped: ${h.slice(0, 160)}` : h ? null : 'no hover';
    });
    await record('hovers start no network request (URL and TMDB posters)', async () => {
      await sleep(1500);
      const n = ctx.hits('/hover') + ctx.hits('/tmdbhover');
      return n === 0 ? null : `${n} request(s) reached the loopback server after hovers`;
    });
    const lines = jsonlText(base).trimEnd().split('\n');
    const jsonl = open('deep.jsonl', 'jsonl', [lines[0], `{"title":"deep","overview":"x","genres":${deep(100_000)}}`, lines[1]].join('\n'));
    await record('hover in a JSONL file with a 100000-deep line', async () => {
      await hover(jsonl, 1);
      const h = await hover(jsonl, 2);
      return h && h.includes('predicted genres') ? null : 'the row after the deep line got no prediction';
    });
    await record('hover in a JSON document nested 100000 deep', async () => {
      const h = await hover(open('deep.json', 'json', deep(100_000)), 0, 50_000);
      return h === null || !/Maximum call stack/.test(h) ? null : h.slice(0, 120);
    });
    const huge = csvText([{ ...base[0], overview: 'word '.repeat(4 << 20) }, base[1]], P.slice(0, 4));
    await record('hover a row with a 20 MB cell', async () => {
      const h = await hover(open('huge.csv', 'csv', huge), 1);
      return h === null || /predicted genres|cannot predict/.test(h) ? null : `unexpected hover: ${h.slice(0, 120)}`;
    });
    await record('hostile text in a model manifest is escaped in hovers', async () => {
      const dir = path.join(ws, '.genre-lens/models/zz-evil');
      fs.cpSync(modelDir, dir, { recursive: true });
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
      m.encoders.image.id = '<img src=x onerror=alert(2)>[run](command:evil)';
      m.encoders.text.id = '<img src=x onerror=alert(3)>';
      fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
      fs.writeFileSync(path.join(ws, '.genre-lens/current.json'), JSON.stringify({ model: 'models/zz-evil' }));
      await sleep(1500);
      const h = (await hover(uri, 1)) ?? '';
      return /<img|\]\(command:evil\)/.test(h) ? `unescaped: ${h.slice(0, 200)}` : null;
    });
    await record('a damaged report.json gives an error naming it', async () => {
      const dir = path.join(ws, '.genre-lens/models/zz-damaged');
      fs.cpSync(modelDir, dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'report.json'), '{"formatVersion": 1, "genres": [');
      fs.writeFileSync(path.join(ws, '.genre-lens/current.json'), JSON.stringify({ model: 'models/zz-damaged' }));
      let s = await conn.sendRequest(Requests.modelStatus);
      // Until the daemon has switched to zz-damaged (the previous case leaves an error about zz-evil).
      const switched = () => (s.state === 'error' && s.message.includes('zz-damaged')) || (s.state === 'ready' && s.model.dir === dir);
      for (let i = 0; i < 50 && !switched(); i++) {
        await sleep(200);
        s = await conn.sendRequest(Requests.modelStatus);
      }
      if (s.state === 'error') return /report\.json/.test(s.message) ? null : `load error: ${s.message.slice(0, 160)}`;
      const r = await timeout(conn.sendRequest(Requests.getReport).then(() => 'answered', (e: Error) => e.message), HOVER_MS, 'getReport');
      return /report\.json/.test(r) ? null : `getReport: ${r.slice(0, 160)}`;
    });
    await record('memory stays bounded', async () => {
      const peakKb = session.peakKb();
      return peakKb > 0 && peakKb < MAX_RSS_KB ? null : `peak RSS ${Math.round(peakKb / 1024)} MB`;
    });
  } catch (e) {
    out.push({ name: 'daemon: session', problem: (e as Error).message });
  } finally {
    await record('shutdown and exit promptly (else SIGTERM)', session.stop);
  }
  return out;
}

function helpers(conn: ProtocolConnection, ws: string) {
  const open = (name: string, languageId: string, text: string) => {
    const uri = pathToFileURL(path.join(ws, name)).href;
    void conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    return uri;
  };
  const hover = async (uri: string, line: number, character = 2): Promise<string | null> => {
    const h = (await timeout(conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } }), HOVER_MS,
      `hover ${path.basename(uri)}:${line + 1}`)) as Hover | null;
    return h ? (h.contents as MarkupContent).value : null;
  };
  const ready = async () => {
    for (let i = 0; i < 300; i++) {
      const s = await timeout(conn.sendRequest(Requests.modelStatus), HOVER_MS, 'modelStatus');
      if (s.state === 'ready') return s.model.dir;
      await sleep(200);
    }
    throw new Error('the daemon never loaded the model');
  };
  return { open, hover, ready };
}

/** A client that does not implement window/showMessageRequest, with a bad setting (a warning) and malformed params. */
async function clientWithoutShowMessageRequest(ctx: Ctx, ws: string, record: (name: string, body: () => Promise<string | null>) => Promise<void>) {
  const session = startSession(ctx, ws, { showMessageRequest: false });
  const { conn } = session;
  const { open, hover, ready } = helpers(conn, ws);
  const alive = () => session.server.exitCode === null && session.server.signalCode === null;
  const csv = csvText(movies().slice(0, 3), ['id', 'title', 'overview', 'genres']);
  try {
    await record('a client without showMessageRequest, sent a bad-settings warning: the daemon keeps answering hovers', async () => {
      await initialize(conn, ws, { trusted: true, keepModels: -1, seed: 'x' });
      await conn.sendNotification('initialized', {});
      await ready();
      const uri = open('plain.csv', 'csv', csv);
      await sleep(500);
      const h = await hover(uri, 1);
      await sleep(500);
      return !alive() ? `the daemon exited (code ${session.server.exitCode})` : h && h.includes('predicted genres') ? null : `hover: ${h}`;
    });
    const bad: [string, unknown, RegExp][] = [
      ['genreLens/predictFile', { data: { toString: 1 }, out: 'x.csv' }, /^genreLens\/predictFile: data: expected a file URI or path \(a string\)$/],
      ['genreLens/train', { data: 12 }, /^genreLens\/train: data: expected a file URI or path \(a string\)$/],
      ['genreLens/train', { data: `${ctx.server}/train.csv` }, /^genreLens\/train: data: .* is not a file on disk \(its scheme is http:\)/],
      ['genreLens/train', { data: 'plain.csv', evalFile: 'untitled:Untitled-1' }, /^genreLens\/train: evalFile: .*save the document first$/],
      ['genreLens/predictFile', { data: 'plain.csv', out: 'http://example.com/p.csv' }, /^genreLens\/predictFile: out: .* is not a file on disk/],
      ['genreLens/selectModel', { dir: 42 }, /^genreLens\/selectModel: dir: expected a model folder/],
      ['genreLens/deleteOldModels', { keep: 'abc', dryRun: 'yes' }, /^genreLens\/deleteOldModels: keep: expected an integer of at least 1; dryRun: /],
      ['genreLens/detectColumns', [{ data: 'plain.csv' }], /by name/],
    ];
    for (const [method, params, expected] of bad) {
      await record(`${method} ${JSON.stringify(params).slice(0, 60)} is refused with a message naming the field`, async () => {
        const r = await timeout(conn.sendRequest(method, params).then(() => 'answered without an error', (e: Error) => e.message), HOVER_MS, method);
        return expected.test(r) ? null : `said: ${r.slice(0, 200)}`;
      });
    }
    await record('a hover in a 1,000,000-line JSONL document says it is too large, quickly and in bounded memory', async () => {
      const uri = open('million.jsonl', 'jsonl', '{"title":"t","overview":"o","genres":"Drama"}\n'.repeat(1_000_000));
      const h = (await hover(uri, 999_998)) ?? '';
      const kb = session.peakKb();
      if (!/too large for hovers/.test(h)) return `hover: ${h.slice(0, 160)}`;
      return kb < 1024 * 1024 ? null : `peak RSS ${Math.round(kb / 1024)} MB`;
    });
    await record('no training or prediction started from the bad params', async () => {
      const models = fs.readdirSync(path.join(ws, '.genre-lens/models')).length;
      return fs.existsSync(path.join(ws, 'x.csv')) || models !== 1 ? `x.csv written or ${models} models in the store` : null;
    });
  } finally {
    await record('(no showMessageRequest client) shutdown and exit promptly', session.stop);
  }
}
