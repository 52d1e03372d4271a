// The daemon (server/server.ts) as a language client, started on first use: `Daemon.start()` creates and starts it
// once (later calls share that start), and it is restarted after a crash (up to 5 times). Hovers keep only Genre Lens's
// own command links. Until something starts it, no daemon process runs and nothing is written to the workspace.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction, ErrorAction, LanguageClient, LanguageClientOptions, ServerOptions, State, TransportKind,
} from 'vscode-languageclient/node';
import type { DaemonSettings } from '../common/protocol';
import { isPredictionHover } from './firstRun';
import { markHoverShown } from './walkthrough';

function createLanguageClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, settings: () => DaemonSettings): LanguageClient {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  let crashes = 0;
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'csv' }, { scheme: 'file', language: 'json' }, { scheme: 'file', language: 'jsonl' },
      { scheme: 'untitled', language: 'csv' }, { scheme: 'file', pattern: '**/*.{csv,tsv,jsonl,ndjson}' },
    ],
    initializationOptions: settings, // re-read on every (re)start
    outputChannel: log,
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => {
        crashes++;
        void vscode.window.showWarningMessage(`Genre Lens: the daemon stopped unexpectedly and is being restarted (${crashes}). See the "Genre Lens" log.`);
        return { action: crashes <= 5 ? CloseAction.Restart : CloseAction.DoNotRestart };
      },
    },
    middleware: {
      // Hovers come as Markdown from data the user does not control: allow only Genre Lens's own command links.
      provideHover: async (doc, pos, token, next) => {
        const hover = await next(doc, pos, token);
        if (!hover) return hover;
        const contents = hover.contents.map((c) => {
          if (!(c instanceof vscode.MarkdownString)) return c;
          if (isPredictionHover(c.value)) markHoverShown(); // the walkthrough's "Hover a row" step
          const md = new vscode.MarkdownString(c.value);
          md.isTrusted = { enabledCommands: ['genreLens.train'] };
          md.supportHtml = false;
          return md;
        });
        return new vscode.Hover(contents, hover.range);
      },
    },
  };
  return new LanguageClient('genreLens', 'Genre Lens', serverOptions, clientOptions);
}

/** The daemon, started on first use. */
export class Daemon {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient> | undefined;
  private started = false;

  /** `onCreated` subscribes to the new client (before it starts); `onStarted` runs once it has started (not awaited:
   * a command waits only for the start, not for what `onStarted` asks the daemon). */
  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel,
    private readonly settings: () => DaemonSettings, private readonly onCreated: (client: LanguageClient) => void,
    private readonly onStarted: (client: LanguageClient) => Promise<void>) {}

  /** The running client, or undefined before the daemon has started. */
  get running(): LanguageClient | undefined {
    return this.client?.isRunning() ? this.client : undefined;
  }

  /** Starts the daemon unless it is started or starting; `why` goes to the log. A failed start is tried again next time,
   * and so is a daemon that stopped for good (after too many crashes the client does not restart it by itself). */
  start(why: string): Promise<LanguageClient> {
    const stopped = this.client;
    if (this.started && stopped?.state === State.Stopped) {
      this.log.info(`Starting the daemon again: ${why}.`);
      this.starting = stopped.start().then(() => stopped, (e: unknown) => {
        this.starting = undefined;
        throw e;
      });
    }
    this.starting ??= (async () => {
      this.log.info(`Starting the daemon: ${why}.`);
      const client = createLanguageClient(this.context, this.log, this.settings);
      this.client = client;
      this.onCreated(client);
      await client.start();
      this.started = true;
      this.onStarted(client).catch((e: unknown) => this.log.error(`After the daemon started: ${e instanceof Error ? e.message : String(e)}`));
      return client;
    })().catch((e: unknown) => {
      this.starting = undefined;
      void this.client?.stop().catch(() => undefined);
      this.client = undefined;
      this.log.error(`The daemon did not start: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    });
    return this.starting;
  }

  /** Restarts a running daemon, or starts it. */
  async restart(why: string): Promise<void> {
    if (this.starting && this.client) {
      await this.starting;
      await this.client.restart();
    } else await this.start(why);
  }

  async stop(): Promise<void> {
    await this.client?.stop();
  }
}
