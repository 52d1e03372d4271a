// Bench child for scale45kPeakRssMB: a features-only training run at 45,000 rows, in its own process so its peak RSS
// (process.resourceUsage().maxRSS, every thread included) is the run's. Seeded synthetic features shaped like Genre
// Lens's (512 text-like + 1,280 ReLU'd poster-like columns + a poster-missing flag) and 19 labels; trainOneVsRest trains them.
//   node --import tsx bench/scale.ts [--rows 45000] [--rounds 60]
import { mulberry32 } from '../server/engine/random';
import { trainOneVsRest } from '../server/engine/trainer';
import { childMain, emit, maxRssMB, round, RssSampler } from './lib/common';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const TEXT = 512;
const POSTER = 1280;
const NCOL = TEXT + POSTER + 1;
const K = 16;
/** Positive rates of TMDB's 19 genres, roughly (Drama about half, TV Movie almost none). */
const RATES = [0.24, 0.17, 0.04, 0.37, 0.15, 0.03, 0.48, 0.1, 0.09, 0.04, 0.11, 0.04, 0.08, 0.19, 0.12, 0.01, 0.27, 0.03, 0.02];

function gaussian(u: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const t = 2 * Math.PI * u();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}

/** Rows from a K-dimensional latent factor; each label a latent direction plus three columns plus noise, cut at its rate. */
function generate(nrow: number, seed: number): { X: Float32Array; labels: Uint8Array[] } {
  const u = mulberry32(seed);
  const g = gaussian(u);
  const W = Float32Array.from({ length: (NCOL - 1) * K }, () => g() / Math.sqrt(K));
  const X = new Float32Array(nrow * NCOL);
  const Z = new Float32Array(nrow * K);
  for (let r = 0; r < nrow; r++) {
    for (let k = 0; k < K; k++) Z[r * K + k] = g();
    const noPoster = u() < 0.03;
    for (let j = 0; j < NCOL - 1; j++) {
      if (noPoster && j >= TEXT) break;
      let v = 0;
      for (let k = 0; k < K; k++) v += Z[r * K + k] * W[j * K + k];
      v = 0.8 * v + 0.6 * g();
      X[r * NCOL + j] = j < TEXT ? v : Math.max(0, v);
    }
    X[r * NCOL + NCOL - 1] = noPoster ? 1 : 0;
  }
  const labels = RATES.map((rate) => {
    const dir = Float32Array.from({ length: K }, () => g());
    const cols = [0, 1, 2].map(() => Math.floor(u() * (NCOL - 1)));
    const score = new Float64Array(nrow);
    for (let r = 0; r < nrow; r++) {
      let s = 0.7 * g();
      for (let k = 0; k < K; k++) s += 0.3 * dir[k] * Z[r * K + k];
      for (const c of cols) s += 0.5 * X[r * NCOL + c];
      score[r] = s;
    }
    const cut = Float64Array.from(score).sort()[Math.floor(nrow * (1 - rate))];
    return Uint8Array.from(score, (s) => (s >= cut ? 1 : 0));
  });
  return { X, labels };
}

childMain(async () => {
  const nrow = opt('--rows', 45_000);
  const rounds = opt('--rounds', 60);
  const t0 = performance.now();
  const rss = new RssSampler(t0, 100);
  const { X, labels } = generate(nrow, 42);
  const generateSeconds = (performance.now() - t0) / 1000;
  process.stderr.write(`generated ${nrow} × ${NCOL} (${(X.byteLength / 2 ** 20).toFixed(0)} MB float32) in ${generateSeconds.toFixed(1)} s\n`);
  const genres = RATES.map((_, g) => `genre${String(g).padStart(2, '0')}`);
  const t1 = performance.now();
  const model = await trainOneVsRest(X, nrow, NCOL, labels, genres, { seed: 42, maxRounds: rounds }, (p) => {
    if (p.done % 5 === 0) process.stderr.write(`trained ${p.done}/${p.total}\n`);
  });
  const trainSeconds = (performance.now() - t1) / 1000;
  rss.stop();
  emit({
    rows: nrow, cols: NCOL, maxRounds: rounds, boosters: model.genres.filter((g) => g.model).length,
    generateSeconds: round(generateSeconds), trainSeconds: round(trainSeconds),
    peakRssMB: maxRssMB(), sampledPeakRssMB: round(Math.max(...rss.samples.map((s) => s.rss)) / 2 ** 20, 1),
    matrixMB: round(X.byteLength / 2 ** 20, 1),
  });
});
