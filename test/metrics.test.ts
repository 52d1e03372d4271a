// Tests for server/engine/metrics.ts: every expected number below was obtained independently of the code under
// test — from scikit-learn's documented docstring outputs, by hand with fractions, or by
// test/fixtures/metrics_expected.py (numpy, from first principles; run it with python3 to reprint the values).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  evaluate,
  formatReport,
  precisionRecallCurve,
  type AverageMetrics,
  type MultiLabelReport,
} from '../server/engine/metrics';

const TOL = 1e-12;

function close(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= TOL,
    `${what}: expected ${expected}, got ${actual} (difference ${actual - expected})`,
  );
}

function closeAll(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((v, i) => close(v, expected[i], `${what}[${i}]`));
}

/** Compares an average row against [precision, recall, f1]. */
function closeAvg(actual: AverageMetrics, expected: readonly [number, number, number], what: string): void {
  close(actual.precision, expected[0], `${what}.precision`);
  close(actual.recall, expected[1], `${what}.recall`);
  close(actual.f1, expected[2], `${what}.f1`);
}

const col = (r: MultiLabelReport, key: 'precision' | 'recall' | 'f1' | 'support' | 'tp' | 'fp' | 'fn' | 'tn') =>
  r.perLabel.map((m) => m[key]);

// ---------------------------------------------------------------------------------------------------------------
// (a) Outputs documented in scikit-learn's own docstrings (sklearn/metrics/_classification.py, _ranking.py).
// ---------------------------------------------------------------------------------------------------------------

test('multilabel_confusion_matrix docstring example: [[tn, fp], [fn, tp]] per label', () => {
  // sklearn docstring: y_true = [[1,0,1],[0,1,0]], y_pred = [[1,0,0],[0,1,1]] →
  // array([[[1, 0], [0, 1]], [[1, 0], [0, 1]], [[0, 1], [1, 0]]])
  const r = evaluate(
    [
      [1, 0, 1],
      [0, 1, 0],
    ],
    [
      [1, 0, 0],
      [0, 1, 1],
    ],
    ['a', 'b', 'c'],
  );
  assert.deepEqual(r.confusion, [
    [
      [1, 0],
      [0, 1],
    ],
    [
      [1, 0],
      [0, 1],
    ],
    [
      [0, 1],
      [1, 0],
    ],
  ]);
  assert.deepEqual(col(r, 'tn'), [1, 1, 0]);
  assert.deepEqual(col(r, 'fp'), [0, 0, 1]);
  assert.deepEqual(col(r, 'fn'), [0, 0, 1]);
  assert.deepEqual(col(r, 'tp'), [1, 1, 0]);
});

test('precision/recall/f1_score multilabel docstring example, plus every average by hand', () => {
  // sklearn docstrings (precision_score, recall_score, f1_score, average=None) for
  // y_true = [[0,0,0],[1,1,1],[0,1,1]], y_pred = [[0,0,0],[1,1,1],[1,1,0]]:
  //   precision array([0.5, 1. , 1. ]), recall array([1. , 1. , 0.5]), f1 array([0.66666667, 1., 0.66666667])
  // (f1 as fractions: label 0: 2·1/(2·1+1+0) = 2/3; label 2: 2·1/(2·1+0+1) = 2/3).
  const yTrue = [
    [0, 0, 0],
    [1, 1, 1],
    [0, 1, 1],
  ];
  const yPred = [
    [0, 0, 0],
    [1, 1, 1],
    [1, 1, 0],
  ];
  const r = evaluate(yTrue, yPred, ['x', 'y', 'z']);
  closeAll(col(r, 'precision'), [0.5, 1, 1], 'precision');
  closeAll(col(r, 'recall'), [1, 1, 0.5], 'recall');
  closeAll(col(r, 'f1'), [2 / 3, 1, 2 / 3], 'f1');
  assert.deepEqual(col(r, 'support'), [1, 2, 2]);
  // By hand: tp = 1+2+1 = 4, fp = 1 (label 0, row 2), fn = 1 (label 2, row 2).
  //   micro P = 4/5, R = 4/5, F = 2·4/(2·4+1+1) = 4/5.
  closeAvg(r.micro, [4 / 5, 4 / 5, 4 / 5], 'micro');
  //   macro P = (1/2+1+1)/3 = 5/6, R = (1+1+1/2)/3 = 5/6, F = (2/3+1+2/3)/3 = 7/9.
  closeAvg(r.macro, [5 / 6, 5 / 6, 7 / 9], 'macro');
  //   weighted by supports 1,2,2 (total 5): P = (1/2+2+2)/5 = 9/10, R = (1+2+1)/5 = 4/5, F = (2/3+2+4/3)/5 = 4/5.
  closeAvg(r.weighted, [9 / 10, 4 / 5, 4 / 5], 'weighted');
  //   samples: row 0 has no true and no predicted label → P = R = F = 0 (zero_division);
  //   row 1: 1, 1, 1; row 2: tp 1, 2 predicted, 2 true → 1/2, 1/2, 2·1/(2+2) = 1/2.
  //   Mean over 3 rows: (0+1+1/2)/3 = 1/2 for all three.
  closeAvg(r.samples, [1 / 2, 1 / 2, 1 / 2], 'samples');
  // Rows 0 and 1 match exactly → 2/3; 2 of 9 cells differ → 2/9.
  close(r.subsetAccuracy, 2 / 3, 'subsetAccuracy');
  close(r.hammingLoss, 2 / 9, 'hammingLoss');
  assert.equal(r.micro.support, 5);
});

test('hamming_loss and accuracy_score multilabel docstring examples', () => {
  // sklearn docstring: hamming_loss(np.array([[0, 1], [1, 1]]), np.zeros((2, 2))) → 0.75
  assert.equal(
    evaluate(
      [
        [0, 1],
        [1, 1],
      ],
      [
        [0, 0],
        [0, 0],
      ],
      ['a', 'b'],
    ).hammingLoss,
    0.75,
  );
  // sklearn docstring: accuracy_score(np.array([[0, 1], [1, 1]]), np.ones((2, 2))) → 0.5
  assert.equal(
    evaluate(
      [
        [0, 1],
        [1, 1],
      ],
      [
        [1, 1],
        [1, 1],
      ],
      ['a', 'b'],
    ).subsetAccuracy,
    0.5,
  );
});

test('classification_report docstring example (labels with zero support) reproduced byte for byte', () => {
  // sklearn docstring: y_true = [1, 1, 1], y_pred = [1, 1, 0], classification_report(..., labels=[1, 2, 3]) prints
  // the table below. With labels given, each label is scored one-vs-rest (multilabel_confusion_matrix), so it is
  // the same as this indicator matrix over columns "1","2","3" (the prediction 0 is outside the labels, so that row
  // predicts nothing); and since the labels differ from the labels present, the "micro avg" row is printed.
  // Labels "2" and "3" have no positives and no predictions: they score 0 and drag the macro average down.
  const yTrue = [
    [1, 0, 0],
    [1, 0, 0],
    [1, 0, 0],
  ];
  const yPred = [
    [1, 0, 0],
    [1, 0, 0],
    [0, 0, 0],
  ];
  const r = evaluate(yTrue, yPred, ['1', '2', '3']);
  const expectedFromSklearnDocs =
    '              precision    recall  f1-score   support\n' +
    '\n' +
    '           1       1.00      0.67      0.80         3\n' +
    '           2       0.00      0.00      0.00         0\n' +
    '           3       0.00      0.00      0.00         0\n' +
    '\n' +
    '   micro avg       1.00      0.67      0.80         3\n' +
    '   macro avg       0.33      0.22      0.27         3\n' +
    'weighted avg       1.00      0.67      0.80         3\n';
  const text = formatReport(r);
  assert.ok(text.startsWith(expectedFromSklearnDocs), `report was:\n${text}`);
  // The multilabel-only row, by hand: rows 0 and 1 score 1, 1, 1; row 2 (1 true, 0 predicted) scores 0, 0, 0
  // → 2/3 each → "0.67".
  closeAvg(r.samples, [2 / 3, 2 / 3, 2 / 3], 'samples');
  assert.ok(text.includes(' samples avg       0.67      0.67      0.67         3\n'), text);
});

test('precision_recall_curve docstring example', () => {
  // sklearn docstring: y_true = [0, 0, 1, 1], y_scores = [0.1, 0.4, 0.35, 0.8] →
  //   precision array([0.5, 0.66666667, 0.5, 1., 1.]), recall array([1., 1., 0.5, 0.5, 0.]),
  //   thresholds array([0.1, 0.35, 0.4, 0.8])   (0.66666667 = 2/3: at threshold 0.35, 2 of 3 predicted are true)
  // Also reproduced by brute force in metrics_expected.py ("pr docstring").
  const points = precisionRecallCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
  assert.deepEqual(
    points.map((p) => p.threshold),
    [0.1, 0.35, 0.4, 0.8, null],
  );
  closeAll(
    points.map((p) => p.precision),
    [0.5, 2 / 3, 0.5, 1, 1],
    'precision',
  );
  closeAll(
    points.map((p) => p.recall),
    [1, 1, 0.5, 0.5, 0],
    'recall',
  );
});

// ---------------------------------------------------------------------------------------------------------------
// (b) Hand-computed fixture, cross-checked by test/fixtures/metrics_expected.py ("main").
// ---------------------------------------------------------------------------------------------------------------

const GENRES = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance'];
// prettier-ignore
const MAIN_TRUE = [
  [1, 0, 1, 0, 0], // s0  exact match
  [0, 1, 0, 0, 0], // s1
  [1, 1, 0, 0, 0], // s2
  [0, 0, 0, 0, 0], // s3  no true and no predicted label
  [0, 0, 0, 0, 0], // s4  predictions but no true label
  [0, 0, 1, 0, 0], // s5  true label but no prediction
  [1, 0, 1, 0, 0], // s6
];
// prettier-ignore
const MAIN_PRED = [
  [1, 0, 1, 0, 0],
  [0, 1, 1, 0, 0],
  [1, 0, 0, 1, 0],
  [0, 0, 0, 0, 0],
  [0, 0, 1, 0, 0],
  [0, 0, 0, 0, 0],
  [1, 1, 1, 1, 0],
];

test('hand-computed multi-label fixture: per label, every average, accuracy, Hamming, confusion', () => {
  const r = evaluate(MAIN_TRUE, MAIN_PRED, GENRES);
  assert.equal(r.nSamples, 7);
  assert.deepEqual(r.labels, GENRES);
  assert.deepEqual(
    r.perLabel.map((m) => m.label),
    GENRES,
  );
  // Counts per label (by hand, column by column):
  //   Action  tp 3 fp 0 fn 0 tn 4 | Comedy tp 1 (s1) fp 1 (s6) fn 1 (s2) tn 4 | Drama tp 2 (s0,s6) fp 2 (s1,s4)
  //   fn 1 (s5) tn 2 | Horror (no positives, 2 false positives s2,s6) tp 0 fp 2 fn 0 tn 5 |
  //   Romance (no positives, no predictions) tp 0 fp 0 fn 0 tn 7.
  assert.deepEqual(col(r, 'tp'), [3, 1, 2, 0, 0]);
  assert.deepEqual(col(r, 'fp'), [0, 1, 2, 2, 0]);
  assert.deepEqual(col(r, 'fn'), [0, 1, 1, 0, 0]);
  assert.deepEqual(col(r, 'tn'), [4, 4, 2, 5, 7]);
  assert.deepEqual(col(r, 'support'), [3, 2, 3, 0, 0]);
  assert.deepEqual(r.confusion, [
    [
      [4, 0],
      [0, 3],
    ],
    [
      [4, 1],
      [1, 1],
    ],
    [
      [2, 2],
      [1, 2],
    ],
    [
      [5, 2],
      [0, 0],
    ],
    [
      [7, 0],
      [0, 0],
    ],
  ]);
  // Action 3/3, 3/3, 6/6 | Comedy 1/2, 1/2, 2/4 | Drama 2/4, 2/3, 4/7 |
  // Horror 0/2 = 0, 0/0 → 0, 0/(0+2) = 0 | Romance 0/0 → 0 for all three.
  closeAll(col(r, 'precision'), [1, 1 / 2, 1 / 2, 0, 0], 'precision');
  closeAll(col(r, 'recall'), [1, 1 / 2, 2 / 3, 0, 0], 'recall');
  closeAll(col(r, 'f1'), [1, 1 / 2, 4 / 7, 0, 0], 'f1');
  // micro: tp 6, fp 5, fn 2 → P 6/11, R 6/8 = 3/4, F 12/(12+5+2) = 12/19.
  closeAvg(r.micro, [6 / 11, 3 / 4, 12 / 19], 'micro');
  // macro over all 5 labels (Horror and Romance count as 0): P (1+1/2+1/2)/5 = 2/5,
  // R (1+1/2+2/3)/5 = 13/30, F (1+1/2+4/7)/5 = 29/70.
  closeAvg(r.macro, [2 / 5, 13 / 30, 29 / 70], 'macro');
  // weighted by support 3,2,3,0,0 (total 8): P (3+1+3/2)/8 = 11/16, R (3+1+2)/8 = 3/4, F (3+1+12/7)/8 = 5/7.
  closeAvg(r.weighted, [11 / 16, 3 / 4, 5 / 7], 'weighted');
  // samples, per row (P, R, F): s0 (1, 1, 1); s1 (1/2, 1, 2/3); s2 (1/2, 1/2, 1/2); s3 (0, 0, 0) both empty;
  // s4 (0/1 = 0, 0/0 → 0, 0/1 = 0); s5 (0/0 → 0, 0/1 = 0, 0); s6 (2/4, 2/2, 4/6).
  // Means over 7 rows: P (5/2)/7 = 5/14, R (7/2)/7 = 1/2, F (1+2/3+1/2+2/3)/7 = (17/6)/7 = 17/42.
  closeAvg(r.samples, [5 / 14, 1 / 2, 17 / 42], 'samples');
  for (const a of [r.micro, r.macro, r.weighted, r.samples]) assert.equal(a.support, 8);
  // Exact rows: s0 and s3 → 2/7. Differing cells: 0+1+2+0+1+1+2 = 7 of 35 → 1/5.
  close(r.subsetAccuracy, 2 / 7, 'subsetAccuracy');
  close(r.hammingLoss, 1 / 5, 'hammingLoss');
});

test('Uint8Array rows give the same report as number[][] rows', () => {
  const a = evaluate(MAIN_TRUE, MAIN_PRED, GENRES);
  const b = evaluate(
    MAIN_TRUE.map((row) => Uint8Array.from(row)),
    MAIN_PRED.map((row) => Uint8Array.from(row)),
    GENRES,
  );
  assert.deepEqual(b, a);
});

test('formatted report of the hand-computed fixture', () => {
  // The table was printed by metrics_expected.py with scikit-learn's classification_report format strings
  // (Python float formatting); the last two lines are this module's own addition: subset accuracy 2/7 → 0.29
  // (support = 7 samples) and Hamming loss 1/5 → 0.20, under the f1-score column.
  const expected =
    '              precision    recall  f1-score   support\n' +
    '\n' +
    '      Action       1.00      1.00      1.00         3\n' +
    '      Comedy       0.50      0.50      0.50         2\n' +
    '       Drama       0.50      0.67      0.57         3\n' +
    '      Horror       0.00      0.00      0.00         0\n' +
    '     Romance       0.00      0.00      0.00         0\n' +
    '\n' +
    '   micro avg       0.55      0.75      0.63         8\n' +
    '   macro avg       0.40      0.43      0.41         8\n' +
    'weighted avg       0.69      0.75      0.71         8\n' +
    ' samples avg       0.36      0.50      0.40         8\n' +
    '\n' +
    '                 subset accuracy       0.29         7\n' +
    '                    hamming loss       0.20\n';
  assert.equal(formatReport(evaluate(MAIN_TRUE, MAIN_PRED, GENRES)), expected);
});

test('formatted report rounds exact ties half-to-even like Python, and honours digits', () => {
  // Precision 5/8 = 0.625 and 1/8 = 0.125 are exact binary ties at 2 decimals: Python prints 0.62 and 0.12
  // (Number#toFixed would print 0.63 and 0.13). Tables printed by metrics_expected.py ("rounding").
  // prettier-ignore
  const yTrue = [[1, 1], [1, 0], [1, 0], [1, 0], [1, 0], [0, 0], [0, 0], [0, 0]];
  const yPred = yTrue.map(() => [1, 1]);
  const r = evaluate(yTrue, yPred, ['Drama', 'Horror']);
  const table2 =
    '              precision    recall  f1-score   support\n' +
    '\n' +
    '       Drama       0.62      1.00      0.77         5\n' +
    '      Horror       0.12      1.00      0.22         1\n' +
    '\n' +
    '   micro avg       0.38      1.00      0.55         6\n' +
    '   macro avg       0.38      1.00      0.50         6\n' +
    'weighted avg       0.54      1.00      0.68         6\n' +
    ' samples avg       0.38      0.62      0.46         6\n';
  const table3 =
    '              precision    recall  f1-score   support\n' +
    '\n' +
    '       Drama      0.625     1.000     0.769         5\n' +
    '      Horror      0.125     1.000     0.222         1\n' +
    '\n' +
    '   micro avg      0.375     1.000     0.545         6\n' +
    '   macro avg      0.375     1.000     0.496         6\n' +
    'weighted avg      0.542     1.000     0.678         6\n' +
    ' samples avg      0.375     0.625     0.458         6\n';
  const text2 = formatReport(r);
  const text3 = formatReport(r, { digits: 3 });
  assert.ok(text2.startsWith(table2), text2);
  assert.ok(text3.startsWith(table3), text3);
  // Subset accuracy 1/8 → 0.12 (tie, half-to-even), Hamming loss 10/16 = 0.625 → 0.62 (tie).
  assert.ok(text2.endsWith('\n                 subset accuracy       0.12         8\n                    hamming loss       0.62\n'), text2);
  assert.throws(() => formatReport(r, { digits: -1 }), /digits/);
});

test('label name wider than "weighted avg" widens the first column, as in sklearn', () => {
  // sklearn: width = max(len of the longest name, len("weighted avg"), digits). "Science Fiction" is 15 wide.
  const r = evaluate([[1, 0]], [[1, 0]], ['Science Fiction', 'War']);
  const lines = formatReport(r).split('\n');
  assert.equal(lines[0], '                 precision    recall  f1-score   support');
  assert.equal(lines[2], 'Science Fiction       1.00      1.00      1.00         1');
  assert.equal(lines[3], '            War       0.00      0.00      0.00         0');
  assert.equal(lines[7], '   weighted avg       1.00      1.00      1.00         1');
});

// ---------------------------------------------------------------------------------------------------------------
// (c) Larger fixture computed by test/fixtures/metrics_expected.py ("big (300 x 19)"), from the same formulas.
// ---------------------------------------------------------------------------------------------------------------

function bigFixture(n = 300, nLabels = 19): { yTrue: number[][]; yPred: number[][] } {
  const yTrue: number[][] = [];
  const yPred: number[][] = [];
  for (let i = 0; i < n; i++) {
    const t: number[] = [];
    const p: number[] = [];
    for (let j = 0; j < nLabels; j++) {
      // Every 50th row is empty in truth and prediction; the last label never occurs but gets false positives.
      const tv = i % 50 === 0 || j === nLabels - 1 ? 0 : (i * 31 + j * 17 + ((i * j) % 7)) % 11 < 3 ? 1 : 0;
      const flip = (i * 7 + j * 11) % 9 === 0 ? 1 : 0;
      t.push(tv);
      p.push(i % 50 === 0 ? 0 : tv ^ flip);
    }
    yTrue.push(t);
    yPred.push(p);
  }
  return { yTrue, yPred };
}

test('300 × 19 fixture matches the numpy recomputation', () => {
  const { yTrue, yPred } = bigFixture();
  const labels = Array.from({ length: 19 }, (_, j) => `g${j}`);
  const r = evaluate(yTrue, yPred, labels);
  // All values below printed by metrics_expected.py (numpy).
  closeAvg(r.micro, [0.7403508771929824, 0.8773388773388774, 0.8030447193149381], 'micro');
  closeAvg(r.macro, [0.715580360674717, 0.8313523389910811, 0.768703795845769], 'macro');
  closeAvg(r.weighted, [0.7556057365678189, 0.8773388773388774, 0.8114680202454889], 'weighted');
  closeAvg(r.samples, [0.7237922077922078, 0.8616673881673882, 0.7653099110040287], 'samples');
  close(r.subsetAccuracy, 0.02, 'subsetAccuracy');
  close(r.hammingLoss, 0.10894736842105263, 'hammingLoss');
  // prettier-ignore
  closeAll(col(r, 'f1'), [
    0.8135593220338984, 0.8047337278106509, 0.8114285714285714, 0.8114285714285714, 0.8070175438596491,
    0.8160919540229885, 0.8202247191011236, 0.8181818181818182, 0.8023952095808383, 0.8070175438596491,
    0.8176795580110497, 0.8092485549132948, 0.8156424581005587, 0.8092485549132948, 0.8160919540229885, 0.8,
    0.813953488372093, 0.8114285714285714, 0.0,
  ], 'f1');
  // prettier-ignore
  assert.deepEqual(col(r, 'support'),
    [81, 84, 81, 79, 79, 81, 81, 81, 82, 77, 82, 79, 82, 80, 80, 74, 79, 81, 0]);
  assert.equal(r.perLabel[18].tp, 0);
  assert.ok(r.perLabel[18].fp > 0, 'the never-true label has false positives');
});

// ---------------------------------------------------------------------------------------------------------------
// Edge cases (hand-computed).
// ---------------------------------------------------------------------------------------------------------------

test('all-zero truth and predictions: every score 0 (zero_division), exact-match accuracy 1, Hamming 0', () => {
  const zeros = [
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  const r = evaluate(zeros, zeros, ['a', 'b']);
  for (const m of r.perLabel) {
    assert.deepEqual([m.precision, m.recall, m.f1, m.support, m.tp, m.fp, m.fn, m.tn], [0, 0, 0, 0, 0, 0, 0, 3]);
  }
  // weighted: total support 0 → sklearn gives 0 under the default zero_division; samples: every row is empty → 0.
  for (const a of [r.micro, r.macro, r.weighted, r.samples]) {
    assert.deepEqual(a, { precision: 0, recall: 0, f1: 0, support: 0 });
  }
  assert.equal(r.subsetAccuracy, 1);
  assert.equal(r.hammingLoss, 0);
  assert.deepEqual(r.confusion, [
    [
      [3, 0],
      [0, 0],
    ],
    [
      [3, 0],
      [0, 0],
    ],
  ]);
});

test('no positives at all but some predictions: precision 0/fp = 0, every average 0', () => {
  // Label a: 0 tp, 2 fp → P 0/2 = 0, R 0/0 → 0, F 0/(0+2) = 0; label b: nothing → 0.
  // Total support 0 → weighted 0. Rows: (0 tp, 1 predicted, 0 true) → 0, 0, 0 each.
  // Exact rows: only row 2 → 1/3; wrong cells 2 of 6 → 1/3.
  const r = evaluate(
    [
      [0, 0],
      [0, 0],
      [0, 0],
    ],
    [
      [1, 0],
      [1, 0],
      [0, 0],
    ],
    ['a', 'b'],
  );
  assert.deepEqual(col(r, 'fp'), [2, 0]);
  for (const a of [r.micro, r.macro, r.weighted, r.samples]) {
    assert.deepEqual(a, { precision: 0, recall: 0, f1: 0, support: 0 });
  }
  close(r.subsetAccuracy, 1 / 3, 'subsetAccuracy');
  close(r.hammingLoss, 1 / 3, 'hammingLoss');
});

test('perfect predictions score 1 everywhere when no row is empty', () => {
  const y = [
    [1, 0, 1],
    [0, 1, 0],
    [1, 1, 1],
  ];
  const r = evaluate(y, y, ['a', 'b', 'c']);
  for (const m of r.perLabel) assert.deepEqual([m.precision, m.recall, m.f1, m.fp, m.fn], [1, 1, 1, 0, 0]);
  for (const a of [r.micro, r.macro, r.weighted, r.samples]) assert.deepEqual(a, { precision: 1, recall: 1, f1: 1, support: 6 });
  assert.equal(r.subsetAccuracy, 1);
  assert.equal(r.hammingLoss, 0);
});

test('perfect predictions with an empty row: samples average is (n-1)/n, as in sklearn', () => {
  // The empty row has 0 true and 0 predicted labels, so P = R = F = 0/0 → 0 under the default zero_division,
  // even though it is predicted perfectly: samples average = (1 + 1 + 0)/3 = 2/3. Per-label scores stay 1.
  const y = [
    [1, 0],
    [0, 1],
    [0, 0],
  ];
  const r = evaluate(y, y, ['a', 'b']);
  closeAvg(r.samples, [2 / 3, 2 / 3, 2 / 3], 'samples');
  for (const a of [r.micro, r.macro, r.weighted]) assert.deepEqual(a, { precision: 1, recall: 1, f1: 1, support: 2 });
  assert.equal(r.subsetAccuracy, 1);
  assert.equal(r.hammingLoss, 0);
});

test('shape and value errors are thrown with a clear message', () => {
  const ok = [
    [1, 0],
    [0, 1],
  ];
  assert.throws(() => evaluate(ok, [[1, 0]], ['a', 'b']), /yTrue has 2 rows but yPred has 1/);
  assert.throws(() => evaluate([[1, 0], [0]], ok, ['a', 'b']), /yTrue\[1\] has 1 columns but there are 2 labels/);
  assert.throws(() => evaluate(ok, [[1, 0], [0, 1, 1]], ['a', 'b']), /yPred\[1\] has 3 columns but there are 2 labels/);
  assert.throws(() => evaluate(ok, ok, ['a', 'b', 'c']), /yTrue\[0\] has 2 columns but there are 3 labels/);
  assert.throws(() => evaluate(ok, ok, []), /at least one label/);
  assert.throws(() => evaluate([], [], ['a']), /at least one sample/);
  assert.throws(() => evaluate([[2, 0]], [[1, 0]], ['a', 'b']), /yTrue\[0\]\[0\] is 2, expected 0 or 1/);
  assert.throws(() => evaluate([[1, 0]], [[0.5, 0]], ['a', 'b']), /yPred\[0\]\[0\] is 0.5, expected 0 or 1/);
  assert.throws(() => evaluate([[1, 0]], [[NaN, 0]], ['a', 'b']), /yPred\[0\]\[0\] is NaN/);
});

// ---------------------------------------------------------------------------------------------------------------
// Precision-recall curve edge cases (brute force in metrics_expected.py, and by hand).
// ---------------------------------------------------------------------------------------------------------------

test('precision-recall curve with tied scores keeps one point per distinct score', () => {
  // y = [1,0,1,1,0], scores = [0.9,0.9,0.5,0.2,0.2]. By hand, predicting score >= t:
  //   t 0.2: all 5 predicted, 3 true → P 3/5, R 3/3; t 0.5: 3 predicted, 2 true → P 2/3, R 2/3;
  //   t 0.9: 2 predicted, 1 true → P 1/2, R 1/3; then the closing point P 1, R 0. ("pr ties" in the script.)
  const points = precisionRecallCurve([1, 0, 1, 1, 0], [0.9, 0.9, 0.5, 0.2, 0.2]);
  assert.deepEqual(
    points.map((p) => p.threshold),
    [0.2, 0.5, 0.9, null],
  );
  closeAll(
    points.map((p) => p.precision),
    [3 / 5, 2 / 3, 1 / 2, 1],
    'precision',
  );
  closeAll(
    points.map((p) => p.recall),
    [1, 2 / 3, 1 / 3, 0],
    'recall',
  );
});

test('precision-recall curve without positives: recall 1 at every threshold, as sklearn does', () => {
  // sklearn sets recall to one for all thresholds when y_true has no positive (with a warning); precision is 0/k.
  const points = precisionRecallCurve(Uint8Array.from([0, 0, 0]), Float64Array.from([0.3, 0.1, 0.3]));
  assert.deepEqual(points, [
    { threshold: 0.1, precision: 0, recall: 1 },
    { threshold: 0.3, precision: 0, recall: 1 },
    { threshold: null, precision: 1, recall: 0 },
  ]);
});

test('precision-recall curve input errors', () => {
  assert.throws(() => precisionRecallCurve([0, 1], [0.5]), /yTrueColumn has 2 values but scores has 1/);
  assert.throws(() => precisionRecallCurve([], []), /at least one sample/);
  assert.throws(() => precisionRecallCurve([0, 2], [0.1, 0.2]), /yTrueColumn\[1\] is 2/);
  assert.throws(() => precisionRecallCurve([0, 1], [0.1, NaN]), /scores\[1\] is NaN/);
});
