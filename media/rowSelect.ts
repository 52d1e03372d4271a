// Which recorded rows lie behind a part of the report: the evaluation rows of one genre's confusion-matrix cell
// (TP/FP/FN/TN at the genre's threshold, as the metrics count them) or of a genre row, and the suspicious-label entries
// of a genre. Pure functions of report.json (no DOM), so they are unit-tested; report.json is untrusted, so every
// field used is checked here and a malformed one degrades to "not recorded" rather than a wrong list.
import type { EvaluationRow, LabelIssue, LabelIssueSummary, Report } from '../common/modelTypes';

export type Cell = 'TP' | 'FP' | 'FN' | 'TN';
export const CELLS: readonly Cell[] = ['TN', 'FP', 'FN', 'TP'];

/** A cell's place in the 2×2 matrix: whether the row has the genre, and whether the model predicts it. */
export const cellParts = (c: Cell): { actual: boolean; predicted: boolean } => ({ actual: c === 'TP' || c === 'FN', predicted: c === 'TP' || c === 'FP' });
export const cellOf = (actual: boolean, predicted: boolean): Cell => (actual ? (predicted ? 'TP' : 'FN') : predicted ? 'FP' : 'TN');

/** An evaluation row with its true genres (`labels`, genre indices; absent in older reports). */
export type EvalRowView = EvaluationRow;
export type LabelIssueView = LabelIssue;
export type LabelIssuesView = LabelIssueSummary;

/** One row as the rows list shows it. `labelled` is null when the report did not record the row's genres. */
export interface RowItem { line: number; title: string; labelled: string[] | null; predicted: string[]; probability: number; cell: Cell | null }

export interface Selection {
  items: RowItem[];
  /** Whether the list is exact (true genres recorded) or only the model's side of it (an older report). */
  exact: boolean;
  /** Why nothing could be listed (no rows recorded), or null. */
  unavailable: string | null;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The evaluation rows recorded in the report that are well formed (line, title, one finite probability per genre). */
export function evaluationRowsOf(r: Report): EvalRowView[] | null {
  if (!Array.isArray(r.evaluationRows)) return null;
  const n = r.genres.length;
  return r.evaluationRows.filter((row): row is EvalRowView => isInt(row?.line) && typeof row.title === 'string' &&
    Array.isArray(row.proba) && row.proba.length === n && row.proba.every(finite));
}

/** Whether every recorded row has valid true genres (indices into `genres`, no repeats). */
export function hasLabels(r: Report, rows: readonly EvalRowView[]): boolean {
  const n = r.genres.length;
  return rows.length > 0 && rows.every((row) => Array.isArray(row.labels) && row.labels.every((g) => isInt(g) && g >= 0 && g < n) &&
    new Set(row.labels).size === row.labels.length);
}

/** A genre is trained when its co-occurrence row is not empty (report.json's convention); untrained genres predict nothing. */
export const isTrained = (r: Report, g: number): boolean => Array.isArray(r.cooccurrence?.[g]) && r.cooccurrence[g].length > 0;

/** The model's decision, as the metrics make it: trained and probability ≥ the genre's threshold. */
export const predicts = (r: Report, row: EvalRowView, g: number): boolean => isTrained(r, g) && finite(r.thresholds[g]) && row.proba[g] >= r.thresholds[g];

const predictedNames = (r: Report, row: EvalRowView) => r.genres.filter((_, g) => predicts(r, row, g));

function item(r: Report, row: EvalRowView, g: number, labels: boolean): RowItem {
  const actual = labels ? (row.labels as number[]).includes(g) : null;
  return { line: row.line, title: row.title, labelled: labels ? (row.labels as number[]).map((i) => r.genres[i]) : null,
    predicted: predictedNames(r, row), probability: row.proba[g], cell: actual === null ? null : cellOf(actual, predicts(r, row, g)) };
}

const byProbability = (a: RowItem, b: RowItem) => b.probability - a.probability || a.line - b.line;

const NO_ROWS = 'This report did not record its evaluation rows (it is from an older version of Genre Lens, or there were more ' +
  'than 20,000 of them), so they cannot be listed.';

/**
 * The evaluation rows of genre `g`'s confusion-matrix cell, most probable first. Without recorded true genres (an older
 * report) only the model's side can be told: the rows it predicts (TP with FP) or does not (FN with TN), marked not exact.
 */
export function confusionRows(r: Report, g: number, cell: Cell): Selection {
  const rows = evaluationRowsOf(r);
  if (!rows || !rows.length || g < 0 || g >= r.genres.length) return { items: [], exact: false, unavailable: NO_ROWS };
  const labels = hasLabels(r, rows);
  const want = cellParts(cell);
  const items = rows.filter((row) => predicts(r, row, g) === want.predicted && (!labels || (row.labels as number[]).includes(g) === want.actual))
    .map((row) => item(r, row, g, labels)).sort(byProbability);
  return { items, exact: labels, unavailable: null };
}

/**
 * The evaluation rows behind genre `g`'s line of the classification report: those labelled with it or predicted with
 * it (TP, FN, FP, in that order, most probable first within each). Without true genres: the rows predicted with it.
 */
export function genreRows(r: Report, g: number): Selection {
  const rows = evaluationRowsOf(r);
  if (!rows || !rows.length || g < 0 || g >= r.genres.length) return { items: [], exact: false, unavailable: NO_ROWS };
  const labels = hasLabels(r, rows);
  const order: Record<Cell, number> = { TP: 0, FN: 1, FP: 2, TN: 3 };
  const items = rows.filter((row) => predicts(r, row, g) || (labels && (row.labels as number[]).includes(g)))
    .map((row) => item(r, row, g, labels))
    .sort((a, b) => (a.cell && b.cell ? order[a.cell] - order[b.cell] : 0) || byProbability(a, b));
  return { items, exact: labels, unavailable: null };
}

/** The file the evaluation rows' lines refer to: the evaluation file, or the dataset when rows were held out of it. */
export const evaluationFile = (r: Report): string => (r.run.evaluation.kind === 'file' ? r.run.evaluation.path : r.run.dataset.path);

const str = (v: unknown): v is string => typeof v === 'string';
const genreProbs = (v: unknown) => Array.isArray(v) && v.every((x) => str(x?.genre) && finite(x?.probability));

/** The report's suspicious labels, its well-formed entries only; null when the report has none (an older version). */
export function labelIssuesOf(r: Report): LabelIssuesView | null {
  const li = r.labelIssues as Partial<LabelIssuesView> | undefined;
  if (!li || typeof li !== 'object' || !finite(li.checked) || !finite(li.total)) return null;
  const perGenre = Array.isArray(li.perGenre)
    ? li.perGenre.filter((p) => str(p?.genre) && finite(p.doubted) && finite(p.missing)) : [];
  const rows = Array.isArray(li.rows) ? li.rows.filter((x) => isInt(x?.line) && str(x.title) && finite(x.score) &&
    Array.isArray(x.labelled) && x.labelled.every(str) && genreProbs(x.doubted) && genreProbs(x.missing) &&
    Array.isArray(x.suggested) && x.suggested.every(str)) : [];
  return { checked: li.checked, total: li.total, perGenre, rows };
}

/** The suspicious-label entries about `genre` (doubted or missing), or all of them; in the report's order (score desc). */
export function issuesFor(li: LabelIssuesView, genre: string | null, kind: 'doubted' | 'missing' | null = null): LabelIssueView[] {
  if (genre === null) return li.rows;
  return li.rows.filter((x) => (kind !== 'missing' && x.doubted.some((d) => d.genre === genre)) ||
    (kind !== 'doubted' && x.missing.some((m) => m.genre === genre)));
}
