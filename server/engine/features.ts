// Turns movie rows into the model's feature matrix: [text embedding | poster embedding | poster-missing flag].
// Posters are read from disk (posterFile.ts: allowed folders, regular files, size cap, image magic) or downloaded
// (size limit, timeout, public addresses only unless allowed, on-disk cache); a poster that is absent, refused or
// broken becomes a zero vector with the flag set. Encoder outputs are cached per input content (embeddingCache.ts);
// text and posters are encoded at the same time.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { FeatureLayout } from '../../common/modelTypes';
import type { MovieRow } from './data';
import { EmbeddingCache } from './embeddingCache';
import { cachePathFor, defaultCacheDir, fetchToCache } from './encoders/fetchCache';
import { envAllowsPrivateNetwork } from './encoders/httpGet';
import { notAnImageReason, readPosterFile } from './posterFile';
import type { EncoderIdentity, ImageEncoder, PosterInput, TextEncoder } from './encoders/types';

export type { FeatureLayout };

export function featureLayout(textDim: number, imageDim: number): FeatureLayout {
  return { text: { offset: 0, dim: textDim }, image: { offset: textDim, dim: imageDim },
    posterMissing: textDim + imageDim, total: textDim + imageDim + 1 };
}

/** Column indices of a modality, for the ablations: text only, or poster only (embedding + missing flag). */
export function modalityColumns(layout: FeatureLayout, modality: 'text' | 'poster'): number[] {
  const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
  return modality === 'text' ? range(layout.text.offset, layout.text.dim)
    : range(layout.image.offset, layout.image.dim + 1);
}

/** Copies the given columns of a row-major matrix into a new one. */
export function selectColumns(X: Float32Array, nrow: number, ncol: number, cols: number[]): Float32Array {
  const out = new Float32Array(nrow * cols.length);
  for (let r = 0; r < nrow; r++) {
    const src = r * ncol;
    const dst = r * cols.length;
    for (let j = 0; j < cols.length; j++) out[dst + j] = X[src + cols[j]];
  }
  return out;
}

/** The text the text encoder sees: title and description. */
export function rowText(row: Pick<MovieRow, 'title' | 'text'>): string {
  return [row.title, row.text].filter((s) => s.trim() !== '').join('. ');
}

export interface Encoders {
  text: TextEncoder;
  image: ImageEncoder | null;
}

export async function disposeEncoders(enc: Encoders): Promise<void> {
  await enc.text.dispose();
  await enc.image?.dispose();
}

export interface FeatureOptions {
  /** Folder for the embedding cache and downloaded posters; null = no disk cache. */
  cacheDir: string | null;
  /** When false, URL posters are not downloaded (counted as missing, reason given). */
  downloadPosters?: boolean;
  onProgress?: (phase: 'text' | 'posters', done: number, total: number) => void;
  signal?: AbortSignal;
}

/** What poster loading may reach (EngineOptions passes these through). */
export interface PosterAccess {
  /** Poster URLs from a dataset may reach loopback/private addresses (also $GENRE_LENS_ALLOW_PRIVATE_NETWORK=1). */
  allowPrivateNetwork?: boolean;
  /** false: no network at all (Restricted Mode, --offline); a poster URL is used only when already in the cache. Default true. */
  allowDownloads?: boolean;
}

/** The reason given for a poster URL that is not in the cache while downloads are disabled. */
export const DOWNLOADS_DISABLED = 'poster URL not fetched: downloads are disabled (Restricted Mode or --offline)';

export interface Features {
  X: Float32Array;
  nrow: number;
  layout: FeatureLayout;
  posterMissing: number;
  /** Why posters were missing, with how many rows each reason covers (most common first). */
  posterReasons: { reason: string; count: number }[];
  /** Per row: why its poster is missing, or null when it was encoded. */
  posterMissingReason: (string | null)[];
}

type Encoded = { vector: Float32Array; missing: boolean; reason: string | null };

/** Decoding failures that say nothing about the poster's bytes. */
const TRANSIENT_FAILURE = /memory|bad_alloc|ENOMEM|EMFILE|ENFILE|EAGAIN|timed? ?out|abort/i;

export class FeatureExtractor {
  readonly layout: FeatureLayout;
  private readonly textCache: EmbeddingCache;
  private readonly imageCache: EmbeddingCache | null;

  constructor(readonly encoders: Encoders, private readonly cacheDir: string | null, private readonly access: PosterAccess = {}) {
    this.layout = featureLayout(encoders.text.dim, encoders.image?.dim ?? 0);
    const dir = cacheDir && path.join(cacheDir, 'embeddings');
    this.textCache = EmbeddingCache.open(dir, encoders.text.identity());
    this.imageCache = encoders.image ? EmbeddingCache.open(dir, encoders.image.identity()) : null;
  }

  identities(): { text: EncoderIdentity; image: EncoderIdentity | null } {
    return { text: this.encoders.text.identity(), image: this.encoders.image?.identity() ?? null };
  }

  async extract(rows: readonly MovieRow[], options: Omit<FeatureOptions, 'cacheDir'> = {}): Promise<Features> {
    const { layout } = this;
    const X = new Float32Array(rows.length * layout.total);
    // Text and posters are encoded at once (the image encoder runs on onnxruntime's and sharp's own threads). Progress
    // stays one phase after the other: posters report once the text is done. A failure stops the other phase first.
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    let textDone = false;
    let posterProgress: [number, number] | null = null;
    const onProgress = (phase: 'text' | 'posters', done: number, total: number) => {
      if (phase === 'posters' && !textDone) posterProgress = [done, total];
      else options.onProgress?.(phase, done, total);
    };
    const phases = [
      this.encodeTexts(rows.map(rowText), { ...options, signal, onProgress }).then((t) => {
        textDone = true;
        if (posterProgress) options.onProgress?.('posters', ...posterProgress);
        return t;
      }),
      this.encodePosters(rows, { ...options, signal, onProgress }),
    ] as const;
    phases.forEach((p) => p.catch((e: unknown) => stop.abort(e)));
    const settled = await Promise.allSettled(phases);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw options.signal?.aborted ? options.signal.reason : failed.reason;
    const [texts, posters] = await Promise.all(phases);
    texts.forEach((v, r) => X.set(v, r * layout.total + layout.text.offset));
    const reasons = new Map<string, number>();
    let missing = 0;
    posters.forEach((p, r) => {
      if (p.missing) {
        missing++;
        X[r * layout.total + layout.posterMissing] = 1;
        if (p.reason) reasons.set(p.reason, (reasons.get(p.reason) ?? 0) + 1);
      } else X.set(p.vector, r * layout.total + layout.image.offset);
    });
    const posterReasons = [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
    return { X, nrow: rows.length, layout, posterMissing: missing, posterReasons,
      posterMissingReason: posters.map((p) => (p.missing ? p.reason ?? 'missing' : null)) };
  }

  private async encodeTexts(texts: string[], options: Omit<FeatureOptions, 'cacheDir'>): Promise<Float32Array[]> {
    const keys = texts.map((t) => EmbeddingCache.keyOf(t));
    // Each distinct text once: from the cache, else encoded.
    const found = new Map<string, Float32Array>();
    const missing = new Map<string, string>();
    keys.forEach((k, i) => {
      if (found.has(k) || missing.has(k)) return;
      const hit = this.textCache.get(k);
      if (hit && !hit.missing) found.set(k, hit.vector);
      else missing.set(k, texts[i]);
    });
    const todo = [...missing.keys()];
    const inputs = [...missing.values()];
    const cached = keys.filter((k) => !missing.has(k)).length;
    // Encode in chunks so progress is saved to the cache as it goes (an interrupted run resumes); large chunks let
    // the encoder batch texts of similar length together.
    const chunk = 256;
    for (let i = 0; i < inputs.length; i += chunk) {
      options.signal?.throwIfAborted();
      const vectors = await this.encoders.text.encode(inputs.slice(i, i + chunk), { signal: options.signal });
      vectors.forEach((v, j) => found.set(todo[i + j], v));
      this.textCache.putMany(vectors.map((vector, j) => ({ key: todo[i + j], value: { vector, missing: false } })));
      options.onProgress?.('text', cached + Math.min(i + chunk, inputs.length), texts.length);
    }
    await this.textCache.flush();
    options.onProgress?.('text', texts.length, texts.length);
    return keys.map((k) => found.get(k) as Float32Array);
  }

  private async encodePosters(rows: readonly MovieRow[], options: Omit<FeatureOptions, 'cacheDir'>): Promise<Encoded[]> {
    const out: Encoded[] = rows.map(() => ({ vector: new Float32Array(0), missing: true, reason: null }));
    const encoder = this.encoders.image;
    const cache = this.imageCache;
    if (!encoder || !cache) {
      out.forEach((o) => (o.reason = 'no image encoder'));
      return out;
    }
    // Posters by content: identical bytes are encoded once; undecodable ones are remembered with their reason.
    const known = new Map<string, Encoded>();
    const chunk = 64;
    for (let i = 0; i < rows.length; i += chunk) {
      options.signal?.throwIfAborted();
      const loaded = await mapLimit(rows.slice(i, i + chunk), 8, (row) => this.loadPoster(row, options.downloadPosters ?? true));
      const todo = new Map<string, Buffer>();
      for (const l of loaded) {
        if (!l.data || known.has(l.key) || todo.has(l.key)) continue;
        const hit = cache.get(l.key);
        if (hit) known.set(l.key, { vector: hit.vector, missing: hit.missing, reason: hit.missing ? hit.reason ?? 'undecodable image' : null });
        else todo.set(l.key, l.data);
      }
      if (todo.size > 0) {
        const keys = [...todo.keys()];
        const res = await encoder.encode(keys.map((k) => ({ kind: 'buffer', data: todo.get(k) as Buffer }) satisfies PosterInput), { signal: options.signal });
        const fresh = keys.map((key, k) => ({ key, value: res.missing[k]
          ? { vector: new Float32Array(0), missing: true, reason: res.reasons[k] ?? 'undecodable image' }
          : { vector: res.vectors[k], missing: false, reason: null } }));
        fresh.forEach(({ key, value }) => known.set(key, value));
        // A failure of the machine (memory, file handles), not of the bytes, is not remembered: the next run tries again.
        cache.putMany(fresh.filter(({ value }) => !(value.missing && TRANSIENT_FAILURE.test(value.reason ?? ''))));
      }
      loaded.forEach((l, j) => {
        out[i + j] = (l.data && known.get(l.key)) || { vector: new Float32Array(0), missing: true, reason: l.reason };
      });
      options.onProgress?.('posters', Math.min(i + chunk, rows.length), rows.length);
    }
    await cache.flush();
    return out;
  }

  private get posterCacheDir(): string {
    return path.join(this.cacheDir ?? defaultCacheDir(), 'posters');
  }

  /**
   * Downloads a poster URL into the poster cache (size limit, timeout, public addresses only unless
   * allowPrivateNetwork); later extractions find it there. Rejects when downloads are disabled.
   */
  async downloadPoster(url: string) {
    if (this.access.allowDownloads === false) throw new Error(`${url}: ${DOWNLOADS_DISABLED}`);
    const allowPrivate = this.access.allowPrivateNetwork === true || envAllowsPrivateNetwork();
    return fetchToCache(url, { cacheDir: this.posterCacheDir, maxBytes: 10 * 1024 * 1024, timeoutMs: 20_000,
      filter: allowPrivate ? 'none' : 'public-only' });
  }

  /** The poster's bytes (read, downloaded or cached), or null with the reason. */
  private async loadPoster(row: MovieRow, download: boolean): Promise<{ key: string; data: Buffer | null; reason: string | null }> {
    const ref = row.poster;
    if (!ref) return { key: '', data: null, reason: 'no poster given' };
    const refused = (reason: string) => ({ key: '', data: null, reason });
    try {
      let data: Buffer;
      if (ref.kind === 'file') {
        const read = await readPosterFile(ref.path, { roots: ref.roots });
        if (!read.data) return refused(read.reason);
        data = read.data;
      } else if (!download || this.access.allowDownloads === false) {
        const cached = await fs.readFile(cachePathFor(ref.url, this.posterCacheDir)).catch(() => null);
        if (!cached) return refused(this.access.allowDownloads === false ? DOWNLOADS_DISABLED : 'poster URL not downloaded yet');
        data = cached;
      } else data = (await this.downloadPoster(ref.url)).data;
      if (data.length === 0) return refused('empty poster file');
      const notImage = notAnImageReason(data);
      if (notImage) return refused(notImage);
      return { key: EmbeddingCache.keyOf(data), data, reason: null };
    } catch (e) {
      return refused(`poster unreadable: ${(e as Error).message}`);
    }
  }
}

/** Maps with at most `limit` calls in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
