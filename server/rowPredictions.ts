// Predicted genres of dataset rows for quick fixes, inlay hints and Fill Missing Genres: predicted through the host's
// prediction thread (modelHost.ts), a few at a time, and remembered per model and row content (a row scrolled past
// twice, or offered a quick fix on each cursor move, is predicted once). Nothing here touches the document.
import type { MovieRow } from './engine/data';
import type { ModelHost } from './modelHost';

/** A row's predicted genres (above their thresholds), the most probable first. */
export interface PredictedGenres {
  genres: string[];
  /** Each predicted genre's probability, in the order of `genres`. */
  probabilities: number[];
}

/** Rows remembered (about 200 bytes each). */
const CACHE_ROWS = 20_000;
/** Rows sent to the prediction thread at once. */
const IN_FLIGHT = 4;

/** What decides a row's prediction: the model and the row's inputs. */
const keyOf = (dir: string, row: MovieRow) => `${dir}\0${row.title}\0${row.text}\0${row.poster?.raw ?? ''}`;

export class RowPredictions {
  private readonly cache = new Map<string, PredictedGenres>();
  private readonly pending = new Map<string, Promise<PredictedGenres | null>>();

  /** Forgets every prediction (the model changed). */
  clear(): void {
    this.cache.clear();
  }

  /** The cached prediction of `row` by the host's current model, without predicting. */
  cached(host: ModelHost, row: MovieRow): PredictedGenres | undefined {
    const dir = host.model?.dir;
    return dir === undefined ? undefined : this.cache.get(keyOf(dir, row));
  }

  /**
   * Predicts `rows` (IN_FLIGHT at a time), in their order; null for a row when there is no model. Stops early, leaving
   * the rest undefined, when `signal` aborts. `onEach` hears of every row predicted (for progress).
   */
  async predict(host: ModelHost, rows: readonly MovieRow[], signal?: AbortSignal, onEach?: (done: number) => void): Promise<(PredictedGenres | null | undefined)[]> {
    const out: (PredictedGenres | null | undefined)[] = new Array(rows.length).fill(undefined);
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < rows.length && !signal?.aborted) {
        const i = next++;
        out[i] = await this.one(host, rows[i]);
        onEach?.(++done);
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, rows.length) }, worker));
    return out;
  }

  private one(host: ModelHost, row: MovieRow): Promise<PredictedGenres | null> {
    const dir = host.model?.dir;
    if (dir === undefined) return Promise.resolve(null);
    const key = keyOf(dir, row);
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key); // most recently used last
      this.cache.set(key, hit);
      return Promise.resolve(hit);
    }
    let p = this.pending.get(key);
    if (!p) {
      // Not aborted with the caller's signal: another caller may wait for the same row (callers stop between rows).
      p = host.predictRow(row).then((r) => {
        if (!r) return null;
        const predicted = r.genres.filter((g) => g.predicted).sort((a, b) => b.probability - a.probability);
        const value = { genres: predicted.map((g) => g.name), probabilities: predicted.map((g) => g.probability) };
        if (r.model.dir === host.model?.dir) this.remember(key, value);
        return value;
      }).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  private remember(key: string, value: PredictedGenres): void {
    this.cache.set(key, value);
    if (this.cache.size > CACHE_ROWS) this.cache.delete(this.cache.keys().next().value as string);
  }
}
