// `npm run bench [-- --json] [-- --only cold,warm,text,image,ovr,scale,hover]`: Genre Lens's training loop on
// ../shared/data/tmdb5000 (train.csv to train, test.csv only as the --eval file) and its peers (PyTorch, native LightGBM),
// each sub-benchmark in child processes; one JSON object (--json) or a table on stdout, progress on stderr. See bench/README.md.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchConfig, log, RESULTS, rmDir, round, SHARED, tmpDir, TMDB } from './lib/common';
import * as suites from './lib/suites';

const SUITES = ['cold', 'warm', 'text', 'image', 'ovr', 'scale', 'hover'] as const;
type Suite = (typeof SUITES)[number];
const USAGE = `npm run bench -- [--json] [--only ${SUITES.join(',')}] [--text-encoder use-lite|minilm] [--image-limit N]
  [--ovr-rounds 100] [--scale-rows 45000] [--scale-rounds 60] [--features <dir>] [--warm-cache <dir>] [--allow-downloads]`;

/** The contract's figures, their targets (null: none stated) and the sub-benchmarks each needs. */
const TARGETS: Record<string, { op: '<=' | '>=' | null; target: number | null; needs: Suite[] }> = {
  warmRetrainSeconds: { op: '<=', target: 20, needs: ['warm'] },
  warmFullReportSeconds: { op: '<=', target: 60, needs: ['warm'] },
  coldTrainVsInference: { op: '<=', target: 1.3, needs: ['cold', 'text', 'image'] },
  imageThroughputVsTorch: { op: '>=', target: 2, needs: ['image'] },
  ovrWallVsNativeCli: { op: '<=', target: 1.2, needs: ['ovr'] },
  hoverP95Ms: { op: '<=', target: 10, needs: ['hover'] },
  hoverP95DuringTrainMs: { op: null, target: null, needs: ['hover'] },
  scale45kPeakRssMB: { op: '<=', target: 4096, needs: ['scale'] },
};

function parseArgs(argv: string[]) {
  const get = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes('--help')) {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  }
  const only = (get('--only') ?? SUITES.join(',')).split(',').map((s) => (s.trim() === 'infer' ? 'text' : s.trim())).filter(Boolean);
  const bad = only.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (bad.length) throw new Error(`--only: unknown ${bad.join(', ')} (expected ${SUITES.join(', ')})\n${USAGE}`);
  const num = (name: string, d: number) => {
    const v = get(name);
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: expected a positive integer, got ${v}`);
    return n;
  };
  const te = get('--text-encoder') ?? 'use-lite';
  if (te !== 'use-lite' && te !== 'minilm') throw new Error(`--text-encoder: expected use-lite or minilm, got ${te}`);
  return { json: argv.includes('--json'), only: only as Suite[], textEncoder: te as 'use-lite' | 'minilm',
    imageLimit: get('--image-limit') ? num('--image-limit', 0) : undefined, ovrRounds: num('--ovr-rounds', 100),
    scaleRows: num('--scale-rows', 45_000), scaleRounds: num('--scale-rounds', 60), features: get('--features'),
    warmCache: get('--warm-cache'), allowDownloads: argv.includes('--allow-downloads') };
}

type Stages = Record<string, { seconds: number; throughput: number | null; unit: string | null; peakRssMB: number | null } | null>;

/** A run's stages, with poster decode and poster inference (time with one such call in flight) beside the poster stage. */
function stagesOf(run: suites.TrainRun | undefined): Stages | null {
  if (!run) return null;
  const s = { ...(run.stages as Stages) };
  const meter = (m: suites.TrainRun['posterDecode'], unit: string) => (m.items > 0
    ? { seconds: m.busySeconds, throughput: m.throughput, unit, peakRssMB: s.posterEncode?.peakRssMB ?? null } : null);
  const order = ['read', 'loadEncoders', 'textEncode', 'posterEncode', 'posterDecode', 'posterInference', 'train', 'evaluate', 'save', 'compare'];
  const out: Stages = {};
  for (const k of order) {
    if (k === 'posterDecode') out[k] = meter(run.posterDecode, 'images (sharp decode + resize in flight)');
    else if (k === 'posterInference') out[k] = meter(run.posterInference, 'images (ONNX session.run in flight)');
    else out[k] = s[k] ?? null;
  }
  return out;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const config: BenchConfig = { train: path.join(TMDB, 'train.csv'), evalFile: path.join(TMDB, 'test.csv'),
    modelsDir: process.env.GENRE_LENS_MODELS || path.join(SHARED, 'models'), textEncoder: a.textEncoder, seed: 42,
    allowModelDownloads: a.allowDownloads };
  const loadBefore = os.loadavg()[0];
  if (loadBefore > 0.5) log(`warning: 1-minute load average ${loadBefore.toFixed(2)}: the machine is busy, timings will be noisy`);
  const ctx: suites.Ctx = { config, tmp: tmpDir('run'), persistentCache: a.warmCache ?? suites.defaultPersistentCache(),
    imageLimit: a.imageLimit, ovrRounds: a.ovrRounds, scaleRows: a.scaleRows, scaleRounds: a.scaleRounds, features: a.features };
  const reasons: Record<string, string> = {};
  const errors: Record<string, string> = {};
  const d: { cold?: suites.TrainRun; warm?: { full: suites.TrainRun; retrain: suites.TrainRun | null }; text?: suites.TextInference;
    image?: Awaited<ReturnType<typeof suites.image>>; ovr?: suites.OvrBench; scale?: suites.ScaleBench; hover?: Record<string, suites.HoverLine> } = {};
  const started = Date.now();
  try {
    for (const s of SUITES) {
      if (!a.only.includes(s)) continue;
      try {
        if (s === 'cold') d.cold = await suites.cold(ctx);
        else if (s === 'warm') d.warm = await suites.warm(ctx);
        else if (s === 'text') d.text = await suites.textInference(ctx);
        else if (s === 'image') d.image = await suites.image(ctx);
        else if (s === 'ovr') d.ovr = await suites.ovr(ctx);
        else if (s === 'scale') d.scale = await suites.scale(ctx);
        else d.hover = await suites.hover(ctx);
      } catch (e) {
        errors[s] = e instanceof Error ? e.message : String(e);
        log(`${s} failed: ${errors[s]}`);
      }
    }
  } finally {
    if (ctx.warmCache !== ctx.persistentCache) rmDir(ctx.warmCache);
    rmDir(ctx.tmp);
  }

  const v: Record<string, number | null> = {};
  const warmRun = d.warm?.full;
  v.warmRetrainSeconds = warmRun ? (warmRun.savedPhaseSeen ? warmRun.secondsToSaved : d.warm?.retrain?.secondsToEnd ?? null) : null;
  const warmRetrainBasis = !warmRun ? null : warmRun.savedPhaseSeen
    ? "trainRun called → RunProgress 'saved' (model saved and served), warm run with the comparison"
    : "fallback: RunProgress 'saved' not reported, so the end of a separate warm run without the modality comparison (--no-ablation)";
  v.warmFullReportSeconds = warmRun?.secondsToEnd ?? null;
  const coldWall = d.cold ? d.cold.secondsToSaved ?? d.cold.secondsToEnd : null;
  const inference = d.text && d.image ? d.text.inferSeconds + d.image.ours.pureInference.seconds : null;
  v.coldTrainVsInference = coldWall !== null && inference ? round(coldWall / inference) : null;
  if (d.image && !d.image.torch) reasons.imageThroughputVsTorch = d.image.torchReason ?? 'torch peer failed';
  v.imageThroughputVsTorch = d.image?.torch ? round(d.image.ours.ours.imagesPerSecond / d.image.torch.imagesPerSecond) : null;
  if (d.ovr && !d.ovr.native) reasons.ovrWallVsNativeCli = d.ovr.reason ?? 'native CLI unavailable';
  v.ovrWallVsNativeCli = d.ovr?.native ? round(d.ovr.oursSeconds / d.ovr.native.bestSeconds) : null;
  v.hoverP95Ms = d.hover?.warm?.p95 ?? null;
  v.hoverP95DuringTrainMs = d.hover?.['warm, during a training']?.p95 ?? null;
  v.scale45kPeakRssMB = d.scale?.peakRssMB ?? null;

  const targets: Record<string, { value: number | null; target: string | null; met: boolean | null }> = {};
  const missed: string[] = [];
  for (const [k, t] of Object.entries(TARGETS)) {
    const value = v[k];
    if (value === null) {
      const skipped = t.needs.filter((n) => !a.only.includes(n));
      reasons[k] ??= skipped.length ? `not measured: needs --only ${t.needs.join(',')}` : t.needs.map((n) => errors[n]).filter(Boolean).join('; ') || 'not measured';
    }
    const met = value === null || t.target === null ? null : t.op === '<=' ? value <= t.target : value >= t.target;
    if (met === false) missed.push(k);
    targets[k] = { value, target: t.target === null ? null : `${t.op} ${t.target}`, met };
  }
  const result = {
    ...v, warmRetrainBasis,
    coldWallBasis: d.cold ? (d.cold.secondsToSaved !== null ? "trainRun called → 'saved'" : 'trainRun called → run end (saved not reported)') : null,
    targets, missed, reasons, errors,
    stages: { cold: stagesOf(d.cold), warm: stagesOf(warmRun) },
    details: { cold: d.cold ?? null, warm: warmRun ?? null, warmNoAblation: d.warm?.retrain ?? null, textInference: d.text ?? null,
      image: d.image ?? null, ovr: d.ovr ?? null, scale: d.scale ?? null, hover: d.hover ?? null,
      inferenceSeconds: inference === null ? null : round(inference), coldWallSeconds: coldWall },
    config: { ...config, only: a.only, ovrRounds: a.ovrRounds, scaleRows: a.scaleRows, scaleRounds: a.scaleRounds, imageLimit: a.imageLimit ?? null },
    host: { cpu: os.cpus()[0]?.model, logicalCpus: os.cpus().length, memoryMB: Math.round(os.totalmem() / 2 ** 20), node: process.version,
      loadAverage1mBefore: round(loadBefore, 2), loadAverage1mAfter: round(os.loadavg()[0], 2) },
    date: new Date().toISOString(), benchSeconds: round((Date.now() - started) / 1000, 1),
  };
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, a.only.length === SUITES.length ? 'bench.json' : 'bench-partial.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  log(`wrote ${path.relative(process.cwd(), file)}`);
  if (a.json) process.stdout.write(JSON.stringify(result) + '\n');
  else process.stdout.write(human(result.targets, result.reasons, result.stages, missed));
}

function human(targets: Record<string, { value: number | null; target: string | null; met: boolean | null }>, reasons: Record<string, string>,
  stages: Record<string, Stages | null>, missed: string[]): string {
  const lines = ['', `${'figure'.padEnd(24)}${'value'.padStart(10)}  ${'target'.padEnd(8)}  status`];
  for (const [k, t] of Object.entries(targets)) {
    const status = t.met === null ? (t.value === null ? `— ${reasons[k] ?? ''}` : 'no target') : t.met ? 'met' : 'MISSED';
    lines.push(`${k.padEnd(24)}${(t.value === null ? 'null' : String(t.value)).padStart(10)}  ${(t.target ?? '').padEnd(8)}  ${status}`);
  }
  for (const [name, st] of Object.entries(stages)) {
    if (!st) continue;
    lines.push('', `${name} run: ${'stage'.padEnd(16)}${'seconds'.padStart(9)}${'throughput'.padStart(12)}  ${'peak RSS'.padStart(9)}  unit`);
    for (const [k, s] of Object.entries(st)) {
      if (!s) continue;
      lines.push(`${''.padEnd(name.length + 6)}${k.padEnd(16)}${s.seconds.toFixed(2).padStart(9)}${(s.throughput === null ? '' : s.throughput.toFixed(1)).padStart(12)}  ` +
        `${s.peakRssMB === null ? '' : `${s.peakRssMB.toFixed(0)} MB`}`.padStart(9) + `  ${s.unit ?? ''}/s`);
    }
  }
  lines.push('', missed.length ? `missed: ${missed.join(', ')}` : 'missed: none (of those measured)', '');
  return lines.join('\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
