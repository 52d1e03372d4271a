// Suspicious labels, in the spirit of confident learning (Northcutt et al., 2021; cleanlab's multi-label variant):
// every genre is its own yes/no problem, judged on held-out probabilities (training.json: out-of-fold for training
// rows, the model's for a split's evaluation rows) against two per-genre thresholds taken from the training rows:
//   positive[g] = mean probability of genre g over the training rows labelled g (how sure the model is of a real g),
//   negative[g] = mean probability of genre g over the training rows not labelled g.
// "Confidently" is halfway from the other side's mean to certainty (plain confident learning, p <= negative[g] and
// p >= positive[g], flagged 62 % of TMDB's rows, most for genres TMDB leaves out; this flags 7 %, see the README):
// a labelled genre is DOUBTED when p <= negative[g] / 2; an unlabelled genre is MISSING when p >= (1 + positive[g]) / 2.
// A genre with positive[g] <= negative[g] (untrained: 0 and 0; no signal) is never judged. A row with a doubted or
// missing genre is an issue.
// SCORE (0..1, higher = more suspicious; chosen with `npm run bench:label-issues` among six on its seed 42, so only
// another --seed measures it without selection bias): the mean of
//   shortfall = 1 - mean over the row's judged genres of min(1, p_g / positive[g])  (its own genres fall short of a
//               typical real one; 0 without a judged genre), and
//   excess    = max over judged genres it lacks of max(0, (p_g - negative[g]) / (1 - negative[g]))  (another genre
//               rises from a typical non-g towards certainty).
// Dividing by the thresholds puts rare genres (whose probabilities stay low) on the scale of common ones.
import { createHash } from 'node:crypto';
import { cleanName, type MovieRow } from './data';
import { rowText } from './features';
import {
  type LabelIssue, type LabelIssueSummary, MAX_RECORD_TITLE, MAX_REPORT_LABEL_ISSUES, type TrainingRecordFile, type TrainingRowRecord,
} from '../../common/modelTypes';

export type { LabelIssue, LabelIssueSummary };

export interface IssueThresholds {
  positive: number[];
  negative: number[];
}

/** The key a row is recorded under: the first 32 hex digits of sha256 of the text the model reads (title + description). */
export function rowKey(row: { title: string; text: string }): string {
  return createHash('sha256').update(rowText(row)).digest('hex').slice(0, 32);
}

/** A probability as training.json stores it: in 0..1, 4 decimals (a non-finite value becomes 0). */
export function round4(v: number): number {
  return Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, v)) * 1e4) / 1e4 : 0;
}

/**
 * The per-genre thresholds from the training rows' held-out probabilities (4 decimals). A genre no training row has
 * (or every row has) gets positive 0 and negative 1, so it is never judged.
 */
export function confidentThresholds(genres: number, rows: readonly { labels: readonly number[]; proba: readonly number[] }[]): IssueThresholds {
  const sum = [new Float64Array(genres), new Float64Array(genres)], n = [new Float64Array(genres), new Float64Array(genres)];
  for (const row of rows) {
    const labelled = new Set(row.labels);
    for (let g = 0; g < genres; g++) {
      const side = labelled.has(g) ? 0 : 1;
      sum[side][g] += row.proba[g];
      n[side][g]++;
    }
  }
  const positive: number[] = [], negative: number[] = [];
  for (let g = 0; g < genres; g++) {
    const judged = n[0][g] > 0 && n[1][g] > 0;
    positive.push(judged ? round4(sum[0][g] / n[0][g]) : 0);
    negative.push(judged ? round4(sum[1][g] / n[1][g]) : 1);
  }
  return { positive, negative };
}

/** Whether genre g carries a signal: a real g scores above a typical non-g on average. */
export const judged = (t: IssueThresholds, g: number) => t.positive[g] > t.negative[g];

/** The score (see the file header): the mean of the labelled genres' shortfall and the strongest unlabelled genre's excess. */
export function labelScore(t: IssueThresholds, labels: readonly number[], proba: readonly number[]): number {
  const labelled = new Set(labels);
  let reached = 0, own = 0, excess = 0;
  for (let g = 0; g < proba.length; g++) {
    if (!judged(t, g)) continue;
    if (labelled.has(g)) {
      reached += Math.min(1, proba[g] / t.positive[g]);
      own++;
    } else excess = Math.max(excess, (proba[g] - t.negative[g]) / (1 - t.negative[g]));
  }
  const shortfall = own > 0 ? 1 - reached / own : 0;
  return round4((shortfall + excess) / 2);
}

/** One row judged: its score and the genres doubted and missing (probability order within each, most confident first). */
export function judgeRow(genres: readonly string[], t: IssueThresholds, labels: readonly number[], proba: readonly number[]):
  { score: number; doubted: LabelIssue['doubted']; missing: LabelIssue['missing']; suggested: string[] } {
  const labelled = new Set(labels);
  const doubted: LabelIssue['doubted'] = [], missing: LabelIssue['missing'] = [];
  for (let g = 0; g < genres.length; g++) {
    if (!judged(t, g)) continue;
    const p = proba[g];
    if (labelled.has(g) && p <= t.negative[g] / 2) doubted.push({ genre: genres[g], probability: p });
    if (!labelled.has(g) && p >= (1 + t.positive[g]) / 2) missing.push({ genre: genres[g], probability: p });
  }
  doubted.sort((a, b) => a.probability - b.probability);
  missing.sort((a, b) => b.probability - a.probability);
  const out = new Set(doubted.map((d) => d.genre)), add = new Set(missing.map((m) => m.genre));
  const suggested = genres.filter((name, g) => (labelled.has(g) && !out.has(name)) || add.has(name));
  return { score: labelScore(t, labels, proba), doubted, missing, suggested };
}

/** The issue of a row (null when the model doubts none of its genres and misses none). */
export function labelIssue(record: Pick<TrainingRecordFile, 'genres' | 'thresholds'>, where: { line: number; title: string; key: string },
  labels: readonly number[], proba: readonly number[]): LabelIssue | null {
  const j = judgeRow(record.genres, record.thresholds, labels, proba);
  if (j.doubted.length === 0 && j.missing.length === 0) return null;
  const labelled = [...labels].sort((a, b) => a - b).map((g) => record.genres[g]);
  return { line: where.line, title: where.title, key: where.key, score: j.score, labelled, doubted: j.doubted, missing: j.missing,
    suggested: j.suggested };
}

/** Issues sorted by score, highest first; ties keep their order. */
export function byScore<T extends { issue: LabelIssue }>(items: T[]): T[] {
  return items.map((x, i) => ({ x, i })).sort((a, b) => b.x.issue.score - a.x.issue.score || a.i - b.i).map((e) => e.x);
}

/** Per genre, how many issues doubt it and how many miss it (model genre order). */
export function perGenreCounts(genres: readonly string[], issues: readonly LabelIssue[]): LabelIssueSummary['perGenre'] {
  const counts = new Map(genres.map((g) => [g, { genre: g, doubted: 0, missing: 0 }]));
  for (const issue of issues) {
    for (const d of issue.doubted) {
      const c = counts.get(d.genre);
      if (c) c.doubted++;
    }
    for (const m of issue.missing) {
      const c = counts.get(m.genre);
      if (c) c.missing++;
    }
  }
  return [...counts.values()];
}

/** report.json's summary: every recorded row checked, the issues counted per genre, the top `max` by score. */
export function labelIssueSummary(record: TrainingRecordFile, max = MAX_REPORT_LABEL_ISSUES): LabelIssueSummary {
  const issues = byScore(record.rows.flatMap((r) => {
    const issue = labelIssue(record, r, r.labels, r.proba);
    return issue ? [{ issue }] : [];
  })).map((x) => x.issue);
  return { checked: record.rows.length, total: issues.length, perGenre: perGenreCounts(record.genres, issues), rows: issues.slice(0, max) };
}

/** A genre name as the readers match names (data/genres.ts): cleanName (NFKC, no invisible characters, one space), lower case. */
export const genreKey = (name: string) => cleanName(name).toLowerCase();

/** Folded name → genre index, built once per genre list (a model's, a record's). */
const indexCache = new WeakMap<readonly string[], ReadonlyMap<string, number>>();
function genreIndex(genres: readonly string[]): ReadonlyMap<string, number> {
  let index = indexCache.get(genres);
  if (!index) indexCache.set(genres, (index = new Map(genres.map((g, i) => [genreKey(g), i]))));
  return index;
}

/**
 * The genre indices of a row's genres in the record's order, or null when the row has no genres or one the model does
 * not know (then it cannot equal a recorded label set, nor be judged: the model has no opinion on that genre).
 */
export function labelIndices(genres: readonly string[], row: Pick<MovieRow, 'genres'>): number[] | null {
  if (!row.genres) return null;
  const index = genreIndex(genres);
  const out: number[] = [];
  for (const g of row.genres) {
    const i = index.get(genreKey(g));
    if (i === undefined) return null;
    if (!out.includes(i)) out.push(i);
  }
  return out.sort((a, b) => a - b);
}

/** The row's genres the model does not know (as the row spells them). */
export function unknownGenres(genres: readonly string[], row: Pick<MovieRow, 'genres'>): string[] {
  const index = genreIndex(genres);
  return (row.genres ?? []).filter((g) => !index.has(genreKey(g)));
}

const sameSet = (a: readonly number[], b: readonly number[]) => a.length === b.length && [...a].sort((x, y) => x - y).every((v, i) => v === b[i]);

/** The recorded row for `row`: same key, same labels (the first such record); null when there is none. */
export function recordFor(byKey: ReadonlyMap<string, TrainingRowRecord[]>, genres: readonly string[], row: MovieRow):
  { record: TrainingRowRecord; key: string; labels: number[] } | null {
  const labels = labelIndices(genres, row);
  if (!labels) return null;
  const key = rowKey(row);
  const record = byKey.get(key)?.find((r) => sameSet(r.labels, labels));
  return record ? { record, key, labels } : null;
}

/**
 * The held-out probabilities to judge a row with `labels` on, among the records of its key: a record with the same
 * labels, else a training record (its out-of-fold probabilities never saw the row, whatever its labels are now), else
 * an evaluation record (the model's, which never trained on it); null without a record.
 */
export function heldOutRecord(records: readonly TrainingRowRecord[] | undefined, labels: readonly number[]): TrainingRowRecord | null {
  if (!records?.length) return null;
  return records.find((r) => sameSet(r.labels, labels)) ?? records.find((r) => r.split === 'train') ?? records[0];
}

export function recordsByKey(record: TrainingRecordFile): Map<string, TrainingRowRecord[]> {
  const byKey = new Map<string, TrainingRowRecord[]>();
  for (const r of record.rows) {
    const list = byKey.get(r.key);
    if (list) list.push(r);
    else byKey.set(r.key, [r]);
  }
  return byKey;
}

/** Rows of an open/parsed dataset whose key has a record AND whose current genres equal the record's labels, that are issues; score desc. */
export function issuesForRows(rows: readonly MovieRow[], record: TrainingRecordFile): { row: MovieRow; issue: LabelIssue }[] {
  const byKey = recordsByKey(record);
  const found: { row: MovieRow; issue: LabelIssue }[] = [];
  for (const row of rows) {
    const match = recordFor(byKey, record.genres, row);
    if (!match) continue;
    const issue = labelIssue(record, { line: row.range.start.line + 1, title: row.title.slice(0, MAX_RECORD_TITLE), key: match.key }, match.labels,
      match.record.proba);
    if (issue) found.push({ row, issue });
  }
  return byScore(found);
}
