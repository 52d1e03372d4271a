// The first-run experience: the walkthrough's commands (Open the Example Dataset, Get Started), the explorer's welcome
// view (an empty tree, so VS Code shows its welcome content while no model is known) and the context keys whose
// `onContext:` completion events tick the walkthrough's steps off (package.json `contributes.walkthroughs`).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelState } from '../common/protocol';
import { copyExample, modelContext } from './firstRun';

export const WALKTHROUGH = 'genreLens.gettingStarted';
export const WELCOME_VIEW = 'genreLens.welcome';

const setContext = (key: string, value: boolean) => void vscode.commands.executeCommand('setContext', key, value);
const once = new Set<string>();
/** Sets a walkthrough key to true, once per session (the walkthrough remembers a completed step itself). */
function mark(key: string): void {
  if (once.has(key)) return;
  once.add(key);
  setContext(key, true);
}

/** A movie dataset (CSV/TSV/JSONL, or JSON that looks like one) was opened: the "Open a dataset" step completes. */
export const markDatasetOpened = () => mark('genreLens.datasetOpened');
/** A hover showed a row's predicted genres: the "Hover a row" step completes. */
export const markHoverShown = () => mark('genreLens.hoverShown');
/** The report panel was opened (also after a reload restored it): the "Open the report" step completes. */
export const markReportOpened = () => mark('genreLens.reportOpened');

/** Sets `genreLens.hasModel` and `genreLens.training` from the daemon's model state. */
export function setModelContext(s: ModelState): void {
  for (const [key, value] of Object.entries(modelContext(s))) setContext(key, value);
}

/**
 * Before the daemon has said anything: `genreLens.hasModel` when the store the daemon will use (`store`, from
 * client/extension.ts) holds `current.json` — the daemon then starts at once and its state takes over — so a workspace
 * with a model does not flash the welcome view (shown while the key is unset, which is also what shows it in a fresh
 * workspace). `answered()` is true once the daemon's state has set the keys.
 */
export async function presetModelContext(store: string | undefined, answered: () => boolean): Promise<void> {
  if (!store) return;
  const found = await vscode.workspace.fs.stat(vscode.Uri.file(path.join(store, 'current.json'))).then(() => true, () => false);
  if (found && !answered()) setContext('genreLens.hasModel', true);
}

/** Open the Example Dataset: copies examples/movies.csv and its posters into a new folder of the workspace (never
 * overwriting anything: client/firstRun.ts) and opens the CSV. Without a folder on disk it offers to open one. */
async function openExample(context: vscode.ExtensionContext): Promise<void> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  const folder = folders.length > 1
    ? await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Copy the example dataset into which folder?' })
    : folders[0];
  if (folders.length > 1 && !folder) return;
  if (!folder || folder.uri.scheme !== 'file') {
    const open = await vscode.window.showInformationMessage('Genre Lens: open a folder first; the example dataset is copied into it.', 'Open Folder…');
    if (open) await vscode.commands.executeCommand('workbench.action.files.openFolder');
    return;
  }
  const { dir, csv } = copyExample(context.asAbsolutePath('examples'), folder.uri.fsPath);
  await vscode.window.showTextDocument(vscode.Uri.file(csv), { preview: false });
  void vscode.window.showInformationMessage(`Genre Lens: copied the example dataset (movies.csv and its posters) into ` +
    `${path.relative(folder.uri.fsPath, dir)}/. Next: train a model on it.`, 'Train a Model')
    .then((next) => next && vscode.commands.executeCommand('genreLens.train', vscode.Uri.file(csv)));
}

export function registerWalkthrough(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  const guard = (fn: () => Promise<void>) => async () => {
    try {
      await fn();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      log.error(msg);
      void vscode.window.showErrorMessage(`Genre Lens: ${msg}`);
    }
  };
  const empty: vscode.TreeDataProvider<never> = { getChildren: () => [], getTreeItem: (item) => item };
  context.subscriptions.push(
    vscode.commands.registerCommand('genreLens.openExample', guard(() => openExample(context))),
    vscode.commands.registerCommand('genreLens.openWalkthrough', guard(async () => {
      await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${WALKTHROUGH}`, false);
    })),
    vscode.window.registerTreeDataProvider(WELCOME_VIEW, empty),
  );
}
