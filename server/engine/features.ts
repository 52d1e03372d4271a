// Turns movie rows into the model's feature matrix: [text embedding | poster embedding | poster-missing flag].
// Posters are read from disk (posterFile.ts: allowed folders, regular files, size cap, image magic) or downloaded
// (size limit, timeout, public addresses only unless allowed, on-disk cache); a poster that is absent, refused or
// broken becomes a zero vector with the flag set. Encoder outputs are cached per input content.
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
    const texts = await this.encodeTexts(rows.map(rowText), options);
    texts.forEach((v, r) => X.set(v, r * layout.total + layout.text.offset));
    const reasons = new Map<string, number>();
    let missing = 0;
    const posters = await this.encodePosters(rows, options);
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
    // Texts not in the cache yet, each distinct text once.
    const missing = new Map<string, string>();
    keys.forEach((k, i) => !this.textCache.get(k) && missing.set(k, texts[i]));
    const todo = [...missing.keys()];
    const inputs = [...missing.values()];
    const cached = keys.filter((k) => !missing.has(k)).length;
    // Encode in chunks so progress is saved to the cache as it goes (an interrupted run resumes); large chunks let
    // the encoder batch texts of similar length together.
    const chunk = 256;
    for (let i = 0; i < inputs.length; i += chunk) {
      options.signal?.throwIfAborted();
      const vectors = await this.encoders.text.encode(inputs.slice(i, i + chunk), { signal: options.signal });
      this.textCache.putMany(vectors.map((vector, j) => ({ key: todo[i + j], value: { vector, missing: false } })));
      options.onProgress?.('text', cached + Math.min(i + chunk, inputs.length), texts.length);
    }
    options.onProgress?.('text', texts.length, texts.length);
    return keys.map((k) => (this.textCache.get(k) as { vector: Float32Array }).vector);
  }

  private async encodePosters(rows: readonly MovieRow[], options: Omit<FeatureOptions, 'cacheDir'>):
    Promise<{ vector: Float32Array; missing: boolean; reason: string | null }[]> {
    type Encoded = { vector: Float32Array; missing: boolean; reason: string | null };
    const out: Encoded[] = rows.map(() => ({ vector: new Float32Array(0), missing: true, reason: null }));
    const encoder = this.encoders.image;
    if (!encoder || !this.imageCache) {
      out.forEach((o) => (o.reason = 'no image encoder'));
      return out;
    }
    const chunk = 64;
    for (let i = 0; i < rows.length; i += chunk) {
      options.signal?.throwIfAborted();
      const batch = rows.slice(i, i + chunk);
      const loaded = await mapLimit(batch, 8, (row) => this.loadPoster(row, options.downloadPosters ?? true));
      const todo = loaded.map((l, j) => ({ l, j })).filter(({ l }) => l.data && !this.imageCache?.get(l.key));
      if (todo.length > 0) {
        const res = await encoder.encode(todo.map(({ l }) => ({ kind: 'buffer', data: l.data as Buffer }) satisfies PosterInput));
        todo.forEach(({ l, j }, k) => {
          if (res.missing[k]) loaded[j] = { ...l, data: null, reason: res.reasons[k] ?? 'undecodable image' };
          else this.imageCache?.putMany([{ key: l.key, value: { vector: res.vectors[k], missing: false } }]);
        });
      }
      loaded.forEach((l, j) => {
        const hit = l.data ? this.imageCache?.get(l.key) : undefined;
        out[i + j] = hit ? { vector: hit.vector, missing: false, reason: null } : { vector: new Float32Array(0), missing: true, reason: l.reason };
      });
      options.onProgress?.('posters', Math.min(i + chunk, rows.length), rows.length);
    }
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
