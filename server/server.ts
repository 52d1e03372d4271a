// The Genre Lens daemon: a language server (stdio, node IPC or socket) that answers hovers over movie rows in CSV,
// JSON and JSONL documents with genre predictions, and the custom requests in protocol.ts (train, cancel, status,
// report...). Training runs in a worker thread with LSP work-done progress; the model is reloaded when it changes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CancellationToken, createConnection, Hover, InitializeResult, MarkupKind, ProposedFeatures, TextDocuments, TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Dataset, formatIssue, formatOf, parseDataset, readDataset, rowAt } from './engine/data';
import { selectModel, STORE_DIR } from './engine/modelStore';
import { EngineOptions, loadModel } from './engine/run';
import { renderNoModel, renderPrediction } from './hover';
import { JobCancelled, percentOf, runJob, RunningJob } from './jobs';
import { ModelHost, summarize } from './modelHost';
import {
  DaemonSettings, DetectColumnsResult, ModelState, ModelSummary, Notifications, PredictFileResult, Requests, TrainParams, TrainResult,
} from './protocol';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let settings: DaemonSettings = {};
let root = process.cwd();
let host: ModelHost;
let training: { job: RunningJob<{ modelDir: string; warnings: string[] }>; percent: number; phase: string } | null = null;

const toPath = (uriOrPath: string) => (uriOrPath.startsWith('file:') ? fileURLToPath(uriOrPath) : path.resolve(root, uriOrPath));
const storeDir = () => (settings.modelStore ? path.resolve(root, settings.modelStore) : path.join(root, STORE_DIR));

function engineOptions(): EngineOptions {
  return {
    modelsDir: settings.modelsDirectory || undefined, imageModelUrl: settings.imageModelUrl || undefined,
    imageEncoder: settings.imageEncoder, cacheDir: settings.cacheDirectory || undefined,
    dataset: { posterBaseUrl: settings.posterBaseUrl || undefined, columns: { ...settings.columns } },
  };
}

function state(): ModelState {
  const model = host.model ? summarize(host.model) : null;
  if (training) return { state: 'training', percent: training.percent, phase: training.phase, model };
  if (host.lastError) return { state: 'error', message: host.lastError, model };
  return model ? { state: 'ready', model } : { state: 'none', store: storeDir() };
}

const publishState = () => void connection.sendNotification(Notifications.status, state());

connection.onInitialize((params): InitializeResult => {
  const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
  if (folder) root = fileURLToPath(folder);
  settings = (params.initializationOptions ?? {}) as DaemonSettings;
  return {
    capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental, hoverProvider: true },
    serverInfo: { name: 'genre-lens', version: '0.1.0' },
  };
});

connection.onInitialized(async () => {
  host = new ModelHost(storeDir(), engineOptions(), publishState);
  await host.start();
  publishState();
});

connection.onDidChangeConfiguration((change) => {
  const s = (change.settings as { genreLens?: DaemonSettings } | null)?.genreLens;
  if (!s) return;
  const storeChanged = (s.modelStore ?? '') !== (settings.modelStore ?? '');
  settings = s;
  host.setOptions(engineOptions());
  if (storeChanged) {
    void host.dispose().then(() => {
      host = new ModelHost(storeDir(), engineOptions(), publishState);
      return host.start();
    }).then(publishState);
  }
});

// ---- hovers -------------------------------------------------------------------------------------------------

const parsed = new Map<string, { version: number; dataset: Dataset | null }>();
documents.onDidClose((e) => parsed.delete(e.document.uri));

/** The open document parsed as a dataset (its current, possibly unsaved text), cached per version. */
function datasetOf(doc: TextDocument): Dataset | null {
  const hit = parsed.get(doc.uri);
  if (hit && hit.version === doc.version) return hit.dataset;
  const file = doc.uri.startsWith('file:') ? fileURLToPath(doc.uri) : doc.uri;
  const format = formatOf(file) ?? (doc.languageId === 'jsonl' ? 'jsonl' : doc.languageId === 'json' ? 'json' : doc.languageId === 'csv' ? 'csv' : undefined);
  let dataset: Dataset | null = null;
  if (format) {
    try {
      dataset = parseDataset(doc.getText(), { ...engineOptions().dataset, fileName: file, format });
    } catch {
      dataset = null; // not a movie dataset (or broken): no hover
    }
  }
  parsed.set(doc.uri, { version: doc.version, dataset });
  return dataset;
}

connection.onHover(async (params): Promise<Hover | null> => {
  const doc = documents.get(params.textDocument.uri);
  if (!doc) return null;
  const dataset = datasetOf(doc);
  const row = dataset && rowAt(dataset, params.position);
  if (!row) return null;
  const range = { start: row.range.start, end: row.range.end };
  const model = host.model;
  if (!model) return { contents: { kind: MarkupKind.Markdown, value: renderNoModel(host.lastError) }, range };
  try {
    const prediction = await host.predictRow(row);
    if (!prediction) return null;
    const label = `${path.basename(model.manifest.dataset.path)}, micro-F1 ${model.manifest.metrics.micro.f1.toFixed(3)}`;
    return { contents: { kind: MarkupKind.Markdown, value: renderPrediction(row, prediction, label) }, range };
  } catch (e) {
    return { contents: { kind: MarkupKind.Markdown, value: `**Genre Lens**: cannot predict this row: ${String((e as Error).message ?? e)}` }, range };
  }
});

// ---- training and the other requests --------------------------------------------------------------------------

connection.onRequest(Requests.train, async (params: TrainParams, token: CancellationToken): Promise<TrainResult> => {
  if (training) throw new Error('A training is already running; cancel it first.');
  // Progress on the client's token (cancelled by cancelling the request), or the daemon's own cancellable progress.
  const own = params.workDoneToken === undefined ? await connection.window.createWorkDoneProgress() : null;
  const progress = own ?? connection.window.attachWorkDoneProgress(params.workDoneToken);
  const data = toPath(params.data);
  const opts = engineOptions();
  const job = runJob<{ modelDir: string; warnings: string[] }>({
    kind: 'train',
    options: { ...opts, data, evalFile: params.evalFile ? toPath(params.evalFile) : undefined, evalFraction: params.evalFraction,
      seed: params.seed ?? settings.seed, store: storeDir(), ablation: !params.skipAblation,
      dataset: { ...opts.dataset, columns: { ...opts.dataset?.columns, ...params.columns } } },
  }, (p) => {
    if (!training) return;
    training.percent = percentOf(p);
    training.phase = p.phase;
    const detail = p.total ? `${p.phase} ${p.done ?? 0}/${p.total}` : p.phase;
    progress.report(training.percent, detail);
    publishState();
  }, (m) => connection.console.warn(m));
  training = { job, percent: 0, phase: 'starting' };
  progress.begin('Training genre model', 0, path.basename(data), true);
  own?.token.onCancellationRequested(() => job.cancel());
  token.onCancellationRequested(() => job.cancel());
  publishState();
  try {
    const r = await job.result;
    training = null;
    await host.reload();
    const loaded = loadModel(r.modelDir);
    return { model: summarize(loaded), warnings: r.warnings };
  } catch (e) {
    if (e instanceof JobCancelled) throw new Error('Training was cancelled; the previous model is unchanged.');
    throw e;
  } finally {
    training = null;
    progress.done();
    publishState();
  }
});

connection.onRequest(Requests.cancelTraining, () => {
  if (!training) return false;
  training.job.cancel();
  return true;
});

connection.onRequest(Requests.modelStatus, () => state());

connection.onRequest(Requests.detectColumns, async (params): Promise<DetectColumnsResult> => {
  const open = documents.get(params.data.startsWith('file:') ? params.data : pathToFileURL(toPath(params.data)).href);
  const ds = open ? datasetOf(open) : await readDataset(toPath(params.data), engineOptions().dataset);
  if (!ds) throw new Error(`${params.data}: not a readable movie dataset`);
  return { format: ds.format, rows: ds.rows.length, labelledRows: ds.labels.known, available: ds.available, columns: ds.columns,
    genres: ds.genres, issues: ds.issues.slice(0, 20).map(formatIssue) };
});

connection.onRequest(Requests.predictFile, async (params): Promise<PredictFileResult> => {
  const model = host.model;
  if (!model) throw new Error('No model yet: train one first.');
  const out = toPath(params.out);
  if (fs.existsSync(out)) throw new Error(`${out} already exists; Genre Lens never overwrites files.`);
  const job = runJob<PredictFileResult>({ kind: 'predict', model: model.dir, data: toPath(params.data), out, options: engineOptions() },
    () => undefined, (m) => connection.console.warn(m));
  return job.result;
});

connection.onRequest(Requests.getReport, () => {
  const model = host.model;
  if (!model) return null;
  return JSON.parse(fs.readFileSync(path.join(model.dir, 'report.json'), 'utf8')) as unknown;
});

connection.onRequest(Requests.listModels, (): ModelSummary[] => {
  const dir = path.join(storeDir(), 'models');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((n) => !n.startsWith('.')).flatMap((n) => {
    try {
      return [summarize(loadModel(path.join(dir, n)))];
    } catch {
      return [];
    }
  }).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
});

connection.onRequest(Requests.selectModel, async (params) => {
  if (params.dir) {
    loadModel(params.dir); // validate before pointing at it
    selectModel(storeDir(), params.dir);
  }
  await host.reload();
  return state();
});

documents.listen(connection);
connection.listen();
process.on('SIGTERM', () => void host?.dispose().finally(() => process.exit(0)));
