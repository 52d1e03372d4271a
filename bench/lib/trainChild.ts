// Bench child process (one per run, so RSS is the run's own): `train` runs the engine's public trainRun on the TMDB
// split and reports per-stage wall time, throughput and peak RSS; `prime` fills an embedding cache (stops when training
// starts); `features` writes the training rows' feature matrix (X.f32, labels.u8, meta.json) for the LightGBM peers.
//   node --import tsx bench/lib/trainChild.ts <train|prime|features> --config <json> --cache <dir> [--store|--out <dir>] [--no-ablation]
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { trainRun, type RunProgress } from '../../server/engine/run';
import { labelColumns } from '../../server/engine/split';
import { trainEvalFeatures } from '../../server/engine/trainFeatures';
import { trainingRows } from '../../server/engine/trainingRows';
import { childMain, configArg, emit, engineOptionsOf, maxRssMB, RssSampler } from './common';
import { BusyMeter, phaseSegments, Stage, stageOf, TimedEvent, totalOf } from './stages';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return n;
}

async function train(): Promise<void> {
  const config = configArg(argv);
  const ablation = !argv.includes('--no-ablation');
  const t0 = performance.now();
  const decode = new BusyMeter(t0);
  const infer = new BusyMeter(t0);
  decode.wrap((sharp as unknown as { prototype: object }).prototype, 'toBuffer', () => 1);
  infer.wrap((ort.InferenceSession as unknown as { prototype: object }).prototype, 'run',
    (a) => (Object.values(a[0] as Record<string, { dims: readonly number[] }>)[0]?.dims[0] ?? 0));
  const rss = new RssSampler(t0);
  const events: TimedEvent[] = [];
  let savedAt: number | null = null;
  let last = '';
  const onProgress = (p: RunProgress) => {
    const t = performance.now() - t0;
    rss.sample();
    events.push({ t, phase: p.phase, done: p.done, total: p.total });
    if (p.phase === 'saved') savedAt ??= t;
    if (p.phase !== last) process.stderr.write(`${(t / 1000).toFixed(1)} s: ${p.phase}\n`);
    last = p.phase;
  };
  const warnings: string[] = [];
  const result = await trainRun({ ...engineOptionsOf(config, opt('--cache') as string), store: opt('--store'), ablation,
    lockedBy: 'npm run bench', onProgress, onWarning: (m) => warnings.push(m) });
  // trainRun resolves once the comparison that follows 'saved' has landed in report.json (or was skipped).
  const resolvedMs = performance.now() - t0;
  const endMs = Math.max(resolvedMs, events.length ? events[events.length - 1].t : 0);
  rss.stop();

  const segs = phaseSegments(events, endMs);
  const m = result.manifest;
  const rows = m.dataset.trainRows + m.evaluation.rows;
  const cut = (ms: number) => rss.samples.filter((s) => s.t <= ms);
  const merged = (phases: string[]) => phases.flatMap((p) => segs.get(p) ?? []).sort((a, b) => a[0] - b[0]);
  const stages: Record<string, Stage | null> = {
    read: stageOf(segs.get('reading'), rss.samples, rows, 'rows'),
    loadEncoders: stageOf(merged(['loading encoders', 'downloading']), rss.samples, null, null),
    textEncode: stageOf(segs.get('encoding text'), rss.samples, totalOf(events, 'encoding text'), 'texts'),
    posterEncode: stageOf(segs.get('encoding posters'), rss.samples, totalOf(events, 'encoding posters'), 'posters'),
    train: stageOf(segs.get('training'), rss.samples, totalOf(events, 'training'), 'boosters'),
    evaluate: stageOf(segs.get('evaluating'), rss.samples, m.evaluation.rows, 'evaluation rows'),
    save: stageOf(segs.get('saving'), rss.samples, Number((dirBytes(result.modelDir) / 2 ** 20).toFixed(2)), 'MB written'),
    compare: stageOf(merged(['saved', 'comparing']), rss.samples, totalOf(events, 'comparing'), 'boosters'),
  };
  const peakTo = (ms: number) => Number((Math.max(...cut(ms).map((s) => s.rss)) / 2 ** 20).toFixed(1));
  emit({
    ablation,
    savedPhaseSeen: savedAt !== null,
    secondsToSaved: savedAt === null ? null : Number((savedAt / 1000).toFixed(3)),
    secondsToEnd: Number((endMs / 1000).toFixed(3)),
    stages,
    /** Time with at least one sharp decode+resize (poster decode) or one ONNX session.run (poster inference) in flight. */
    posterDecode: decode.summary('images'),
    posterInference: infer.summary('images'),
    peakRssMB: maxRssMB(),
    peakRssSampledToSavedMB: savedAt === null ? null : peakTo(savedAt),
    rows: { train: m.dataset.trainRows, eval: m.evaluation.rows },
    encoders: { text: m.encoders.text.id, image: m.encoders.image?.id ?? null, textFallback: m.encoders.text.fallback ?? false },
    metrics: { micro: m.metrics.micro.f1, macro: m.metrics.macro.f1, samples: m.metrics.samples.f1 },
    ablationStatus: (result.report as { ablationStatus?: string }).ablationStatus ?? null,
    phases: [...new Set(events.map((e) => e.phase))],
    warnings: warnings.length,
  });
}

/** Encodes every row into the cache and stops at the first training event (nothing is saved). */
async function prime(): Promise<void> {
  const config = configArg(argv);
  const ac = new AbortController();
  const t0 = performance.now();
  let reached = false;
  await trainRun({ ...engineOptionsOf(config, opt('--cache') as string), store: opt('--store'), ablation: false, signal: ac.signal,
    lockedBy: 'npm run bench (prime)', onProgress: (p) => {
      if (p.phase === 'training' && !reached) {
        reached = true;
        ac.abort();
      }
    } }).catch((e: unknown) => {
    if (!reached) throw e;
  });
  emit({ primed: reached, seconds: Number(((performance.now() - t0) / 1000).toFixed(3)) });
}

/** The training rows' features and labels in bench/dumpFeatures.ts's layout. */
async function features(): Promise<void> {
  const config = configArg(argv);
  const out = opt('--out') as string;
  const options = engineOptionsOf(config, opt('--cache') as string);
  const warn = () => undefined;
  const rows = await trainingRows(options, warn);
  const f = await trainEvalFeatures(options, rows.trainRows, rows.evalRows, warn, () => undefined);
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'X.f32'), Buffer.from(f.train.X.buffer, f.train.X.byteOffset, f.train.X.byteLength));
  const labels = labelColumns(rows.trainRows, rows.genres);
  fs.writeFileSync(path.join(out, 'labels.u8'), Buffer.concat(labels.map((l) => Buffer.from(l))));
  fs.writeFileSync(path.join(out, 'meta.json'), JSON.stringify({ nrow: f.train.nrow, ncol: f.layout.total, layout: f.layout,
    genres: rows.genres, encoders: f.encoders }));
  emit({ dir: out, nrow: f.train.nrow, ncol: f.layout.total });
}

childMain(async () => {
  const mode = argv[0];
  if (mode === 'train') await train();
  else if (mode === 'prime') await prime();
  else if (mode === 'features') await features();
  else throw new Error(`unknown mode ${mode}`);
});
