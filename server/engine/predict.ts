// Using a saved model on a data file through its pipeline (pipeline.ts): the file is read with the columns the model
// was trained on, then every row is predicted, or the labelled rows are evaluated against their genres.
import { Dataset, formatIssue, MovieRow } from './data';
import { datasetOptionsOf, EngineOptions, RunProgress } from './engineOptions';
import { evaluate, MultiLabelReport } from './metrics';
import { type LoadedModel, readManifest, resolveModelDir } from './modelFiles';
import { absentColumnWarnings, ColumnUse, ignoredColumnWarnings, readWithModelColumns } from './modelColumns';
import type { GenreWhy } from './explain';
import type { Neighbour } from './neighbours';
import { ModelPipeline } from './pipeline';
import { labelColumns, toRows } from './split';

export { loadModelEncoders } from './pipeline';

export interface Prediction {
  row: MovieRow;
  /** Probability per model genre, in manifest order. */
  proba: number[];
  predicted: string[];
  posterMissing: string | null;
  /** With `explain` (predict only): per trained genre, the evidence from the description vs the poster. */
  why?: GenreWhy[];
  /** With `explain`: the nearest training movies by text embedding (absent without a kNN head and training.json). */
  neighbours?: Neighbour[];
}

export type FileOptions = EngineOptions & { onProgress?: (p: RunProgress) => void; onWarning?: (m: string) => void; signal?: AbortSignal;
  /** predictFile: also say why each genre, and list each row's nearest training movies (`--explain`). */
  explain?: boolean };

/** Reads `dataFile` with the model's columns (before loading any encoder, so a wrong file fails at once) and predicts it. */
async function predictWith(modelPath: string, dataFile: string, options: FileOptions, use: ColumnUse):
  Promise<{ model: LoadedModel; data: Dataset; predictions: Prediction[] }> {
  const warn = options.onWarning ?? (() => undefined);
  const dir = resolveModelDir(modelPath);
  const model = { dir, columns: readManifest(dir).dataset.columns };
  ignoredColumnWarnings(model, options.dataset?.columns, use).forEach(warn);
  const data = await readWithModelColumns(dataFile, datasetOptionsOf(options), model, use);
  data.issues.forEach((i) => warn(formatIssue(i)));
  absentColumnWarnings(model, data).forEach(warn);
  options.onProgress?.({ phase: 'loading encoders' });
  const pipeline = await ModelPipeline.load(dir, options, options.onProgress);
  try {
    const results = await pipeline.predictRows(data.rows, { signal: options.signal, explain: use === 'predict' && options.explain === true,
      onProgress: (phase, done, total) => options.onProgress?.({ phase: phase === 'text' ? 'encoding text' : 'encoding posters', done, total }) });
    const names = pipeline.manifest.genres.map((g) => g.name);
    const predictions = data.rows.map((row, r) => ({ row, proba: results[r].proba, posterMissing: results[r].posterNote,
      predicted: names.filter((_, g) => results[r].predicted[g]),
      ...(results[r].why ? { why: results[r].why } : {}), ...(results[r].neighbours ? { neighbours: results[r].neighbours } : {}) }));
    return { model: pipeline.loaded, data, predictions };
  } finally {
    await pipeline.dispose();
  }
}

/** Predicts every row of a dataset file with a saved model (a model folder or a store). */
export function predictFile(modelPath: string, dataFile: string, options: FileOptions = {}):
  Promise<{ model: LoadedModel; data: Dataset; predictions: Prediction[] }> {
  return predictWith(modelPath, dataFile, options, 'predict');
}

/** Evaluates a saved model on a labelled dataset file (which must have the model's genres column). */
export async function evalFile(modelPath: string, dataFile: string, options: FileOptions = {}):
  Promise<{ metrics: MultiLabelReport; model: LoadedModel; rows: number }> {
  const { model, predictions } = await predictWith(modelPath, dataFile, options, 'eval');
  const labelled = predictions.filter((p) => p.row.genres !== null);
  if (labelled.length === 0) throw new Error(`${dataFile}: no row has genres to evaluate against`);
  const genres = model.manifest.genres.map((g) => g.name);
  const truth = toRows(labelColumns(labelled.map((p) => p.row), genres), labelled.length);
  const pred = labelled.map((p) => Uint8Array.from(genres, (g) => (p.predicted.includes(g) ? 1 : 0)));
  return { metrics: evaluate(truth, pred, genres), model, rows: labelled.length };
}
