// Poster cells classified and resolved (never fetched): http(s) URL, file: URL, absolute or data-file-relative
// path, or a TMDB poster_path (`/abc123.jpg` with no such local file) put on the TMDB image base URL. Local paths
// must lie inside the data file's folder or an allowed poster root (checked lexically here, by real path on read).
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isInside } from '../untrustedFiles';
import { PosterRef } from './types';

export const DEFAULT_POSTER_BASE_URL = 'https://image.tmdb.org/t/p/w342';

export interface PosterContext {
  /** Directory relative paths resolve against. */
  baseDir: string;
  posterBaseUrl: string;
  fileExists: (file: string) => boolean;
  /** Absolute folders local posters may also be read from. When given, file refs carry `roots` = [baseDir, ...these]. */
  posterRoots?: string[];
}

/** `raw` is a non-empty trimmed cell. Returns undefined for a URL other than http(s) or a local file: URL. */
export function resolvePoster(raw: string, ctx: PosterContext): PosterRef | undefined {
  if (/^https?:\/\//i.test(raw)) return { kind: 'url', url: raw, raw };
  if (/^file:/i.test(raw)) {
    try {
      return fileRef(fileURLToPath(raw), raw, ctx);
    } catch {
      return undefined; // e.g. a file URL with a remote host
    }
  }
  if (/^[a-z][a-z0-9+.-]+:/i.test(raw)) return undefined; // another scheme (a Windows drive `C:` has one letter)
  if (/^\/[^/\\]+\.(jpe?g|png|webp|gif)$/i.test(raw) && !ctx.fileExists(raw)) {
    return { kind: 'tmdb', url: ctx.posterBaseUrl.replace(/\/+$/, '') + raw, posterPath: raw, raw };
  }
  return fileRef(path.resolve(ctx.baseDir, raw), raw, ctx);
}

function fileRef(file: string, raw: string, ctx: PosterContext): PosterRef {
  return ctx.posterRoots ? { kind: 'file', path: file, raw, roots: [path.resolve(ctx.baseDir), ...ctx.posterRoots] } : { kind: 'file', path: file, raw };
}

/** For a local poster outside the data file's folder and every poster root: the warning to give (it is then ignored). */
export function posterOutsideRoots(ref: PosterRef, ctx: PosterContext): string | null {
  if (ref.kind !== 'file') return null;
  const base = path.resolve(ctx.baseDir);
  const extra = ctx.posterRoots ?? [];
  if ([base, ...extra].some((root) => isInside(root, path.resolve(ref.path)))) return null;
  const where = `the dataset's folder ${base}${extra.length ? ` and the poster roots ${extra.join(', ')}` : ''}`;
  return `poster ${JSON.stringify(ref.raw)} is outside ${where}; ignored (allow other folders with --poster-root or the genreLens.posterRoots setting)`;
}
