// The sub-benchmarks of `npm run bench`, each run in child processes (so memory is per run) and returning its raw
// figures: cold and warm TMDB training runs, the encoders' pure inference, image throughput against PyTorch, one-vs-rest
// LightGBM against the native CLI, the 45k-row scale run and the daemon's hover latencies (bench/hover.ts).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchConfig, log, REPO, rmDir, runChild, tmpDir } from './common';

const CHILD = (name: string) => path.join(REPO, 'bench', name);

export interface Ctx {
  config: BenchConfig;
  /** Root of this bench run's temporary files (removed at the end). */
  tmp: string;
  /** An embedding cache known to hold every TMDB row's embeddings (set by the cold run or by priming). */
  warmCache?: string;
  /** Where to keep a primed cache between bench invocations when no cold run primes one. */
  persistentCache: string;
  imageLimit?: number;
  ovrRounds: number;
  scaleRows: number;
  scaleRounds: number;
  features?: string;
}

/** What trainChild's `train` mode reports (bench/lib/trainChild.ts). */
export interface TrainRun {
  ablation: boolean;
  savedPhaseSeen: boolean;
  secondsToSaved: number | null;
  secondsToEnd: number;
  stages: Record<string, unknown>;
  posterDecode: { busySeconds: number; items: number; throughput: number | null };
  posterInference: { busySeconds: number; items: number; throughput: number | null };
  peakRssMB: number;
  metrics: { micro: number; macro: number; samples: number };
  encoders: { text: string; image: string | null; textFallback: boolean };
  processSeconds?: number;
  [k: string]: unknown;
}

const cfg = (ctx: Ctx) => ['--config', JSON.stringify(ctx.config)];

async function trainChild(ctx: Ctx, cache: string, label: string, ablation: boolean): Promise<TrainRun> {
  const store = path.join(ctx.tmp, `store-${label}`);
  const r = await runChild<TrainRun>(CHILD('lib/trainChild.ts'), ['train', ...cfg(ctx), '--cache', cache, '--store', store,
    ...(ablation ? [] : ['--no-ablation'])], {}, label);
  rmDir(store);
  return { ...r.value, processSeconds: Number(r.processSeconds.toFixed(3)) };
}

/** A training run from an empty embedding cache (a new temporary folder); its cache then serves the warm runs. */
export async function cold(ctx: Ctx): Promise<TrainRun> {
  const cache = tmpDir('cold-cache');
  log(`cold run (empty cache ${cache}): encodes every text and poster`);
  const run = await trainChild(ctx, cache, 'cold', true);
  ctx.warmCache = cache;
  return run;
}

/** An embedding cache holding every row: the cold run's, else the persistent one, primed if need be (untimed). */
export async function ensureWarmCache(ctx: Ctx): Promise<string> {
  if (ctx.warmCache) return ctx.warmCache;
  const cache = ctx.persistentCache;
  fs.mkdirSync(cache, { recursive: true });
  log(`priming the embedding cache ${cache} (fast when already primed; else encodes every row, ≈ 5 min)`);
  const store = path.join(ctx.tmp, 'store-prime');
  const r = await runChild<{ primed: boolean; seconds: number }>(CHILD('lib/trainChild.ts'), ['prime', ...cfg(ctx), '--cache', cache, '--store', store], {}, 'prime');
  rmDir(store);
  if (!r.value.primed) throw new Error('priming the embedding cache did not reach training');
  ctx.warmCache = cache;
  return cache;
}

/** Warm runs: with the modality comparison (as the extension asks), and without when 'saved' is not reported. */
export async function warm(ctx: Ctx): Promise<{ full: TrainRun; retrain: TrainRun | null }> {
  const cache = await ensureWarmCache(ctx);
  log('warm run with the modality comparison');
  const full = await trainChild(ctx, cache, 'warm', true);
  if (full.savedPhaseSeen) return { full, retrain: null };
  log("RunProgress 'saved' was not reported: a second warm run without the comparison times the retrain to its end");
  return { full, retrain: await trainChild(ctx, cache, 'warm-noablation', false) };
}

export interface TextInference { encoder: string; fallback: boolean; texts: number; loadSeconds: number; inferSeconds: number; textsPerSecond: number }

export async function textInference(ctx: Ctx): Promise<TextInference> {
  log('text encoder alone over every distinct text (≈ 5 min with USE-Lite)');
  return (await runChild<TextInference>(CHILD('lib/inferChild.ts'), ['text', ...cfg(ctx), '--cache', path.join(ctx.tmp, 'unused-cache')], {}, 'text')).value;
}

export interface ImageBench {
  files: number;
  ours: { images: number; seconds: number; imagesPerSecond: number };
  decodeOnly: { images: number; seconds: number; imagesPerSecond: number };
  pureInference: { images: number; seconds: number; imagesPerSecond: number };
  [k: string]: unknown;
}

/** A Python with torch and torchvision: $BENCH_PYTHON, Debian's /usr/bin/python3, then python3 on the PATH. */
export function findTorchPython(): { python: string } | { error: string } {
  const candidates = [process.env.BENCH_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
    if (r.status === 0) return { python };
  }
  return { error: `no Python among ${candidates.join(', ')} imports torch and torchvision (apt-get install python3-torch python3-torchvision)` };
}

function runPython(python: string, args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const p = spawn(python, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
      for (const line of d.toString().split('\n')) if (line.trim()) process.stderr.write(`  [torch] ${line}\n`);
    });
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`torch peer exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? ''));
      } catch {
        reject(new Error('torch peer printed no JSON'));
      }
    });
  });
}

/** Ours (image encoder over the poster files; decode alone; pure inference), then PyTorch on the same files. */
export async function image(ctx: Ctx): Promise<{ ours: ImageBench; torch: { imagesPerSecond: number; [k: string]: unknown } | null; torchReason: string | null }> {
  const list = path.join(ctx.tmp, 'posters.json');
  const limit = ctx.imageLimit ? ['--limit', String(ctx.imageLimit)] : [];
  log('image encoder over the poster files, decode alone, inference alone');
  const ours = (await runChild<ImageBench>(CHILD('lib/inferChild.ts'), ['image', ...cfg(ctx), '--cache', path.join(ctx.tmp, 'unused-cache'),
    '--list', list, '--batch', '16', ...limit], {}, 'image')).value;
  const py = findTorchPython();
  if ('error' in py) return { ours, torch: null, torchReason: py.error };
  log(`PyTorch peer (${py.python}) on the same ${ours.files} posters`);
  try {
    const torch = await runPython(py.python, [path.join(REPO, 'bench/peers/torch_mobilenetv2.py'), list, '--batch', '16', '--threads', '2']);
    return { ours, torch: torch as { imagesPerSecond: number }, torchReason: null };
  } catch (e) {
    return { ours, torch: null, torchReason: (e as Error).message };
  }
}

/** The training rows' feature matrix: --features, else dumped from the warm cache. */
async function featuresDir(ctx: Ctx): Promise<string> {
  if (ctx.features) return ctx.features;
  const cache = await ensureWarmCache(ctx);
  const out = path.join(ctx.tmp, 'trainfeat');
  await runChild(CHILD('lib/trainChild.ts'), ['features', ...cfg(ctx), '--cache', cache, '--out', out], {}, 'features');
  return out;
}

export interface OvrBench { oursSeconds: number; native: { bestSeconds: number; [k: string]: unknown } | null; ratio?: number; reason?: string; [k: string]: unknown }

export async function ovr(ctx: Ctx): Promise<OvrBench> {
  const dir = await featuresDir(ctx);
  const tmp = tmpDir('ovr');
  try {
    log(`one-vs-rest LightGBM, ours vs the native CLI (${ctx.ovrRounds} rounds per genre)`);
    return (await runChild<OvrBench>(CHILD('lib/ovrChild.ts'), ['--features', dir, '--tmp', tmp, '--rounds', String(ctx.ovrRounds)], {}, 'ovr')).value;
  } finally {
    rmDir(tmp);
  }
}

export interface ScaleBench { rows: number; peakRssMB: number; trainSeconds: number; [k: string]: unknown }

export async function scale(ctx: Ctx): Promise<ScaleBench> {
  log(`scale run: ${ctx.scaleRows} synthetic rows, features only`);
  return (await runChild<ScaleBench>(CHILD('scale.ts'), ['--rows', String(ctx.scaleRows), '--rounds', String(ctx.scaleRounds)], {}, 'scale')).value;
}

export interface HoverLine { name: string; n: number; p50: number; p95: number; max: number }

/** Runs bench/hover.ts (the daemon over stdio, trained on examples/movies.csv) and reads its summary lines. */
export function hover(ctx: Ctx): Promise<Record<string, HoverLine>> {
  log('hover latencies against the daemon (bench/hover.ts)');
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/hover.ts')], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GENRE_LENS_OFFLINE: process.env.GENRE_LENS_OFFLINE ?? (ctx.config.allowModelDownloads ? '' : '1') } });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => process.stderr.write(d.toString().split('\n').filter((l) => l.trim()).map((l) => `  [hover] ${l}\n`).join('')));
    const timer = setTimeout(() => p.kill(), 20 * 60_000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      const lines: Record<string, HoverLine> = {};
      for (const l of out.split('\n')) {
        const m = /^(.+?)\s+n=\s*(\d+)\s+p50\s+([\d.]+) ms\s+p95\s+([\d.]+) ms\s+max\s+([\d.]+) ms/.exec(l);
        if (m) lines[m[1].trim()] = { name: m[1].trim(), n: Number(m[2]), p50: Number(m[3]), p95: Number(m[4]), max: Number(m[5]) };
      }
      if (!lines.warm) return reject(new Error(`bench/hover.ts exited with ${code} without a warm summary: ${out.slice(-300)}`));
      resolve(lines);
    });
  });
}

export const defaultPersistentCache = () => path.join(os.tmpdir(), 'genre-lens-bench-warm-cache');
