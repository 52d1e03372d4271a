// The Genre Lens daemon: a language server (stdio, node IPC or socket) that answers hovers over movie rows in CSV,
// JSON and JSONL documents with genre predictions, and the custom requests in protocol.ts (train, cancel, status,
// report...). Training runs in a worker thread with LSP work-done progress; the model is reloaded when it changes —
// a new model as soon as it is saved, while its text-only/poster-only comparison goes on (reportChanged when it lands).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CancellationToken, ClientCapabilities, createConnection, InitializeResult, MessageType, ProposedFeatures, ShowMessageNotification, TextDocuments, TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DatasetOptions, formatIssue, readDataset } from './engine/data';
import { selectModel, STORE_DIR } from './engine/modelStore';
import { releaseOrphanedLock } from './engine/storeLock';
import { clearCache } from './engine/cacheAdmin';
import { cacheDirOf } from './engine/engineOptions';
import { loadModel, readManifest, readReport } from './engine/modelFiles';
import { installProcessGuards, quietly } from './daemonErrors';
import { DocumentDatasets } from './documents';
import { answerHover } from './hoverRequest';
import { JobCancelled, runJob } from './jobs';
import type { TrainJobResult } from './jobWorker';
import { ComparisonOutcome, ComparisonsEnded, Training } from './training';
import { HostOptions, ModelHost, settledHost, summarize } from './modelHost';
import { modelLoadProgress } from './loadProgress';
import { PredictClient } from './predictClient';
import { DaemonSettings, DetectColumnsResult, ModelState, Notifications, PredictFileResult, ReportChanged, Requests, TrainResult } from '../common/protocol';
import { checkParams, detectColumnsParams, predictFileParams, selectModelParams, trainParams } from './requestSchemas';
import { DEFAULT_KEEP_MODELS, validateSettings } from './settings';
import { Curation, CURATION_CAPABILITIES } from './curation';
import { registerStoreRequests } from './storeRequests';

const connection = createConnection(ProposedFeatures.all);
const logError = (m: string) => connection.console.error(m);
installProcessGuards(logError);
const documents = new TextDocuments(TextDocument);
let settings: DaemonSettings = {};
let clientCapabilities: ClientCapabilities = {};
let root = process.cwd();
let host: ModelHost;
/** The prediction thread, shared by every ModelHost this daemon makes (a settings change makes a new one). */
const predictClient = new PredictClient(modelLoadProgress(connection));
/** The running training: set before the first await of a train request, so two trainings never start at once; it
 * stays set (stage 'comparing') while the comparison that follows its saved, served model runs. */
let training: Training | null = null;
const comparisonsEnded = new ComparisonsEnded();
let pendingWarnings: string[] = [];

/** A validated file URI or path (requestSchemas.ts) as an absolute path; relative paths are in the workspace folder. */
const toPath = (uriOrPath: string) => (uriOrPath.startsWith('file:') ? fileURLToPath(uriOrPath) : path.resolve(root, uriOrPath));
const storeDir = () => (settings.modelStore ? path.resolve(root, settings.modelStore) : path.join(root, STORE_DIR));

/** Only a client that says the workspace is trusted gets downloads and training (Restricted Mode otherwise). */
const trusted = () => settings.trusted === true;
const RESTRICTED = 'this workspace is in Restricted Mode: trust it (Manage Workspace Trust) to train or predict; hovers still work.';

function engineOptions(): HostOptions {
  return {
    modelsDir: settings.modelsDirectory || undefined, imageModelUrl: settings.imageModelUrl || undefined,
    textEncoder: settings.textEncoder, imageEncoder: settings.imageEncoder, cacheDir: settings.cacheDirectory || undefined,
    // Encoder downloads: genreLens.downloadModels, and never in Restricted Mode (allowDownloads false wins in the engine).
    hubUrl: settings.hubUrl || undefined, allowModelDownloads: settings.downloadModels !== false,
    dataset: { posterBaseUrl: settings.posterBaseUrl || undefined, columns: { ...settings.columns } },
    allowDownloads: trusted(), allowPrivateNetwork: settings.allowPrivateNetwork === true,
    posterRoots: [root, ...(settings.posterRoots ?? []).map((r) => path.resolve(root, r))],
    prefetchPosters: settings.prefetchPosters === true,
  };
}

/** Dataset options for reading a file here: local posters may come from its folder, the workspace and posterRoots. */
function datasetOptions(): DatasetOptions {
  const o = engineOptions();
  return { ...o.dataset, posterRoots: o.posterRoots };
}

/** Validates settings from the client; bad values fall back to their defaults with a warning naming the setting. */
function applySettings(raw: unknown): void {
  const r = validateSettings(raw);
  settings = r.settings;
  pendingWarnings.push(...r.warnings);
}

function flushWarnings(): void {
  for (const w of pendingWarnings) {
    connection.console.warn(w);
    // A notification, not window/showMessageRequest: every client handles it, and none answers it with an error.
    quietly('showing a warning', connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: `Genre Lens: ${w}` }),
      logError);
  }
  pendingWarnings = [];
}

function state(): ModelState {
  const model = host.model ? summarize(host.model) : null;
  if (training?.stage === 'model') return { state: 'training', percent: training.percent, phase: training.phase, model };
  if (host.lastError) return { state: 'error', message: host.lastError, model };
  if (!model) return { state: 'none', store: storeDir() };
  return training ? { state: 'ready', model, comparison: { ...training.comparison } } : { state: 'ready', model };
}

const publishState = () => {
  curation.modelMaybeChanged(); // a new model: diagnostics and inlay hints are computed again
  quietly('sending the status', connection.sendNotification(Notifications.status, state()), logError);
};
const reportChanged = (r: ReportChanged) => quietly('sending a report change', connection.sendNotification(Notifications.reportChanged, r), logError);

/** The comparison of a served model ended: the training is over, and the client hears of it when it was told 'pending'. */
function comparisonEnded(slot: Training, dir: string, o: ComparisonOutcome, announce: boolean): void {
  if (training === slot) training = null;
  comparisonsEnded.record(dir, o.status);
  if (o.message) logError(`The text-only/poster-only comparison of ${dir} failed; the model is kept: ${o.message}`);
  if (announce) {
    if (host.model?.dir === dir) host.reportChanged(); // seen: the host's poll does not announce it again
    reportChanged({ model: dir, comparison: o.status, ...(o.message ? { message: o.message } : {}) });
  }
  publishState();
}

connection.onInitialize((params): InitializeResult => {
  const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
  try {
    if (folder) root = fileURLToPath(folder);
  } catch {
    pendingWarnings.push(`the workspace folder ${folder} is not on disk; paths are relative to ${root}`);
  }
  applySettings(params.initializationOptions);
  clientCapabilities = params.capabilities;
  return {
    capabilities: { textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: true }, hoverProvider: true, ...CURATION_CAPABILITIES },
    serverInfo: { name: 'genre-lens', version: '0.1.0' },
  };
});

const newHost = () => new ModelHost(storeDir(), engineOptions(), publishState, predictClient, (model) => reportChanged({ model }));

connection.onInitialized(async () => {
  flushWarnings();
  host = newHost();
  await host.start();
  publishState();
});

connection.onDidChangeConfiguration((change) => {
  const s = (change.settings as { genreLens?: unknown } | null)?.genreLens;
  if (s === undefined || s === null) return;
  // The model's encoders and poster reader are built from these: a change rebuilds the host.
  const hostKey = () => JSON.stringify([storeDir(), { ...engineOptions(), dataset: undefined, prefetchPosters: undefined }]);
  const before = hostKey();
  applySettings(s);
  flushWarnings();
  documentDatasets.clear(); // columns, poster roots and base URL shape how documents parse
  hoverDocuments.clear();
  curation.settingsChanged();
  host.setOptions(engineOptions());
  if (hostKey() !== before) {
    // New hovers wait for the new host; those already sent to the old one finish on its model.
    const old = host;
    host = newHost();
    quietly('reloading the model after a settings change', Promise.all([old.dispose(), host.start()]).then(publishState), logError);
  }
});

// ---- hovers -------------------------------------------------------------------------------------------------

const documentDatasets = new DocumentDatasets(datasetOptions, (m) => connection.console.warn(m));
/** Documents as hovers read them: with the columns of the model being served. */
const hoverDocuments = new DocumentDatasets(datasetOptions, (m) => connection.console.warn(m),
  () => host?.model && { dir: host.model.dir, columns: host.model.manifest.dataset.columns });
documents.onDidClose((e) => {
  documentDatasets.delete(e.document.uri);
  hoverDocuments.delete(e.document.uri);
});
const datasetOf = async (doc: TextDocument) => (await documentDatasets.get(doc)).dataset;
// Diagnostics, quick fixes, Fill Missing Genres and inlay hints (curation.ts) read documents as hovers do.
const curation = new Curation({ connection, documents, parsed: hoverDocuments, host: () => host, settings: () => settings, trusted,
  log: (m) => connection.console.warn(m), clientCapabilities: () => clientCapabilities });

connection.onHover((params, token) => answerHover(params, token, { documents, parsed: hoverDocuments, host: () => host, trusted }));

// ---- training and the other requests --------------------------------------------------------------------------

connection.onRequest(Requests.train, async (raw, token: CancellationToken): Promise<TrainResult> => {
  const params = checkParams(Requests.train.method, trainParams, raw);
  if (!trusted()) throw new Error(`Cannot train: ${RESTRICTED}`);
  const comparing = training?.stage === 'comparing' ? training : null;
  if (comparing) { // a new training never waits for the previous model's comparison: it is cancelled (that model stays)
    comparing.cancel();
    await comparing.outcome();
  }
  if (training) throw new Error('A training is already running; cancel it first.');
  const slot = new Training();
  training = slot; // claimed before any await
  let progress: { report(percent: number, message?: string): void; done(): void } | null = null;
  try {
    // Progress on the client's token (cancelled by cancelling the request), or the daemon's own cancellable progress.
    const own = params.workDoneToken === undefined ? await connection.window.createWorkDoneProgress() : null;
    const reporter = own ?? connection.window.attachWorkDoneProgress(params.workDoneToken);
    progress = reporter;
    const data = toPath(params.data);
    const opts = engineOptions();
    const store = storeDir();
    const job = runJob<TrainJobResult>({
      kind: 'train',
      options: { ...opts, data, evalFile: params.evalFile ? toPath(params.evalFile) : undefined, evalFraction: params.evalFraction,
        seed: params.seed ?? settings.seed, store, keep: settings.keepModels ?? DEFAULT_KEEP_MODELS, ablation: !params.skipAblation,
        dataset: { ...opts.dataset, columns: { ...opts.dataset?.columns, ...params.columns } } },
    }, (p) => {
      if (training !== slot || !slot.progress(p)) return;
      if (slot.stage === 'model') reporter.report(slot.percent, p.phase === 'comparing' ? slot.comparison.phase : slot.phase);
      publishState();
    }, (m) => {
      slot.warning(m);
      connection.console.warn(m);
    });
    // A worker terminated mid-run (a cancel that did not stop in time, a crash) cannot release the store's lock itself.
    slot.attach(job, () => releaseOrphanedLock(store));
    reporter.begin('Training genre model', 0, path.basename(data), true);
    own?.token.onCancellationRequested(() => slot.cancel());
    token.onCancellationRequested(() => slot.cancel());
    if (token.isCancellationRequested) slot.cancel();
    publishState();
    const saved = await slot.saved();
    await host.reload(); // the new model is served now, before its comparison ends
    slot.serving();
    const comparison = slot.final?.status ?? saved.comparison; // 'pending' while the job runs
    void slot.outcome().then((o) => comparisonEnded(slot, saved.dir, o, comparison === 'pending'));
    return { model: summarize({ dir: saved.dir, manifest: readManifest(saved.dir) }), warnings: saved.warnings, comparison };
  } catch (e) {
    if (training === slot && !slot.isSaved) training = null;
    if (e instanceof JobCancelled) throw new Error('Training was cancelled; the previous model is unchanged.');
    throw e;
  } finally {
    progress?.done();
    publishState();
  }
});

connection.onRequest(Requests.cancelTraining, () => {
  if (!training) return false;
  training.cancel(); // during the comparison: stops it, and the saved model stays
  return true;
});

connection.onRequest(Requests.modelStatus, () => state());

connection.onRequest(Requests.detectColumns, async (raw): Promise<DetectColumnsResult> => {
  const params = checkParams(Requests.detectColumns.method, detectColumnsParams, raw);
  const open = documents.get(params.data.startsWith('file:') ? params.data : pathToFileURL(toPath(params.data)).href);
  // The open document's (unsaved) text when it parses; else the file on disk, whose reader names what is wrong.
  const ds = (open && (await datasetOf(open))) || (await readDataset(toPath(params.data), datasetOptions()));
  return { format: ds.format, rows: ds.rows.length, labelledRows: ds.labels.known, available: ds.available, columns: ds.columns,
    genres: ds.genres, issues: ds.issues.slice(0, 20).map(formatIssue) };
});

connection.onRequest(Requests.predictFile, async (raw): Promise<PredictFileResult> => {
  const params = checkParams(Requests.predictFile.method, predictFileParams, raw);
  if (!trusted()) throw new Error(`Cannot predict a file: ${RESTRICTED}`);
  // A daemon started by a command gets this request at once: wait for the first model.
  const model = (await settledHost(() => host))?.model;
  if (!model) throw new Error(host.lastError ?? 'No model yet: train one first.');
  const out = toPath(params.out);
  if (fs.existsSync(out)) throw new Error(`${out} already exists; Genre Lens never overwrites files.`);
  const job = runJob<PredictFileResult>({ kind: 'predict', model: model.dir, data: toPath(params.data), out, options: engineOptions() },
    () => undefined, (m) => connection.console.warn(m));
  return job.result;
});

connection.onRequest(Requests.getReport, async () => {
  const model = (await settledHost(() => host))?.model;
  if (!model) return null;
  const report = readReport(model.dir); // size-bounded and validated: report.json may come from anywhere
  const status = comparisonsEnded.statusOf(model.dir, report.ablationStatus);
  return status === report.ablationStatus ? report : { ...report, ablationStatus: status };
});

connection.onRequest(Requests.selectModel, async (raw) => {
  const params = checkParams(Requests.selectModel.method, selectModelParams, raw);
  if (params.dir) {
    const dir = toPath(params.dir);
    loadModel(dir); // validate before pointing at it
    selectModel(storeDir(), dir);
  }
  await host.reload();
  return state();
});

registerStoreRequests(connection, storeDir, () => settings);

// The embedding cache of this daemon's settings: emptied at once for every process using it, then its files removed.
connection.onRequest(Requests.clearEmbeddingCache, () => clearCache(cacheDirOf(engineOptions()) ?? undefined));

documents.listen(connection);
connection.listen();
process.on('SIGTERM', () => void (host?.dispose() ?? Promise.resolve()).then(() => predictClient.terminate()).catch(() => undefined)
  .finally(() => process.exit(0)));
