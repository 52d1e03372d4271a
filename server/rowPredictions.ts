// Predicted genres of dataset rows for quick fixes, inlay hints and Fill Missing Genres: predicted through the host's
// prediction thread (modelHost.ts) in batches of BATCH rows, never downloading a poster, and remembered per model and row
// content (a row scrolled past twice is predicted once). fillEdits turns predictions into genre-cell edits (not applied).
import type { Dataset, MovieRow } from './engine/data';
import { type CellEdit, detectGenreStyle, genreCellEdit } from './engine/data/genreWriter';
import type { ModelHost } from './modelHost';

/** A row's predicted genres (above their thresholds), the most probable first. */
export interface PredictedGenres {
  genres: string[];
  /** Each predicted genre's probability, in the order of `genres`. */
  probabilities: number[];
}

/** Rows remembered (about 200 bytes each). */
const CACHE_ROWS = 20_000;
/** Rows sent to the prediction thread in one request (callers stop between batches when cancelled). */
export const BATCH = 32;

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
   * Predicts `rows` in batches of BATCH, in their order; null for a row when there is no model. Stops between batches
   * when `signal` aborts, leaving the rest undefined. `onProgress` hears how many rows are done after each batch.
   */
  async predict(host: ModelHost, rows: readonly MovieRow[], signal?: AbortSignal, onProgress?: (done: number) => void): Promise<(PredictedGenres | null | undefined)[]> {
    const out: (PredictedGenres | null | undefined)[] = new Array(rows.length).fill(undefined);
    for (let start = 0; start < rows.length && !signal?.aborted; start += BATCH) {
      const values = await this.batch(host, rows.slice(start, start + BATCH));
      values.forEach((v, k) => (out[start + k] = v));
      onProgress?.(Math.min(rows.length, start + BATCH));
    }
    return out;
  }

  /** One batch: cached rows answered at once, rows already being predicted (for another caller) awaited, the rest sent in
   * one request. That request is not aborted with a caller's signal: another caller may wait for the same rows. */
  private batch(host: ModelHost, rows: readonly MovieRow[]): Promise<(PredictedGenres | null)[]> {
    const dir = host.model?.dir;
    if (dir === undefined) return Promise.resolve(rows.map(() => null));
    const send: MovieRow[] = [];
    let settle!: (values: Promise<(PredictedGenres | null)[]>) => void;
    const sent = new Promise<(PredictedGenres | null)[]>((resolve) => (settle = resolve));
    const waits = rows.map((row) => {
      const key = keyOf(dir, row);
      const hit = this.cache.get(key);
      if (hit) {
        this.cache.delete(key); // most recently used last
        this.cache.set(key, hit);
        return Promise.resolve(hit);
      }
      let p = this.pending.get(key);
      if (!p) {
        const k = send.push(row) - 1;
        p = sent.then((values) => values[k]).finally(() => this.pending.delete(key));
        p.catch(() => undefined); // its waiters hear of a failure
        this.pending.set(key, p);
      }
      return p;
    });
    if (send.length) {
      settle(host.predictRows(send).then((results) => send.map((row, k) => {
        const r = results?.[k];
        if (!r) return null;
        const predicted = r.genres.filter((g) => g.predicted).sort((a, b) => b.probability - a.probability);
        const value = { genres: predicted.map((g) => g.name), probabilities: predicted.map((g) => g.probability) };
        if (r.model.dir === dir) this.remember(keyOf(dir, row), value);
        return value;
      })));
    }
    return Promise.all(waits);
  }

  private remember(key: string, value: PredictedGenres): void {
    this.cache.set(key, value);
    if (this.cache.size > CACHE_ROWS) this.cache.delete(this.cache.keys().next().value as string);
  }
}

/** A row the model can fill: its predicted genres and the edit that writes them. */
export interface RowFill {
  row: MovieRow;
  genres: string[];
  edit: CellEdit;
}

/** What predicting rows with empty genre cells gives: their edits, and why the other rows get none. */
export interface FillPlan {
  fills: RowFill[];
  /** Rows with no genre above its threshold (or no model). */
  unpredicted: MovieRow[];
  /** Rows whose predicted genres genreCellEdit cannot write in the file's genre format. */
  unwritable: { row: MovieRow; genres: string[] }[];
  /** Rows not predicted: `signal` aborted first. */
  skipped: number;
}

/** Predicts `rows` (batched, see RowPredictions.predict) and builds each one's genre-cell edit in the file's own style. */
export async function fillEdits(predictions: RowPredictions, host: ModelHost, text: string, dataset: Dataset, rows: readonly MovieRow[],
  signal?: AbortSignal, onProgress?: (done: number) => void): Promise<FillPlan> {
  const predicted = await predictions.predict(host, rows, signal, onProgress);
  const style = detectGenreStyle(dataset);
  const plan: FillPlan = { fills: [], unpredicted: [], unwritable: [], skipped: 0 };
  rows.forEach((row, i) => {
    const p = predicted[i];
    if (p === undefined) plan.skipped++;
    else if (!p?.genres.length) plan.unpredicted.push(row);
    else {
      const edit = genreCellEdit(text, dataset, row, p.genres, style);
      if (edit) plan.fills.push({ row, genres: p.genres, edit });
      else plan.unwritable.push({ row, genres: p.genres });
    }
  });
  return plan;
}
