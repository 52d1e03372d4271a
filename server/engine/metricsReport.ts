// The text form of a multi-label report in the layout of scikit-learn's classification_report (plus subset accuracy
// and Hamming loss lines), with Python's half-to-even rounding and code-point widths so the text matches sklearn's.
import type { AverageMetrics, MultiLabelReport } from '../../common/modelTypes';

export interface FormatReportOptions {
  /** Decimals for the scores (sklearn's `digits`); default 2. */
  digits?: number;
}

/**
 * Formats a report in the layout of sklearn's classification_report for multi-label input (per-label rows,
 * then micro/macro/weighted/samples avg; scores rounded half-to-even like Python's format), followed by
 * two extra lines, subset accuracy (support = number of samples) and Hamming loss, under the f1-score column.
 */
export function formatReport(report: MultiLabelReport, options: FormatReportOptions = {}): string {
  const digits = options.digits ?? 2;
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) {
    throw new Error(`formatReport: digits must be an integer from 0 to 20, got ${digits}`);
  }
  const headers = ['precision', 'recall', 'f1-score', 'support'];
  const nameWidth = Math.max(0, ...report.perLabel.map((m) => codePointLength(m.label)));
  const width = Math.max(nameWidth, 'weighted avg'.length, digits);
  const row = (name: string, p: number, r: number, f: number, support: number): string =>
    `${padStart(name, width)} ` +
    [p, r, f].map((v) => ` ${padStart(formatFixed(v, digits), 9)}`).join('') +
    ` ${padStart(String(support), 9)}\n`;

  let out = `${padStart('', width)} ${headers.map((h) => ` ${padStart(h, 9)}`).join('')}\n\n`;
  for (const m of report.perLabel) out += row(m.label, m.precision, m.recall, m.f1, m.support);
  out += '\n';
  const averages: [string, AverageMetrics][] = [
    ['micro avg', report.micro],
    ['macro avg', report.macro],
    ['weighted avg', report.weighted],
    ['samples avg', report.samples],
  ];
  for (const [name, a] of averages) out += row(name, a.precision, a.recall, a.f1, a.support);
  // Not part of sklearn's report: the heading spans the label, precision and recall columns so that the
  // value lines up under f1-score whatever the label width.
  const extra = (name: string, value: number, support: string): string =>
    `${padStart(name, width + 20)}  ${padStart(formatFixed(value, digits), 9)}` +
    (support === '' ? '' : ` ${padStart(support, 9)}`) +
    '\n';
  out += '\n';
  out += extra('subset accuracy', report.subsetAccuracy, String(report.nSamples));
  out += extra('hamming loss', report.hammingLoss, '');
  return out;
}

/**
 * Python's format(x, '.{digits}f'): the exact binary value rounded half-to-even. (Number#toFixed rounds exact
 * ties up, e.g. 0.625 → "0.63" where Python prints "0.62".)
 */
function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biasedExponent = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exponent = -1074;
  if (biasedExponent !== 0) {
    mantissa |= 1n << 52n;
    exponent = biasedExponent - 1075;
  }
  // |x| = mantissa · 2^exponent; round |x| · 10^digits to an integer, ties to even.
  const scaled = mantissa * 10n ** BigInt(digits);
  let q: bigint;
  if (exponent >= 0) {
    q = scaled << BigInt(exponent);
  } else {
    const shift = BigInt(-exponent);
    q = scaled >> shift;
    const twiceRemainder = (scaled - (q << shift)) << 1n;
    const denominator = 1n << shift;
    if (twiceRemainder > denominator || (twiceRemainder === denominator && (q & 1n) === 1n)) q += 1n;
  }
  let text = q.toString();
  if (digits > 0) {
    text = text.padStart(digits + 1, '0');
    text = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  }
  return negative ? `-${text}` : text;
}

/** Python's len() counts code points, not UTF-16 units. */
function codePointLength(s: string): number {
  return [...s].length;
}

function padStart(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - codePointLength(s))) + s;
}
