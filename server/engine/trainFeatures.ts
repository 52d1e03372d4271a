// The feature matrices of a training run: the training and evaluation rows are encoded in one pass (one encoder load,
// one cache pass), the matrix is cut into its training and evaluation parts, and posters that were given but could
// not be used, descriptions cut at the text encoder's token limit and fallback encoders become warnings.
import { MovieRow, quoteText } from './data';
import { cacheDirOf, EngineOptions, loadEncoders, posterAccessOf, RunProgress } from './engineOptions';
import { disposeEncoders, FeatureExtractor, Features, rowText } from './features';
import type { TextEncoder } from './encoders';
import type { EncoderIdentity, FeatureLayout } from '../../common/modelTypes';

export interface TrainEvalFeatures {
  train: Features;
  eval: Features;
  layout: FeatureLayout;
  encoders: { text: EncoderIdentity; image: EncoderIdentity | null };
  /** Why posters were missing over all rows, most common first. */
  posterReasons: Features['posterReasons'];
}

/** Located warnings for posters that were given but could not be used (the first `max`, then a count). */
export function posterWarnings(rows: readonly MovieRow[], reasons: readonly (string | null)[], max = 20): string[] {
  const bad = rows.flatMap((row, i) => (row.poster && reasons[i] ? [{ row, reason: reasons[i] as string }] : []));
  const out = bad.slice(0, max).map(({ row, reason }) => {
    const at = row.posterAt ?? row.range.start;
    return `${row.range.file}:${at.line + 1}:${at.character + 1}: poster ${quoteText(row.poster?.raw ?? '', 200)}: ${reason}`;
  });
  if (bad.length > max) out.push(`… and ${bad.length - max} more rows with an unusable poster`);
  return out;
}

/** "N of M descriptions were longer than T tokens and were truncated", or null when none was (or the encoder cannot tell). */
export function truncationWarning(encoder: TextEncoder, texts: readonly string[]): string | null {
  const n = encoder.countTruncated?.(texts) ?? 0;
  if (n === 0) return null;
  const limit = encoder.maxTokens !== undefined ? `${encoder.maxTokens} tokens` : `${encoder.id}'s token limit`;
  return `${n} of ${texts.length} descriptions were longer than ${limit} and were truncated.`;
}

/** Rows `from`..`from + n` of a feature matrix, with their poster facts. */
function rowsOf(all: Features, from: number, n: number): Features {
  const ncol = all.layout.total;
  const reasons = all.posterMissingReason.slice(from, from + n);
  return { ...all, X: all.X.slice(from * ncol, (from + n) * ncol), nrow: n, posterMissingReason: reasons,
    posterMissing: reasons.filter((r) => r !== null).length };
}

/** Loads the encoders, encodes the training then the evaluation rows, and frees the encoders again. */
export async function trainEvalFeatures(options: EngineOptions & { signal?: AbortSignal }, trainRows: readonly MovieRow[],
  evalRows: readonly MovieRow[], warn: (m: string) => void, progress: (p: RunProgress) => void): Promise<TrainEvalFeatures> {
  progress({ phase: 'loading encoders' });
  const encoders = await loadEncoders(options, warn, progress, options.signal);
  const extractor = new FeatureExtractor(encoders, cacheDirOf(options), posterAccessOf(options));
  try {
    const onProgress = (phase: 'text' | 'posters', done: number, total: number) =>
      progress({ phase: phase === 'text' ? 'encoding text' : 'encoding posters', done, total });
    const all = await extractor.extract([...trainRows, ...evalRows], { onProgress, signal: options.signal });
    const truncated = truncationWarning(encoders.text, [...trainRows, ...evalRows].map(rowText));
    if (truncated) warn(truncated);
    const ranked = all.posterReasons.map((r) => `${r.count} × ${r.reason}`).join('; ');
    // Without an image encoder no poster is read: nothing to warn about per row.
    if (encoders.image) posterWarnings([...trainRows, ...evalRows], all.posterMissingReason).forEach(warn);
    if (encoders.image && all.posterMissing > 0) warn(`${all.posterMissing} of ${all.nrow} rows have no usable poster (${ranked}); they get the poster-missing indicator.`);
    return { train: rowsOf(all, 0, trainRows.length), eval: rowsOf(all, trainRows.length, evalRows.length), layout: extractor.layout,
      encoders: extractor.identities(), posterReasons: all.posterReasons };
  } finally {
    await disposeEncoders(encoders);
  }
}
