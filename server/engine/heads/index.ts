// The fusion heads blended with LightGBM's one-vs-rest probabilities: fitting a head (out-of-fold probabilities on
// the same folds as LightGBM, plus the model that is saved), loading a saved one (untrusted files), and the blend.
import { fitKnn, loadKnn } from './knn';
import { fitLinear, loadLinear } from './linearHead';
import { fitTfidf, loadTfidf } from './tfidf';
import type { HeadData, HeadFit, HeadModel, HeadName, HeadReader, HeadShape } from './types';

export type { HeadData, HeadFit, HeadModel, HeadName, HeadReader, HeadShape } from './types';
export { blendProba, chooseBlend, type BlendChoice, type BlendComponent } from './blend';

/** The heads this build can fit and load. */
export const HEAD_NAMES: readonly HeadName[] = ['linear', 'tfidf', 'knn'];

/**
 * Fits head `name` on the training rows: `labels` genre-major, `trained[g]` false for a genre LightGBM does not train
 * (its probabilities are 0), `folds` the held-out rows of each fold (disjoint, covering every row).
 */
export async function fitHead(name: HeadName, data: HeadData, labels: Uint8Array[], trained: boolean[],
  folds: number[][], seed: number, signal?: AbortSignal): Promise<HeadFit> {
  if (data.X.length !== data.nrow * data.layout.total) {
    throw new RangeError(`feature matrix has ${data.X.length} values, expected ${data.nrow}×${data.layout.total}`);
  }
  if (trained.length !== labels.length) throw new RangeError(`${trained.length} trained flags for ${labels.length} genres`);
  labels.forEach((l, g) => {
    if (l.length !== data.nrow) throw new RangeError(`genre ${g}: ${l.length} labels for ${data.nrow} rows`);
  });
  switch (name) {
    case 'linear': return fitLinear(data, labels, trained, folds, seed, signal);
    case 'tfidf': return fitTfidf(data, labels, trained, folds, seed, signal);
    case 'knn': return fitKnn(data, labels, trained, folds, seed, signal);
    default: throw new Error(`the ${String(name)} head is not available`);
  }
}

/** Loads a saved head; `read` returns a file under heads/ (at most maxBytes). Errors name the file and the field. */
export function loadHead(name: HeadName, read: HeadReader, shape: HeadShape): HeadModel {
  switch (name) {
    case 'linear': return loadLinear(read, shape);
    case 'tfidf': return loadTfidf(read, shape);
    case 'knn': return loadKnn(read, shape);
    default: throw new Error(`the ${String(name)} head is not available`);
  }
}
