// Which column holds the id, title, text, genres and poster: matched by known names (case-insensitive, trimmed),
// or given explicitly. Only the text column is required.
import { SourceText } from './source';
import { quoteText } from './textFold';
import { ColumnMapping, ColumnOverrides, ColumnRole } from './types';

/** Known names per role, in order of preference. */
export const COLUMN_ALIASES: Record<ColumnRole, string[]> = {
  id: ['id', 'movie_id', 'tmdb_id', 'imdb_id'],
  title: ['title', 'name', 'original_title', 'movie_title'],
  text: ['overview', 'description', 'plot', 'synopsis', 'summary', 'storyline'],
  genres: ['genres', 'genre', 'labels', 'label', 'tags', 'categories'],
  poster: ['poster', 'poster_path', 'poster_url', 'image', 'image_url', 'img', 'cover'],
};

/** How column names are matched: trimmed, case-insensitive. */
export const columnKey = (name: string) => name.trim().toLowerCase();
const key = columnKey;

/** Throws a DatasetError (at 1:1) for a missing text column or an override naming no column. */
export function detectColumns(available: string[], overrides: ColumnOverrides, src: SourceText): ColumnMapping {
  const byKey = new Map(available.map((name) => [key(name), name]));
  const more = available.length > 50 ? `, … (${available.length} in all)` : '';
  const list = available.length ? available.slice(0, 50).map((n) => quoteText(n)).join(', ') + more : '(none)';
  const find = (role: ColumnRole): string | null => {
    const wanted = overrides[role];
    if (wanted === null) return null;
    if (wanted === undefined) return COLUMN_ALIASES[role].map((a) => byKey.get(a)).find((n) => n !== undefined) ?? null;
    const name = byKey.get(key(wanted));
    if (name === undefined) {
      throw src.error(0, `no column "${wanted}" (given as the ${role} column${role === 'id' ? '' : ` with --${role}-column`} or in genreLens.columns in VS Code); available columns: ${list}`);
    }
    return name;
  };
  const columns: ColumnMapping = { id: find('id'), title: find('title'), text: find('text'), genres: find('genres'), poster: find('poster') };
  if (columns.text === null) {
    throw src.error(0, `no text column: expected one of ${COLUMN_ALIASES.text.join(', ')}; available columns: ${list} — ` +
      'choose the text column with --text-column (the genreLens.columns setting in VS Code)');
  }
  return columns;
}
