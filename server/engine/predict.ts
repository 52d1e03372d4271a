// Using a saved model: the encoders it was trained with (refused when this machine has others), predictions for every
// row of a dataset file, and evaluation against a labelled file.
import { Dataset, formatIssue, MovieRow, readDataset } from './data';
import type { EncoderIdentity } from './encoders/types';
import { cacheDirOf, datasetOptionsOf, EngineOptions, loadEncoders, posterAccessOf, RunProgress } from './engineOptions';
import { FeatureExtractor, Features } from './features';
import { evaluate, MultiLabelReport } from './metrics';
import { type LoadedModel, loadModel } from './modelFiles';
import type { Manifest } from '../../common/modelTypes';
import { labelColumns, toRows } from './split';
import { OneVsRestPredictor } from './trainer';

/** The encoders a saved model was trained with; throws if this machine cannot reproduce them. */
export async function loadModelEncoders(manifest: Manifest, options: EngineOptions) {
  const wanted = manifest.encoders.image;
  const imageEncoder = !wanted ? 'none' : wanted.fallback ? 'nsfwjs' : 'onnx';
  const enc = await loadEncoders({ ...options, imageEncoder }, () => undefined);
  const same = (a: EncoderIdentity | null, b: EncoderIdentity | null) =>
    (a === null && b === null) || (a !== null && b !== null && a.id === b.id && a.dim === b.dim && a.weightsSha256 === b.weightsSha256);
  const got = { text: enc.text.identity(), image: enc.image?.identity() ?? null };
  for (const kind of ['text', 'image'] as const) {
    if (!same(manifest.encoders[kind], got[kind])) {
      await enc.text.dispose();
      await enc.image?.dispose();
      const want = manifest.encoders[kind];
      throw new Error(`The model was trained with the ${kind} encoder ${want?.id ?? 'none'} (sha256 ${want?.weightsSha256.slice(0, 12) ?? '-'}), ` +
        `but this machine has ${got[kind]?.id ?? 'none'}${kind === 'image' ? ' (set --models or GENRE_LENS_MODELS to the folder with the ONNX model)' : ''}.`);
    }
  }
  return enc;
}

export interface Prediction {
  row: MovieRow;
  /** Probability per model genre, in manifest order. */
  proba: number[];
  predicted: string[];
  posterMissing: string | null;
}

/** Predicts every row of a dataset file with a saved model. */
export async function predictFile(modelPath: string, dataFile: string, options: EngineOptions & { onProgress?: (p: RunProgress) => void;
  onWarning?: (m: string) => void } = {}): Promise<{ model: LoadedModel; data: Dataset; predictions: Prediction[] }> {
  const warn = options.onWarning ?? (() => undefined);
  const loaded = loadModel(modelPath);
  const data = await readDataset(dataFile, datasetOptionsOf(options));
  data.issues.forEach((i) => warn(formatIssue(i)));
  options.onProgress?.({ phase: 'loading encoders' });
  const encoders = await loadModelEncoders(loaded.manifest, options);
  const extractor = new FeatureExtractor(encoders, cacheDirOf(options), posterAccessOf(options));
  let features: Features;
  try {
    features = await extractor.extract(data.rows, { onProgress: (phase, done, total) =>
      options.onProgress?.({ phase: phase === 'text' ? 'encoding text' : 'encoding posters', done, total }) });
  } finally {
    await encoders.text.dispose();
    await encoders.image?.dispose();
  }
  const predictor = await OneVsRestPredictor.load(loaded.model);
  try {
    const proba = predictor.predictProba(features.X, features.nrow);
    const decisions = predictor.decide(proba);
    const names = loaded.manifest.genres.map((g) => g.name);
    const predictions = data.rows.map((row, r) => ({ row, proba: proba.map((p) => p[r]), posterMissing: features.posterMissingReason[r],
      predicted: names.filter((_, g) => decisions[g][r] === 1) }));
    return { model: loaded, data, predictions };
  } finally {
    predictor.dispose();
  }
}

/** Evaluates a saved model on a labelled dataset file. */
export async function evalFile(modelPath: string, dataFile: string, options: EngineOptions & { onProgress?: (p: RunProgress) => void;
  onWarning?: (m: string) => void } = {}): Promise<{ metrics: MultiLabelReport; model: LoadedModel; rows: number }> {
  const { model, predictions } = await predictFile(modelPath, dataFile, options);
  const labelled = predictions.filter((p) => p.row.genres !== null);
  if (labelled.length === 0) throw new Error(`${dataFile}: no row has genres to evaluate against`);
  const genres = model.manifest.genres.map((g) => g.name);
  const truth = toRows(labelColumns(labelled.map((p) => p.row), genres), labelled.length);
  const pred = labelled.map((p) => Uint8Array.from(genres, (g) => (p.predicted.includes(g) ? 1 : 0)));
  return { metrics: evaluate(truth, pred, genres), model, rows: labelled.length };
}
