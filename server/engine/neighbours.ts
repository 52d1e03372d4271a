// The training movies nearest to a row by text embedding, for the hover and `predict --explain`: the kNN head's stored
// rows (the training rows, in training order) searched by cosine similarity, named by the model's training.json
// (title, line, labelled genres). Without either file, or when they disagree on the rows, there are no neighbours.
import { type FeatureLayout, MAX_RECORD_TITLE, type TrainingRowRecord } from '../../common/modelTypes';
import type { MovieRow } from './data';
import type { HeadModel } from './heads';
import { hasNeighbours, type NeighbourHead } from './heads/knn';
import { rowKey } from './labelIssues';
import { readTrainingRows } from './modelFiles';

export interface Neighbour {
  /** From the model's training.json: untrusted, to be escaped wherever it is shown. */
  title: string;
  /** 1-based line of the training file where the movie starts. */
  line: number;
  genres: string[];
  /** Cosine similarity of the text embeddings, −1..1. */
  similarity: number;
}

/** How many neighbours the hover and --explain show. */
export const NEIGHBOURS_K = 3;

/** What the index keeps of a training row (not its probabilities): the key leaves the row itself out. */
type NeighbourRow = Pick<TrainingRowRecord, 'key' | 'title' | 'line' | 'labels'>;

export class NeighbourIndex {
  private constructor(private readonly head: NeighbourHead, private readonly rows: readonly NeighbourRow[],
    private readonly genres: readonly string[], private readonly layout: FeatureLayout) {}

  /**
   * The index of a model folder, or null when the model has no kNN head or no training.json, or they do not describe
   * the same training rows. A damaged training.json is `onError`'s (and then there is no index), never a throw.
   */
  static load(dir: string, heads: readonly HeadModel[], layout: FeatureLayout, onError: (e: unknown) => void = () => undefined): NeighbourIndex | null {
    const head = heads.find(hasNeighbours);
    if (!head) return null;
    try {
      const record = readTrainingRows(dir);
      if (!record) return null;
      const train = record.rows.filter((r) => r.split === 'train');
      if (train.length !== head.rows) throw new Error(`${dir}/training.json: ${train.length} training rows, the kNN head stores ${head.rows}`);
      const rows = train.map((r): NeighbourRow => ({ key: r.key, title: r.title.slice(0, MAX_RECORD_TITLE), line: r.line, labels: r.labels }));
      return new NeighbourIndex(head, rows, record.genres, layout);
    } catch (e) {
      onError(e);
      return null;
    }
  }

  /**
   * The `k` training movies nearest to row `r` of the feature matrix X (whose text embedding is used), most similar
   * first; the row itself (same title and description, when it is a training row) is left out.
   */
  find(X: Float32Array, r: number, row: Pick<MovieRow, 'title' | 'text'>, k = NEIGHBOURS_K): Neighbour[] {
    const { text, total } = this.layout;
    const vector = X.subarray(r * total + text.offset, r * total + text.offset + text.dim);
    const key = rowKey(row);
    return this.head.neighbours(vector, k + 1)
      .filter((n) => this.rows[n.row] && this.rows[n.row].key !== key)
      .slice(0, k)
      .map((n) => {
        const rec = this.rows[n.row];
        return { title: rec.title, line: rec.line, similarity: n.similarity,
          genres: rec.labels.filter((g) => Number.isInteger(g) && g >= 0 && g < this.genres.length).map((g) => this.genres[g]) };
      });
  }
}
