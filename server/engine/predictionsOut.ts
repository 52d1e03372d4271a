// Writes predictions for a dataset as CSV or JSON: one row per movie with its predicted genres and every genre's
// probability. Used by the CLI's `predict` and the extension's "Predict Genres for This File".
import type { Prediction } from './run';

export function predictionsJson(preds: Prediction[], genres: string[]): string {
  return JSON.stringify(preds.map((p) => ({ id: p.row.id ?? null, title: p.row.title, line: p.row.range.start.line + 1,
    predicted: p.predicted, probabilities: Object.fromEntries(genres.map((g, i) => [g, round(p.proba[i])])),
    actual: p.row.genres, posterMissing: p.posterMissing })), null, 2) + '\n';
}

export function predictionsCsv(preds: Prediction[], genres: string[]): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const header = ['id', 'title', 'line', 'predicted_genres', ...genres.map((g) => `p_${g}`)].map(cell).join(',');
  const lines = preds.map((p) => [p.row.id ?? '', p.row.title, String(p.row.range.start.line + 1), p.predicted.join('|'),
    ...p.proba.map((v) => String(round(v)))].map(cell).join(','));
  return [header, ...lines].join('\n') + '\n';
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;
