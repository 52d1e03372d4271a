// L2-regularised logistic regression on sparse rows, solved by dual coordinate descent (Yu, Huang & Lin 2011, the
// solver of LIBLINEAR's -s 7) with a regularised bias feature of value 1. Rows are visited in a seeded order, so the
// same data and seed give the same weights.
import { mulberry32 } from '../random';
import type { SparseRows } from './tfidfText';

export interface LogisticOptions {
  /** Inverse regularisation strength (LIBLINEAR's C). */
  C: number;
  /** Stopping tolerance on the largest projected dual gradient. */
  eps: number;
  maxPasses: number;
}

/** Weights (ncol) and bias for labels y[i] ∈ {0,1} of the rows of `X`. */
export function fitLogistic(X: SparseRows, y: ArrayLike<number>, opt: LogisticOptions, seed: number): { w: Float64Array; bias: number } {
  const { nrow: n, ncol, indptr, indices, values } = X;
  const w = new Float64Array(ncol);
  let bias = 0;
  const C = opt.C;
  const alpha = new Float64Array(2 * n);
  const xx = new Float64Array(n);
  const sign = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    sign[i] = y[i] ? 1 : -1;
    alpha[2 * i] = Math.min(0.001 * C, 1e-8);
    alpha[2 * i + 1] = C - alpha[2 * i];
    let s = 1; // the bias feature
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      s += values[p] * values[p];
      w[indices[p]] += sign[i] * alpha[2 * i] * values[p];
    }
    bias += sign[i] * alpha[2 * i];
    xx[i] = s;
  }
  const rand = mulberry32(seed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const innerMin = Math.min(1e-8, opt.eps);
  let innerEps = 1e-2;
  for (let pass = 0; pass < opt.maxPasses; pass++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    let newtonIters = 0;
    let gMax = 0;
    for (let s = 0; s < n; s++) {
      const i = order[s];
      const yi = sign[i];
      let wx = bias;
      for (let p = indptr[i]; p < indptr[i + 1]; p++) wx += w[indices[p]] * values[p];
      const a = xx[i], b = yi * wx;
      let i1 = 2 * i, i2 = 2 * i + 1, sg = 1;
      if (0.5 * a * (alpha[i2] - alpha[i1]) + b < 0) {
        i1 = 2 * i + 1;
        i2 = 2 * i;
        sg = -1;
      }
      const old = alpha[i1];
      let z = old;
      if (C - z < 0.5 * C) z = 0.1 * z;
      let gp = a * (z - old) + sg * b + Math.log(z / (C - z));
      gMax = Math.max(gMax, Math.abs(gp));
      let inner = 0;
      while (inner <= 100) {
        if (Math.abs(gp) < innerEps) break;
        const gpp = a + C / (C - z) / z;
        const tz = z - gp / gpp;
        z = tz <= 0 ? z * 0.1 : tz;
        gp = a * (z - old) + sg * b + Math.log(z / (C - z));
        newtonIters++;
        inner++;
      }
      if (inner > 0) {
        alpha[i1] = z;
        alpha[i2] = C - z;
        const d = sg * (z - old) * yi;
        for (let p = indptr[i]; p < indptr[i + 1]; p++) w[indices[p]] += d * values[p];
        bias += d;
      }
    }
    if (gMax < opt.eps) break;
    if (newtonIters <= n / 10) innerEps = Math.max(innerMin, 0.1 * innerEps);
  }
  return { w, bias };
}

/** Probabilities 1 / (1 + e^-(w·x + bias)) of each row. */
export function predictLogistic(X: SparseRows, w: ArrayLike<number>, bias: number): Float64Array {
  const out = new Float64Array(X.nrow);
  for (let i = 0; i < X.nrow; i++) {
    let z = bias;
    for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) z += w[X.indices[p]] * X.values[p];
    out[i] = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  }
  return out;
}
