// Safe reading of poster bytes named by a dataset: image formats recognised from magic bytes, local paths confined to
// allowed folders (lexically when the dataset is read, by real path when the file is read), and only regular files
// (checked before opening, so FIFOs and devices never block or stream), read up to a size cap.
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { isInside, readBoundedFile } from './untrustedFiles';

/** The most bytes a local poster file may have. */
export const MAX_POSTER_FILE_BYTES = 20 * 1024 * 1024;

export type PosterBytes = { data: Buffer; reason: null } | { data: null; reason: string };

/** The image format `data` starts with (JPEG, PNG, WebP or GIF), or null. */
export function imageFormatOf(data: Uint8Array): 'jpeg' | 'png' | 'webp' | 'gif' | null {
  const ascii = (from: number, to: number) => Buffer.from(data.subarray(from, to)).toString('latin1');
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif';
  return null;
}

/** Why `data` is not an image Genre Lens reads, or null when it is one. */
export function notAnImageReason(data: Uint8Array): string | null {
  if (data.byteLength === 0) return 'empty image data';
  if (imageFormatOf(data)) return null;
  const start = Buffer.from(data.subarray(0, 8)).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  return `not a JPEG, PNG, WebP or GIF image (starts with ${JSON.stringify(start)})`;
}


/** Extra poster roots from `$GENRE_LENS_POSTER_ROOTS` (path.delimiter separated), absolute. */
export function envPosterRoots(): string[] {
  return (process.env.GENRE_LENS_POSTER_ROOTS ?? '').split(path.delimiter).filter((p) => p.trim() !== '').map((p) => path.resolve(p));
}

function notRegular(stat: Stats): string {
  const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a FIFO' : stat.isCharacterDevice() ? 'a character device'
    : stat.isBlockDevice() ? 'a block device' : stat.isSocket() ? 'a socket' : 'of another kind';
  return `not a regular file (${kind})`;
}

function errorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'file not found';
  return `unreadable file (${code ?? (err instanceof Error ? err.message : String(err))})`;
}

/**
 * Reads a local poster: refuses paths whose real path (symlinks followed) is outside every root in `roots` (when
 * given), anything but a regular file (stat before open), files over `maxBytes`, and bytes that are not a
 * JPEG/PNG/WebP/GIF image. Never throws; a refusal comes back as a reason.
 */
export async function readPosterFile(file: string, opts: { roots?: readonly string[]; maxBytes?: number } = {}): Promise<PosterBytes> {
  const maxBytes = opts.maxBytes ?? MAX_POSTER_FILE_BYTES;
  const refuse = (reason: string): PosterBytes => ({ data: null, reason });
  let real: string;
  try {
    real = await fs.realpath(file);
  } catch (err) {
    return refuse(errorReason(err));
  }
  if (opts.roots) {
    const realRoots = await Promise.all(opts.roots.map((r) => fs.realpath(r).catch(() => path.resolve(r))));
    if (!realRoots.some((r) => isInside(r, real))) {
      return refuse(`leads outside the allowed poster folders (to ${real}); not read`);
    }
  }
  try {
    const read = await readBoundedFile(real, maxBytes, (st) => st.isFile() && st.size <= maxBytes);
    if ('refused' in read) {
      const st = read.refused;
      return refuse(st.isFile() ? `${st.size} bytes, over the ${maxBytes}-byte limit for a poster file` : notRegular(st));
    }
    const { data, stat } = read;
    if (data.length > stat.size) {
      if (stat.size === 0) return refuse('not a regular file (it reports no size but has content, like a /proc file)');
      return refuse(data.length > maxBytes ? `over the ${maxBytes}-byte limit for a poster file` : 'the file grew while being read');
    }
    if (data.length === 0) return refuse('empty file');
    const notImage = notAnImageReason(data);
    return notImage ? refuse(notImage) : { data, reason: null };
  } catch (err) {
    return refuse(errorReason(err));
  }
}
