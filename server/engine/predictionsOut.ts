// Writes predictions for a dataset as CSV or JSON: one row per movie with its predicted genres and every genre's
// probability, and with `predict --explain` why (JSON: `why` and `neighbours`; CSV: a `why` column). Used by the CLI's
// `predict` and the extension's "Predict Genres for This File".
import { type GenreWhy, whyText } from './explain';
import type { Prediction } from './predict';

/** A row's explanation for JSON: probabilities and shares to 4 decimals, log-odds to 6. */
function whyJson(why: readonly GenreWhy[]) {
  return why.map((w) => ({ genre: w.genre, probability: round(w.probability), predicted: w.predicted, textShare: round(w.textShare),
    components: w.components.map((c) => ({ name: c.name, weight: round(c.weight), probability: round(c.probability),
      ...(c.raw !== undefined ? { raw: round6(c.raw) } : {}), ...(c.bias !== undefined ? { bias: round6(c.bias) } : {}),
      text: round6(c.text), poster: round6(c.poster) })) }));
}

export function predictionsJson(preds: Prediction[], genres: string[]): string {
  return JSON.stringify(preds.map((p) => ({ id: p.row.id ?? null, title: p.row.title, line: p.row.range.start.line + 1,
    predicted: p.predicted, probabilities: Object.fromEntries(genres.map((g, i) => [g, round(p.proba[i])])),
    actual: p.row.genres, posterMissing: p.posterMissing,
    ...(p.why ? { why: whyJson(p.why) } : {}),
    ...(p.neighbours ? { neighbours: p.neighbours.map((n) => ({ ...n, similarity: round(n.similarity) })) } : {}) })), null, 2) + '\n';
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

/** `options.why`: a last `why` column, `Drama: description 72% · poster 28%; …` for the predicted genres. */
export function predictionsCsv(preds: Prediction[], genres: string[], options: { why?: boolean } = {}): string {
  const cell = csvTextCell;
  const header = ['id', 'title', 'line', 'predicted_genres', ...genres.map((g) => `p_${g}`), ...(options.why ? ['why'] : [])].map(cell).join(',');
  // Numbers we write ourselves (line, probabilities) stay numbers; the why text names genres from the model, so it is a text cell.
  const lines = preds.map((p) => [cell(p.row.id ?? ''), cell(p.row.title), String(p.row.range.start.line + 1), cell(p.predicted.join('|')),
    ...p.proba.map((v) => String(round(v))), ...(options.why ? [cell(whyText(p.why ?? []))] : [])].join(','));
  return [header, ...lines].join('\n') + '\n';
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;
const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
