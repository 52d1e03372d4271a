// Multi-label (one-vs-rest) classification metrics for evaluating genre predictions, computed exactly as
// scikit-learn defines them with its default zero_division ("warn", which scores an undefined ratio as 0):
// precision_recall_fscore_support, accuracy_score, hamming_loss; the text report and PR curve are re-exported.
import type { AverageMetrics, ConfusionMatrix2x2, LabelMetrics, MultiLabelReport, PrecisionRecallPoint } from '../../common/modelTypes';

export type { AverageMetrics, ConfusionMatrix2x2, LabelMetrics, MultiLabelReport, PrecisionRecallPoint };
export { formatReport, type FormatReportOptions } from './metricsReport';
export { precisionRecallCurve } from './metricsCurve';

/** A 0/1 indicator matrix: one row per sample, one column per label (in the order of `labels`). */
export type LabelMatrix = ReadonlyArray<ArrayLike<number>>;

/**
 * Scores multi-label predictions against the truth. Both matrices are rows × labels of 0/1.
 * Throws an Error when the shapes disagree (row counts, ragged rows, column count ≠ labels.length),
 * when a cell is not 0 or 1, or when there are no samples or no labels.
 */
export function evaluate(yTrue: LabelMatrix, yPred: LabelMatrix, labels: readonly string[]): MultiLabelReport {
  validate(yTrue, yPred, labels);
  const nSamples = yTrue.length;
  const nLabels = labels.length;

  const tp = new Array<number>(nLabels).fill(0);
  const fp = new Array<number>(nLabels).fill(0);
  const fn = new Array<number>(nLabels).fill(0);
  const sampleP = new Array<number>(nSamples);
  const sampleR = new Array<number>(nSamples);
  const sampleF = new Array<number>(nSamples);
  let exactRows = 0;
  let wrongCells = 0;

  for (let i = 0; i < nSamples; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    let rowTp = 0;
    let rowTrue = 0;
    let rowPred = 0;
    for (let j = 0; j < nLabels; j++) {
      const tj = t[j];
      const pj = p[j];
      if (tj === 1) rowTrue++;
      if (pj === 1) rowPred++;
      if (tj === 1 && pj === 1) {
        rowTp++;
        tp[j]++;
      } else if (pj === 1) {
        fp[j]++;
      } else if (tj === 1) {
        fn[j]++;
      }
    }
    const rowWrong = rowTrue + rowPred - 2 * rowTp;
    wrongCells += rowWrong;
    if (rowWrong === 0) exactRows++;
    sampleP[i] = safeDivide(rowTp, rowPred);
    sampleR[i] = safeDivide(rowTp, rowTrue);
    sampleF[i] = safeDivide(2 * rowTp, rowTrue + rowPred);
  }

  const perLabel: LabelMetrics[] = [];
  const confusion: ConfusionMatrix2x2[] = [];
  for (let j = 0; j < nLabels; j++) {
    const tn = nSamples - tp[j] - fp[j] - fn[j];
    const support = tp[j] + fn[j];
    const predicted = tp[j] + fp[j];
    perLabel.push({
      label: labels[j],
      precision: safeDivide(tp[j], predicted),
      recall: safeDivide(tp[j], support),
      // sklearn >= 1.3 computes F from the counts: (1 + β²)·tp / (β²·(tp + fn) + (tp + fp)), with β = 1.
      f1: safeDivide(2 * tp[j], support + predicted),
      support,
      tp: tp[j],
      fp: fp[j],
      fn: fn[j],
      tn,
    });
    confusion.push([
      [tn, fp[j]],
      [fn[j], tp[j]],
    ]);
  }

  const totalSupport = sum(perLabel.map((m) => m.support));
  const tpSum = sum(tp);
  const predSum = tpSum + sum(fp);
  const micro: AverageMetrics = {
    precision: safeDivide(tpSum, predSum),
    recall: safeDivide(tpSum, totalSupport),
    f1: safeDivide(2 * tpSum, totalSupport + predSum),
    support: totalSupport,
  };
  const macro: AverageMetrics = {
    precision: mean(perLabel.map((m) => m.precision)),
    recall: mean(perLabel.map((m) => m.recall)),
    f1: mean(perLabel.map((m) => m.f1)),
    support: totalSupport,
  };
  const weights = perLabel.map((m) => m.support);
  const weighted: AverageMetrics = {
    precision: weightedMean(perLabel.map((m) => m.precision), weights),
    recall: weightedMean(perLabel.map((m) => m.recall), weights),
    f1: weightedMean(perLabel.map((m) => m.f1), weights),
    support: totalSupport,
  };
  const samples: AverageMetrics = {
    precision: mean(sampleP),
    recall: mean(sampleR),
    f1: mean(sampleF),
    support: totalSupport,
  };

  return {
    labels: [...labels],
    nSamples,
    perLabel,
    micro,
    macro,
    weighted,
    samples,
    subsetAccuracy: exactRows / nSamples,
    hammingLoss: wrongCells / (nSamples * nLabels),
    confusion,
  };
}

function validate(yTrue: LabelMatrix, yPred: LabelMatrix, labels: readonly string[]): void {
  if (!Array.isArray(yTrue) || !Array.isArray(yPred)) {
    throw new Error('evaluate: yTrue and yPred must be arrays of rows');
  }
  if (yTrue.length !== yPred.length) {
    throw new Error(`evaluate: yTrue has ${yTrue.length} rows but yPred has ${yPred.length}`);
  }
  if (labels.length === 0) throw new Error('evaluate: at least one label is required');
  if (yTrue.length === 0) throw new Error('evaluate: at least one sample is required');
  for (const [name, matrix] of [['yTrue', yTrue], ['yPred', yPred]] as const) {
    for (let i = 0; i < matrix.length; i++) {
      const rowValues = matrix[i];
      if (rowValues == null || typeof rowValues.length !== 'number') {
        throw new Error(`evaluate: ${name}[${i}] is not a row`);
      }
      if (rowValues.length !== labels.length) {
        throw new Error(
          `evaluate: ${name}[${i}] has ${rowValues.length} columns but there are ${labels.length} labels`,
        );
      }
      for (let j = 0; j < rowValues.length; j++) {
        const v = rowValues[j];
        if (v !== 0 && v !== 1) {
          throw new Error(`evaluate: ${name}[${i}][${j}] is ${v}, expected 0 or 1`);
        }
      }
    }
  }
}

/** numerator / denominator, or 0 when the denominator is 0 (sklearn zero_division="warn"). */
function safeDivide(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/**
 * Sum in numpy's order (pairwise summation, 8-way unrolled blocks of up to 128), so that means match
 * numpy's bit for bit and borderline values round the same way in the text report.
 */
function sum(values: readonly number[]): number {
  return pairwiseSum(values, 0, values.length);
}

function pairwiseSum(a: readonly number[], start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = a.slice(start, start + 8);
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let k = 0; k < 8; k++) r[k] += a[start + i + k];
    }
    let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

function mean(values: readonly number[]): number {
  return sum(values) / values.length;
}

/** numpy average(values, weights); sklearn scores 0 when all weights are 0 (zero_division="warn"). */
function weightedMean(values: readonly number[], weights: readonly number[]): number {
  const total = sum(weights);
  if (total === 0) return 0;
  return sum(values.map((v, i) => v * weights[i])) / total;
}
