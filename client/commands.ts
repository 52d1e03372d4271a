// The command-palette commands: Train Genre Model on CSV… (pick a file, confirm columns, choose the evaluation
// split, train with a cancellable progress notification), Predict Genres for This File, Select Model, Delete Old
// Models…, Clear Embedding Cache, Restart Daemon, Fill Missing Genres in This File. Each starts the daemon first if it is not running yet. Training and predicting need a
// trusted workspace (the daemon refuses them too).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, WorkDoneProgress, WorkDoneProgressBegin, WorkDoneProgressReport } from 'vscode-languageclient/node';
import { ColumnSettings, FILL_MAX_ROWS, FILL_MISSING_COMMAND, ModelState, Requests, TrainParams } from '../common/protocol';
import type { Daemon } from './daemonClient';
import { DATA_EXCLUDE, DATA_GLOB, fallbackNote, predictionsPath } from './format';

const isData = (uri: vscode.Uri) => /\.(csv|tsv|json|jsonl|ndjson)$/i.test(uri.fsPath);

function requireTrust(what: string): void {
  if (!vscode.workspace.isTrusted) {
    throw new Error(`${what} needs a trusted workspace: this one is in Restricted Mode (Manage Workspace Trust to change it).`);
  }
}

async function pickDataFile(title: string, exclude?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const files = await vscode.workspace.findFiles(DATA_GLOB, DATA_EXCLUDE, 500);
  const items = files.filter((f) => f.toString() !== exclude?.toString())
    .sort((a, b) => (a.toString() === active?.toString() ? -1 : b.toString() === active?.toString() ? 1 : a.fsPath.localeCompare(b.fsPath)))
    .map((uri) => ({ label: vscode.workspace.asRelativePath(uri), description: uri.toString() === active?.toString() ? 'active editor' : '', uri }));
  const browse = { label: '$(folder-opened) Browse…', description: '', uri: undefined as vscode.Uri | undefined };
  const picked = await vscode.window.showQuickPick([...items, browse], { title, placeHolder: 'A CSV, JSON or JSONL file of movies' });
  if (!picked) return undefined;
  if (picked.uri) return picked.uri;
  const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Movie datasets': ['csv', 'tsv', 'json', 'jsonl', 'ndjson'] } });
  return chosen?.[0];
}

const NONE = '(none)';

/** Shows the detected columns and lets the user accept them or choose each role's column ("(none)" sends null). */
async function confirmColumns(client: LanguageClient, data: vscode.Uri): Promise<ColumnSettings | undefined> {
  const d = await client.sendRequest(Requests.detectColumns, { data: data.toString() });
  const show = (v: string | null) => v ?? '—';
  const summary = `text: ${show(d.columns.text)} · genres: ${show(d.columns.genres)} · title: ${show(d.columns.title)} · poster: ${show(d.columns.poster)}`;
  const detail = `${d.rows} rows, ${d.labelledRows} with genres; ${d.genres.length} genres: ${d.genres.slice(0, 8).map((g) => g.name).join(', ')}${d.genres.length > 8 ? '…' : ''}`;
  const choice = await vscode.window.showQuickPick([
    { label: '$(check) Use the detected columns', description: summary, detail, id: 'ok' },
    { label: '$(edit) Choose the columns…', description: d.available.join(', '), id: 'choose' },
  ], { title: `Columns of ${path.basename(data.fsPath)}` });
  if (!choice) return undefined;
  if (d.issues.length) void vscode.window.showWarningMessage(`Genre Lens: ${d.issues.length} problem(s) in ${path.basename(data.fsPath)}: ${d.issues[0]}`);
  if (choice.id === 'ok') {
    if (!d.columns.genres) throw new Error(`${path.basename(data.fsPath)} has no genres column to learn from.`);
    return {};
  }
  const columns: ColumnSettings = {};
  for (const role of ['text', 'genres', 'title', 'poster'] as const) {
    const none = role === 'title' || role === 'poster' ? [{ label: NONE, description: 'do not use a column', picked: d.columns[role] === null }] : [];
    const options = [...d.available.map((c) => ({ label: c, description: '', picked: c === d.columns[role] })), ...none];
    const pick = await vscode.window.showQuickPick(options, { title: `Which column is the ${role}?`, placeHolder: `detected: ${show(d.columns[role])}` });
    if (!pick) return undefined;
    columns[role] = pick.label === NONE && pick.description ? null : pick.label; // null: the role is left out, not auto-detected
  }
  return columns;
}

async function train(daemon: Daemon, log: vscode.LogOutputChannel, uri?: vscode.Uri): Promise<void> {
  requireTrust('Training');
  const client = await daemon.start('Train Genre Model was run');
  const data = uri && isData(uri) ? uri : await pickDataFile('Train a genre model on…');
  if (!data) return;
  const columns = await confirmColumns(client, data);
  if (!columns) return;
  const seed = vscode.workspace.getConfiguration('genreLens').get<number>('seed');
  const split = await vscode.window.showQuickPick([
    { label: 'Hold out 20% of the rows', description: `seeded (${seed ?? 42}), stratified by genre`, fraction: 0.2 },
    { label: 'Hold out 10% of the rows', description: 'seeded, stratified by genre', fraction: 0.1 },
    { label: 'Evaluate on another file…', description: 'e.g. a fixed test split', fraction: 0 },
  ], { title: 'Evaluation rows' });
  if (!split) return;
  const params: TrainParams = { data: data.toString(), columns, seed };
  if (split.fraction > 0) params.evalFraction = split.fraction;
  else {
    const evalFile = await pickDataFile('Evaluate on…', data);
    if (!evalFile) return;
    params.evalFile = evalFile.toString();
  }
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Training genre model on ${path.basename(data.fsPath)}`,
    cancellable: true }, async (progress, cancel) => {
    const token = `genre-lens-train-${Date.now()}`;
    let last = 0;
    const sub = client.onProgress(WorkDoneProgress.type, token, (v) => {
      if (v.kind === 'end') return;
      // The message names the phase (an encoder download in MB: `downloading onnx/model.onnx 12.3/90.4 MB`).
      const pct = Math.max(last, (v as WorkDoneProgressBegin | WorkDoneProgressReport).percentage ?? last);
      progress.report({ increment: pct - last, message: v.message });
      last = pct;
    });
    try {
      return await client.sendRequest(Requests.train, { ...params, workDoneToken: token }, cancel);
    } catch (e) {
      if (!cancel.isCancellationRequested) throw e;
      void vscode.window.showInformationMessage('Genre Lens: training cancelled; the previous model is unchanged.');
      return null;
    } finally {
      sub.dispose();
    }
  });
  if (!r) return;
  // Shown after the progress notification has closed, so it does not keep the progress on screen.
  r.warnings.forEach((w) => log.warn(w));
  const fallback = fallbackNote(r.model); // a bundled stand-in encoder was used: say so as a warning
  const comparison = r.comparison === 'pending' ? ' The text-only/poster-only comparison is still running; the report shows it when it lands.'
    : r.comparison === 'failed' ? ' The text-only/poster-only comparison failed (see the log); the model is kept.' : '';
  const message = `Genre model ready: micro-F1 ${r.model.microF1.toFixed(3)}, macro-F1 ${r.model.macroF1.toFixed(3)}` +
    ` on ${r.model.evalRows} evaluation rows.${comparison}${r.warnings.length ? ` ${r.warnings.length} warning(s) in the log.` : ''}`;
  void (fallback ? vscode.window.showWarningMessage(`${message} ${fallback}`, 'Show Report') : vscode.window.showInformationMessage(message, 'Show Report'))
    .then((open) => open && vscode.commands.executeCommand('genreLens.showReport'));
}

async function predictFile(daemon: Daemon, uri?: vscode.Uri): Promise<void> {
  requireTrust('Predicting a file');
  const data = uri && isData(uri) ? uri : vscode.window.activeTextEditor?.document.uri;
  if (!data || !isData(data)) throw new Error('Open a CSV, JSON or JSONL file of movies first.');
  const client = await daemon.start('Predict Genres was run');
  const out = predictionsPath(data.fsPath);
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Predicting genres for ${path.basename(data.fsPath)}` },
    () => client.sendRequest(Requests.predictFile, { data: data.toString(), out }));
  await vscode.window.showTextDocument(vscode.Uri.file(r.out), { preview: false, viewColumn: vscode.ViewColumn.Beside });
  void vscode.window.showInformationMessage(`Genre Lens: predicted ${r.rows} rows into ${path.basename(r.out)}.`);
}

async function selectModel(daemon: Daemon): Promise<void> {
  const client = await daemon.start('Select Model was run');
  const models = await client.sendRequest(Requests.listModels);
  const items = models.map((m) => ({ label: `${path.basename(m.dataset)} — micro-F1 ${m.microF1.toFixed(3)}`,
    description: new Date(m.createdAt).toLocaleString(), detail: m.dir, dir: m.dir as string | null }));
  const browse = { label: '$(folder-opened) A model folder elsewhere…', description: '', detail: '', dir: null };
  const pick = await vscode.window.showQuickPick([...items, browse], { title: 'Select the genre model for hovers and the report' });
  if (!pick) return;
  let dir = pick.dir;
  if (dir === null) {
    const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use this model' });
    if (!chosen?.[0]) return;
    dir = chosen[0].fsPath;
  }
  const s = await client.sendRequest(Requests.selectModel, { dir });
  if (s.state === 'error') throw new Error(s.message);
}

/** Fill Missing Genres in This File: the daemon predicts the rows with an empty genre cell and sends one edit, which
 * VS Code previews (refactor preview) before applying it. */
async function fillMissingGenres(daemon: Daemon, uri?: vscode.Uri): Promise<void> {
  requireTrust('Filling missing genres');
  const doc = uri && isData(uri) ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!doc || !isData(doc.uri)) throw new Error('Open a CSV, JSON or JSONL file of movies first.');
  const client = await daemon.start('Fill Missing Genres was run');
  const r = await client.sendRequest(Requests.fillMissingGenres, { uri: doc.uri.toString() });
  const name = path.basename(doc.uri.fsPath);
  const skipped = [
    r.unpredicted ? ` ${r.unpredicted} row(s) stay empty: no genre is above its threshold for them.` : '',
    r.unwritable ? ` ${r.unwritable} row(s) stay empty: their predicted genres cannot be written in this file's genre format (see the Genre Lens output).` : '',
    r.remaining ? ` Only the first ${FILL_MAX_ROWS} empty rows were looked at; ${r.remaining} more were not (fill or delete those that stay empty, then run it again).` : '',
  ].join('');
  const message = r.rows === 0 ? (r.unpredicted || r.unwritable ? `Genre Lens: nothing to fill in ${name}.${skipped}` : `Genre Lens: no row of ${name} has an empty genre cell.`)
    : r.applied ? `Genre Lens: filled the genres of ${r.rows} row(s) in ${name} (Undo reverts it).${skipped}` : `Genre Lens: the ${r.rows} fill(s) were not applied.`;
  void vscode.window.showInformationMessage(message);
}

/** Asks the daemon what retention would delete, confirms with a modal dialog, then deletes. */
async function deleteOldModels(daemon: Daemon): Promise<void> {
  const client = await daemon.start('Delete Old Models was run');
  const plan = await client.sendRequest(Requests.deleteOldModels, { dryRun: true }); // keeps the genreLens.keepModels newest
  if (!plan.deleted.length) {
    void vscode.window.showInformationMessage(`Genre Lens: nothing to delete; the store keeps ${plan.kept.length} model(s).`);
    return;
  }
  const names = plan.deleted.map((d) => path.basename(d));
  const ok = await vscode.window.showWarningMessage(`Delete ${plan.deleted.length} old genre model(s) from ${plan.store}?`, {
    modal: true,
    detail: `Kept: ${plan.kept.length} (the newest ${plan.keep}, the current and any selected model).\nDeleted:\n${names.slice(0, 15).join('\n')}` +
      `${names.length > 15 ? `\n… and ${names.length - 15} more` : ''}`,
  }, 'Delete');
  if (ok !== 'Delete') return;
  const done = await client.sendRequest(Requests.deleteOldModels, { keep: plan.keep });
  void vscode.window.showInformationMessage(`Genre Lens: deleted ${done.deleted.length} old model(s); ${done.kept.length} kept.`);
}

/** Clear Embedding Cache: asks nothing (it is a cache); says what was removed and what was left. */
async function clearEmbeddingCache(daemon: Daemon, log: vscode.LogOutputChannel): Promise<void> {
  const client = await daemon.start('Clear Embedding Cache was run');
  const r = await client.sendRequest(Requests.clearEmbeddingCache);
  r.removed.forEach((x) => log.info(`removed ${x.file}`));
  r.left.forEach((x) => log.warn(`left ${x.file}: ${x.why}`));
  const mb = (r.removed.reduce((n, x) => n + x.bytes, 0) / 1e6).toFixed(1);
  if (r.left.length) throw new Error(`embedding cache cleared (${mb} MB), but ${r.left.length} file(s) in ${r.dir} were left: ${r.left[0].file}: ${r.left[0].why}`);
  if (r.emptied) log.info(`emptied ${r.emptied}`);
  void vscode.window.showInformationMessage(r.removed.length || r.emptied ? `Genre Lens: embedding cache cleared; the next run encodes again.`
    : 'Genre Lens: the embedding cache was already empty.');
}

export function registerCommands(context: vscode.ExtensionContext, daemon: Daemon, log: vscode.LogOutputChannel,
  state: () => ModelState): void {
  const guard = (fn: (...args: never[]) => Promise<void>) => async (...args: never[]) => {
    try {
      await fn(...args);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      log.error(msg);
      void vscode.window.showErrorMessage(`Genre Lens: ${msg}`);
    }
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('genreLens.train', guard((uri?: vscode.Uri) => train(daemon, log, uri))),
    vscode.commands.registerCommand('genreLens.predictFile', guard((uri?: vscode.Uri) => predictFile(daemon, uri))),
    vscode.commands.registerCommand('genreLens.selectModel', guard(() => selectModel(daemon))),
    vscode.commands.registerCommand('genreLens.deleteOldModels', guard(() => deleteOldModels(daemon))),
    vscode.commands.registerCommand('genreLens.clearEmbeddingCache', guard(() => clearEmbeddingCache(daemon, log))),
    vscode.commands.registerCommand(FILL_MISSING_COMMAND, guard((uri?: vscode.Uri) => fillMissingGenres(daemon, uri))),
    vscode.commands.registerCommand('genreLens.cancelTraining', guard(async () => {
      // Only a running daemon can be training (or comparing: that stops the comparison, the model stays).
      const s = state();
      if (s.state === 'training' || (s.state === 'ready' && s.comparison)) await daemon.running?.sendRequest(Requests.cancelTraining);
    })),
    vscode.commands.registerCommand('genreLens.restartDaemon', guard(async () => {
      await daemon.restart('Restart Daemon was run');
      void vscode.window.showInformationMessage('Genre Lens: daemon restarted.');
    })),
  );
}
