// The real daemon (`genre-lens serve --stdio` from the sources, through tsx) started in a workspace folder, with an LSP
// client connected the way an editor connects (initialize, then initialized). Shared by the daemon tests: `setup`
// registers a test's own handlers before the connection listens; stop() shuts the daemon down politely, then kills it.
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection, ProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';

const repo = path.resolve(__dirname, '..');

/** Polls `cond` until it holds (at most ~60 s of polls, so a daemon that never gets there fails the test, not hangs it). */
export async function until(cond: () => boolean, what = String(cond)): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 3000) throw new Error(`never true: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
/** Notifications the tests answer with nothing unless their `setup` registers its own handler (which replaces it). */
const QUIET = ['$/progress', 'genreLens/status', 'genreLens/reportChanged', 'window/logMessage', 'window/showMessage'];

export interface DaemonProcess {
  server: ChildProcess;
  conn: ProtocolConnection;
  stop(): Promise<void>;
}

export interface DaemonStart {
  initializationOptions: unknown;
  /** The client's capabilities; default: work-done progress and Markdown hovers. */
  capabilities?: object;
  setup?: (conn: ProtocolConnection) => void;
  /** Modules preloaded (--require) into the daemon and its threads, e.g. test/fakeEngine/hook.ts; and extra environment. */
  preload?: string[];
  env?: NodeJS.ProcessEnv;
}

export async function startDaemon(work: string, o: DaemonStart): Promise<DaemonProcess> {
  const preload = (o.preload ?? []).flatMap((m) => ['--require', m]);
  const server = spawn(process.execPath, [...(preload.length ? ['--require', require.resolve('tsx/cjs'), ...preload] : []),
    '--import', pathToFileURL(require.resolve('tsx')).href, path.join(repo, 'server/cli.ts'), 'serve', '--stdio'],
  { cwd: work, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, GENRE_LENS_CACHE: path.join(work, 'cache'), ...o.env } });
  const conn = createProtocolConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  conn.onRequest('window/workDoneProgress/create', () => null);
  for (const n of QUIET) conn.onNotification(n, () => undefined);
  o.setup?.(conn);
  conn.listen();
  server.once('exit', () => conn.dispose()); // a daemon that dies fails the pending request instead of hanging the test
  const uri = pathToFileURL(work).href;
  await conn.sendRequest('initialize', {
    processId: process.pid, rootUri: uri, workspaceFolders: [{ uri, name: 'w' }], initializationOptions: o.initializationOptions,
    capabilities: o.capabilities ?? { window: { workDoneProgress: true }, textDocument: { hover: { contentFormat: ['markdown'] } } },
  });
  await conn.sendNotification('initialized', {});
  return {
    server, conn, async stop() {
      await conn.sendRequest('shutdown').catch(() => undefined);
      await conn.sendNotification('exit').catch(() => undefined);
      conn.dispose();
      server.kill();
    },
  };
}
