// The linear head: one multi-label network over the concatenated embeddings (standardised columns; linear or one ReLU
// layer; a sigmoid per genre; BCE; Adam; seeded init and batch order), trained with TF.js on wasm, every tensor
// disposed. The saved model is the fold networks (probabilities averaged): no further fit.
import type { Scalar, Tensor2D } from '@tensorflow/tfjs';
import { z } from 'zod';
import { ensureWasmBackend } from '../encoders/tfWasm';
import { mulberry32, shuffledIndices } from '../random';
import { base64, decodeFloats, encodeFloats, expectEqual, expectGenres, fitRowsOf, foldOfRows, HEAD_FORMAT, headHeader, readHeadJson } from './headFiles';
import type { HeadData, HeadFit, HeadModel, HeadReader, HeadShape } from './types';

export interface LinearOptions {
  /** Units of the ReLU hidden layer; 0 = a linear layer straight to the outputs. */
  hidden: number;
  /** Passes over the fitting rows, raised for small data so that there are at least minSteps batches. */
  epochs: number;
  minSteps: number;
  batchSize: number;
  learningRate: number;
}

/** Chosen by measurement on an inner split of the TMDB training rows (see the issue 11 report). */
export const LINEAR_DEFAULTS: LinearOptions = { hidden: 0, epochs: 4, minSteps: 40, batchSize: 128, learningRate: 0.001 };

/** One trained network: standardisation and weights (row-major, input-major: W1[i * out + j]). */
export interface Net {
  mean: Float32Array;
  /** 1 / std (1 for a constant column). */
  scale: Float32Array;
  hidden: number;
  W1: Float32Array;
  b1: Float32Array;
  W2: Float32Array;
  b2: Float32Array;
}

const FILE = 'linear.json';

/** Trains one network on `rows` (ascending row indices) of X; labels genre-major. */
export async function trainNet(X: Float32Array, ncol: number, rows: readonly number[], labels: readonly Uint8Array[],
  opt: LinearOptions, seed: number, signal?: AbortSignal): Promise<Net> {
  const tf = await ensureWasmBackend();
  const n = rows.length, G = labels.length;
  // Rows in one seeded order, cut into fixed batches uploaded once (gathering rows per step is slow on wasm);
  // each epoch visits the batches in a fresh seeded order.
  const order = shuffledIndices(n, seed);
  const raw = new Float32Array(n * ncol);
  const Y = new Float32Array(n * G);
  order.forEach((k, i) => {
    const r = rows[k];
    raw.set(X.subarray(r * ncol, (r + 1) * ncol), i * ncol);
    for (let g = 0; g < G; g++) Y[i * G + g] = labels[g][r];
  });
  // Standardisation with the fitting rows' mean and std (1 for a constant column), in TF.js.
  const [mean, scale] = tf.tidy(() => {
    const { mean: m, variance } = tf.moments(tf.tensor2d(raw, [n, ncol]), 0);
    const std = tf.sqrt(variance);
    return [m.dataSync() as Float32Array, tf.where(tf.greater(std, 1e-6), tf.div(1, std), tf.onesLike(std)).dataSync() as Float32Array];
  });
  const rand = mulberry32(seed);
  const glorot = (fanIn: number, fanOut: number) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return Float32Array.from({ length: fanIn * fanOut }, () => (rand() * 2 - 1) * limit);
  };
  // Output biases start at each genre's log-odds, so the first epochs learn features rather than base rates.
  const prior = Float32Array.from(labels, (col) => {
    let pos = 0;
    for (const r of rows) pos += col[r];
    const p = Math.min(1 - 1e-3, Math.max(1e-3, pos / n));
    return Math.log(p / (1 - p));
  });
  const h = opt.hidden;
  const batches = tf.tidy(() => {
    const m = tf.tensor1d(mean), sc = tf.tensor1d(scale);
    const out: { x: Tensor2D; y: Tensor2D }[] = [];
    for (let s = 0; s < n; s += opt.batchSize) {
      const e = Math.min(n, s + opt.batchSize);
      out.push({ x: tf.mul(tf.sub(tf.tensor2d(raw.subarray(s * ncol, e * ncol), [e - s, ncol]), m), sc),
        y: tf.tensor2d(Y.subarray(s * G, e * G), [e - s, G]) });
    }
    return out;
  });
  // A linear layer starts at zero (its loss is convex); a hidden layer needs a seeded random start.
  // Variables outlive tidy; their initial values do not.
  const w1 = tf.tidy(() => tf.variable(tf.tensor2d(h > 0 ? glorot(ncol, h) : new Float32Array(ncol * G), [ncol, h > 0 ? h : G])));
  const b1 = tf.tidy(() => tf.variable(h > 0 ? tf.zeros([h]) : tf.tensor1d(prior)));
  const w2 = h > 0 ? tf.tidy(() => tf.variable(tf.tensor2d(glorot(h, G), [h, G]))) : null;
  const b2 = h > 0 ? tf.tidy(() => tf.variable(tf.tensor1d(prior))) : null;
  const vars = [w1, b1, ...(w2 && b2 ? [w2, b2] : [])];
  const adam = tf.train.adam(opt.learningRate);
  try {
    const epochs = Math.max(opt.epochs, Math.ceil(opt.minSteps / batches.length));
    for (let epoch = 0; epoch < epochs; epoch++) {
      if (signal?.aborted) throw signal.reason ?? new Error('cancelled');
      for (const k of shuffledIndices(batches.length, (seed + 7919 * (epoch + 1)) >>> 0)) {
        const { x, y } = batches[k];
        tf.tidy(() => {
          adam.minimize(() => {
            let out = tf.add(tf.matMul(x, w1), b1);
            if (w2 && b2) out = tf.add(tf.matMul(tf.relu(out), w2), b2);
            return tf.losses.sigmoidCrossEntropy(y, out) as Scalar;
          }, false, vars);
        });
      }
      await new Promise((resolve) => setImmediate(resolve)); // let a cancellation arrive
    }
    const W1 = w1.dataSync() as Float32Array, B1 = b1.dataSync() as Float32Array;
    return { mean: Float32Array.from(mean), scale: Float32Array.from(scale), hidden: h, W1: Float32Array.from(W1), b1: Float32Array.from(B1),
      W2: w2 ? Float32Array.from(w2.dataSync() as Float32Array) : new Float32Array(0),
      b2: b2 ? Float32Array.from(b2.dataSync() as Float32Array) : new Float32Array(0) };
  } finally {
    adam.dispose();
    for (const v of vars) v.dispose();
    for (const b of batches) {
      b.x.dispose();
      b.y.dispose();
    }
  }
}

/** Genre-major probabilities of `rows` of X under one network, computed with TF.js in blocks of rows. */
export async function predictNet(net: Net, X: Float32Array, ncol: number, rows: ArrayLike<number>, G: number): Promise<Float64Array[]> {
  const tf = await ensureWasmBackend();
  const out = Array.from({ length: G }, () => new Float64Array(rows.length));
  const width = net.hidden > 0 ? net.hidden : G;
  const block = 2048;
  const buf = new Float32Array(Math.min(block, rows.length) * ncol);
  for (let s = 0; s < rows.length; s += block) {
    const e = Math.min(rows.length, s + block);
    for (let i = s; i < e; i++) buf.set(X.subarray(rows[i] * ncol, (rows[i] + 1) * ncol), (i - s) * ncol);
    const p = tf.tidy(() => {
      const z = tf.mul(tf.sub(tf.tensor2d(buf.subarray(0, (e - s) * ncol), [e - s, ncol]), tf.tensor1d(net.mean)), tf.tensor1d(net.scale));
      let logits = tf.add(tf.matMul(z, tf.tensor2d(net.W1, [ncol, width])), tf.tensor1d(net.b1));
      if (net.hidden > 0) logits = tf.add(tf.matMul(tf.relu(logits), tf.tensor2d(net.W2, [net.hidden, G])), tf.tensor1d(net.b2));
      return tf.sigmoid(logits);
    });
    const v = p.dataSync() as Float32Array;
    p.dispose();
    for (let i = s; i < e; i++) for (let g = 0; g < G; g++) out[g][i] = v[(i - s) * G + g];
  }
  return out;
}

/** Genre-major log-odds parts: `bias[g][row] + text[g][row] + poster[g][row]` is the logit of genre g for the row. */
export interface LogitParts {
  bias: Float64Array[];
  text: Float64Array[];
  poster: Float64Array[];
}

/** A head whose logits decompose exactly by modality (the linear head). */
export interface DecomposableHead extends HeadModel {
  logitParts(d: HeadData): LogitParts;
}

export function isDecomposable(h: HeadModel): h is DecomposableHead {
  return typeof (h as Partial<DecomposableHead>).logitParts === 'function';
}

/**
 * Adds one row's exact logit decomposition under `net` (× `f`) into `out` at `row`, in float64. With z = (x − mean) ·
 * scale, a column's part is its weight × z (zero at the training mean, like a linear model's SHAP value); the text
 * columns' parts sum to `text`, the poster columns' (embedding + missing flag: `poster[i]` 1) to `poster`, and the
 * output bias is `bias`. With a ReLU layer the decomposition is the one of the row's linear region: the active units'
 * pre-activations split the same way, each carried to the outputs by its weight, and their biases go to `bias`.
 */
export function addNetParts(net: Net, x: Float32Array, poster: Uint8Array, G: number, out: LogitParts, row: number, f = 1): void {
  const ncol = net.mean.length, h = net.hidden, width = h > 0 ? h : G;
  const part = [new Float64Array(width), new Float64Array(width)];
  for (let i = 0; i < ncol; i++) {
    const z = (x[i] - net.mean[i]) * net.scale[i];
    if (z === 0) continue;
    const acc = part[poster[i]], o = i * width;
    for (let j = 0; j < width; j++) acc[j] += net.W1[o + j] * z;
  }
  for (let g = 0; g < G; g++) {
    let b = h > 0 ? net.b2[g] : net.b1[g], t = h > 0 ? 0 : part[0][g], p = h > 0 ? 0 : part[1][g];
    for (let j = 0; j < h; j++) {
      const a = net.b1[j] + part[0][j] + part[1][j];
      if (a <= 0) continue; // an inactive ReLU unit adds nothing
      const w = net.W2[j * G + g];
      b += w * net.b1[j];
      t += w * part[0][j];
      p += w * part[1][j];
    }
    out.bias[g][row] += f * b;
    out.text[g][row] += f * t;
    out.poster[g][row] += f * p;
  }
}

function allRows(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** A head whose probabilities are the average of its networks' (the fold networks, or one refit on every row). */
class LinearModel implements DecomposableHead {
  readonly name = 'linear' as const;
  constructor(private readonly nets: Net[], private readonly ncol: number, private readonly trained: boolean[]) {}

  /** Each net's logits split by modality (addNetParts), averaged over the nets; untrained genres 0. */
  logitParts(d: HeadData): LogitParts {
    if (d.layout.total !== this.ncol) throw new RangeError(`linear head: ${d.layout.total} features, model has ${this.ncol}`);
    const G = this.trained.length;
    const zeros = () => Array.from({ length: G }, () => new Float64Array(d.nrow));
    const out: LogitParts = { bias: zeros(), text: zeros(), poster: zeros() };
    const poster = new Uint8Array(this.ncol);
    poster.fill(1, d.layout.image.offset, d.layout.image.offset + d.layout.image.dim);
    poster[d.layout.posterMissing] = 1;
    for (let r = 0; r < d.nrow; r++) {
      const x = d.X.subarray(r * this.ncol, (r + 1) * this.ncol);
      for (const net of this.nets) addNetParts(net, x, poster, G, out, r, 1 / this.nets.length);
    }
    for (let g = 0; g < G; g++) if (!this.trained[g]) [out.bias[g], out.text[g], out.poster[g]].forEach((a) => a.fill(0));
    return out;
  }

  async predict(d: HeadData): Promise<Float64Array[]> {
    if (d.layout.total !== this.ncol) throw new RangeError(`linear head: ${d.layout.total} features, model has ${this.ncol}`);
    const G = this.trained.length;
    const rows = allRows(d.nrow);
    const sum = Array.from({ length: G }, () => new Float64Array(d.nrow));
    for (const net of this.nets) {
      const p = await predictNet(net, d.X, this.ncol, rows, G);
      for (let g = 0; g < G; g++) for (let i = 0; i < d.nrow; i++) sum[g][i] += p[g][i];
    }
    return sum.map((s, g) => (this.trained[g] ? s.map((v) => v / this.nets.length) : new Float64Array(d.nrow)));
  }

  files(): Record<string, string> {
    const nets = this.nets.map((n) => ({ hidden: n.hidden, mean: encodeFloats(n.mean), scale: encodeFloats(n.scale),
      W1: encodeFloats(n.W1), b1: encodeFloats(n.b1), W2: encodeFloats(n.W2), b2: encodeFloats(n.b2) }));
    return { [FILE]: JSON.stringify({ format: HEAD_FORMAT, version: 1, head: 'linear', genres: this.trained.length,
      trained: this.trained, numFeatures: this.ncol, nets }) };
  }

  dispose(): void {}
}

export async function fitLinear(data: HeadData, labels: Uint8Array[], trained: boolean[], folds: number[][], seed: number,
  signal?: AbortSignal, opt: LinearOptions = LINEAR_DEFAULTS, final: 'average' | 'refit' = 'average'): Promise<HeadFit> {
  const ncol = data.layout.total, G = labels.length;
  const foldOf = foldOfRows(folds, data.nrow);
  const oof = labels.map(() => new Float32Array(data.nrow));
  const nets: Net[] = [];
  for (let k = 0; k < folds.length; k++) {
    const net = await trainNet(data.X, ncol, fitRowsOf(foldOf, k), labels, opt, (seed + 1000003 * (k + 1)) >>> 0, signal);
    const p = await predictNet(net, data.X, ncol, folds[k], G);
    for (let g = 0; g < G; g++) if (trained[g]) folds[k].forEach((r, i) => (oof[g][r] = p[g][i]));
    nets.push(net);
  }
  const model = final === 'average' ? nets
    : [await trainNet(data.X, ncol, Array.from(allRows(data.nrow)), labels, opt, seed >>> 0, signal)];
  return { name: 'linear', oof, model: new LinearModel(model, ncol, trained.slice()) };
}

const netSchema = z.object({ hidden: z.int().min(0).max(4096), mean: base64, scale: base64, W1: base64, b1: base64, W2: base64, b2: base64 });
const fileSchema = z.object({ ...headHeader('linear'), numFeatures: z.int().min(1).max(1_000_000), nets: z.array(netSchema).min(1).max(20) });

export function loadLinear(read: HeadReader, shape: HeadShape): HeadModel {
  const file = `heads/${FILE}`;
  const f = readHeadJson(read, FILE, fileSchema);
  expectEqual(file, 'numFeatures', f.numFeatures, shape.numFeatures);
  expectGenres(file, f, shape);
  const d = shape.numFeatures, G = shape.genres;
  const nets = f.nets.map((n, i): Net => {
    const w = n.hidden > 0 ? n.hidden : G;
    const at = (field: string) => `nets.${i}.${field}`;
    return { hidden: n.hidden, mean: decodeFloats(file, at('mean'), n.mean, d), scale: decodeFloats(file, at('scale'), n.scale, d),
      W1: decodeFloats(file, at('W1'), n.W1, d * w), b1: decodeFloats(file, at('b1'), n.b1, w),
      W2: decodeFloats(file, at('W2'), n.W2, n.hidden > 0 ? n.hidden * G : 0), b2: decodeFloats(file, at('b2'), n.b2, n.hidden > 0 ? G : 0) };
  });
  return new LinearModel(nets, d, f.trained);
}
