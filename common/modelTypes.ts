// The types of what a saved model folder holds (manifest.json, report.json, the store's current.json) and the
// metric, encoder and layout types they are made of: the contract between the engine that writes them, the daemon
// and CLI that read them, and the report webview (media/) that draws them. Types only; the schemas are in modelSchema.ts.

/** The most genres a saved model may have (the schema refuses more when loading it; --max-genres is bounded by it). */
export const MAX_GENRES_LIMIT = 10_000;
export const MODEL_FORMAT = 'genre-lens-model';
/** 2: a model may blend fusion heads (manifest `blend`, files under heads/) with LightGBM; version 1 models still load. */
export const MODEL_FORMAT_VERSION = 2;

/** Per-label scores, as sklearn's precision_recall_fscore_support(average=None) plus the raw counts. */
export interface LabelMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Number of samples whose true labels include this label (tp + fn). */
  support: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** An averaged row of the report. `support` is the total support, as sklearn's classification_report shows it. */
export interface AverageMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** sklearn multilabel_confusion_matrix layout for one label: [[tn, fp], [fn, tp]]. */
export type ConfusionMatrix2x2 = [[number, number], [number, number]];

export interface MultiLabelReport {
  labels: string[];
  nSamples: number;
  perLabel: LabelMetrics[];
  /** tp, fp and fn summed over all labels, then divided. */
  micro: AverageMetrics;
  /** Unweighted mean over all labels, including labels with no support (which score 0). */
  macro: AverageMetrics;
  /** Mean weighted by each label's support; 0 when no label has any support. */
  weighted: AverageMetrics;
  /** Scores computed per sample over that sample's labels, then averaged over samples. */
  samples: AverageMetrics;
  /** sklearn accuracy_score on multi-label input: fraction of samples whose label set is predicted exactly. */
  subsetAccuracy: number;
  /** sklearn hamming_loss: fraction of (sample, label) cells predicted wrongly. */
  hammingLoss: number;
  /** One matrix per label, in label order. */
  confusion: ConfusionMatrix2x2[];
}

/** One point of a precision-recall curve. The closing point (precision 1, recall 0) has threshold null. */
export interface PrecisionRecallPoint {
  threshold: number | null;
  precision: number;
  recall: number;
}

/** What the model manifest stores about an encoder; two feature blocks are compatible iff id, version, dim and sha match. */
export interface EncoderIdentity {
  kind: 'text' | 'image';
  id: string;
  version: string;
  dim: number;
  /** sha256 (hex) over the weight bytes actually loaded. */
  weightsSha256: string;
  /** Where the weights came from (package name@version, file path or URL), informational. */
  source: string;
  /** Short description of the input preprocessing, part of what makes vectors comparable. */
  preprocess: string;
  /** True for a degraded stand-in used only because the preferred encoder was unavailable. */
  fallback: boolean;
  /** Hub-downloaded encoders: the repository commit (or requested revision) the files came from. */
  revision?: string;
  /** Hub-downloaded encoders: every file loaded, with its sha256 (a model predicts only with these exact files). */
  files?: { path: string; sha256: string }[];
}

/** Where each block sits in a feature row. */
export interface FeatureLayout {
  text: { offset: number; dim: number };
  image: { offset: number; dim: number };
  posterMissing: number;
  total: number;
}

export type ColumnRole = 'id' | 'title' | 'text' | 'genres' | 'poster';

/** The column used for each role (as spelled in the file), or null when there is none. */
export type ColumnMapping = Record<ColumnRole, string | null>;

export interface EvalOverlap {
  /** Evaluation rows whose title + description also occur among the training rows. */
  rows: number;
  /** The evaluation file is the training file (same real path or byte-identical). */
  sameFile: boolean;
}

/** LightGBM parameters as saved. */
export type BoosterParams = Record<string, string | number | boolean>;

/** The trainer's settings as saved (TrainOptions without the parameters and the worker count). */
export interface TrainingRecord {
  seed: number;
  validFraction: number;
  folds: number;
  maxRounds: number;
  patience: number;
  minPositives: number;
}

/** A booster file inside the model folder: `boosters/NN.txt`. */
export const BOOSTER_PATH = /^boosters\/\d{2,4}\.txt$/;

export interface GenreEntry {
  name: string;
  threshold: number;
  positives: number;
  bestIteration: number;
  oofF1: number;
  /** Booster file relative to the model directory; null when too few positives to train. */
  booster: string | null;
}

export interface Manifest {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  createdAt: string;
  genres: GenreEntry[];
  encoders: { text: EncoderIdentity; image: EncoderIdentity | null };
  features: FeatureLayout;
  params: BoosterParams;
  training: TrainingRecord;
  seed: number;
  dataset: { path: string; sha256: string; format: string; columns: ColumnMapping; rows: number; trainRows: number; unlabeledRows: number };
  evaluation: { kind: 'file'; path: string; sha256: string; rows: number; overlap?: EvalOverlap } | { kind: 'split'; fraction: number; rows: number };
  metrics: Pick<MultiLabelReport, 'micro' | 'macro' | 'weighted' | 'samples' | 'subsetAccuracy' | 'hammingLoss'>;
  trainingSeconds: number;
  warnings: string[];
  /** The components blended into the model's probabilities (LightGBM first); absent: LightGBM alone (format 1). */
  blend?: BlendRecord;
}

/** A blended model's components and weights; the genres' thresholds are the blend's. */
export interface BlendRecord {
  components: { name: 'lightgbm' | 'linear' | 'tfidf' | 'knn'; weight: number }[];
}

export type AblationStatus = 'pending' | 'done' | 'skipped' | 'cancelled' | 'failed';

/** One component of the model (a head, or 'blend' for their combination) scored alone on the evaluation rows. */
export interface ComponentEntry {
  name: string;
  weight: number;
  micro: AverageMetrics;
  macro: AverageMetrics;
  samples: AverageMetrics;
  subsetAccuracy: number;
}

export interface AblationEntry {
  micro: MultiLabelReport['micro'];
  macro: MultiLabelReport['macro'];
  samples: MultiLabelReport['samples'];
  subsetAccuracy: number;
  perGenreF1: number[];
}

export interface Report {
  formatVersion: number;
  run: Pick<Manifest, 'createdAt' | 'dataset' | 'evaluation' | 'encoders' | 'seed' | 'trainingSeconds' | 'warnings'> & {
    posters: { missingTrain: number; missingEval: number; reasons: { reason: string; count: number }[] };
  };
  genres: string[];
  thresholds: number[];
  metrics: MultiLabelReport;
  ablation: { both: AblationEntry; text?: AblationEntry; poster?: AblationEntry };
  /** The text-only/poster-only comparison, fitted after the model is saved; absent (an older report) = 'done'. */
  ablationStatus?: AblationStatus;
  /** Each head's evaluation scores alone (at its own out-of-fold thresholds), and `name: 'blend'`: the model's own. */
  components?: ComponentEntry[];
  /**
   * Rows of the training data having both genres i and j (diagonal: having genre i). Row i is empty (`[]`) when genre i
   * was not trained, so the report stays small however many genres the file names.
   */
  cooccurrence: number[][];
  /** Per genre, the precision–recall curve of the evaluation rows, thinned to at most 101 points; empty when untrained. */
  prCurves: PrecisionRecallPoint[][];
  /**
   * The model's predictions for the evaluation rows at training time, in evaluation order: `line` is the 1-based line
   * where the row starts in its file, `proba` the probability per genre in `genres` order (full precision; 0 for an
   * untrained genre). Omitted above MAX_EVALUATION_ROWS rows (or MAX_EVALUATION_CELLS rows × genres).
   */
  evaluationRows?: EvaluationRow[];
  /** Suspicious labels among the rows training.json records (server/engine/labelIssues.ts); absent in older reports. */
  labelIssues?: LabelIssueSummary;
}

/** One evaluation row's predictions as recorded in report.json. */
export interface EvaluationRow {
  line: number;
  title: string;
  proba: number[];
  /** The row's true genre indices (in `genres` order); absent in older reports. */
  labels?: number[];
}

/** A row whose labels the model strongly doubts (see server/engine/labelIssues.ts for the rule and the score). */
export interface LabelIssue {
  line: number;
  title: string;
  key: string;
  /** 0..1, higher = more suspicious. */
  score: number;
  /** The row's genres. */
  labelled: string[];
  /** Labelled, but the model confidently says no. */
  doubted: { genre: string; probability: number }[];
  /** Not labelled, but the model confidently says yes. */
  missing: { genre: string; probability: number }[];
  /** labelled − doubted + missing, in model genre order. */
  suggested: string[];
}

/** report.json's summary of the label issues: rows checked, rows flagged, counts per genre, the top rows by score. */
export interface LabelIssueSummary {
  checked: number;
  total: number;
  perGenre: { genre: string; doubted: number; missing: number }[];
  /** The top MAX_REPORT_LABEL_ISSUES rows by score. */
  rows: LabelIssue[];
}

/** Most label issues report.json lists. */
export const MAX_REPORT_LABEL_ISSUES = 500;

/** A model folder's training.json: each row's held-out probabilities, for finding label issues (optional file). */
export interface TrainingRecordFile {
  /** = the manifest's genre names, same order. */
  genres: string[];
  /** Absolute path of the training data file. */
  file: string;
  /** Confident-learning per-genre thresholds from the out-of-fold probabilities (see labelIssues.ts). */
  thresholds: { positive: number[]; negative: number[] };
  /** Training rows first, in training order (= the kNN head's row order), then the split's evaluation rows. */
  rows: TrainingRowRecord[];
}

export interface TrainingRowRecord {
  /** rowKey(row): the first 32 hex digits of sha256(rowText(row)). */
  key: string;
  /** 1-based line where the row starts. */
  line: number;
  /** Cut to MAX_RECORD_TITLE characters. */
  title: string;
  /** Genre indices the row is labelled with. */
  labels: number[];
  /** Per genre: out-of-fold blend probability (train) or the model's (eval); 4 decimals; 0 for an untrained genre. */
  proba: number[];
  split: 'train' | 'eval';
}

/** Titles are cut to this many characters in training.json, label issues and neighbours. */
export const MAX_RECORD_TITLE = 200;

/** The longest poster thumbnail data URI (characters, base64 included) the prediction thread makes and a hover shows. */
export const MAX_THUMBNAIL_URI = 24 * 1024;

/** Most evaluation rows report.json records predictions for, and most probabilities (rows × genres) in all. */
export const MAX_EVALUATION_ROWS = 20_000;
export const MAX_EVALUATION_CELLS = 2_000_000;

/** The store's `current.json`: the current model (`models/<name>`, inside the store) and the models the user chose. */
export interface Pointer {
  model: string;
  pinned: string[];
}
