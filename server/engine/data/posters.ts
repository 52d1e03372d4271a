// Poster cells classified and resolved (never fetched): http(s) URL, file: URL, absolute or data-file-relative
// path, or a TMDB poster_path (`/abc123.jpg` with no such local file) put on the TMDB image base URL.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PosterRef } from './types';

export const DEFAULT_POSTER_BASE_URL = 'https://image.tmdb.org/t/p/w342';

export interface PosterContext {
  /** Directory relative paths resolve against. */
  baseDir: string;
  posterBaseUrl: string;
  fileExists: (file: string) => boolean;
}

/** `raw` is a non-empty trimmed cell. Returns undefined for a URL other than http(s) or a local file: URL. */
export function resolvePoster(raw: string, ctx: PosterContext): PosterRef | undefined {
  if (/^https?:\/\//i.test(raw)) return { kind: 'url', url: raw, raw };
  if (/^file:/i.test(raw)) {
    try {
      return { kind: 'file', path: fileURLToPath(raw), raw };
    } catch {
      return undefined; // e.g. a file URL with a remote host
    }
  }
  if (/^[a-z][a-z0-9+.-]+:/i.test(raw)) return undefined; // another scheme (a Windows drive `C:` has one letter)
  if (/^\/[^/\\]+\.(jpe?g|png|webp|gif)$/i.test(raw) && !ctx.fileExists(raw)) {
    return { kind: 'tmdb', url: ctx.posterBaseUrl.replace(/\/+$/, '') + raw, posterPath: raw, raw };
  }
  return { kind: 'file', path: path.resolve(ctx.baseDir, raw), raw };
}
