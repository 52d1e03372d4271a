// Public API of the dataset layer (used by the CLI, the daemon and tests): read CSV / JSON / JSONL movie datasets
// into located rows. Pure TypeScript: no vscode or LSP imports.
export { parseDataset, readDataset, rowAt, formatOf } from './dataset';
export { COLUMN_ALIASES } from './columns';
export { parseGenreCell, normaliseGenres } from './genres';
export type { GenreCell } from './genres';
export { DEFAULT_POSTER_BASE_URL, resolvePoster } from './posters';
export type { PosterContext } from './posters';
export { detectDelimiter } from './csv';
export { cleanName, foldInvisible, quoteText, visible } from './textFold';
export { DEFAULT_MAX_DATASET_BYTES, decodeDataset, readDatasetBytes } from './decode';
export { applyCellEdit, csvField, detectGenreStyle, genreCellEdit, TMDB_GENRE_IDS } from './genreWriter';
export type { CellEdit, GenreStyle, ListLayout } from './genreWriter';
export { DEFAULT_MAX_POSTER_CHECKS, datasetProblems, issueRange } from './problems';
export type { Problem, ProblemOptions } from './problems';
export * from './types';
