// Bounds on a training run's label set, checked right after reading (before any encoder loads), so a pathological
// dataset ends in seconds with a clear message: too many distinct genres (probably the wrong column), or not one
// genre that can be trained, or a genres column that is also the text or title column. Also the report's
// co-occurrence counts, for trained genres only.
import { Dataset, DatasetError, MovieRow, quoteText } from './data';
import { noClassifierMessage, untrainableGenres } from './trainer';

/** Default bound on the distinct genre names of a training file (`train --max-genres`). */
export const DEFAULT_MAX_GENRES = 100;

/**
 * Throws a DatasetError at the row where the (maxGenres + 1)-th distinct genre name first appears, naming the
 * column, the count and the first names, with what to do.
 */
export function checkGenreCount(data: Pick<Dataset, 'file' | 'rows' | 'genres' | 'columns'>, maxGenres = DEFAULT_MAX_GENRES): void {
  if (!Number.isInteger(maxGenres) || maxGenres < 1) throw new Error(`maxGenres must be an integer of at least 1, got ${maxGenres}`);
  if (data.genres.length <= maxGenres) return;
  const seen = new Set<string>();
  const over = data.rows.find((row) => {
    row.genres?.forEach((g) => seen.add(g));
    return seen.size > maxGenres;
  });
  const at = over?.range.start ?? { line: 0, character: 0 };
  const column = data.columns.genres ?? 'genres';
  const first = [...seen].slice(0, 10).map((g) => JSON.stringify(g.length > 40 ? `${g.slice(0, 37)}...` : g)).join(', ');
  throw new DatasetError({ severity: 'error', file: data.file, line: at.line + 1, column: at.character + 1,
    message: `the genre column "${column}" has ${data.genres.length} distinct genre names, more than --max-genres ${maxGenres} ` +
      `(name ${maxGenres + 1} first appears in this row); the first are ${first}, … — is "${column}" really the genre column? ` +
      'Choose another with --genres-column, or raise --max-genres.' });
}

/** Refuses a genres column that is also the text or title column: the model would read its own labels. */
export function checkLabelsNotInput(data: Pick<Dataset, 'file' | 'columns'>): void {
  const { genres, text, title } = data.columns;
  if (genres === null) return;
  const clash = genres === text ? 'text' : genres === title ? 'title' : null;
  if (clash) {
    throw new Error(`${data.file}: the genres column ${quoteText(genres)} is also the ${clash} column, so the model would learn its labels ` +
      `from its input; choose different columns with --genres-column and --${clash}-column (genreLens.columns in VS Code)`);
  }
}

/** Training rows having each genre, in `genres` order. */
export function genrePositives(rows: readonly MovieRow[], genres: readonly string[]): number[] {
  const index = new Map(genres.map((g, i) => [g, i]));
  const counts = genres.map(() => 0);
  for (const row of rows) row.genres?.forEach((g) => index.has(g) && counts[index.get(g)!]++);
  return counts;
}

/** Throws the "no classifier could be trained" error (each genre with its reason) when no genre is trainable. */
export function checkTrainable(rows: readonly MovieRow[], genres: readonly string[], minPositives: number): void {
  const reasons = untrainableGenres(genres, genrePositives(rows, genres), rows.length, minPositives);
  if (reasons.every((r) => r !== null)) throw new Error(noClassifierMessage(reasons as string[], minPositives));
}

/**
 * Rows having both genres i and j, for trained genres i (row i is empty for an untrained genre), counted row by row
 * over each row's own labels: O(rows × labels per row²), never O(genres² × rows).
 */
export function cooccurrence(labels: readonly Uint8Array[], trained: readonly boolean[], nrow: number): number[][] {
  const cooc = labels.map((_, i) => (trained[i] ? new Array<number>(labels.length).fill(0) : []));
  for (let r = 0; r < nrow; r++) {
    const has = labels.flatMap((col, g) => (col[r] ? [g] : []));
    for (const i of has) if (trained[i]) for (const j of has) cooc[i][j]++;
  }
  return cooc;
}
