// Poster decoding and the batching pipeline shared by the image encoders: sharp decodes any input to 224×224
// 8-bit RGB (a bad poster becomes a reason string, never a throw), the next batch decodes on the thread pool
// while the current one runs through the network, and missing posters come back as zero vectors.
//
// Resize choice: the whole poster is squashed to 224×224 (no crop). TMDB posters are all ≈2:3, so the distortion
// is the same for every item, while torchvision's "shorter side 256 + centre crop 224" would drop ~40% of the
// poster's height (title and credit block). Validated: ImageNet top-1 on posters is mostly comic book/book jacket.

import sharp from 'sharp';
import { notAnImageReason, readPosterFile } from '../posterFile';
import type { EncodeOptions, EncoderIdentity, ImageBatchResult, ImageEncoder, PosterInput } from './types';

export const POSTER_SIZE = 224;
export const POSTER_PREPROCESS = 'sharp: auto-orient, sRGB, alpha dropped, resize fill 224x224 (no crop)';
export type DecodedPoster = { rgb: Buffer; reason: null } | { rgb: null; reason: string };

/**
 * Decodes one poster to POSTER_SIZE² interleaved RGB bytes, or explains why it cannot. Files are read by
 * readPosterFile (regular files only, size cap); bytes that are not JPEG/PNG/WebP/GIF never reach sharp.
 */
export async function decodePoster(input: PosterInput): Promise<DecodedPoster> {
  if (input == null) return { rgb: null, reason: 'no poster' };
  let bytes: Uint8Array;
  if (input.kind === 'file') {
    const read = await readPosterFile(input.path);
    if (!read.data) return { rgb: null, reason: read.reason };
    bytes = read.data;
  } else bytes = input.data;
  const notImage = notAnImageReason(bytes);
  if (notImage) return { rgb: null, reason: notImage };
  try {
    // sharp decodes on libuv's thread pool: one job per poster, which keeps decoding while inference blocks JS.
    const { data, info } = await sharp(bytes, {
      failOn: 'warning', // truncated/corrupt files are rejected rather than half-grey
      limitInputPixels: 100_000_000,
    })
      .rotate()
      .resize(POSTER_SIZE, POSTER_SIZE, { fit: 'fill' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== POSTER_SIZE * POSTER_SIZE * 3) {
      return { rgb: null, reason: `unexpected decoded layout (${info.channels} channels, ${data.length} bytes)` };
    }
    return { rgb: data, reason: null };
  } catch (err) {
    return { rgb: null, reason: `undecodable image: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** What an image network contributes to the shared pipeline. */
export interface PosterNetwork {
  dim: number;
  /** Floats per image in the network's input tensor. */
  itemFloats: number;
  /** Writes one decoded poster into the batch tensor at `offset`. */
  fill(rgb: Buffer, out: Float32Array, offset: number): void;
  /** Runs `n` images (batch holds exactly n * itemFloats floats); returns n * dim features. */
  infer(batch: Float32Array, n: number): Promise<Float32Array>;
}

/**
 * Runs the posters through `net` in batches. While batch k is inferred, all decodes of batch k+1 are already queued
 * on libuv's thread pool (4 threads; sharp does one job per image), so decoding overlaps inference even though
 * onnxruntime-node and tfjs-wasm block the JS thread while they run. Memory stays at two batches.
 */
export async function encodePosters(
  inputs: readonly PosterInput[],
  net: PosterNetwork,
  batchSize: number,
  opts: EncodeOptions = {},
): Promise<ImageBatchResult> {
  const n = inputs.length;
  const vectors: Float32Array[] = new Array(n);
  const missing: boolean[] = new Array(n).fill(false);
  const reasons: (string | null)[] = new Array(n).fill(null);

  const prepare = async (start: number, end: number) => {
    const batch = new Float32Array((end - start) * net.itemFloats);
    const slots: number[] = []; // input index of each image in batch order
    const decodeOne = async (i: number) => {
      const { rgb, reason } = await decodePoster(inputs[i]);
      if (rgb) {
        net.fill(rgb, batch, slots.length * net.itemFloats);
        slots.push(i);
      } else {
        vectors[i] = new Float32Array(net.dim);
        missing[i] = true;
        reasons[i] = reason;
      }
    };
    await Promise.all(Array.from({ length: end - start }, (_, k) => decodeOne(start + k)));
    return { batch, slots };
  };

  let pending = n > 0 ? prepare(0, Math.min(batchSize, n)) : null;
  for (let start = 0; pending; start += batchSize) {
    const { batch, slots } = await pending;
    opts.signal?.throwIfAborted();
    const nextStart = start + batchSize;
    pending = nextStart < n ? prepare(nextStart, Math.min(nextStart + batchSize, n)) : null;
    if (slots.length > 0) {
      const features = await net.infer(batch.subarray(0, slots.length * net.itemFloats), slots.length);
      slots.forEach((i, k) => (vectors[i] = features.slice(k * net.dim, (k + 1) * net.dim)));
    }
    opts.onProgress?.(Math.min(nextStart, n), n);
  }
  return { vectors, missing, reasons };
}

/** An ImageEncoder running `net` through encodePosters, described by `identity`. */
export function posterEncoder(identity: EncoderIdentity, net: PosterNetwork, batchSize: number, dispose: () => Promise<void>): ImageEncoder {
  return {
    id: identity.id,
    version: identity.version,
    dim: net.dim,
    identity: () => ({ ...identity }),
    encode: (posters, opts) => encodePosters(posters, net, batchSize, opts),
    dispose,
  };
}
