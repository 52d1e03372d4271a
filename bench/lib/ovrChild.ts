// Bench child for ovrWallVsNativeCli: one-vs-rest LightGBM over the training rows' real feature matrix, ours (the
// product's worker pool, runPool, with the trainer's parameters) against the native CLI (bench/peers/nativeLightgbm.ts)
// with the same parameters and the same number of rounds per genre, no early stopping on either side.
//   node --import tsx bench/lib/ovrChild.ts --features <dir> --tmp <dir> [--rounds 100]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Params } from '../../server/engine/lightgbm/lightgbm';
import { runPool } from '../../server/engine/lightgbm/pool';
import { DEFAULT_PARAMS, DEFAULT_TRAIN_OPTIONS, scalePosWeight, untrainableGenres } from '../../server/engine/trainer';
import { buildNative, NativeJob, prepareNativeData, runSequential, runTwoLanes, stripParameters } from '../peers/nativeLightgbm';
import { childMain, emit, round } from './common';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

childMain(async () => {
  const dir = opt('--features') as string;
  const tmp = opt('--tmp') as string;
  const rounds = Number(opt('--rounds') ?? 100);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { nrow: number; ncol: number; genres: string[] };
  const { nrow, ncol, genres } = meta;
  const raw = fs.readFileSync(path.join(dir, 'X.f32'));
  const X = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const lab = fs.readFileSync(path.join(dir, 'labels.u8'));
  if (X.length !== nrow * ncol || lab.length !== nrow * genres.length) throw new Error(`${dir}: sizes do not match meta.json`);
  const labels = genres.map((_, g) => new Uint8Array(lab.subarray(g * nrow, (g + 1) * nrow)));

  // The parameters trainOneVsRest (server/engine/trainer.ts) gives its boosters.
  const seed = DEFAULT_TRAIN_OPTIONS.seed;
  const minDataInLeaf = Math.min(20, Math.max(3, Math.floor(nrow / 10)));
  const params: Params = { ...DEFAULT_PARAMS, min_data_in_leaf: minDataInLeaf, seed };
  const datasetParams: Params = { max_bin: params.max_bin, min_data_in_leaf: minDataInLeaf, feature_pre_filter: false, verbose: -1, seed };
  const positives = labels.map((l) => l.reduce((s, v) => s + v, 0));
  const skipped = untrainableGenres(genres, positives, nrow, DEFAULT_TRAIN_OPTIONS.minPositives);
  const trained = genres.map((_, g) => g).filter((g) => skipped[g] === null);
  const jobParams = (g: number): Params => ({ ...params, scale_pos_weight: scalePosWeight(positives[g], nrow) });
  const workers = DEFAULT_TRAIN_OPTIONS.workers;

  // Ours: the matrix into shared memory, the pool's workers start, load wasm, bin the matrix once each, train.
  process.stderr.write(`ours: ${trained.length} boosters × ${rounds} rounds on ${nrow} × ${ncol}, ${workers} workers\n`);
  const all = Array.from({ length: nrow }, (_, i) => i);
  const t = performance.now();
  const shared = new SharedArrayBuffer(X.byteLength);
  new Float32Array(shared).set(X);
  const ours = await runPool(workers, { matrix: shared, nrow, ncol, datasetParams, fitRows: all, validRows: [], folds: [] },
    trained.map((g) => ({ label: g, labels: Uint8Array.from(labels[g]).buffer, params: jobParams(g), rounds, patience: rounds })), () => undefined);
  const oursSeconds = (performance.now() - t) / 1000;
  process.stderr.write(`ours: ${oursSeconds.toFixed(1)} s\n`);

  const built = buildNative();
  if ('error' in built) {
    emit({ oursSeconds: round(oursSeconds), native: null, reason: built.error, boosters: trained.length, rounds });
    return;
  }
  const data = prepareNativeData(built.bin, tmp, X, nrow, ncol, trained.map((g) => labels[g]), datasetParams);
  const jobs = (tag: string): NativeJob[] => trained.map((g, k) => ({ file: data.files[k],
    params: { ...jobParams(g), num_iterations: rounds }, model: path.join(tmp, `${tag}-${g}.txt`) }));
  const load1 = os.loadavg()[0];
  const sequential = runSequential(built.bin, jobs('seq'));
  process.stderr.write(`native, 2 threads, one after the other: ${sequential.toFixed(1)} s\n`);
  const lanes = await runTwoLanes(built.bin, jobs('lanes'));
  process.stderr.write(`native, 2 single-threaded processes at a time: ${lanes.toFixed(1)} s\n`);
  const identical = trained.filter((g, k) => stripParameters(ours[k].model) === stripParameters(fs.readFileSync(path.join(tmp, `seq-${g}.txt`), 'utf8'))).length;
  const best = Math.min(sequential, lanes);
  emit({
    boosters: trained.length, rounds, nrow, ncol, workers, params: { ...params, scale_pos_weight: 'sqrt(neg/pos) per genre' },
    oursSeconds: round(oursSeconds),
    native: { sequential2ThreadsSeconds: round(sequential), twoLanes1ThreadSeconds: round(lanes), bestSeconds: round(best),
      best: best === sequential ? 'sequential, num_threads=2' : 'two single-threaded processes at a time',
      untimed: { tsvWriteSeconds: round(data.tsvSeconds), saveBinarySeconds: round(data.saveBinarySeconds), binaryMB: data.binaryMB } },
    ratio: round(oursSeconds / best), modelsIdenticalModuloParameters: `${identical}/${trained.length}`,
    loadAverage1m: round(load1, 2),
  });
});
