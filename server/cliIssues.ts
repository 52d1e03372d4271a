// `genre-lens issues <model> <data> [--json] [--limit <n>]`: rows whose labels the model strongly doubts, ranked by the
// score of server/engine/labelIssues.ts. A row training.json records (same title + description, same genres) is judged
// on its stored held-out probabilities; any other labelled row is predicted by the model (it never trained on it).
import * as path from 'node:path';
import type { Command } from 'commander';
import { parsePositiveInt } from './cliOptions';
import { type Dataset, formatIssue, type MovieRow, quoteText } from './engine/data';
import { datasetOptionsOf, type EngineOptions, type RunProgress } from './engine/engineOptions';
import {
  byScore, type LabelIssue, labelIssue, type LabelIssueSummary, perGenreCounts, recordFor, recordsByKey, round4, rowKey,
} from './engine/labelIssues';
import { readManifest, readTrainingRows, resolveModelDir, TRAINING_FILE } from './engine/modelFiles';
import { absentColumnWarnings, ignoredColumnWarnings, readWithModelColumns } from './engine/modelColumns';
import { ModelPipeline } from './engine/pipeline';

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
}

export type IssueOptions = EngineOptions & { onProgress?: (p: RunProgress) => void; onWarning?: (m: string) => void; signal?: AbortSignal };

/** The genre indices of a row's genres the model knows (others cannot be judged). */
function knownLabels(genres: readonly string[], row: MovieRow): number[] {
  const index = new Map(genres.map((g, i) => [g.toLowerCase(), i]));
  return [...new Set((row.genres ?? []).map((g) => index.get(g.toLowerCase())).filter((i): i is number => i !== undefined))].sort((a, b) => a - b);
}

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
  const judged = data.rows.filter((r) => r.genres !== null).map((row) => {
    const match = recordFor(byKey, record.genres, row);
    return { row, key: match?.key ?? rowKey(row), labels: match?.labels ?? knownLabels(record.genres, row), proba: match?.record.proba };
  });
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
    const issue = labelIssue(record, { line: j.row.range.start.line + 1, title: j.row.title.slice(0, 200), key: j.key }, j.labels, j.proba ?? []);
    return issue ? [{ row: j.row, issue }] : [];
  }));
  return { model: dir, data, issues, checked: judged.length, total: issues.length, recorded: judged.length - unrecorded.length,
    predicted: unrecorded.length, perGenre: perGenreCounts(record.genres, issues.map((i) => i.issue)) };
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
        process.stdout.write(JSON.stringify({ model: r.model, data: path.resolve(data), checked: r.checked, total: r.total, perGenre: r.perGenre,
          issues: shown.map((i) => i.issue) }, null, 2) + '\n');
        return;
      }
      for (const i of shown) process.stdout.write(issueLine(data, i.row, i.issue) + '\n');
      const more = r.total > shown.length ? ` (the first ${shown.length} shown; --limit shows more)` : '';
      process.stdout.write(`\n${r.total} of ${r.checked} labelled rows have suspicious labels${more}; ${r.recorded} judged on the ` +
        `model's held-out probabilities from training, ${r.predicted} predicted now.\n`);
    });
}
