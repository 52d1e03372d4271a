// Shared types for the frozen feature encoders (text → vector, poster image → vector).
// Every encoder exposes the same small surface so the model manifest can record exactly which
// weights produced a feature block and a future encoder (e.g. MiniLM from a hub URL) slots in.

import type { EncoderIdentity } from '../../../common/modelTypes';

export type { EncoderIdentity };

export interface EncodeOptions {
  /** Called after each internal batch with the number of items finished so far. */
  onProgress?: (done: number, total: number) => void;
  /** Checked between internal batches; encode rejects with the abort reason. */
  signal?: AbortSignal;
}

export interface Encoder<I, O> {
  readonly id: string;
  readonly version: string;
  readonly dim: number;
  identity(): EncoderIdentity;
  encode(batch: readonly I[], options?: EncodeOptions): Promise<O>;
  dispose(): Promise<void>;
}

/** Text encoder: one `dim`-length vector per input string, same order (empty text → zero vector). */
export interface TextEncoder extends Encoder<string, Float32Array[]> {
  /** How many of `texts` are longer than the encoder's token limit (and so cut when encoded); absent: no limit. */
  countTruncated?(texts: readonly string[]): number;
  /** The token limit countTruncated counts against (texts are cut to this many tokens, specials included). */
  readonly maxTokens?: number;
}

/** A poster: a file on disk, bytes already in memory, or nothing (→ missing). URLs are fetched by the caller (fetchCache.ts). */
export type PosterInput = { kind: 'file'; path: string } | { kind: 'buffer'; data: Uint8Array } | null;

/**
 * Per-item results, all arrays as long as the input. A poster that is absent, unreadable or undecodable gets a
 * zero vector, `missing: true` and a human-readable reason; the caller appends the 1.0 "poster missing" indicator.
 */
export interface ImageBatchResult {
  vectors: Float32Array[];
  missing: boolean[];
  reasons: (string | null)[];
}

export type ImageEncoder = Encoder<PosterInput, ImageBatchResult>;
