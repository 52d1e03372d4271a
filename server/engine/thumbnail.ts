// A row's poster as a small thumbnail for the hover: a `data:image/jpeg;base64,…` URI about 96 px tall, at most 24 KB,
// from a local poster file (read through posterFile.ts: allowed folders, regular files, size cap, image magic) or a
// download already in the poster cache. Never a network request; anything that fails gives no thumbnail.
import * as path from 'node:path';
import sharp from 'sharp';
import type { MovieRow } from './data';
import { cachePathFor } from './encoders/fetchCache';
import { notAnImageReason, readPosterFile } from './posterFile';
import { MAX_THUMBNAIL_URI } from '../../common/modelTypes';

/** The longest data URI a thumbnail may be (common/modelTypes.ts: the hover checks the same cap). */
export { MAX_THUMBNAIL_URI };
export const THUMBNAIL_HEIGHT = 96;
/** A poster with more pixels than this is not decoded (a decompression bomb costs memory before it costs bytes). */
const MAX_INPUT_PIXELS = 40_000_000;
/** A cached download is at most what the poster cache takes (features.ts: 10 MiB). */
const MAX_CACHED_BYTES = 10 * 1024 * 1024;

/** The poster's bytes when they are on this machine already: the local file, or the cached download of its URL. */
export async function localPosterBytes(row: Pick<MovieRow, 'poster'>, posterCacheDir: string | null): Promise<Buffer | null> {
  const ref = row.poster;
  if (!ref) return null;
  if (ref.kind === 'file') return (await readPosterFile(ref.path, { roots: ref.roots })).data;
  if (!posterCacheDir) return null;
  let cached: string;
  try {
    cached = cachePathFor(ref.url, posterCacheDir);
  } catch {
    return null; // not a URL this build can cache
  }
  // Only a file inside the cache folder (no symlink out of it), bounded, and an image.
  return (await readPosterFile(cached, { roots: [path.resolve(posterCacheDir)], maxBytes: MAX_CACHED_BYTES })).data;
}

/**
 * Encodes `bytes` as a JPEG thumbnail at most THUMBNAIL_HEIGHT tall (and twice that wide), never enlarged; a lower
 * quality is tried when the first is over the cap, and null comes back when that is too (or the image is unreadable).
 */
export async function thumbnailOf(bytes: Uint8Array): Promise<string | null> {
  if (notAnImageReason(bytes)) return null;
  try {
    const resized = await sharp(bytes, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS, pages: 1 })
      .rotate()
      .resize({ width: 2 * THUMBNAIL_HEIGHT, height: THUMBNAIL_HEIGHT, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    for (const quality of [80, 55, 35]) {
      const jpeg = await sharp(resized.data, { raw: { width: resized.info.width, height: resized.info.height, channels: resized.info.channels } })
        .jpeg({ quality })
        .toBuffer();
      const uri = `data:image/jpeg;base64,${jpeg.toString('base64')}`;
      if (uri.length <= MAX_THUMBNAIL_URI) return uri;
    }
    return null;
  } catch {
    return null;
  }
}

/** The row's poster thumbnail (local file or cached download only), or null. Never throws. */
export async function posterThumbnail(row: Pick<MovieRow, 'poster'>, posterCacheDir: string | null): Promise<string | null> {
  try {
    const bytes = await localPosterBytes(row, posterCacheDir);
    return bytes ? await thumbnailOf(bytes) : null;
  } catch {
    return null;
  }
}
