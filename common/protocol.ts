// The messages between the VS Code extension (client/) and the Genre Lens daemon (server/), declared once and
// imported by both sides. Beside standard LSP (hover, work-done progress), the daemon answers these requests.
import { NotificationType, ParameterStructures, RequestType, RequestType0, WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import type { AblationStatus } from './modelTypes';

/**
 * Column names to use instead of auto-detection. Absent = detected by name; null = "(none)": the role is left out,
 * not detected (title and poster only: the daemon refuses null for text, and for genres when training).
 */
export interface ColumnSettings {
  title?: string | null;
  text?: string | null;
  genres?: string | null;
  poster?: string | null;
}

/** Settings the client passes at start (initializationOptions) and on change (workspace/didChangeConfiguration). */
export interface DaemonSettings {
  /** 'minilm' = all-MiniLM-L6-v2 (downloaded once; the bundled USE-Lite with a warning when it cannot be had), 'use-lite'. */
  textEncoder?: 'minilm' | 'use-lite';
  /** 'mobilenetv2' (or its synonym 'onnx') = ImageNet MobileNetV2 (the bundled nsfwjs model when it cannot be had), 'nsfwjs', 'none'. */
  imageEncoder?: 'mobilenetv2' | 'onnx' | 'nsfwjs' | 'none';
  /** Folder holding the encoders' files: mobilenetv2-12-int8.onnx and <repo>/<file> (Xenova/all-MiniLM-L6-v2/...). */
  modelsDirectory?: string;
  /** Hugging Face hub (or mirror) URL; unset: $HF_ENDPOINT or https://huggingface.co. */
  hubUrl?: string;
  /** Encoder weights may be downloaded (default true); never in Restricted Mode (`trusted` false) whatever this says. */
  downloadModels?: boolean;
  /** URL of the ONNX image model, downloaded once and sha256-checked. */
  imageModelUrl?: string;
  /** Model store folder; default `.genre-lens` in the first workspace folder. */
  modelStore?: string;
  /** Embedding and poster cache folder. */
  cacheDirectory?: string;
  posterBaseUrl?: string;
  columns?: ColumnSettings;
  seed?: number;
  /** The workspace is trusted. Without it (Restricted Mode, or a client that does not say) nothing is downloaded and training is refused. */
  trusted?: boolean;
  /** Hovers may start a background download of a row's poster URL (default false: hovers never touch the network). */
  prefetchPosters?: boolean;
  /** Dataset-derived downloads (posters) may reach loopback and private addresses. */
  allowPrivateNetwork?: boolean;
  /** Extra folders local poster paths may be read from, beyond the dataset's folder and the workspace. */
  posterRoots?: string[];
  /** How many newest models a training keeps in the store (the current and the selected model are always kept). */
  keepModels?: number;
  /** genreLens.diagnostics.*: what open dataset documents show in the Problems panel. */
  diagnostics?: DiagnosticSettings;
  /** genreLens.inlayHints: predicted genres at the end of each row (default false). */
  inlayHints?: boolean;
}

/** The severity of suspicious-label diagnostics, or 'off'. */
export type SuspiciousLabelSeverity = 'information' | 'warning' | 'hint' | 'off';

export interface DiagnosticSettings {
  /** Rows whose labelled genres the served model doubts (from its training.json); default 'information'. */
  suspiciousLabels?: SuspiciousLabelSeverity;
  /** At most this many suspicious-label diagnostics per file, the most suspicious first (default 100). */
  maxPerFile?: number;
  /** Files with more rows get no suspicious-label diagnostics (default 50000). */
  maxRows?: number;
  /** The readers' problems (bad quoting, unknown genres, missing posters...) while the file is open (default true). */
  datasetProblems?: boolean;
}

export const DIAGNOSTIC_DEFAULTS: Required<DiagnosticSettings> = { suspiciousLabels: 'information', maxPerFile: 100, maxRows: 50_000, datasetProblems: true };

/** With a `workDoneToken` the daemon reports progress on it; otherwise it creates its own progress. */
export interface TrainParams extends WorkDoneProgressParams {
  /** The dataset: a file URI or path. */
  data: string;
  /** An evaluation file (URI or path); without it, `evalFraction` of the rows are held out. */
  evalFile?: string;
  evalFraction?: number;
  seed?: number;
  columns?: ColumnSettings;
  /** Skip the text-only / poster-only comparison models (faster). */
  skipAblation?: boolean;
}

/** An encoder a model was trained with, as the status bar shows it. */
export interface EncoderSummary {
  id: string;
  /** A degraded stand-in used because the chosen encoder could not be had. */
  fallback: boolean;
}

export interface ModelSummary {
  dir: string;
  createdAt: string;
  dataset: string;
  genres: string[];
  microF1: number;
  macroF1: number;
  samplesF1: number;
  evalRows: number;
  /** The model's encoders (the status bar warns when one is a fallback). */
  encoders: { text: EncoderSummary; image: EncoderSummary | null };
}

/**
 * The train request answers once the model is saved and served; the text-only/poster-only comparison may still be
 * running then ('pending'), and `Notifications.reportChanged` says when it lands.
 */
export interface TrainResult {
  model: ModelSummary;
  warnings: string[];
  /** The modality comparison when the request answered (absent from an older daemon = done). */
  comparison?: AblationStatus;
}

/** The served model's report.json changed: its modality comparison landed (or was cancelled, or failed). */
export interface ReportChanged {
  /** The model folder whose report changed. */
  model: string;
  /** The comparison's outcome, when the change is its end ('failed': `message` says why). */
  comparison?: AblationStatus;
  message?: string;
}

/** The comparison still running after the model was saved: how far (0–100), and e.g. `comparing 12/76`. */
export interface ComparisonProgress {
  percent: number;
  phase: string;
}

export type ModelState =
  | { state: 'none'; store: string }
  /** phase: what the run is doing now, e.g. `encoding text 120/500` or `downloading onnx/model.onnx 12.3/90.4 MB`. */
  | { state: 'training'; percent: number; phase: string; model: ModelSummary | null }
  /** comparison: the model is served while its text-only/poster-only comparison still runs (Cancel Training stops it). */
  | { state: 'ready'; model: ModelSummary; comparison?: ComparisonProgress }
  | { state: 'error'; message: string; model: ModelSummary | null };

export interface DetectColumnsParams {
  data: string;
}

export interface DetectColumnsResult {
  format: string;
  rows: number;
  labelledRows: number;
  available: string[];
  columns: { id: string | null; title: string | null; text: string | null; genres: string | null; poster: string | null };
  genres: { name: string; count: number }[];
  issues: string[];
}

export interface PredictFileParams {
  /** The dataset URI or path. */
  data: string;
  /** Where to write: must not exist yet (the daemon never overwrites). */
  out: string;
}

export interface PredictFileResult {
  out: string;
  rows: number;
}

export interface SelectModelParams {
  /** A model directory, or null for the store's current model. */
  dir: string | null;
}

export interface DeleteOldModelsParams {
  /** How many newest models to keep; default the `keepModels` setting. */
  keep?: number;
  /** Only say what would be deleted. */
  dryRun?: boolean;
}

export interface DeleteOldModelsResult {
  store: string;
  /** The number of newest models kept. */
  keep: number;
  /** Model folders deleted (or, with dryRun, that would be). */
  deleted: string[];
  kept: string[];
}

export interface ClearEmbeddingCacheResult {
  /** The embeddings folder. */
  dir: string;
  removed: { file: string; bytes: number }[];
  /** The store file emptied in place (kept: other processes may have it open; LMDB reuses its space), or null. */
  emptied: string | null;
  /** Files with the cache's names left in place (not regular files), and why. */
  left: { file: string; why: string }[];
}

export interface FillMissingGenresParams {
  /** The open dataset document (a file URI). */
  uri: string;
}

export interface FillMissingGenresResult {
  /** Rows given predicted genres by the edit sent (0: nothing to fill, and no edit was sent). */
  rows: number;
  /** The editor applied the edit (false: the user declined the preview, or nothing was sent). */
  applied: boolean;
  /** Rows with an empty genre cell for which the model predicts no genre above its threshold (left empty). */
  unpredicted: number;
  /** Rows whose predicted genres cannot be written in the file's genre format (e.g. a name holding its separator; left empty). */
  unwritable: number;
  /** Rows with an empty genre cell past the first FILL_MAX_ROWS, not looked at (run the command again for them). */
  remaining: number;
}

/** Fill Missing Genres looks at most at this many rows with an empty genre cell per run. */
export const FILL_MAX_ROWS = 5000;

/** The `data` of a `suspicious-label` diagnostic: what the quick fix writes, and what the row held when it was computed. */
export interface SuspiciousLabelData {
  suggested: string[];
  labelled: string[];
  score: number;
  /** rowKey (engine/labelIssues.ts) of the row it was computed for: the fix applies only to that row. */
  key: string;
}

/** Params are one object (by name): a client sending an array gets a clear InvalidParams error. */
const BY_NAME = ParameterStructures.byName;

/** The daemon checks every request's params (server/requestSchemas.ts): they come from the client untrusted. */
export const Requests = {
  train: new RequestType<TrainParams, TrainResult, void>('genreLens/train', BY_NAME),
  cancelTraining: new RequestType0<boolean, void>('genreLens/cancelTraining'),
  modelStatus: new RequestType0<ModelState, void>('genreLens/modelStatus'),
  detectColumns: new RequestType<DetectColumnsParams, DetectColumnsResult, void>('genreLens/detectColumns', BY_NAME),
  predictFile: new RequestType<PredictFileParams, PredictFileResult, void>('genreLens/predictFile', BY_NAME),
  /** The current model's report.json (see server/engine/run.ts `Report`), or null without a model. */
  getReport: new RequestType0<unknown, void>('genreLens/getReport'),
  listModels: new RequestType0<ModelSummary[], void>('genreLens/listModels'),
  selectModel: new RequestType<SelectModelParams, ModelState, void>('genreLens/selectModel', BY_NAME),
  deleteOldModels: new RequestType<DeleteOldModelsParams, DeleteOldModelsResult, void>('genreLens/deleteOldModels', BY_NAME),
  /** Removes the embedding cache's files (only those, and old `.bin` cache files); the next run re-encodes. */
  clearEmbeddingCache: new RequestType0<ClearEmbeddingCacheResult, void>('genreLens/clearEmbeddingCache'),
  /** Predicts every row of an open document whose genre cell is empty and sends one WorkspaceEdit (workspace/applyEdit,
   * needsConfirmation: the editor previews it) filling them in the file's own genre format. */
  fillMissingGenres: new RequestType<FillMissingGenresParams, FillMissingGenresResult, void>('genreLens/fillMissingGenres', BY_NAME),
};

export const Notifications = {
  /** Sent by the daemon whenever the model state changes (training progress, new model, errors). */
  status: new NotificationType<ModelState>('genreLens/status'),
  /** Sent by the daemon when the served model's report.json changes (its modality comparison landed): reports refresh. */
  reportChanged: new NotificationType<ReportChanged>('genreLens/reportChanged'),
};

/** The command the "no model yet" hover links to. */
export const TRAIN_COMMAND = 'genreLens.train';
export const REPORT_COMMAND = 'genreLens.showReport';
export const FILL_MISSING_COMMAND = 'genreLens.fillMissingGenres';
