// Writes predictions for a dataset as CSV or JSON: one row per movie with its predicted genres and every genre's
// probability. Used by the CLI's `predict` and the extension's "Predict Genres for This File".
import type { Prediction } from './run';

export function predictionsJson(preds: Prediction[], genres: string[]): string {
  return JSON.stringify(preds.map((p) => ({ id: p.row.id ?? null, title: p.row.title, line: p.row.range.start.line + 1,
    predicted: p.predicted, probabilities: Object.fromEntries(genres.map((g, i) => [g, round(p.proba[i])])),
    actual: p.row.genres, posterMissing: p.posterMissing })), null, 2) + '\n';
}

/** Cell starts a spreadsheet would run as a formula (OWASP, "CSV Injection"): = + - @ tab and carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell of text taken from the data. Text a spreadsheet would run as a formula gets a leading `'` and is
 * quoted, as OWASP recommends; text with a quote, comma or line break is quoted with inner quotes doubled.
 */
export function csvTextCell(v: string): string {
  if (FORMULA_START.test(v)) return `"'${v.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function predictionsCsv(preds: Prediction[], genres: string[]): string {
  const cell = csvTextCell;
  const header = ['id', 'title', 'line', 'predicted_genres', ...genres.map((g) => `p_${g}`)].map(cell).join(',');
  // Numbers we write ourselves (line, probabilities) stay numbers.
  const lines = preds.map((p) => [cell(p.row.id ?? ''), cell(p.row.title), String(p.row.range.start.line + 1), cell(p.predicted.join('|')),
    ...p.proba.map((v) => String(round(v)))].join(','));
  return [header, ...lines].join('\n') + '\n';
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;
