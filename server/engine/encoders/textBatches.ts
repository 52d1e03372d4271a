// What the text encoders (USE-Lite, MiniLM) share: the same text clean-up, and encoding in batches of similar token
// count — each model run pads to its longest row, so texts are tokenised a window at a time, sorted by length,
// embedded batch by batch, and the vectors put back at their input positions.
import type { EncodeOptions } from './types';

/** Collapses whitespace, trims and cuts to `maxChars`; anything but a string is ''. Case is kept. */
export function normaliseText(text: unknown, maxChars: number): string {
  return typeof text === 'string' ? text.replace(/\s+/g, ' ').trim().slice(0, maxChars) : '';
}

export interface LengthSortedBatches {
  /** Texts tokenised and sorted together. */
  window: number;
  batchSize: number;
  dim: number;
  /** The token ids a text is embedded from; null for a text with none (→ a zero vector, never embedded). */
  tokenise(text: string): number[] | null;
  /** One vector per token list, same order. */
  embed(ids: number[][]): Promise<Float32Array[]>;
}

/** One vector per text, in input order; progress after each batch, abort checked before each. */
export async function encodeLengthSorted(texts: readonly string[], b: LengthSortedBatches, opts: EncodeOptions = {}): Promise<Float32Array[]> {
  const out: Float32Array[] = new Array(texts.length);
  let done = 0;
  for (let start = 0; start < texts.length; start += b.window) {
    const end = Math.min(start + b.window, texts.length);
    const window: { index: number; ids: number[] }[] = [];
    for (let i = start; i < end; i++) {
      const ids = b.tokenise(texts[i]);
      if (ids) window.push({ index: i, ids });
      else out[i] = new Float32Array(b.dim);
    }
    done += end - start - window.length;
    window.sort((x, y) => x.ids.length - y.ids.length);
    for (let k = 0; k < window.length; k += b.batchSize) {
      opts.signal?.throwIfAborted();
      const batch = window.slice(k, k + b.batchSize);
      const vectors = await b.embed(batch.map((t) => t.ids));
      batch.forEach((t, r) => (out[t.index] = vectors[r]));
      done += batch.length;
      opts.onProgress?.(done, texts.length);
    }
    if (window.length === 0) opts.onProgress?.(done, texts.length);
  }
  return out;
}
