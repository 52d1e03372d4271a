// The Genre Lens extension: starts the daemon (server/server.ts) as a language client, restarts it after a crash,
// and wires the commands, the status bar and the report panel. Everything that imports `vscode` lives in client/.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction, ErrorAction, LanguageClient, LanguageClientOptions, ServerOptions, TransportKind,
} from 'vscode-languageclient/node';
import { DaemonSettings, ModelState, Notifications, Requests } from '../common/protocol';
import { registerCommands } from './commands';
import { buildDaemonSettings } from './settings';
import { statusText } from './format';
import { ReportPanel } from './reportPanel';

let client: LanguageClient | undefined;

/** The settings for the daemon. Machine-scoped ones come from the user's settings only (see client/settings.ts),
 * and `trusted` follows Workspace Trust: in Restricted Mode the daemon downloads nothing and refuses to train. */
function daemonSettings(context: vscode.ExtensionContext): DaemonSettings {
  const c = vscode.workspace.getConfiguration('genreLens');
  return buildDaemonSettings((key) => c.inspect(key), {
    trusted: vscode.workspace.isTrusted, env: process.env, defaultCache: path.join(context.globalStorageUri.fsPath, 'cache'),
  });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Genre Lens', { log: true });
  const status = vscode.window.createStatusBarItem('genreLens.status', vscode.StatusBarAlignment.Right, 100);
  status.name = 'Genre Lens';
  context.subscriptions.push(log, status);
  let lastState: ModelState = { state: 'none', store: '' };
  const showState = (s: ModelState) => {
    lastState = s;
    const { text, tooltip } = statusText(s);
    status.text = text;
    status.tooltip = tooltip;
    status.command = s.state === 'none' ? 'genreLens.train' : 'genreLens.showReport';
    status.show();
    void vscode.commands.executeCommand('setContext', 'genreLens.training', s.state === 'training');
    ReportPanel.onModelState(s);
  };
  showState(lastState);

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
    initializationOptions: () => daemonSettings(context), // re-read on every (re)start
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
          const md = new vscode.MarkdownString(c.value);
          md.isTrusted = { enabledCommands: ['genreLens.train'] };
          md.supportHtml = false;
          return md;
        });
        return new vscode.Hover(contents, hover.range);
      },
    },
  };
  client = new LanguageClient('genreLens', 'Genre Lens', serverOptions, clientOptions);
  const lc = client;
  context.subscriptions.push(lc.onNotification(Notifications.status, showState));
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('genreLens')) void lc.sendNotification('workspace/didChangeConfiguration', { settings: { genreLens: daemonSettings(context) } });
  }));
  // Trust granted: restart the daemon so it starts with downloads and training allowed.
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => {
    log.info('Workspace trusted: restarting the daemon with downloads and training allowed.');
    void lc.restart();
  }));
  registerCommands(context, lc, log, () => lastState);
  ReportPanel.register(context, lc);
  await lc.start();
  showState(await lc.sendRequest(Requests.modelStatus));
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
