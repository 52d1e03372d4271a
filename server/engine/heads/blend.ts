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
  return k <= 3 ? 20 : k === 4 ? 10 : 5;
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

/** Score bins of the weight search (the final thresholds are exact, from bestF1Threshold). */
export const SEARCH_BINS = 4096;

/**
 * True positives and predictions at the best-F1 cut of `scores` (in [0, 1]) among the cuts between score bins
 * [b/bins, (b+1)/bins): a counting pass instead of a sort, for scoring many weight vectors. `pos`/`all` are scratch.
 */
export function binnedCut(truth: Uint8Array, scores: Float64Array, pos: Int32Array, all: Int32Array): { tp: number; predicted: number; f1: number } {
  const bins = pos.length;
  pos.fill(0);
  all.fill(0);
  let totalPos = 0;
  for (let i = 0; i < scores.length; i++) {
    const b = Math.min(bins - 1, Math.floor(scores[i] * bins));
    all[b]++;
    pos[b] += truth[i];
    totalPos += truth[i];
  }
  let tp = 0, predicted = 0;
  let best = { tp: 0, predicted: 0, f1: 0 };
  if (totalPos === 0) return best;
  for (let b = bins - 1; b >= 0; b--) {
    if (all[b] === 0) continue;
    tp += pos[b];
    predicted += all[b];
    const f1 = (2 * tp) / (predicted + totalPos);
    if (f1 > best.f1) best = { tp, predicted, f1 };
  }
  return best;
}

/** The blend of one genre's out-of-fold columns, clamped to [0, 1] (NaN → 0). */
function blendColumn(components: readonly BlendComponent[], g: number, weights: readonly number[], out: Float64Array): Float64Array {
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
  const scratch = new Float64Array(n);
  const pos = new Int32Array(SEARCH_BINS), all = new Int32Array(SEARCH_BINS);
  let best: { weights: number[]; micro: number } | null = null;
  for (const weights of simplexGrid(components.length, gridSteps(components.length))) {
    let tp = 0, predicted = 0, positives = untrainedPos;
    for (let g = 0; g < G; g++) {
      if (!trained[g]) continue;
      const cut = binnedCut(labels[g], blendColumn(components, g, weights, scratch), pos, all);
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
