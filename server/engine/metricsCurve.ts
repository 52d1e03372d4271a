// scikit-learn's precision_recall_curve for one label (every distinct score a threshold), drawn per genre in the
// report panel from the evaluation rows' probabilities.
import type { PrecisionRecallPoint } from '../../common/modelTypes';

/**
 * sklearn precision_recall_curve (drop_intermediate=False) for one label: one point per distinct score, in
 * increasing threshold order (so recall is non-increasing), where a sample is predicted positive when its
 * score >= threshold; then the closing point (threshold null, precision 1, recall 0).
 * When the column has no positives, recall is 1 at every threshold, as in sklearn.
 */
export function precisionRecallCurve(yTrueColumn: ArrayLike<number>, scores: ArrayLike<number>): PrecisionRecallPoint[] {
  const n = yTrueColumn.length;
  if (scores.length !== n) {
    throw new Error(`precisionRecallCurve: yTrueColumn has ${n} values but scores has ${scores.length}`);
  }
  if (n === 0) throw new Error('precisionRecallCurve: at least one sample is required');
  for (let i = 0; i < n; i++) {
    const y = yTrueColumn[i];
    if (y !== 0 && y !== 1) throw new Error(`precisionRecallCurve: yTrueColumn[${i}] is ${y}, expected 0 or 1`);
    if (!Number.isFinite(scores[i])) {
      throw new Error(`precisionRecallCurve: scores[${i}] is ${scores[i]}, expected a finite number`);
    }
  }

  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  // Walk from the highest score down; a threshold's counts are taken at the last sample holding that score.
  const descending: PrecisionRecallPoint[] = [];
  let tps = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    tps += yTrueColumn[i];
    if (k === n - 1 || scores[order[k + 1]] !== scores[i]) {
      descending.push({ threshold: scores[i], precision: tps / (k + 1), recall: tps });
    }
  }
  const positives = tps;
  const points = descending.reverse();
  for (const point of points) point.recall = positives === 0 ? 1 : point.recall / positives;
  points.push({ threshold: null, precision: 1, recall: 0 });
  return points;
}
