#!/usr/bin/env node
// The `genre-lens` command line: train, eval and predict on movie datasets with the same engine the daemon uses,
// with progress bars on stderr and, with --json, one JSON object on stdout.
import * as path from 'node:path';
import { Command, Option } from 'commander';
import * as cliProgress from 'cli-progress';
import { checkEnvFolders, parseColumnName, parseExistingDir, parseFraction, parseHeads, parseHttpUrl, parseMaxGenres, parsePositiveInt, parseSeed, parseWorkers, parseWritableDir } from './cliOptions';
import { checkNewFile, writeNewFile } from './cliOutput';
import type { Report } from '../common/modelTypes';
import { addCacheCommand } from './cliCache';
import { addIssuesCommand } from './cliIssues';
import { addPruneCommand } from './cliPrune';
import { ColumnOverrides, DatasetError } from './engine/data';
import { formatReport, MultiLabelReport } from './engine/metrics';
import { predictionsCsv, predictionsJson } from './engine/predictionsOut';
import { EngineOptions, evalFile, predictFile, RunProgress, trainRun } from './engine/run';

interface CommonFlags {
  models?: string;
  modelUrl?: string;
  /** train only: the encoders of eval and predict are the model's. */
  textEncoder?: 'minilm' | 'use-lite';
  imageEncoder?: 'mobilenetv2' | 'onnx' | 'nsfwjs' | 'none';
  hubUrl?: string;
  offline?: boolean;
  cache?: string;
  noCache?: boolean;
  posterBaseUrl?: string;
  titleColumn?: string;
  textColumn?: string;
  genresColumn?: string;
  posterColumn?: string;
  posterRoot?: string[];
  allowPrivateNetwork?: boolean;
  json?: boolean;
  progress: boolean;
}

/** The engine options of the flags; first checks the folder environment variables they leave in use (before any work). */
function engineOptions(f: CommonFlags): EngineOptions {
  const bundledOnly = f.textEncoder === 'use-lite' && ['nsfwjs', 'none'].includes(f.imageEncoder ?? 'mobilenetv2');
  checkEnvFolders({ models: !f.models && !bundledOnly, cache: f.cache === undefined });
  const columns: ColumnOverrides = {};
  if (f.titleColumn) columns.title = f.titleColumn;
  if (f.textColumn) columns.text = f.textColumn;
  if (f.genresColumn) columns.genres = f.genresColumn;
  if (f.posterColumn) columns.poster = f.posterColumn;
  return {
    modelsDir: f.models, imageModelUrl: f.modelUrl, textEncoder: f.textEncoder, imageEncoder: f.imageEncoder, hubUrl: f.hubUrl,
    cacheDir: f.cache ?? undefined, ...(f.offline ? { allowDownloads: false } : {}),
    dataset: { columns, posterBaseUrl: f.posterBaseUrl },
    posterRoots: f.posterRoot, allowPrivateNetwork: f.allowPrivateNetwork,
  };
}

/** `12.3/90.4 MB`, or in kB for a file under a megabyte. */
function sizeOf(done: number, total: number): string {
  const [unit, div] = total >= 1e6 ? ['MB', 1e6] : ['kB', 1e3];
  return `${(done / div).toFixed(1)}/${(total / div).toFixed(1)} ${unit}`;
}

/** Progress bars on stderr (one bar per phase, one per downloaded file, in MB), silent when stderr is not a terminal or --no-progress. */
function progressReporter(enabled: boolean) {
  const show = enabled && process.stderr.isTTY;
  let bar: cliProgress.SingleBar | null = null;
  let phase = '';
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  const payload = (p: RunProgress) => ({ detail: p.detail ?? '', size: sizeOf(p.done ?? 0, p.total ?? 0) });
  const onProgress = (p: RunProgress) => {
    const key = p.phase === 'downloading' ? `${p.phase} ${p.detail ?? ''}` : p.phase;
    if (key !== phase) {
      stop();
      phase = key;
      if (!show) return;
      if (p.total === undefined) {
        process.stderr.write(`${p.phase}${p.detail ? ` ${p.detail}` : ''}…\n`);
        return;
      }
      const format = p.phase === 'downloading' ? `${'downloading'.padEnd(16)} {bar} {size} {detail}` : `${p.phase.padEnd(16)} {bar} {value}/{total} {detail}`;
      bar = new cliProgress.SingleBar({ stream: process.stderr, format, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic);
      bar.start(p.total, p.done ?? 0, payload(p));
    } else if (bar && p.done !== undefined) bar.update(p.done, payload(p));
  };
  /** A warning on its own line: the bar in progress ends, and the phase's next progress starts a new one. */
  const warn = (write: () => void) => {
    stop();
    phase = '';
    write();
  };
  return { onProgress, stop, warn };
}

function metricsJson(m: MultiLabelReport, thresholds?: number[]) {
  const avg = (a: MultiLabelReport['micro']) => ({ precision: a.precision, recall: a.recall, f1: a.f1 });
  return {
    micro: avg(m.micro), macro: avg(m.macro), weighted: avg(m.weighted), samples: avg(m.samples),
    subsetAccuracy: m.subsetAccuracy, hammingLoss: m.hammingLoss,
    perGenre: Object.fromEntries(m.perLabel.map((l, i) => [l.label, { precision: l.precision, recall: l.recall, f1: l.f1,
      support: l.support, ...(thresholds ? { threshold: thresholds[i] } : {}) }])),
    confusion: Object.fromEntries(m.perLabel.map((l, i) => [l.label, m.confusion[i]])),
  };
}

/** Each component alone and the blend (the model), as --json prints them: [] for a model without components. */
export const componentsJson = (r: Report) => (r.components ?? []).map((c) => ({ name: c.name, weight: c.weight, micro: c.micro, macro: c.macro,
  samples: c.samples, subsetAccuracy: c.subsetAccuracy }));

/** The components table printed after the classification report ('' without components). */
export function componentsText(r: Report): string {
  if (!r.components?.length) return '';
  const width = Math.max(14, ...r.components.map((c) => c.name.length));
  const line = (name: string, cells: string[]) => `${name.padEnd(width)}  ${cells.map((c, i) => c.padStart(i === 3 ? 10 : 8)).join('  ')}\n`;
  return '\n' + line('component', ['weight', 'micro-F1', 'macro-F1', 'samples-F1']) + r.components.map((c) => line(c.name === 'blend' ? 'blend (model)' : c.name,
    [c.weight.toFixed(2), c.micro.f1.toFixed(3), c.macro.f1.toFixed(3), c.samples.f1.toFixed(3)])).join('');
}

function addCommon(cmd: Command): Command {
  return cmd
    .option('--models <dir>', 'folder with the encoders\' files for offline use: mobilenetv2-12-int8.onnx, Xenova/all-MiniLM-L6-v2/ ' +
      '(default: $GENRE_LENS_MODELS)', parseExistingDir)
    .option('--model-url <url>', 'download the ONNX image model from this URL instead of the ONNX Model Zoo (sha256-checked, cached)', parseHttpUrl)
    .addOption(new Option('--image-encoder <name>', 'poster encoder for training: ImageNet MobileNetV2 (default; onnx is the same), the bundled ' +
      'nsfwjs, or none').choices(['mobilenetv2', 'onnx', 'nsfwjs', 'none']))
    .option('--hub-url <url>', 'Hugging Face hub (or mirror) to download the text encoder from (default: $HF_ENDPOINT or https://huggingface.co)', parseHttpUrl)
    .option('--offline', 'download nothing: no encoder files (only --models and the cache), no poster URLs')
    .option('--cache <dir>', 'embedding and poster cache (default: $GENRE_LENS_CACHE or ~/.cache/genre-lens)', parseWritableDir)
    .option('--poster-base-url <url>', 'base URL for TMDB poster paths like /abc.jpg', parseHttpUrl)
    .option('--title-column <name>', 'column with the titles', parseColumnName).option('--text-column <name>', 'column with the descriptions', parseColumnName)
    .option('--genres-column <name>', 'column with the genres', parseColumnName).option('--poster-column <name>', 'column with the posters', parseColumnName)
    .option('--poster-root <dir>', 'a folder local posters may also be read from, beyond the data file\'s folder (repeatable; ' +
      'also $GENRE_LENS_POSTER_ROOTS)', (v: string, prev: string[] = []) => [...prev, parseExistingDir(v)])
    .option('--allow-private-network', 'let poster URLs from the dataset reach loopback and private addresses ' +
      '(also $GENRE_LENS_ALLOW_PRIVATE_NETWORK=1)')
    .option('--json', 'print one JSON object on stdout instead of the text report')
    .option('--no-progress', 'no progress bars');
}

function warnTo(json: boolean | undefined, bars: ReturnType<typeof progressReporter>) {
  return (m: string) => bars.warn(() => process.stderr.write(`${json ? '' : 'warning: '}${m}\n`));
}

export function buildProgram(): Command {
  const program = new Command('genre-lens')
    .description('Predict movie genres from descriptions and posters: train, evaluate and predict on CSV/JSON/JSONL datasets.')
    .showHelpAfterError();

  addCommon(program.command('train <data>').description('train a model on a labelled dataset'))
    .addOption(new Option('--text-encoder <name>', 'description encoder: all-MiniLM-L6-v2 (default; downloaded once and cached, else the bundled ' +
      'one with a warning) or the bundled USE-Lite').choices(['minilm', 'use-lite']))
    .option('--eval <file>', 'evaluate on this file instead of a held-out split')
    .option('--eval-fraction <f>', 'share of rows held out for evaluation when no --eval is given (between 0 and 1)', parseFraction, 0.2)
    .option('--allow-eval-overlap', 'evaluate on --eval even if it is the training file or shares rows with it (recorded in the report)')
    .option('--out <dir>', 'model directory to write (default: a new model in .genre-lens/ of the current folder)')
    .option('--overwrite', 'let --out replace a Genre Lens model folder (anything else there is always refused)')
    .option('--keep <n>', 'models the store keeps after training (default 5; the current and selected ones are always kept)', parsePositiveInt)
    .option('--seed <n>', 'random seed (splits, folds, LightGBM), 0 to 2147483647', parseSeed, 42)
    .option('--workers <n>', 'parallel LightGBM workers, 1 to 64 (default: number of cores)', parseWorkers)
    .option('--no-ablation', 'skip the text-only and poster-only comparison models')
    .option('--heads <list>', 'fusion heads blended with LightGBM: comma-separated linear,tfidf,knn, or none for LightGBM alone ' +
      '(default: linear,tfidf,knn)', parseHeads)
    .option('--max-genres <n>', 'refuse a training file with more distinct genre names than this (default 100)', parseMaxGenres)
    .action(async (data: string, f: CommonFlags & { eval?: string; evalFraction: number; allowEvalOverlap?: boolean; out?: string; overwrite?: boolean; keep?: number; seed: number;
      workers?: number; ablation: boolean; maxGenres?: number; heads?: ReturnType<typeof parseHeads> }) => {
      const bars = progressReporter(f.progress);
      const result = await trainRun({
        ...engineOptions(f), data, evalFile: f.eval, evalFraction: f.evalFraction, allowEvalOverlap: f.allowEvalOverlap, out: f.out, overwrite: f.overwrite, keep: f.keep, seed: f.seed, ablation: f.ablation,
        heads: f.heads, maxGenres: f.maxGenres, train: f.workers ? { workers: f.workers } : {}, onProgress: bars.onProgress, onWarning: warnTo(f.json, bars),
      }).finally(bars.stop);
      const { report } = result;
      if (f.json) {
        const abl = Object.fromEntries(Object.entries(report.ablation).map(([k, v]) => [k, { micro: v.micro, macro: v.macro, samples: v.samples,
          subsetAccuracy: v.subsetAccuracy }]));
        process.stdout.write(JSON.stringify({ model: result.modelDir, genres: report.genres, metrics: metricsJson(report.metrics, report.thresholds),
          ablation: abl, ablationStatus: report.ablationStatus ?? 'done', components: componentsJson(report),
          rows: { train: result.manifest.dataset.trainRows, eval: result.manifest.evaluation.rows },
          posters: report.run.posters, encoders: result.manifest.encoders, trainingSeconds: result.manifest.trainingSeconds,
          warnings: result.warnings }, null, 2) + '\n');
        return;
      }
      const out = process.stdout;
      out.write(`\nEvaluated on ${result.manifest.evaluation.rows} rows (${result.manifest.evaluation.kind === 'file' ? result.manifest.evaluation.path : 'held-out split'}), ` +
        `trained on ${result.manifest.dataset.trainRows}.\n`);
      const ev = result.manifest.evaluation;
      if (ev.kind === 'file' && ev.overlap) out.write(`${ev.overlap.rows} evaluation rows are also training rows (--allow-eval-overlap): the metrics are optimistic.\n`);
      out.write('\n' + formatReport(report.metrics) + '\n');
      out.write(componentsText(report));
      const names = Object.keys(report.ablation) as (keyof typeof report.ablation)[];
      if (names.length > 1) {
        out.write('\nmodality (LightGBM alone)  micro-F1  macro-F1  samples-F1\n');
        for (const k of names) {
          const a = report.ablation[k];
          if (a) out.write(`${k.padEnd(24)}  ${a.micro.f1.toFixed(3).padStart(8)}  ${a.macro.f1.toFixed(3).padStart(8)}  ${a.samples.f1.toFixed(3).padStart(10)}\n`);
        }
      }
      const status = report.ablationStatus ?? 'done';
      if (status === 'cancelled' || status === 'failed') out.write(`\nThe text-only/poster-only comparison ${status === 'failed' ? 'failed' : 'was cancelled'}; the model is complete.\n`);
      out.write(`\nModel saved to ${result.modelDir} (${result.manifest.trainingSeconds.toFixed(0)} s).\n`);
    });

  addCommon(program.command('eval <model> <data>').description('evaluate a saved model (a model folder or a .genre-lens store) on a labelled dataset'))
    .action(async (model: string, data: string, f: CommonFlags) => {
      const bars = progressReporter(f.progress);
      const r = await evalFile(model, data, { ...engineOptions(f), onProgress: bars.onProgress, onWarning: warnTo(f.json, bars) }).finally(bars.stop);
      if (f.json) {
        process.stdout.write(JSON.stringify({ model: r.model.dir, rows: r.rows, metrics: metricsJson(r.metrics, r.model.manifest.genres.map((g) => g.threshold)) }, null, 2) + '\n');
      } else process.stdout.write(`\n${formatReport(r.metrics)}\n`);
    });

  addCommon(program.command('predict <model> <data>').description('predict genres for every row; CSV (default) or JSON to stdout or --out'))
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']))
    .option('--out <file>', 'write here instead of stdout (never the input file)')
    .option('--explain', 'say why: the share of each genre\'s evidence from the description vs the poster (JSON why, CSV why column), and the nearest training movies (JSON)')
    .action(async (model: string, data: string, f: CommonFlags & { format?: 'csv' | 'json'; out?: string; explain?: boolean }) => {
      if (f.out && path.resolve(f.out) === path.resolve(data)) throw new Error(`--out ${f.out} is the input file; choose another name`);
      if (f.out !== undefined) checkNewFile('--out', f.out); // before any work; writeNewFile checks again
      const format = f.format ?? (f.json || f.out?.toLowerCase().endsWith('.json') ? 'json' : 'csv');
      const bars = progressReporter(f.progress);
      const r = await predictFile(model, data, { ...engineOptions(f), explain: f.explain === true, onProgress: bars.onProgress,
        onWarning: warnTo(f.json, bars) }).finally(bars.stop);
      const genres = r.model.manifest.genres.map((g) => g.name);
      const text = format === 'json' ? predictionsJson(r.predictions, genres) : predictionsCsv(r.predictions, genres, { why: f.explain === true });
      if (f.out !== undefined) writeNewFile('--out', f.out, text);
      else process.stdout.write(text);
    });

  addIssuesCommand(program, { addCommon, engineOptions, progressReporter, warnTo });
  addPruneCommand(program);
  addCacheCommand(program);
  program.command('serve').description('run the language server (used by the VS Code extension)')
    .option('--stdio', 'talk LSP over stdin/stdout').option('--node-ipc').option('--socket <port>')
    .action(() => {
      // The server reads its transport (--stdio, --node-ipc, --socket) from process.argv itself.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('./server');
    });
  return program;
}


export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    const msg = e instanceof DatasetError || e instanceof Error ? e.message : String(e);
    process.stderr.write(`genre-lens: ${msg}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv).then((code) => (process.exitCode = code));
}
