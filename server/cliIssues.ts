// `genre-lens issues <model> <data> [--json] [--limit <n>]`: rows whose labels the model strongly doubts, ranked by the
// score of server/engine/labelIssues.ts. A row training.json records (same title + description) is judged with its
// CURRENT genres on the stored held-out probabilities, also when its genres changed since training (the final model
// trained on it, so it is never asked); only a row the record lacks is predicted by the model (it never trained on it).
// A row labelled with a genre the model does not know cannot be judged: it is skipped and counted.
import * as path from 'node:path';
import type { Command } from 'commander';
import { parsePositiveInt } from './cliOptions';
import { type Dataset, formatIssue, type MovieRow, quoteText } from './engine/data';
import { datasetOptionsOf, type EngineOptions, type RunProgress } from './engine/engineOptions';
import {
  byScore, heldOutRecord, type LabelIssue, labelIndices, labelIssue, type LabelIssueSummary, perGenreCounts, recordsByKey, round4, rowKey,
  unknownGenres,
} from './engine/labelIssues';
import { readManifest, readTrainingRows, resolveModelDir, TRAINING_FILE } from './engine/modelFiles';
import { absentColumnWarnings, ignoredColumnWarnings, readWithModelColumns } from './engine/modelColumns';
import { ModelPipeline } from './engine/pipeline';
import { MAX_RECORD_TITLE } from '../common/modelTypes';

/** What `issues` prints by default at most. */
export const DEFAULT_ISSUE_LIMIT = 100;

export interface FileIssues extends Pick<LabelIssueSummary, 'checked' | 'total' | 'perGenre'> {
  model: string;
  data: Dataset;
  /** Every issue, highest score first. */
  issues: { row: MovieRow; issue: LabelIssue }[];
  /** Labelled rows judged on training.json's probabilities, and rows the model predicted. */
  recorded: number;
  predicted: number;
  /** Labelled rows not judged: they have a genre the model does not know (`unknown`: those names, first seen first). */
  skipped: number;
  unknown: string[];
}

export type IssueOptions = EngineOptions & { onProgress?: (p: RunProgress) => void; onWarning?: (m: string) => void; signal?: AbortSignal };

/** The label issues of a data file under a saved model (a model folder or a store). */
export async function fileLabelIssues(modelPath: string, dataFile: string, options: IssueOptions = {}): Promise<FileIssues> {
  const warn = options.onWarning ?? (() => undefined);
  const dir = resolveModelDir(modelPath);
  const record = readTrainingRows(dir);
  if (!record) {
    throw new Error(`${path.join(dir, TRAINING_FILE)}: not found: the model was saved before Genre Lens recorded held-out probabilities; ` +
      'train it again to find label issues');
  }
  const model = { dir, columns: readManifest(dir).dataset.columns };
  ignoredColumnWarnings(model, options.dataset?.columns, 'eval').forEach(warn);
  const data = await readWithModelColumns(dataFile, datasetOptionsOf(options), model, 'eval');
  data.issues.forEach((i) => warn(formatIssue(i)));
  absentColumnWarnings(model, data).forEach(warn);
  const byKey = recordsByKey(record);
  const judged: { row: MovieRow; key: string; labels: number[]; proba?: number[] }[] = [];
  const unknown = new Set<string>();
  let skipped = 0;
  for (const row of data.rows) {
    if (row.genres === null) continue;
    const labels = labelIndices(record.genres, row);
    if (!labels) {
      skipped++;
      unknownGenres(record.genres, row).forEach((g) => unknown.add(g));
      continue;
    }
    const key = rowKey(row);
    judged.push({ row, key, labels, proba: heldOutRecord(byKey.get(key), labels)?.proba });
  }
  const unrecorded = judged.filter((j) => !j.proba);
  if (unrecorded.length) {
    options.onProgress?.({ phase: 'loading encoders' });
    const pipeline = await ModelPipeline.load(dir, options, options.onProgress);
    try {
      const results = await pipeline.predictRows(unrecorded.map((j) => j.row), { signal: options.signal, onProgress: (phase, done, total) =>
        options.onProgress?.({ phase: phase === 'text' ? 'encoding text' : 'encoding posters', done, total }) });
      unrecorded.forEach((j, i) => (j.proba = results[i].proba.map(round4)));
    } finally {
      await pipeline.dispose();
    }
  }
  const issues = byScore(judged.flatMap((j) => {
    const issue = labelIssue(record, { line: j.row.range.start.line + 1, title: j.row.title.slice(0, MAX_RECORD_TITLE), key: j.key }, j.labels, j.proba ?? []);
    return issue ? [{ row: j.row, issue }] : [];
  }));
  return { model: dir, data, issues, checked: judged.length, total: issues.length, recorded: judged.length - unrecorded.length,
    predicted: unrecorded.length, skipped, unknown: [...unknown], perGenre: perGenreCounts(record.genres, issues.map((i) => i.issue)) };
}

/** The summary's note on skipped rows ('' without any): how many, and the genre names the model does not know. */
export function skippedNote(r: Pick<FileIssues, 'skipped' | 'unknown'>): string {
  if (!r.skipped) return '';
  const names = r.unknown.slice(0, 5).map((g) => quoteText(g, 40)).join(', ') + (r.unknown.length > 5 ? `, … (${r.unknown.length} in all)` : '');
  return `; ${r.skipped} labelled row${r.skipped === 1 ? '' : 's'} skipped: labelled with a genre the model was not trained on (${names})`;
}

const listed = (items: { genre: string; probability: number }[]) => items.map((d) => `${d.genre} (${d.probability.toFixed(2)})`).join(', ');

/** One issue as `file:line:column: message` (the column of the genre cell when the reader located it). */
export function issueLine(file: string, row: MovieRow, issue: LabelIssue): string {
  const at = row.genresCell?.start ?? row.range.start;
  const parts = [`labelled ${issue.labelled.join(', ') || '(none)'}`];
  if (issue.doubted.length) parts.push(`the model doubts ${listed(issue.doubted)}`);
  if (issue.missing.length) parts.push(`it suggests adding ${listed(issue.missing)}`);
  return `${file}:${at.line + 1}:${at.character + 1}: suspicious labels (score ${issue.score.toFixed(2)}) ${quoteText(issue.title, 80)}: ` +
    `${parts.join('; ')}; suggested: ${issue.suggested.join(', ') || '(none)'}`;
}

export interface CliBars {
  onProgress: (p: RunProgress) => void;
  stop: () => void;
  warn: (write: () => void) => void;
}

/** cli.ts's shared pieces, passed in (the `issues` command reads options and reports progress like `eval`). */
export interface CliParts<F> {
  addCommon: (cmd: Command) => Command;
  engineOptions: (f: F) => EngineOptions;
  progressReporter: (enabled: boolean) => CliBars;
  warnTo: (json: boolean | undefined, bars: CliBars) => (m: string) => void;
}

export function addIssuesCommand<F extends { json?: boolean; progress: boolean }>(program: Command, cli: CliParts<F>): void {
  cli.addCommon(program.command('issues <model> <data>')
    .description('rank the rows whose genres a saved model (a model folder or a .genre-lens store) strongly doubts, ' +
      'on held-out probabilities (suspicious labels)'))
    .option('--limit <n>', `show at most this many rows (default ${DEFAULT_ISSUE_LIMIT})`, parsePositiveInt)
    .action(async (model: string, data: string, f: F & { limit?: number }) => {
      const bars = cli.progressReporter(f.progress);
      const r = await fileLabelIssues(model, data, { ...cli.engineOptions(f), onProgress: bars.onProgress, onWarning: cli.warnTo(f.json, bars) })
        .finally(bars.stop);
      const shown = r.issues.slice(0, f.limit ?? DEFAULT_ISSUE_LIMIT);
      if (f.json) {
        process.stdout.write(JSON.stringify({ model: r.model, data: path.resolve(data), checked: r.checked, total: r.total, skipped: r.skipped,
          perGenre: r.perGenre, issues: shown.map((i) => i.issue) }, null, 2) + '\n');
        return;
      }
      for (const i of shown) process.stdout.write(issueLine(data, i.row, i.issue) + '\n');
      const more = r.total > shown.length ? ` (the first ${shown.length} shown; --limit shows more)` : '';
      process.stdout.write(`\n${r.total} of ${r.checked} labelled rows have suspicious labels${more}; ${r.recorded} judged on the ` +
        `model's held-out probabilities from training, ${r.predicted} predicted now${skippedNote(r)}.\n`);
    });
}
