// The kNN head: each row's genres voted by its k most similar training rows (cosine similarity of the L2-normalised
// text embedding, optionally with the poster embedding), weighted by similarity^power. The stored rows are int8
// vectors (7 bits per dimension) with their labels; out-of-fold votes only count rows of the other folds.
import type { Tensor2D } from '@tensorflow/tfjs';
import { z } from 'zod';
import type { FeatureLayout } from '../../../common/modelTypes';
import { ensureWasmBackend } from '../encoders/tfWasm';
import { base64, expectEqual, expectGenres, foldOfRows, HEAD_FORMAT, headHeader, readHeadJson } from './headFiles';
import type { HeadData, HeadFit, HeadModel, HeadReader, HeadShape } from './types';

export interface KnnOptions {
  k: number;
  power: number;
  /** Weight of the poster block in the similarity (0 = text only). */
  imageWeight: number;
}

/** Chosen by measurement on an inner split of the TMDB training rows (see the issue 11 report). */
export const KNN_DEFAULTS: KnnOptions = { k: 30, power: 4, imageWeight: 0 };

const FILE = 'knn.json';
const BLOCK = 512;

/** Each row's vector: text block L2-normalised, then the poster block L2-normalised × sqrt(imageWeight), as int8. */
function quantize(X: Float32Array, nrow: number, layout: FeatureLayout, imageWeight: number): { q: Int8Array; dim: number } {
  const blocks = [{ ...layout.text, w: 1 }, ...(imageWeight > 0 ? [{ ...layout.image, w: Math.sqrt(imageWeight) }] : [])];
  const dim = blocks.reduce((s, b) => s + b.dim, 0);
  const q = new Int8Array(nrow * dim);
  const norm = Math.sqrt(blocks.reduce((s, b) => s + b.w * b.w, 0));
  for (let i = 0; i < nrow; i++) {
    let at = i * dim;
    for (const b of blocks) {
      const o = i * layout.total + b.offset;
      let ss = 0;
      for (let j = 0; j < b.dim; j++) ss += X[o + j] * X[o + j];
      const f = ss > 0 ? (127 * b.w) / norm / Math.sqrt(ss) : 0;
      for (let j = 0; j < b.dim; j++) q[at + j] = Math.round(X[o + j] * f);
      at += b.dim;
    }
  }
  return { q, dim };
}

/**
 * For each query row, the similarity-weighted vote of its k nearest stored rows among those `allowed` (all when
 * omitted): genre-major probabilities. Similarities are int8 dot products (exact in float32), computed with TF.js.
 */
async function vote(queries: Int8Array, nq: number, S: Tensor2D, ns: number, dim: number, labels: Uint8Array, G: number,
  trained: readonly boolean[], opt: KnnOptions, allowed?: (query: number, row: number) => boolean): Promise<Float64Array[]> {
  const tf = await ensureWasmBackend();
  const out = Array.from({ length: G }, () => new Float64Array(nq));
  const k = Math.min(opt.k, ns);
  const scale = 1 / (127 * 127);
  const topSim = new Float64Array(k), topRow = new Int32Array(k);
  for (let b = 0; b < nq; b += BLOCK) {
    const e = Math.min(nq, b + BLOCK);
    const sims = tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(queries.subarray(b * dim, e * dim)), [e - b, dim]), S, false, true) as Tensor2D);
    const s = sims.dataSync() as Float32Array;
    sims.dispose();
    for (let qi = b; qi < e; qi++) {
      let count = 0;
      const o = (qi - b) * ns;
      for (let r = 0; r < ns; r++) {
        if (allowed && !allowed(qi, r)) continue;
        const v = s[o + r];
        if (count === k && v <= topSim[k - 1]) continue; // ties keep the lower row index
        let p = count < k ? count++ : k - 1;
        while (p > 0 && topSim[p - 1] < v) {
          topSim[p] = topSim[p - 1];
          topRow[p] = topRow[p - 1];
          p--;
        }
        topSim[p] = v;
        topRow[p] = r;
      }
      let total = 0;
      const acc = new Float64Array(G);
      for (let t = 0; t < count; t++) {
        const w = Math.pow(Math.max(0, topSim[t] * scale), opt.power) + 1e-12;
        total += w;
        for (let g = 0; g < G; g++) acc[g] += w * labels[topRow[t] * G + g];
      }
      for (let g = 0; g < G; g++) out[g][qi] = trained[g] && total > 0 ? acc[g] / total : 0;
    }
  }
  return out;
}

/** The stored rows as a float32 tensor (int8 values, exact). */
async function storedTensor(stored: Int8Array, ns: number, dim: number): Promise<Tensor2D> {
  const tf = await ensureWasmBackend();
  return tf.tensor2d(Float32Array.from(stored), [ns, dim]);
}

/** A head that can list the stored (training) rows nearest to a text embedding (the kNN head). */
export interface NeighbourHead extends HeadModel {
  /** How many rows it stores (the training rows). */
  readonly rows: number;
  neighbours(vector: Float32Array, k: number): { row: number; similarity: number }[];
}

export function hasNeighbours(h: HeadModel): h is NeighbourHead {
  return typeof (h as Partial<NeighbourHead>).neighbours === 'function';
}

class KnnModel implements NeighbourHead {
  readonly name = 'knn' as const;
  /** Per stored row, the L2 norm of its (int8) text block, made on the first neighbours() call. */
  private norms: { t: number; norm: Float64Array } | null = null;
  /** The stored rows on the tfjs backend, made on the first prediction (not per hover) and freed by dispose(). */
  private tensor: Promise<Tensor2D> | null = null;
  private made: Tensor2D | null = null;
  constructor(private readonly q: Int8Array, private readonly labels: Uint8Array, private readonly nrow: number, private readonly dim: number,
    private readonly numFeatures: number, private readonly trained: boolean[], private readonly opt: KnnOptions) {}

  async predict(d: HeadData): Promise<Float64Array[]> {
    if (d.layout.total !== this.numFeatures) throw new RangeError(`knn head: ${d.layout.total} features, model has ${this.numFeatures}`);
    const { q, dim } = quantize(d.X, d.nrow, d.layout, this.opt.imageWeight);
    if (dim !== this.dim) throw new RangeError(`knn head: the rows' embeddings have ${dim} dimensions, the model's ${this.dim}`);
    this.tensor ??= storedTensor(this.q, this.nrow, this.dim).then((t) => (this.made = t));
    return vote(q, d.nrow, await this.tensor, this.nrow, this.dim, this.labels, this.trained.length, this.trained, this.opt);
  }

  get rows(): number {
    return this.nrow;
  }

  /**
   * The `k` stored rows — the training rows, in training order — most similar to `vector`, a row's text embedding:
   * cosine similarity with each stored row's text block (its first vector.length values), most similar first, ties
   * to the lower row. Plain loops: one query against a few thousand rows takes a few milliseconds.
   */
  neighbours(vector: Float32Array, k: number): { row: number; similarity: number }[] {
    const t = vector.length;
    if (t === 0 || t > this.dim || (this.opt.imageWeight === 0 && t !== this.dim)) {
      throw new RangeError(`knn head: a ${t}-dimensional text embedding, the model stores ${this.dim} dimensions`);
    }
    if (this.norms?.t !== t) {
      const norm = new Float64Array(this.nrow);
      for (let r = 0; r < this.nrow; r++) {
        let ss = 0;
        for (let j = 0, o = r * this.dim; j < t; j++) ss += this.q[o + j] * this.q[o + j];
        norm[r] = Math.sqrt(ss);
      }
      this.norms = { t, norm };
    }
    let qn = 0;
    for (let j = 0; j < t; j++) qn += vector[j] * vector[j];
    qn = Math.sqrt(qn);
    const top: { row: number; similarity: number }[] = [];
    const want = Math.max(0, Math.min(Math.floor(k), this.nrow));
    if (qn === 0 || want === 0) return [];
    for (let r = 0; r < this.nrow; r++) {
      const n = this.norms.norm[r];
      if (n === 0) continue;
      let dot = 0;
      for (let j = 0, o = r * this.dim; j < t; j++) dot += this.q[o + j] * vector[j];
      const similarity = dot / (n * qn);
      if (top.length === want && similarity <= top[want - 1].similarity) continue;
      let p = top.length < want ? top.length : want - 1;
      top[p] = { row: r, similarity };
      while (p > 0 && top[p - 1].similarity < similarity) {
        [top[p - 1], top[p]] = [top[p], top[p - 1]];
        p--;
      }
    }
    return top;
  }

  files(): Record<string, string> {
    return { [FILE]: JSON.stringify({ format: HEAD_FORMAT, version: 1, head: 'knn', genres: this.trained.length, trained: this.trained,
      numFeatures: this.numFeatures, rows: this.nrow, dim: this.dim, ...this.opt,
      vectors: Buffer.from(this.q.buffer, this.q.byteOffset, this.q.byteLength).toString('base64'),
      labels: Buffer.from(this.labels).toString('base64') }) };
  }

  dispose(): void {
    if (this.made) this.made.dispose();
    else void this.tensor?.then((t) => t.dispose(), () => undefined);
    this.tensor = null;
    this.made = null;
  }
}

export async function fitKnn(data: HeadData, labels: Uint8Array[], trained: boolean[], folds: number[][], _seed: number,
  signal?: AbortSignal, opt: KnnOptions = KNN_DEFAULTS): Promise<HeadFit> {
  const foldOf = foldOfRows(folds, data.nrow);
  const G = labels.length, n = data.nrow;
  const { q, dim } = quantize(data.X, n, data.layout, opt.imageWeight);
  const rowLabels = new Uint8Array(n * G);
  for (let g = 0; g < G; g++) for (let i = 0; i < n; i++) rowLabels[i * G + g] = labels[g][i];
  if (signal?.aborted) throw signal.reason ?? new Error('cancelled');
  const S = await storedTensor(q, n, dim);
  let proba: Float64Array[];
  try {
    proba = await vote(q, n, S, n, dim, rowLabels, G, trained, opt, (qi, r) => foldOf[qi] !== foldOf[r]);
  } finally {
    S.dispose();
  }
  const oof = proba.map((p) => Float32Array.from(p));
  return { name: 'knn', oof, model: new KnnModel(q, rowLabels, n, dim, data.layout.total, trained.slice(), opt) };
}

const fileSchema = z.object({ ...headHeader('knn'), numFeatures: z.int().min(1).max(1_000_000), rows: z.int().min(1).max(10_000_000),
  dim: z.int().min(1).max(100_000), k: z.int().min(1).max(10_000), power: z.number().min(0).max(100),
  imageWeight: z.number().min(0).max(100), vectors: base64, labels: base64 });

export function loadKnn(read: HeadReader, shape: HeadShape): HeadModel {
  const file = `heads/${FILE}`;
  const f = readHeadJson(read, FILE, fileSchema);
  expectEqual(file, 'numFeatures', f.numFeatures, shape.numFeatures);
  expectGenres(file, f, shape);
  const v = Buffer.from(f.vectors, 'base64');
  expectEqual(file, 'vectors (bytes)', v.length, f.rows * f.dim);
  const l = Buffer.from(f.labels, 'base64');
  expectEqual(file, 'labels (bytes)', l.length, f.rows * f.genres);
  const bad = l.findIndex((b) => b > 1);
  if (bad >= 0) throw new Error(`${file}: labels: value ${bad} is ${l[bad]}, expected 0 or 1`);
  const q = new Int8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.length));
  return new KnnModel(q, Uint8Array.from(l), f.rows, f.dim, f.numFeatures, f.trained, { k: f.k, power: f.power, imageWeight: f.imageWeight });
}
