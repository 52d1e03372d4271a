// Blending the components' probabilities (LightGBM's and the heads'): one weight per component on a coarse simplex
// grid, chosen to maximise micro-F1 of the out-of-fold blend of the training rows with each genre at its own best-F1
// threshold; then the per-genre thresholds of that blend (bestF1Threshold). Nothing here sees an evaluation row.
import { bestF1Threshold } from '../trainer';

export interface BlendComponent {
  name: string;
  /** Genre-major out-of-fold probabilities of the training rows. */
  oof: Float32Array[];
}

export interface BlendChoice {
  weights: number[];
  thresholds: number[];
  /** Per genre, F1 of the out-of-fold blend at its threshold (0 for an untrained genre). */
  oofF1: number[];
  /** Micro-F1 of the out-of-fold blend over every genre at those thresholds. */
  oofMicroF1: number;
}

/** Grid steps per unit for K components: the simplex grid has C(steps + K - 1, K - 1) points. */
export function gridSteps(k: number): number {
  return k <= 2 ? 20 : k === 3 ? 10 : 5;
}

/** Every weight vector of K non-negative multiples of 1/steps summing to 1, in lexicographic order. */
export function simplexGrid(k: number, steps: number): number[][] {
  const out: number[][] = [];
  const walk = (prefix: number[], left: number) => {
    if (prefix.length === k - 1) {
      out.push([...prefix, left].map((v) => v / steps));
      return;
    }
    for (let v = 0; v <= left; v++) walk([...prefix, v], left - v);
  };
  if (k > 0) walk([], steps);
  return out;
}

/** The blend sum_c weights[c] * probas[c][g][row], genre-major. */
export function blendProba(probas: Float64Array[][], weights: readonly number[]): Float64Array[] {
  if (probas.length !== weights.length) throw new RangeError(`${probas.length} components, ${weights.length} weights`);
  const G = probas[0]?.length ?? 0;
  return Array.from({ length: G }, (_, g) => {
    const out = new Float64Array(probas[0][g].length);
    probas.forEach((p, c) => {
      const w = weights[c];
      if (w === 0) return;
      const col = p[g];
      if (col.length !== out.length) throw new RangeError(`component ${c}, genre ${g}: ${col.length} rows, expected ${out.length}`);
      for (let i = 0; i < out.length; i++) out[i] += w * col[i];
    });
    return out;
  });
}

/**
 * True positives and predictions at the best-F1 cut of `scores` (the same cut as bestF1Threshold: only between distinct
 * scores, the first best from the top), by sorting packed keys: the float32 bits of a score in [0, 1] times 2^b plus
 * the row. `keys` is scratch of the rows' length.
 */
export function bestCut(truth: Uint8Array, scores: Float32Array, keys: Float64Array): { tp: number; predicted: number; f1: number } {
  const n = scores.length;
  const shift = 2 ** Math.max(1, Math.ceil(Math.log2(n + 1)));
  const bits = new Uint32Array(scores.buffer, scores.byteOffset, n);
  let totalPos = 0;
  for (let i = 0; i < n; i++) {
    keys[i] = bits[i] * shift + i;
    totalPos += truth[i];
  }
  if (totalPos === 0) return { tp: 0, predicted: 0, f1: 0 };
  keys.sort();
  let tp = 0;
  let best = { tp: 0, predicted: 0, f1: 0 };
  for (let k = n - 1; k >= 0; k--) {
    const row = keys[k] % shift;
    tp += truth[row];
    if (k > 0 && bits[keys[k - 1] % shift] === bits[row]) continue;
    const predicted = n - k;
    const f1 = (2 * tp) / (predicted + totalPos);
    if (f1 > best.f1) best = { tp, predicted, f1 };
  }
  return best;
}

/** Clamped to [0, 1] (NaN → 0) and rounded to float32, the scores bestCut sorts. */
function blendColumn(components: readonly BlendComponent[], g: number, weights: readonly number[], out: Float32Array): Float32Array {
  out.fill(0);
  components.forEach((c, k) => {
    const w = weights[k];
    if (w === 0) return;
    const col = c.oof[g];
    for (let i = 0; i < out.length; i++) out[i] += w * col[i];
  });
  for (let i = 0; i < out.length; i++) {
    const v = out[i];
    out[i] = v > 0 ? (v < 1 ? v : 1) : 0;
  }
  return out;
}

export function chooseBlend(components: readonly BlendComponent[], labels: readonly Uint8Array[], trained: readonly boolean[]): BlendChoice {
  if (components.length === 0) throw new RangeError('no components to blend');
  const G = labels.length;
  const n = labels[0]?.length ?? 0;
  for (const c of components) {
    if (c.oof.length !== G) throw new RangeError(`${c.name}: ${c.oof.length} genres of out-of-fold probabilities, expected ${G}`);
    c.oof.forEach((col, g) => {
      if (col.length !== n) throw new RangeError(`${c.name}: genre ${g} has ${col.length} out-of-fold rows, expected ${n}`);
    });
  }
  let untrainedPos = 0;
  labels.forEach((l, g) => {
    if (!trained[g]) untrainedPos += l.reduce((s, v) => s + v, 0);
  });
  const scratch = new Float32Array(n);
  const keys = new Float64Array(n);
  let best: { weights: number[]; micro: number } | null = null;
  for (const weights of simplexGrid(components.length, gridSteps(components.length))) {
    let tp = 0, predicted = 0, positives = untrainedPos;
    for (let g = 0; g < G; g++) {
      if (!trained[g]) continue;
      const cut = bestCut(labels[g], blendColumn(components, g, weights, scratch), keys);
      tp += cut.tp;
      predicted += cut.predicted;
      positives += labels[g].reduce((s, v) => s + v, 0);
    }
    const micro = predicted + positives > 0 ? (2 * tp) / (predicted + positives) : 0;
    if (!best || micro > best.micro) best = { weights, micro };
  }
  const weights = (best as { weights: number[] }).weights;
  const blended = blendProba(components.map((c) => c.oof.map((col) => Float64Array.from(col))), weights);
  let tp = 0, predicted = 0, positives = 0;
  const thresholds: number[] = [], oofF1: number[] = [];
  blended.forEach((col, g) => {
    const truth = labels[g];
    positives += truth.reduce((s, v) => s + v, 0);
    if (!trained[g]) {
      thresholds.push(1);
      oofF1.push(0);
      return;
    }
    const { threshold, f1 } = bestF1Threshold(truth, col);
    thresholds.push(threshold);
    oofF1.push(f1);
    for (let i = 0; i < n; i++) {
      if (col[i] >= threshold) {
        predicted++;
        tp += truth[i];
      }
    }
  });
  return { weights, thresholds, oofF1, oofMicroF1: predicted + positives > 0 ? (2 * tp) / (predicted + positives) : 0 };
}
