// The shared types of the fusion heads (models blended with LightGBM's one-vs-rest probabilities): what a head is
// fitted on, what a fitted head returns (out-of-fold probabilities + a model), and how a saved head is loaded.
import type { FeatureLayout } from '../../../common/modelTypes';

export type HeadName = 'linear' | 'tfidf' | 'knn';

/** The rows a head sees: the dense feature matrix (nrow × layout.total, row-major) and each row's text. */
export interface HeadData {
  X: Float32Array;
  nrow: number;
  layout: FeatureLayout;
  /** title + ". " + description, one per row (rowText of features.ts). */
  texts: readonly string[];
}

export interface HeadModel {
  name: HeadName;
  /** Probabilities, genre-major: `result[g][row]`; untrained genres get 0. */
  predict(d: HeadData): Promise<Float64Array[]>;
  /** Relative paths under heads/ → text content; the same model gives the same bytes. */
  files(): Record<string, string>;
  dispose(): void;
}

export interface HeadFit {
  name: HeadName;
  /** Genre-major out-of-fold probabilities of the training rows, each from a model that never saw the row. */
  oof: Float32Array[];
  model: HeadModel;
}

/** Reads a file of the saved model (relative path under heads/), refusing more than `maxBytes`. */
export type HeadReader = (relPath: string, maxBytes: number) => string;

export interface HeadShape {
  numFeatures: number;
  genres: number;
}
