// Renders a row's genre prediction as hover Markdown: the row's title, the poster thumbnail, every genre's probability
// (sorted, with its decision threshold), whether the row's own labels agree, why each predicted genre (description vs
// poster) and the nearest training movies. All text from the data file and the model's files is escaped.
import type { MovieRow } from './engine/data';
import type { RowPrediction } from './modelHost';
import { MAX_THUMBNAIL_URI } from '../common/modelTypes';
import { TRAIN_COMMAND } from '../common/protocol';

/** Escapes Markdown and HTML so a data file's text shows literally in a hover. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
    .replace(/[\\`*_{}[\]()#+\-.!|~]/g, (c) => `\\${c}`)
    .replace(/\r\n|\r|\n|\u2028|\u2029/g, ' ');
}

const bar = (p: number) => '█'.repeat(Math.round(p * 10)).padEnd(10, '░');

/** A thumbnail URI as the prediction thread makes it (thumbnail.ts); anything else is not put in the Markdown. */
const THUMBNAIL_URI = /^data:image\/(jpeg|png);base64,[A-Za-z0-9+/]+={0,2}$/;

/** The hover's extra lines: why each predicted genre, then the nearest training movies (empty without them). */
function extras(p: RowPrediction): string[] {
  const lines: string[] = [];
  const why = (p.why ?? []).filter((w) => w.predicted && Number.isFinite(w.textShare));
  if (why.length) {
    lines.push('', '**Why** (share of the evidence):');
    for (const w of why) {
      const text = Math.round(Math.min(1, Math.max(0, w.textShare)) * 100);
      lines.push(`- ${escapeMarkdown(w.genre)}: description ${text}% · poster ${100 - text}%`);
    }
  }
  const near = p.neighbours ?? [];
  if (near.length) {
    lines.push('', '**Nearest training movies** (by description):');
    for (const n of near) {
      const genres = n.genres.length ? n.genres.map(escapeMarkdown).join(', ') : 'no genres';
      const title = n.title.trim() || '(untitled)';
      lines.push(`- ${escapeMarkdown(title)} — line ${Math.trunc(n.line)}, ${genres} (similarity ${n.similarity.toFixed(2)})`);
    }
  }
  return lines;
}

export function renderPrediction(row: MovieRow, p: RowPrediction, modelLabel: string): string {
  const actual = new Set((row.genres ?? []).map((g) => g.toLowerCase()));
  const title = row.title.trim() || '(untitled)';
  const lines = [`**${escapeMarkdown(title)}** — predicted genres`, ''];
  if (p.thumbnail && p.thumbnail.length <= MAX_THUMBNAIL_URI && THUMBNAIL_URI.test(p.thumbnail)) lines.push(`![poster](${p.thumbnail})`, '');
  const predicted = p.genres.filter((g) => g.predicted).map((g) => g.name);
  lines.push(predicted.length ? `Predicted: **${predicted.map(escapeMarkdown).join(', ')}**` : 'Predicted: *no genre above its threshold*', '');
  lines.push('| genre | probability | | threshold | row says |', '|---|---:|---|---:|:---:|');
  for (const g of [...p.genres].sort((a, b) => b.probability - a.probability)) {
    const labelled = actual.has(g.name.toLowerCase());
    const agree = row.genres === null ? '' : labelled === g.predicted ? (labelled ? '✓ agrees' : '') : labelled ? '✗ missed' : '✗ not labelled';
    const name = g.predicted ? `**${escapeMarkdown(g.name)}**` : escapeMarkdown(g.name);
    const threshold = g.trained ? g.threshold.toFixed(2) : 'untrained';
    lines.push(`| ${name} | ${(g.probability * 100).toFixed(1)}% | \`${bar(g.probability)}\` | ${g.predicted ? '≥' : '<'} ${threshold} | ${agree} |`);
  }
  lines.push(...extras(p));
  const unknown = (row.genres ?? []).filter((g) => !p.genres.some((m) => m.name.toLowerCase() === g.toLowerCase()));
  lines.push('');
  if (row.genres === null) lines.push('*This row has no genres of its own.*');
  else if (unknown.length) lines.push(`*Genres the model does not know:* ${unknown.map(escapeMarkdown).join(', ')}`);
  if (p.posterNote) lines.push(`*Text-only poster input: ${escapeMarkdown(p.posterNote)}.*`);
  lines.push(`*Model: ${escapeMarkdown(modelLabel)}*`);
  return lines.join('\n');
}

/** The "no model yet" hover; `reason` (e.g. why the model failed to load) is escaped. In Restricted Mode it says
 * that training needs a trusted workspace instead of linking to the train command. */
export function renderNoModel(reason: string | null, trusted = true): string {
  const how = trusted
    ? `[Train a genre model](command:${TRAIN_COMMAND}) on a labelled CSV, JSON or JSONL file to see predicted genres here` +
      ' (or run `genre-lens train <data>` in this folder).'
    : 'This workspace is in Restricted Mode: trust it (Manage Workspace Trust) to train a genre model here.';
  return [
    '**Genre Lens**: no genre model yet.',
    '',
    how,
    ...(reason ? ['', `*${escapeMarkdown(reason)}*`] : []),
  ].join('\n');
}

/** The hover when predicting a row failed; the message may quote a model file or a data file, so it is escaped. */
export function renderError(message: string): string {
  return `**Genre Lens**: cannot predict this row: ${escapeMarkdown(message)}`;
}
