// What the text encoders (USE-Lite, MiniLM) share: the same text clean-up, and encoding in batches of similar token
// count — each model run pads to its longest row, so texts are tokenised a window at a time, sorted by length,
// embedded batch by batch (up to `concurrency` batches in flight), and the vectors put back at their input positions.
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
  /** Batches embedded at once (default 1): embed() is called again before earlier calls settle. */
  concurrency?: number;
  /** The token ids a text is embedded from; null for a text with none (→ a zero vector, never embedded). */
  tokenise(text: string): number[] | null;
  /** One vector per token list, same order. */
  embed(ids: number[][]): Promise<Float32Array[]>;
}

/**
 * One vector per text, in input order; progress after each batch, abort checked before each. The batches (and so
 * the vectors) do not depend on `concurrency`. On a failure or abort, batches already running are awaited first.
 */
export async function encodeLengthSorted(texts: readonly string[], b: LengthSortedBatches, opts: EncodeOptions = {}): Promise<Float32Array[]> {
  const out: Float32Array[] = new Array(texts.length);
  const concurrency = Math.max(1, b.concurrency ?? 1);
  const running = new Set<Promise<void>>();
  let failed = false;
  let failure: unknown;
  let done = 0;
  const settle = async (all: boolean) => {
    while (running.size >= (all ? 1 : concurrency)) await Promise.race(running);
    if (failed) throw failure;
  };
  try {
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
        await settle(false);
        opts.signal?.throwIfAborted();
        const batch = window.slice(k, k + b.batchSize);
        const job: Promise<void> = b.embed(batch.map((t) => t.ids)).then((vectors) => {
          batch.forEach((t, r) => (out[t.index] = vectors[r]));
          done += batch.length;
          opts.onProgress?.(done, texts.length);
        }, (err: unknown) => {
          if (!failed) [failed, failure] = [true, err];
        }).finally(() => running.delete(job));
        running.add(job);
      }
      if (window.length === 0) opts.onProgress?.(done, texts.length);
    }
    await settle(true);
  } finally {
    while (running.size > 0) await Promise.race(running); // never leave a batch running behind a rejection
  }
  return out;
}
