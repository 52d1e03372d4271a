// Image encoder: ImageNet MobileNetV2 (ONNX Model Zoo, int8 QLinear) on onnxruntime-node (loaded lazily, onnxRuntime.ts)
// → 1280-d pooled feature.
// The feature is not a graph output, so a DequantizeLinear of the classifier's input tensor is added to the model
// bytes in memory (onnx-proto) before the session is created. The model comes from a models dir or a cached URL
// (the registry's ONNX Model Zoo URL by default, sha256-pinned, when downloads are allowed).

import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { defaultCacheDir, fetchToCache, sha256Hex } from './fetchCache';
import { DownloadError } from './httpGet';
import { DEFAULT_IDLE_TIMEOUT_MS, ModelUnavailableError, downloadFailure, modelsDirOf, putFilesHint } from './hubFiles';
import { loadOnnxRuntime } from './onnxRuntime';
import { MOBILENETV2, weightsFile } from './registry';
import { POSTER_PREPROCESS, POSTER_SIZE, posterEncoder } from './posterPixels';
import type { EncoderIdentity, ImageEncoder } from './types';
import { readWeightsFile } from './weightsFile';

// The file name, its pinned sha256 and size cap come from the registry (models/mobilenetv2-12-int8.json).
const REGISTERED = weightsFile(MOBILENETV2);
export const MOBILENETV2_INT8_FILE = REGISTERED.path;
export const MOBILENETV2_INT8_SHA256 = REGISTERED.sha256 as string;
/** The most bytes the model file may have (the int8 model has about 3.5 MB): a bigger file is refused unread. */
export const MAX_ONNX_MODEL_BYTES = REGISTERED.maxBytes;
/** Quantised [N,1280] tensor feeding the classifier (after global average pooling + flatten). */
const FEATURE_TENSOR = '472_quantized';
const FEATURE_OUTPUT = 'genre_lens_pooled_feature';
const DIM = MOBILENETV2.dim;
const HW = POSTER_SIZE * POSTER_SIZE;

export interface OnnxModelSource {
  /** Directory holding mobilenetv2-12-int8.onnx; default $GENRE_LENS_MODELS. */
  modelsDir?: string;
  /** http(s) URL to download from when the file is not in modelsDir; cached under cacheDir. */
  modelUrl?: string;
  /** Expected sha256 of the model file (default: the Model Zoo file's); null skips the check. */
  modelSha256?: string | null;
  cacheDir?: string;
  /** Take the model URL from the cache only (no network): Restricted Mode. */
  offline?: boolean;
  /**
   * When no modelUrl is given, use the registry's URL (weightsFile(MOBILENETV2).url): true = from the cache or
   * downloaded; false = from the cache only (and no network for modelUrl either). Omitted: modelsDir and modelUrl only.
   */
  allowDownload?: boolean;
  /** No byte for this long aborts the download (default 30 s). */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  onDownloadProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
}

export interface LocatedModel {
  data: Buffer;
  sha256: string;
  source: string;
}

/**
 * Finds the model file: models dir, then the URL (modelUrl, else the registry's when `allowDownload` is set) through
 * the cache. null when neither is configured; `ModelUnavailableError` (message says what to do) when it cannot be had.
 */
export async function locateOnnxModel(src: OnnxModelSource): Promise<LocatedModel | null> {
  const modelsDir = modelsDirOf(src.modelsDir);
  try {
    return await locate(src, modelsDir);
  } catch (err) {
    if (src.signal?.aborted || err instanceof ModelUnavailableError) throw err;
    const message = err instanceof DownloadError ? downloadFailure(err.url, err) : err instanceof Error ? err.message : String(err);
    throw new ModelUnavailableError(`${message}; ${putFilesHint(MOBILENETV2, modelsDir)}`);
  }
}

async function locate(src: OnnxModelSource, modelsDir: string | undefined): Promise<LocatedModel | null> {
  const expected = src.modelSha256 === undefined ? MOBILENETV2_INT8_SHA256 : src.modelSha256?.toLowerCase() || null;
  if (modelsDir) {
    const file = path.resolve(modelsDir, MOBILENETV2_INT8_FILE);
    const data = await readWeightsFile(file, MAX_ONNX_MODEL_BYTES,
      `; put the ${MOBILENETV2_INT8_FILE} file itself in the folder given by --models or GENRE_LENS_MODELS (or the modelsDirectory setting)`);
    if (data) {
      const sha = sha256Hex(data);
      if (expected && sha !== expected) throw new Error(`sha256 mismatch for ${file}: expected ${expected}, got ${sha}`);
      return { data, sha256: sha, source: file };
    }
  }
  const url = src.modelUrl ?? (src.allowDownload === undefined ? undefined : weightsFile(MOBILENETV2).url);
  if (!url) return null;
  const got = await fetchToCache(url, {
    cacheDir: src.cacheDir ?? defaultCacheDir(),
    sha256: expected ?? undefined,
    maxBytes: MAX_ONNX_MODEL_BYTES,
    timeoutMs: 0, // a slow link may take long; a stall is bounded by the idle timeout
    idleTimeoutMs: src.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    signal: src.signal,
    onProgress: src.onDownloadProgress,
    offline: src.offline || src.allowDownload === false,
    offlineReason: src.offline ? 'Restricted Mode' : 'model downloads are off',
    filter: 'none', // the user configured this URL (a setting, an option) or it is the registry's: not a dataset's say-so
  });
  return { data: got.data, sha256: got.sha256, source: url };
}

/** Returns the model with an extra float output [N,1280]: DequantizeLinear(472_quantized) using the graph's own scale/zero point. */
export function addPooledFeatureOutput(modelBytes: Uint8Array): Uint8Array {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph;
  const nodes = graph?.node ?? [];
  // The classifier's QLinearMatMul reads (tensor, scale, zero_point) as its first three inputs.
  const consumer = nodes.find((n) => n.opType?.startsWith('QLinear') && n.input?.[0] === FEATURE_TENSOR);
  const [, scale, zeroPoint] = consumer?.input ?? [];
  if (!graph || !scale || !zeroPoint) throw new Error(`ONNX model has no quantised tensor ${FEATURE_TENSOR} feeding a QLinear op`);
  nodes.push(
    onnx.NodeProto.create({
      opType: 'DequantizeLinear',
      name: `${FEATURE_OUTPUT}_dequantize`,
      input: [FEATURE_TENSOR, scale, zeroPoint],
      output: [FEATURE_OUTPUT],
    }),
  );
  graph.node = nodes;
  graph.output = graph.output ?? [];
  graph.output.push(
    onnx.ValueInfoProto.create({
      name: FEATURE_OUTPUT,
      type: {
        tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch_size' }, { dimValue: DIM }] } },
      },
    }),
  );
  return onnx.ModelProto.encode(model).finish();
}

// Per-channel lookup tables: byte value → ImageNet-normalised float.
const LUTS = [0.485, 0.456, 0.406].map((mean, c) => {
  const std = [0.229, 0.224, 0.225][c];
  return Float32Array.from({ length: 256 }, (_, v) => (v / 255 - mean) / std);
});

/** Interleaved 224×224 RGB bytes → planar NCHW float32 with ImageNet mean/std, written at `offset`. */
export function fillImagenetNchw(rgb: Uint8Array, out: Float32Array, offset: number): void {
  const [r, g, b] = LUTS;
  for (let i = 0, j = 0, o = offset; i < HW; i++, j += 3, o++) {
    out[o] = r[rgb[j]];
    out[o + HW] = g[rgb[j + 1]];
    out[o + 2 * HW] = b[rgb[j + 2]];
  }
}

export interface OnnxImageOptions {
  /** Images per session run (default 16). */
  batchSize?: number;
  /** onnxruntime intra-op threads (default 2). */
  intraOpNumThreads?: number;
}

export async function loadOnnxImageEncoder(model: LocatedModel, options: OnnxImageOptions = {}): Promise<ImageEncoder> {
  const ort = await loadOnnxRuntime(); // ModelUnavailableError where onnxruntime-node has no binary
  const session = await ort.InferenceSession.create(addPooledFeatureOutput(model.data), {
    intraOpNumThreads: options.intraOpNumThreads ?? 2,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Idle ORT threads would otherwise spin and starve the sharp decodes that overlap inference.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const inputName = session.inputNames[0];

  async function infer(batch: Float32Array, n: number): Promise<Float32Array> {
    const result = await session.run({ [inputName]: new ort.Tensor('float32', batch, [n, 3, POSTER_SIZE, POSTER_SIZE]) }, [
      FEATURE_OUTPUT,
    ]);
    const out = result[FEATURE_OUTPUT];
    if (out.type !== 'float32' || out.dims.length !== 2 || out.dims[0] !== n || out.dims[1] !== DIM) {
      throw new Error(`MobileNetV2 feature output is ${out.type} [${out.dims}], expected float32 [${n},${DIM}]`);
    }
    return out.data as Float32Array;
  }
  await infer(new Float32Array(3 * HW), 1); // fail at load time, not on the first poster

  const identity: EncoderIdentity = {
    kind: 'image',
    id: 'mobilenetv2-imagenet-int8-onnx',
    version: '1',
    dim: DIM,
    weightsSha256: model.sha256,
    source: model.source,
    preprocess: `${POSTER_PREPROCESS}; [0,1], ImageNet mean/std, NCHW`,
    fallback: false,
  };
  const batchSize = Math.max(1, options.batchSize ?? 16);
  return posterEncoder(identity, { dim: DIM, itemFloats: 3 * HW, fill: fillImagenetNchw, infer }, batchSize, () => session.release());
}
