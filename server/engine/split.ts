// Label matrices and the evaluation split: rows' genre lists as genre-major 0/1 columns (and back to row-major for
// the metrics), and the seeded stratified train/eval split used when no evaluation file is given.
import type { MovieRow } from './data';
import { shuffledIndices } from './random';

/** Genre-major 0/1 columns for `genres` from rows' labels. */
export function labelColumns(rows: readonly MovieRow[], genres: string[]): Uint8Array[] {
  const index = new Map(genres.map((g, i) => [g.toLowerCase(), i]));
  const cols = genres.map(() => new Uint8Array(rows.length));
  rows.forEach((row, r) => row.genres?.forEach((g) => {
    const i = index.get(g.toLowerCase());
    if (i !== undefined) cols[i][r] = 1;
  }));
  return cols;
}

/** Genre-major columns → row-major matrix, as the metrics take them. */
export function toRows(cols: Uint8Array[], nrow: number): Uint8Array[] {
  return Array.from({ length: nrow }, (_, r) => Uint8Array.from(cols, (c) => c[r]));
}

/**
 * Splits row indices into train/eval so each genre appears on both sides in about the right proportion:
 * genres are served rarest first, each taking its eval quota from its not-yet-assigned rows (seeded order).
 */
export function stratifiedSplit(rows: readonly MovieRow[], fraction: number, seed: number): { train: number[]; eval: number[] } {
  const order = shuffledIndices(rows.length, seed);
  const side = new Array<'train' | 'eval' | undefined>(rows.length);
  const counts = new Map<string, number>();
  for (const row of rows) row.genres?.forEach((g) => counts.set(g, (counts.get(g) ?? 0) + 1));
  const byRarity = [...counts].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  for (const [genre, count] of byRarity) {
    // A genre on one row cannot be on both sides: it assigns nothing (its row follows its other genres, or the rest).
    if (count < 2) continue;
    const want = Math.max(1, Math.round(count * fraction));
    let have = order.filter((r) => side[r] === 'eval' && rows[r].genres?.includes(genre)).length;
    for (const r of order) {
      if (side[r] !== undefined || !rows[r].genres?.includes(genre)) continue;
      side[r] = have < want ? 'eval' : 'train';
      if (side[r] === 'eval') have++;
    }
  }
  const rest = order.filter((r) => side[r] === undefined);
  rest.forEach((r, i) => (side[r] = i < Math.round(rest.length * fraction) ? 'eval' : 'train'));
  const pick = (s: 'train' | 'eval') => order.filter((r) => side[r] === s).sort((a, b) => a - b);
  return { train: pick('train'), eval: pick('eval') };
}

