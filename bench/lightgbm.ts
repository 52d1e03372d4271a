// Benchmark (not a test): LightGBM compiled to WebAssembly (server/engine/lightgbm) against the native LightGBM
// command-line program built from the same C++ source (scripts/build-lightgbm-native.sh), on seeded synthetic data
// shaped like Genre Lens's (≈8,000 rows × 1,664 float32 features, 19 one-vs-rest labels).
//
//   npm run bench:lightgbm            (env: BENCH_REPEATS=5 single-booster runs, BENCH_POOL_REPEATS=1 19-booster runs)
//
// What is timed (see bench/README.md):
//  - single booster: wasm = createBooster + 100 × updateOneIter + saveModelToString on an already-built Dataset,
//    in-process, one thread; native = the whole `lightgbm task=train` process (start, load of the already-built
//    binary dataset, 100 iterations, model file written), num_threads=1. A verbose run splits the native time.
//  - 19 boosters: wasm = runPool(2 workers, one job per label) end to end (workers start, load wasm, each bins the
//    shared matrix once, train, return model text); native = 19 sequential `lightgbm task=train` processes with
//    num_threads=2, each loading its label's binary dataset. Dataset construction is untimed on the native side.
// The text → binary conversion of the native data is never timed. Results: stdout and bench/results/lightgbm.json.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadLightGBM, Params } from '../server/engine/lightgbm/lightgbm';
import { runPool } from '../server/engine/lightgbm/pool';
import { cliArgs, runCli, runCliAsync } from './peers/nativeLightgbm';

const ROOT = path.join(__dirname, '..');
const N_TRAIN = 8000;
const N_HOLD = 2000;
const NCOL = 1664;
const N_TEXT_LIKE = 1024; // dense, correlated, Gaussian columns; the rest are ReLU'd (≈50 % exact zeros)
const N_LABELS = 19;
const POSITIVE_RATES = [0.3, 0.5, 0.2, 0.1, 0.05, 0.03, 0.15, 0.08, 0.25, 0.4, 0.12, 0.06, 0.02, 0.35, 0.18, 0.1, 0.04,
  0.22, 0.07];
const SEED = 42;
const ROUNDS = 100;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const POOL_REPEATS = Number(process.env.BENCH_POOL_REPEATS ?? 1);

/** Parameters that shape the Dataset (binning): given to createDataset on the wasm side, to the CLI too. */
const DATASET_PARAMS: Params = { max_bin: 63, min_data_in_leaf: 20, feature_pre_filter: false, verbose: -1, seed: SEED };
/** Booster parameters, identical on both sides apart from num_threads. */
const BOOSTER_PARAMS: Params = {
  ...DATASET_PARAMS, objective: 'binary', num_iterations: ROUNDS, learning_rate: 0.05, num_leaves: 15,
  feature_fraction: 0.5, force_col_wise: true, deterministic: true,
};

// ---------------------------------------------------------------- synthetic data

/** sfc32, seeded through splitmix32: fast, good enough, reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

function gaussian(u: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const t = 2 * Math.PI * u();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}

interface Data {
  X: Float32Array; // (N_TRAIN + N_HOLD) × NCOL, row-major; the first N_TRAIN rows train, the rest are held out
  labels: Uint8Array[]; // N_LABELS columns over all rows
}

/**
 * Features: a 24-dimensional latent factor per row, mixed into 1,024 correlated Gaussian columns plus noise and
 * 640 ReLU'd columns (sparse, non-negative, like CNN poster features). Label k: a sparse non-linear function of
 * 6–12 columns (identity, square, |x|, step, pairwise product) plus a latent direction plus Gaussian noise,
 * thresholded at the quantile giving POSITIVE_RATES[k].
 */
function generate(): Data {
  const u = rng(SEED);
  const g = gaussian(u);
  const n = N_TRAIN + N_HOLD;
  const K = 24;
  const W = Float64Array.from({ length: NCOL * K }, () => g() / Math.sqrt(K));
  const X = new Float32Array(n * NCOL);
  const Z = new Float64Array(n * K);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < K; k++) Z[r * K + k] = g();
    for (let j = 0; j < NCOL; j++) {
      let v = 0;
      for (let k = 0; k < K; k++) v += Z[r * K + k] * W[j * K + k];
      v = 0.8 * v + 0.6 * g();
      X[r * NCOL + j] = j < N_TEXT_LIKE ? v : Math.max(0, v);
    }
  }
  const labels: Uint8Array[] = [];
  for (let l = 0; l < N_LABELS; l++) {
    const m = 6 + Math.floor(u() * 7);
    const cols = Array.from({ length: m }, () => Math.floor(u() * NCOL));
    const weights = Array.from({ length: m }, () => (u() < 0.5 ? -1 : 1) * (0.5 + u()));
    const dir = Float64Array.from({ length: K }, () => g() / Math.sqrt(K));
    const score = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const x = (j: number) => X[r * NCOL + cols[j]];
      let s = 0;
      for (let i = 0; i < m; i++) {
        switch (i % 5) {
          case 0: s += weights[i] * x(i); break;
          case 1: s += weights[i] * (x(i) * x(i) - 1); break;
          case 2: s += weights[i] * 1.5 * Math.abs(x(i)); break;
          case 3: s += weights[i] * 2 * (x(i) > 0.5 ? 1 : 0); break;
          default: s += weights[i] * x(i) * x((i + 1) % m);
        }
      }
      for (let k = 0; k < K; k++) s += 0.5 * dir[k] * Z[r * K + k];
      score[r] = s + 0.7 * g();
    }
    const cut = Float64Array.from(score).sort()[Math.floor(n * (1 - POSITIVE_RATES[l]))];
    labels.push(Uint8Array.from(score, (s) => (s >= cut ? 1 : 0)));
  }
  return { X, labels };
}

/**
 * Writes rows as TSV, label first. Each value is JS's shortest round-trip text of the float32 widened to double,
 * so LightGBM's precise parser (fast_double_parser, correctly rounded) reads back exactly the double that the C API
 * gets from widening the float32. Verifies the round trip value by value.
 */
function writeTsv(file: string, X: Float32Array, labels: Uint8Array, from: number, to: number): void {
  const fd = fs.openSync(file, 'w');
  try {
    let chunk: string[] = [];
    for (let r = from; r < to; r++) {
      const parts = new Array<string>(NCOL + 1);
      parts[0] = String(labels[r]);
      for (let j = 0; j < NCOL; j++) {
        const v = X[r * NCOL + j];
        const s = String(v);
        if (Number(s) !== v || Math.fround(Number(s)) !== v) throw new Error(`value ${s} does not round-trip`);
        parts[j + 1] = s;
      }
      chunk.push(parts.join('\t'));
      if (chunk.length === 200 || r === to - 1) {
        fs.writeSync(fd, chunk.join('\n') + '\n');
        chunk = [];
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

// ---------------------------------------------------------------- helpers

function time<T>(fn: () => T): { value: T; seconds: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

const min = (xs: number[]) => Math.min(...xs);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, d = 3) => Number(x.toFixed(d));

/** The model text without its `parameters:` … `end of parameters` section (which lists num_threads etc.). */
function stripParameters(model: string): string {
  return model.replace(/\nparameters:\n[\s\S]*?\nend of parameters\n/, '\n');
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function auc(labels: Uint8Array, scores: ArrayLike<number>): number {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSum = 0, pos = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    for (let k = i; k <= j; k++) if (labels[order[k]]) { rankSum += (i + j) / 2 + 1; pos++; }
    i = j + 1;
  }
  const neg = labels.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Copies the binary dataset with its label block (found by content) replaced by `labels`. */
function binWithLabels(template: Buffer, templateLabels: Float32Array, labels: Float32Array): Buffer {
  const needle = Buffer.from(templateLabels.buffer, templateLabels.byteOffset, templateLabels.byteLength);
  const at = template.indexOf(needle);
  if (at < 0 || template.indexOf(needle, at + 1) >= 0) throw new Error('label block not found exactly once in the binary dataset');
  const out = Buffer.from(template);
  Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength).copy(out, at);
  return out;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const loadBefore = os.loadavg();
  const build = time(() => execFileSync('bash', [path.join(ROOT, 'scripts/build-lightgbm-native.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  const bin = build.value.trim().split('\n').pop() as string;
  const version = '4.1.0.99 (source of npm lightgbm@1.0.27)';
  console.log(`native: ${bin} (${version}); host: ${os.cpus()[0]?.model}, ${os.cpus().length} logical CPUs, ` +
    `load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);

  if (loadBefore[0] > 0.5) {
    console.log(`warning: the machine is busy (1-minute load average ${loadBefore[0].toFixed(2)}): timings will be noisy, ` +
      'the native multi-threaded ones (OpenMP) badly so');
  }
  const gen = time(generate);
  const { X, labels } = gen.value;
  const Xtrain = X.subarray(0, N_TRAIN * NCOL);
  const Xhold = X.slice(N_TRAIN * NCOL);
  const holdLabels = labels[0].slice(N_TRAIN);
  const trainLabels = labels.map((l) => Float32Array.from(l.subarray(0, N_TRAIN)));
  console.log(`data: ${N_TRAIN} train + ${N_HOLD} holdout rows × ${NCOL} features, ${N_LABELS} labels ` +
    `(positive rates ${labels.map((l) => (l.reduce((s, v) => s + v, 0) / l.length).toFixed(2)).join(' ')}), ` +
    `generated in ${gen.seconds.toFixed(1)} s`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-bench-'));
  try {
    // -------- native data: TSV → LightGBM binary dataset, once (untimed for the comparison)
    const trainTsv = path.join(tmp, 'train.tsv');
    const holdTsv = path.join(tmp, 'holdout.tsv');
    const write = time(() => {
      writeTsv(trainTsv, X, labels[0], 0, N_TRAIN);
      writeTsv(holdTsv, X, labels[0], N_TRAIN, N_TRAIN + N_HOLD);
    });
    const cliData: Params = { ...DATASET_PARAMS, header: false, label_column: 0, precise_float_parser: true };
    const convert = time(() => runCli(bin, ['task=save_binary', `data=${trainTsv}`, ...cliArgs(cliData), 'num_threads=2']));
    const template = fs.readFileSync(`${trainTsv}.bin`);
    fs.rmSync(trainTsv);
    const binFiles = trainLabels.map((l, k) => {
      const f = path.join(tmp, `train-${k}.bin`);
      fs.writeFileSync(f, k === 0 ? template : binWithLabels(template, trainLabels[0], l));
      return f;
    });
    console.log(`native data: TSV written and verified in ${write.seconds.toFixed(1)} s, converted to the binary ` +
      `dataset in ${convert.seconds.toFixed(1)} s (${(template.length / 1e6).toFixed(1)} MB; untimed)`);

    // -------- single booster, single thread
    const lgb = await loadLightGBM();
    const construct = time(() => {
      const ds = lgb.createDataset(Xtrain, N_TRAIN, NCOL, DATASET_PARAMS);
      ds.setField('label', trainLabels[0]);
      return ds;
    });
    const ds = construct.value;
    const wasmTimes: number[] = [];
    const nativeTimes: number[] = [];
    const wasmModels: string[] = [];
    const nativeModel = path.join(tmp, 'native-model.txt');
    const single: Params = { ...BOOSTER_PARAMS, num_threads: 1 };
    for (let r = 0; r < REPEATS; r++) {
      const w = time(() => {
        const b = lgb.createBooster(ds, single);
        for (let it = 0; it < ROUNDS; it++) b.updateOneIter();
        const model = b.saveModelToString();
        b.free();
        return model;
      });
      wasmTimes.push(w.seconds);
      wasmModels.push(w.value);
      const n = time(() => runCli(bin, ['task=train', `data=${binFiles[0]}`, `output_model=${nativeModel}`, ...cliArgs(single)]));
      nativeTimes.push(n.seconds);
      console.log(`single booster, run ${r + 1}/${REPEATS}: wasm ${w.seconds.toFixed(2)} s, native ${n.seconds.toFixed(2)} s`);
    }
    // The native process's own split of its time (a verbose run; logging only).
    const log = runCli(bin, ['task=train', `data=${binFiles[0]}`, `output_model=${path.join(tmp, 'verbose-model.txt')}`,
      ...cliArgs({ ...single, verbose: 1 })]);
    const nativeLoad = Number(/Finished loading data in ([\d.]+) seconds/.exec(log)?.[1]);
    const nativeTrain = Number([...log.matchAll(/([\d.]+) seconds elapsed, finished iteration/g)].pop()?.[1]);

    const wasmModel = wasmModels[0];
    const nativeText = fs.readFileSync(nativeModel, 'utf8');
    const wasmDeterministic = wasmModels.every((m) => m === wasmModel);
    const modelsIdentical = stripParameters(wasmModel) === stripParameters(nativeText);
    // Holdout predictions: wasm booster in wasm, native model in wasm, native model in the native CLI.
    const wasmBooster = lgb.createBooster(ds, single);
    for (let it = 0; it < ROUNDS; it++) wasmBooster.updateOneIter();
    const pWasm = wasmBooster.predict(Xhold, N_HOLD, NCOL);
    wasmBooster.free();
    const loaded = lgb.loadBooster(nativeText);
    const pNativeInWasm = loaded.predict(Xhold, N_HOLD, NCOL);
    loaded.free();
    ds.free();
    const predFile = path.join(tmp, 'pred.txt');
    runCli(bin, ['task=predict', `data=${holdTsv}`, `input_model=${nativeModel}`, `output_result=${predFile}`,
      'header=false', 'precise_float_parser=true', 'verbose=-1', 'num_threads=1']);
    const pNative = fs.readFileSync(predFile, 'utf8').trim().split('\n').map(Number);
    const singleResult = {
      wasmConstructSeconds: round(construct.seconds),
      wasmTrainSeconds: { min: round(min(wasmTimes)), median: round(median(wasmTimes)), all: wasmTimes.map((t) => round(t)) },
      nativeProcessSeconds: { min: round(min(nativeTimes)), median: round(median(nativeTimes)), all: nativeTimes.map((t) => round(t)) },
      nativeVerboseRun: { loadSeconds: round(nativeLoad), trainSeconds: round(nativeTrain) },
      ratioWasmOverNative: round(min(wasmTimes) / min(nativeTimes)),
      ratioWasmOverNativeTrainOnly: round(min(wasmTimes) / nativeTrain),
      wasmModelDeterministic: wasmDeterministic,
      modelTextIdenticalModuloParameters: modelsIdentical,
      holdoutMaxAbsDiff: {
        wasmModelInWasm_vs_nativeModelInCli: maxAbsDiff(pWasm, pNative),
        nativeModelInWasm_vs_nativeModelInCli: maxAbsDiff(pNativeInWasm, pNative),
        wasmModel_vs_nativeModel_bothInWasm: maxAbsDiff(pWasm, pNativeInWasm),
      },
      holdoutAuc: round(auc(holdLabels, pWasm), 4),
    };

    // -------- 19 boosters
    const shared = new SharedArrayBuffer(Xtrain.byteLength);
    new Float32Array(shared).set(Xtrain);
    const allRows = Array.from({ length: N_TRAIN }, (_, i) => i);
    const jobs = labels.map((l, k) => ({ label: k, labels: Uint8Array.from(l.subarray(0, N_TRAIN)).buffer, params: single,
      rounds: ROUNDS, patience: ROUNDS }));
    const poolTimes: number[] = [];
    const native2Times: number[] = [];
    const native2x1Times: number[] = [];
    let poolModels: string[] = [];
    let poolDoneAt: number[] = [];
    const nativeModels: string[] = [];
    for (let r = 0; r < POOL_REPEATS; r++) {
      const t0 = performance.now();
      const doneAt: number[] = [];
      const p = await timeAsync(() => runPool(2, { matrix: shared, nrow: N_TRAIN, ncol: NCOL, datasetParams: DATASET_PARAMS,
        fitRows: allRows, validRows: [], folds: [] }, jobs, () => doneAt.push((performance.now() - t0) / 1000)));
      if (r === 0 || p.seconds < min(poolTimes)) poolDoneAt = doneAt;
      poolTimes.push(p.seconds);
      poolModels = p.value.map((j) => j.model);
      const modelFile = (k: number) => path.join(tmp, `native-model-${k}.txt`);
      const n2 = time(() => binFiles.forEach((f, k) => runCli(bin, ['task=train', `data=${f}`, `output_model=${modelFile(k)}`,
        ...cliArgs({ ...BOOSTER_PARAMS, num_threads: 2 })])));
      native2Times.push(n2.seconds);
      if (r === 0) binFiles.forEach((_, k) => nativeModels.push(fs.readFileSync(modelFile(k), 'utf8')));
      // For information: native arranged like the pool (two single-threaded processes pulling from one queue).
      const n2x1 = await timeAsync(async () => {
        let next = 0;
        const lane = async () => {
          while (next < binFiles.length) {
            const k = next++;
            await runCliAsync(bin, ['task=train', `data=${binFiles[k]}`, `output_model=${path.join(tmp, `p-${k}.txt`)}`,
              ...cliArgs(single)]);
          }
        };
        await Promise.all([lane(), lane()]);
      });
      native2x1Times.push(n2x1.seconds);
      console.log(`19 boosters, run ${r + 1}/${POOL_REPEATS}: wasm pool ${p.seconds.toFixed(1)} s, native 2 threads ` +
        `${n2.seconds.toFixed(1)} s, native 2 processes × 1 thread ${n2x1.seconds.toFixed(1)} s`);
    }
    const identical = poolModels.filter((m, k) => stripParameters(m) === stripParameters(nativeModels[k])).length;
    const manyResult = {
      wasmPoolSeconds: { min: round(min(poolTimes)), all: poolTimes.map((t) => round(t)) },
      nativeSequential2ThreadsSeconds: { min: round(min(native2Times)), all: native2Times.map((t) => round(t)) },
      native2Processes1ThreadSeconds: { min: round(min(native2x1Times)), all: native2x1Times.map((t) => round(t)) },
      ratioWasmOverNative2Threads: round(min(poolTimes) / min(native2Times)),
      ratioWasmOverNative2Processes: round(min(poolTimes) / min(native2x1Times)),
      modelsIdenticalModuloParameters: `${identical}/${N_LABELS}`,
      /** Seconds from runPool's call to each job's completion (fastest run): the first includes worker start-up. */
      wasmPoolJobDoneAtSeconds: poolDoneAt.map((t) => round(t, 2)),
    };

    const loadAfter = os.loadavg();
    const results = {
      date: new Date().toISOString(),
      host: { cpu: os.cpus()[0]?.model, logicalCpus: os.cpus().length, node: process.version, lightgbm: version,
        loadAverage1mBefore: round(loadBefore[0], 2), loadAverage1mAfter: round(loadAfter[0], 2) },
      data: { trainRows: N_TRAIN, holdoutRows: N_HOLD, features: NCOL, labels: N_LABELS, seed: SEED,
        tsvWriteSeconds: round(write.seconds, 1), nativeBinaryConversionSeconds: round(convert.seconds, 1) },
      params: { dataset: DATASET_PARAMS, booster: BOOSTER_PARAMS, repeats: REPEATS, poolRepeats: POOL_REPEATS },
      singleBooster: singleResult,
      nineteenBoosters: manyResult,
    };

    const rows: [string, string, string, string][] = [
      ['single booster (1 thread), 100 it.', `${singleResult.wasmTrainSeconds.min.toFixed(2)} s`,
        `${singleResult.nativeProcessSeconds.min.toFixed(2)} s`, singleResult.ratioWasmOverNative.toFixed(2)],
      ['  native in-process training only', `${singleResult.wasmTrainSeconds.min.toFixed(2)} s`,
        `${singleResult.nativeVerboseRun.trainSeconds.toFixed(2)} s`, singleResult.ratioWasmOverNativeTrainOnly.toFixed(2)],
      ['19 boosters: pool 2 workers vs CLI 2 thr.', `${manyResult.wasmPoolSeconds.min.toFixed(1)} s`,
        `${manyResult.nativeSequential2ThreadsSeconds.min.toFixed(1)} s`, manyResult.ratioWasmOverNative2Threads.toFixed(2)],
      ['  vs CLI 2 processes × 1 thread', `${manyResult.wasmPoolSeconds.min.toFixed(1)} s`,
        `${manyResult.native2Processes1ThreadSeconds.min.toFixed(1)} s`, manyResult.ratioWasmOverNative2Processes.toFixed(2)],
    ];
    const widths = [44, 10, 10, 12];
    const line = (c: string[]) => c.map((s, i) => (i === 0 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join(' ');
    console.log('\n' + line(['', 'wasm', 'native', 'wasm/native']));
    for (const r of rows) console.log(line(r));
    console.log(`\nwasm dataset construction (8,000 × 1,664 float32, once per worker; not in the single-booster row): ` +
      `${singleResult.wasmConstructSeconds.toFixed(2)} s; native load of the binary dataset: ` +
      `${singleResult.nativeVerboseRun.loadSeconds.toFixed(2)} s`);
    console.log(`single-booster model text identical modulo parameters: ${modelsIdentical}; wasm runs identical: ${wasmDeterministic}`);
    console.log(`holdout max |Δp|: wasm model (wasm) vs native model (CLI) ${singleResult.holdoutMaxAbsDiff.wasmModelInWasm_vs_nativeModelInCli}, ` +
      `native model in wasm vs CLI ${singleResult.holdoutMaxAbsDiff.nativeModelInWasm_vs_nativeModelInCli}; holdout AUC ${singleResult.holdoutAuc}`);
    console.log(`19 boosters: model texts identical modulo parameters: ${manyResult.modelsIdenticalModuloParameters}; ` +
      `wasm pool jobs done at ${manyResult.wasmPoolJobDoneAtSeconds.map((t) => t.toFixed(1)).join(' ')} s`);
    console.log(`load average (1 min) before/after: ${loadBefore[0].toFixed(2)} / ${loadAfter[0].toFixed(2)}`);

    const out = path.join(ROOT, 'bench', 'results', 'lightgbm.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
    console.log(`wrote ${path.relative(ROOT, out)}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
