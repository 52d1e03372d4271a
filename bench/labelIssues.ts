// `npm run bench:label-issues [-- --json]`: how well the label-issue score (server/engine/labelIssues.ts) finds labels
// corrupted on purpose. A copy of ../shared/data/tmdb5000/train.csv (never test.csv) gets the genres of a seeded 5 % of
// its labelled rows replaced by a different random genre set; a model is trained on the copy (its own held-out split)
// and every labelled row it records in training.json is ranked by score. Prints the recall in the top 10 %.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDataset } from '../server/engine/data';
import { judgeRow, judged, labelIndices, labelScore, rowKey, type IssueThresholds } from '../server/engine/labelIssues';
import { readTrainingRows } from '../server/engine/modelFiles';
import { mulberry32, shuffledIndices } from '../server/engine/random';
import { trainRun } from '../server/engine/run';

const SHARED = process.env.GENRE_LENS_SHARED_DIR ?? path.resolve(__dirname, '../../shared');
const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const json = args.includes('--json');
const seed = Number(opt('--seed') ?? 42);
const fraction = Number(opt('--fraction') ?? 0.05);
const log = (m: string) => process.stderr.write(`${m}\n`);

/** The cell `genres` of a train.csv record: the field before the poster, the last (neither holds a comma or a quote). */
const GENRES_CELL = /,([^,"\n]*),([^,"\n]*)$/;

/** The training file with a seeded `fraction` of its labelled rows given another random genre set of the same size. */
function corrupt(text: string): { text: string; corrupted: number; description: string } {
  const rows = parseDataset(text, { fileName: 'train.csv' }).rows.filter((r) => r.genres !== null);
  const genres = [...new Set(rows.flatMap((r) => r.genres ?? []))].sort();
  const chosen = shuffledIndices(rows.length, seed).slice(0, Math.round(rows.length * fraction)).sort((a, b) => b - a);
  const rand = mulberry32(seed + 1);
  let out = text, corrupted = 0;
  for (const i of chosen) {
    const row = rows[i], own = [...(row.genres ?? [])].sort();
    let pick: string[];
    do {
      const order = genres.map((g) => ({ g, r: rand() })).sort((a, b) => a.r - b.r);
      pick = order.slice(0, own.length).map((o) => o.g).sort();
    } while (pick.join('|') === own.join('|'));
    const record = out.slice(row.range.start.offset, row.range.end.offset);
    const body = record.replace(/\s+$/, '');
    if (!GENRES_CELL.test(body)) continue;
    out = out.slice(0, row.range.start.offset) + body.replace(GENRES_CELL, `,${pick.join('|')},$2`) + record.slice(body.length) + out.slice(row.range.end.offset);
    corrupted++;
  }
  return { text: out, corrupted, description: `${corrupted} of ${rows.length} labelled rows (seed ${seed}) got a different genre set of ` +
    `the same size, drawn uniformly without replacement from the file's ${genres.length} genres` };
}

type Score = (t: IssueThresholds, labels: readonly number[], proba: readonly number[]) => number;
const informative = (t: IssueThresholds, proba: readonly number[]) => proba.map((_, g) => g).filter((g) => judged(t, g));
/** The scores compared (the chosen one is labelScore); each 0..1, higher = more suspicious. */
const VARIANTS: Record<string, Score> = {
  shortfallPlusExcess: labelScore,
  softJaccard: (t, labels, p) => {
    const gs = informative(t, p);
    const agree = gs.filter((g) => labels.includes(g)).reduce((s, g) => s + p[g], 0);
    const size = gs.reduce((s, g) => s + (labels.includes(g) ? 1 : p[g]), 0);
    return size > 0 ? 1 - agree / size : 0;
  },
  worstSelfConfidence: (t, labels, p) => 1 - Math.min(1, ...informative(t, p).map((g) => (labels.includes(g) ? p[g] : 1 - p[g]))),
  geometricSelfConfidence: (t, labels, p) => {
    const gs = informative(t, p);
    return 1 - Math.exp(gs.reduce((s, g) => s + Math.log(Math.max(1e-4, labels.includes(g) ? p[g] : 1 - p[g])), 0) / Math.max(1, gs.length));
  },
  thresholdMarginMax: (t, labels, p) => Math.max(0, ...informative(t, p).map((g) => (labels.includes(g)
    ? Math.max(0, (t.positive[g] - p[g]) / t.positive[g]) : Math.max(0, (p[g] - t.negative[g]) / (1 - t.negative[g]))))),
  shortfallOnly: (t, labels, p) => {
    const gs = informative(t, p).filter((g) => labels.includes(g));
    return gs.length ? 1 - gs.reduce((s, g) => s + Math.min(1, p[g] / t.positive[g]), 0) / gs.length : 0;
  },
};

async function main() {
  const source = path.join(SHARED, 'data/tmdb5000/train.csv');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-label-issues-'));
  try {
    const original = fs.readFileSync(source, 'utf8');
    const { text, corrupted, description } = corrupt(original);
    fs.writeFileSync(path.join(dir, 'train.csv'), text);
    // Posters are `posters/<id>.jpg` relative to the data file: a link to the shared folder, which is allowed as a poster root.
    const posters = path.join(SHARED, 'data/tmdb5000/posters');
    fs.symlinkSync(posters, path.join(dir, 'posters'));
    log(`${description}; training on ${path.join(dir, 'train.csv')}…`);
    const started = Date.now();
    let warnings = 0;
    const model = opt('--model') ?? (await trainRun({ data: path.join(dir, 'train.csv'), out: path.join(dir, 'model'), seed,
      textEncoder: (opt('--text-encoder') ?? 'use-lite') as 'use-lite' | 'minilm', modelsDir: process.env.GENRE_LENS_MODELS ?? path.join(SHARED, 'models'),
      posterRoots: [posters], ablation: false, onWarning: () => warnings++,
      onProgress: (p) => p.total === undefined && log(`${p.phase}${p.detail ? ` ${p.detail}` : ''}…`) })).modelDir;
    const seconds = (Date.now() - started) / 1000;
    const record = readTrainingRows(model);
    if (!record) throw new Error(`${model}: no training.json`);
    // A recorded row is corrupted when its labels are not the original file's labels for its key (title + description).
    const originalLabels = new Map<string, string[]>();
    for (const row of parseDataset(original, { fileName: 'train.csv' }).rows) {
      const labels = labelIndices(record.genres, row);
      if (labels) originalLabels.set(rowKey(row), [...(originalLabels.get(rowKey(row)) ?? []), labels.join(',')]);
    }
    const isCorrupted = record.rows.map((r) => !(originalLabels.get(r.key) ?? []).includes([...r.labels].sort((a, b) => a - b).join(',')));
    const n = isCorrupted.filter(Boolean).length;
    const checked = record.rows.length;
    const top = Math.ceil(checked * 0.1);
    const rank = (score: Score) => {
      const scores = record.rows.map((r) => score(record.thresholds, r.labels, r.proba));
      const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
      const found = order.slice(0, top).filter((i) => isCorrupted[i]).length;
      const atN = order.slice(0, n).filter((i) => isCorrupted[i]).length;
      return { foundInTop10pct: found, recall: found / n, precisionAtN: atN / n };
    };
    const chosen = rank(labelScore);
    const judgedRows = record.rows.map((r) => judgeRow(record.genres, record.thresholds, r.labels, r.proba));
    const flagged = judgedRows.map((j) => j.doubted.length > 0 || j.missing.length > 0);
    const result = {
      corrupted: n, foundInTop10pct: chosen.foundInTop10pct, recall: chosen.recall, precisionAtN: chosen.precisionAtN,
      checked, top10pct: top, flagged: flagged.filter(Boolean).length, corruptedFlagged: flagged.filter((f, i) => f && isCorrupted[i]).length,
      corruptedInFile: corrupted, corruption: description, score: 'shortfallPlusExcess',
      variants: Object.fromEntries(Object.entries(VARIANTS).map(([k, f]) => [k, rank(f)])),
      trainingSeconds: opt('--model') ? null : seconds, warnings, seed, data: source,
    };
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      process.stdout.write(`${description}.\nChecked ${checked} rows; ${n} corrupted; ${chosen.foundInTop10pct} in the top 10 % (${top} rows) by score: ` +
        `recall ${chosen.recall.toFixed(3)}, precision at ${n} ${chosen.precisionAtN.toFixed(3)}; ${result.flagged} rows flagged ` +
        `(${result.corruptedFlagged} of them corrupted).\n`);
      for (const [k, v] of Object.entries(result.variants)) process.stdout.write(`  ${k.padEnd(24)} recall ${v.recall.toFixed(3)}  precision@n ${v.precisionAtN.toFixed(3)}\n`);
    }
    if (args.includes('--keep')) log(`kept ${dir}`);
  } finally {
    if (!args.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:label-issues: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
