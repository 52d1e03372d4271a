// A model trained on a non-default text column (`tagline`, while `overview` holds the same unrelated text on every
// row) predicts from that column in predictFile, evalFile and a daemon hover: the predictions equal those recorded in
// report.json at training time. A file lacking the trained column is a clear error naming it, the file and the model.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { readDataset } from '../server/engine/data';
import { readReport } from '../server/engine/modelFiles';
import { evalFile, predictFile, trainRun } from '../server/engine/run';
import type { Report } from '../common/modelTypes';
import { startDaemon } from './daemonProcess';

const repo = path.resolve(__dirname, '..');
let work: string;
let modelDir: string;
let report: Report;
const common = () => ({ imageEncoder: 'none' as const, cacheDir: path.join(work, 'cache') });

const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-columns-'));
  const movies = await readDataset(path.join(repo, 'examples/movies.csv'));
  // The synopsis moves to `tagline`; `overview` (the column detection would pick) says the same on every row.
  const csv = (rows: typeof movies.rows) => ['id,title,overview,tagline,genres', ...rows.map((r) =>
    [r.id ?? '', r.title, 'A film that someone somewhere once watched.', r.text, (r.genres ?? []).join('|')].map(cell).join(','))].join('\n') + '\n';
  fs.mkdirSync(path.join(work, 'data'));
  fs.writeFileSync(path.join(work, 'data/train.csv'), csv(movies.rows.filter((_, i) => i % 4 !== 0)));
  fs.writeFileSync(path.join(work, 'data/eval.csv'), csv(movies.rows.filter((_, i) => i % 4 === 0)));
  fs.copyFileSync(path.join(repo, 'examples/movies.csv'), path.join(work, 'data/movies.csv'));
  const r = await trainRun({ ...common(), data: path.join(work, 'data/train.csv'), evalFile: path.join(work, 'data/eval.csv'),
    store: path.join(work, '.genre-lens'), ablation: false, train: { maxRounds: 60, patience: 10 }, dataset: { columns: { text: 'tagline' } } });
  modelDir = r.modelDir;
  report = readReport(modelDir);
  assert.equal(r.manifest.dataset.columns.text, 'tagline');
});

after(() => fs.rmSync(work, { recursive: true, force: true }));

/** The probabilities recorded at training time for the evaluation rows. */
function recorded(): NonNullable<Report['evaluationRows']> {
  assert.ok(report.evaluationRows, 'report.json records evaluationRows');
  assert.equal(report.evaluationRows.length, 18);
  return report.evaluationRows;
}

test('predictFile reads the trained column: its probabilities equal those recorded at training time', async () => {
  const warnings: string[] = [];
  const p = await predictFile(modelDir, path.join(work, 'data/eval.csv'), { ...common(), dataset: { columns: { text: 'overview' } },
    onWarning: (m) => warnings.push(m) });
  assert.equal(p.data.columns.text, 'tagline');
  // labels: the row's true genres as indices of the model's genres, as report.json records them for the rows lists
  const labels = (genres: string[] | null) => report.genres.flatMap((g, i) => (genres?.includes(g) ? [i] : []));
  assert.deepEqual(p.predictions.map((x) => ({ line: x.row.range.start.line + 1, title: x.row.title, proba: x.proba, labels: labels(x.row.genres) })),
    recorded());
  assert.ok(warnings.some((w) => /--text-column "overview" .*is ignored: .* trained with the text column "tagline"/.test(w)), warnings.join('\n'));
});

test('evalFile reads the trained column: its metrics equal the training-time evaluation of the same rows', async () => {
  const ev = await evalFile(modelDir, path.join(work, 'data/eval.csv'), common());
  assert.equal(ev.rows, 18);
  assert.deepEqual(JSON.parse(JSON.stringify(ev.metrics)), report.metrics);
});

test('a file lacking the trained column is an error naming the column, the file and the model', async () => {
  const file = path.join(work, 'data/movies.csv');
  for (const run of [predictFile, evalFile]) {
    await assert.rejects(run(modelDir, file, common()), (e: Error) => {
      assert.ok(e.message.startsWith(`${file}: the model in ${modelDir} was trained with the text column "tagline", which this file lacks`), e.message);
      assert.match(e.message, /its columns: "id", "title", "overview", "genres", "poster"/);
      return true;
    });
  }
  // Evaluation also needs the genres column; prediction does not.
  const unlabelled = path.join(work, 'data/unlabelled.csv');
  fs.writeFileSync(unlabelled, 'title,tagline\nNight Shift,A haunted hospital full of screams.\n');
  assert.equal((await predictFile(modelDir, unlabelled, common())).predictions.length, 1);
  await assert.rejects(evalFile(modelDir, unlabelled, common()), /trained with the genres column "genres", which this file lacks .*evaluation needs the genres/);
});

test('a daemon hover reads the trained column, right after start (waiting for the model), and names a missing one', async () => {
  const { conn, stop } = await startDaemon(work, { capabilities: {}, initializationOptions: { imageEncoder: 'none', columns: { text: 'overview' } } });
  try {
    const open = async (rel: string) => {
      const uri = pathToFileURL(path.join(work, rel)).href;
      await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'csv', version: 1, text: fs.readFileSync(path.join(work, rel), 'utf8') } });
      return uri;
    };
    const hover = async (uri: string, line: number) =>
      ((await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: 1 } })) as Hover | null)?.contents as MarkupContent;
    const evalUri = await open('data/eval.csv');
    for (const row of recorded()) {
      const text = (await hover(evalUri, row.line - 1)).value;
      const shown = Object.fromEntries([...text.matchAll(/^\| (?:\*\*)?([^|*]+?)(?:\*\*)? \| ([\d.]+)% \|/gm)].map((m) => [m[1], m[2]]));
      const want = Object.fromEntries(report.genres.map((g, i) => [g, (row.proba[i] * 100).toFixed(1)]));
      assert.deepEqual(shown, want, `line ${row.line}: ${text}`);
    }
    const moviesUri = await open('data/movies.csv');
    assert.match((await hover(moviesUri, 1)).value, /cannot predict this row: .*movies\\\.csv: the model in .* was trained with the text column &quot;tagline&quot;/);
  } finally {
    await stop();
  }
});

test('an --eval file is read with the training file\'s columns, and a column excluded at training stays excluded', async () => {
  const movies = await readDataset(path.join(repo, 'examples/movies.csv'));
  // The training file has only `description`; the evaluation file also has `overview` (junk), which detection prefers,
  // and a `poster` column, which the training excluded.
  const rows = (header: string, cells: (r: (typeof movies.rows)[number]) => string[], keep: (i: number) => boolean) =>
    [header, ...movies.rows.filter((_, i) => keep(i)).map((r) => cells(r).map(cell).join(','))].join('\n') + '\n';
  const dir = path.join(work, 'eval-columns');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'train.csv'), rows('title,description,genres,poster',
    (r) => [r.title, r.text, (r.genres ?? []).join('|'), 'p.jpg'], (i) => i % 4 !== 0));
  fs.writeFileSync(path.join(dir, 'eval.csv'), rows('title,overview,description,genres,poster',
    (r) => [r.title, 'Nothing to see here.', r.text, (r.genres ?? []).join('|'), 'p.jpg'], (i) => i % 4 === 0));
  const r = await trainRun({ ...common(), data: path.join(dir, 'train.csv'), evalFile: path.join(dir, 'eval.csv'), out: path.join(dir, 'model'),
    ablation: false, train: { maxRounds: 60, patience: 10 }, dataset: { columns: { poster: null } } });
  assert.equal(r.manifest.dataset.columns.text, 'description');
  assert.equal(r.manifest.dataset.columns.poster, null);
  const p = await predictFile(r.modelDir, path.join(dir, 'eval.csv'), common());
  assert.equal(p.data.columns.text, 'description');
  assert.equal(p.data.columns.poster, null, 'excluded at training, so not detected when predicting');
  assert.ok(p.predictions.every((x) => x.row.poster === null));
  const evaluated = readReport(r.modelDir).evaluationRows;
  assert.ok(evaluated);
  assert.deepEqual(p.predictions.map((x) => x.proba), evaluated.map((e) => e.proba), 'scored at training on the trained column');
});
