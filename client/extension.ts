// The Genre Lens extension. Activating is cheap: the daemon (client/daemonClient.ts) starts only when it is wanted —
// an open CSV/TSV/JSONL document, a JSON document that looks like a movie dataset (client/datasetSniff.ts), a model
// store in the workspace, or any Genre Lens command. Wires the commands, the status bar, the walkthrough and the report panel (refreshed
// when a new model is served, and again when its text-only/poster-only comparison lands).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ColumnSettings, DaemonSettings, ModelState, Notifications, Requests } from '../common/protocol';
import { registerCommands } from './commands';
import { Daemon } from './daemonClient';
import { documentHead, wantsDaemon } from './datasetSniff';
import { buildDaemonSettings } from './settings';
import { statusText } from './format';
import { ReportPanel } from './reportPanel';
import { markDatasetOpened, presetModelContext, registerWalkthrough, setModelContext } from './walkthrough';

let daemon: Daemon | undefined;

/** The settings for the daemon. Machine-scoped ones come from the user's settings only (see client/settings.ts),
 * and `trusted` follows Workspace Trust: in Restricted Mode the daemon downloads nothing and refuses to train. */
function daemonSettings(context: vscode.ExtensionContext): DaemonSettings {
  const c = vscode.workspace.getConfiguration('genreLens');
  return buildDaemonSettings((key) => c.inspect(key), {
    trusted: vscode.workspace.isTrusted, env: process.env, defaultCache: path.join(context.globalStorageUri.fsPath, 'cache'),
  });
}

/** The model store the daemon will use (server.ts storeDir): genreLens.modelStore, else `.genre-lens/` in the first
 * workspace folder; undefined without a folder on disk. */
function storeFolder(settings: DaemonSettings): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const root = folder?.scheme === 'file' ? folder.fsPath : undefined;
  if (settings.modelStore) return path.resolve(root ?? process.cwd(), settings.modelStore);
  return root && path.join(root, '.genre-lens');
}

/** The document wants the daemon (a CSV/TSV/JSONL file, or JSON that looks like a movie dataset). */
function documentWantsDaemon(doc: vscode.TextDocument): boolean {
  const columns = vscode.workspace.getConfiguration('genreLens').get<ColumnSettings>('columns');
  return wantsDaemon({ scheme: doc.uri.scheme, path: doc.uri.fsPath, languageId: doc.languageId, head: () => documentHead(doc) }, columns);
}

/** Starts the daemon now if a store or a dataset document is there; otherwise once one appears (the listeners go
 * away once it has started, also when a command started it). */
function startWhenWanted(context: vscode.ExtensionContext, start: (why: string) => void, started: () => boolean): void {
  const store = storeFolder(daemonSettings(context));
  if (store && fs.existsSync(path.join(store, 'current.json'))) return start(`a model store is in the workspace (${store})`);
  const open = vscode.workspace.textDocuments.find(documentWantsDaemon);
  if (open) return start(`${path.basename(open.uri.fsPath)} is open`);
  const triggers: vscode.Disposable[] = [];
  const startOnce = (why: string) => {
    triggers.forEach((d) => d.dispose());
    start(why);
  };
  triggers.push(vscode.workspace.onDidOpenTextDocument((doc) => {
    if (started()) triggers.forEach((d) => d.dispose());
    else if (documentWantsDaemon(doc)) startOnce(`${path.basename(doc.uri.fsPath)} was opened`);
  }));
  if (store) { // the store's parent is watched: the store itself may not exist yet
    const pattern = new vscode.RelativePattern(vscode.Uri.file(path.dirname(store)), `${path.basename(store)}/current.json`);
    const watcher = vscode.workspace.createFileSystemWatcher(pattern, false, true, true);
    triggers.push(watcher, watcher.onDidCreate(() => startOnce(`a model was saved into ${store}`)));
  }
  context.subscriptions.push(...triggers);
}

/** Sets `genreLens.datasetOpened` (the walkthrough's first step) once a movie dataset is or gets open. */
function watchForDataset(context: vscode.ExtensionContext): void {
  if (vscode.workspace.textDocuments.some(documentWantsDaemon)) return markDatasetOpened();
  const listener = vscode.workspace.onDidOpenTextDocument((doc) => {
    if (!documentWantsDaemon(doc)) return;
    markDatasetOpened();
    listener.dispose();
  });
  context.subscriptions.push(listener);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Genre Lens', { log: true });
  // Hidden until the daemon has started and said which model it has.
  const status = vscode.window.createStatusBarItem('genreLens.status', vscode.StatusBarAlignment.Right, 100);
  status.name = 'Genre Lens';
  context.subscriptions.push(log, status);
  let lastState: ModelState = { state: 'none', store: '' };
  let answered = false;
  void presetModelContext(storeFolder(daemonSettings(context)), () => answered);
  const showState = (s: ModelState) => {
    lastState = s;
    answered = true;
    const { text, tooltip, warning } = statusText(s);
    status.text = text;
    status.tooltip = tooltip;
    // A model trained with a fallback encoder: the warning colours (statusText says which encoder and how to fix it).
    status.backgroundColor = warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    status.command = s.state === 'none' ? 'genreLens.train' : 'genreLens.showReport';
    status.show();
    // genreLens.hasModel / training: the commands' `when` clauses, the welcome view and the walkthrough.
    setModelContext(s);
    ReportPanel.onModelState(s);
  };

  const d = new Daemon(context, log, () => daemonSettings(context),
    (client) => context.subscriptions.push(client.onNotification(Notifications.status, showState),
      client.onNotification(Notifications.reportChanged, (r) => {
        if (r.comparison === 'failed') log.warn(`The text-only/poster-only comparison failed (the model is kept): ${r.message ?? 'no reason given'}`);
        ReportPanel.onReportChanged(r.model);
      })),
    async (client) => showState(await client.sendRequest(Requests.modelStatus)));
  daemon = d;
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('genreLens')) {
      void d.running?.sendNotification('workspace/didChangeConfiguration', { settings: { genreLens: daemonSettings(context) } });
    }
  }));
  // Trust granted: restart a running daemon so it has downloads and training allowed (a later start reads the trust).
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => {
    const running = d.running;
    if (!running) return;
    log.info('Workspace trusted: restarting the daemon with downloads and training allowed.');
    void running.restart();
  }));
  registerCommands(context, d, log, () => lastState);
  registerWalkthrough(context, log);
  watchForDataset(context);
  ReportPanel.register(context, () => d.start('the report panel was opened'));
  startWhenWanted(context, (why) => void d.start(why).catch((e: unknown) =>
    vscode.window.showErrorMessage(`Genre Lens: the daemon did not start: ${e instanceof Error ? e.message : String(e)}. See the "Genre Lens" log.`)),
  () => d.running !== undefined);
}

export async function deactivate(): Promise<void> {
  await daemon?.stop();
}
