// Entry point for the frozen feature encoders: picks and loads a text encoder and an image encoder.
// Text uses all-MiniLM-L6-v2 (hub files: models folder → cache → download) and images the ImageNet MobileNetV2 ONNX
// model; when those cannot be had, the bundled USE-Lite / nsfwjs stand in, with a warning the caller shows the user.

import { defaultCacheDir } from './fetchCache';
import { type HubAccess, type Pin, messageOf, modelsDirOf, resolveHubModel } from './hubFiles';
import { loadMiniLm } from './miniLm';
import { loadNsfwjsImageEncoder } from './nsfwjsImage';
import {
  MOBILENETV2_INT8_FILE,
  type OnnxImageOptions,
  type OnnxModelSource,
  loadOnnxImageEncoder,
  locateOnnxModel,
} from './onnxImage';
import { MINILM } from './registry';
import { loadUseLite } from './useLite';
import type { ImageEncoder, TextEncoder } from './types';

export type * from './types';
export { MOBILENETV2_INT8_FILE, MOBILENETV2_INT8_SHA256, type OnnxModelSource } from './onnxImage';
/** To force the bundled encoder (createImageEncoder would still pick ONNX via $GENRE_LENS_MODELS). */
export { loadNsfwjsImageEncoder } from './nsfwjsImage';
export { defaultCacheDir, fetchToCache, type CachedFile, type FetchCacheOptions } from './fetchCache';
export { hubEndpoint, ModelUnavailableError, type HubAccess, type ResolvedModel } from './hubFiles';

/** The files a model was trained with: predicting with MiniLM needs exactly these. */
export type { Pin as EncoderPin } from './hubFiles';

/** `problem` as a sentence, then why downloads are off (and how to allow them) when they are. */
export function withDownloadsOff(problem: string, downloadsOff?: string | null): string {
  return downloadsOff ? `${problem}. ${downloadsOff}` : problem;
}


export interface TextEncoderOptions {
  /** 'minilm' (all-MiniLM-L6-v2 from the hub) or the bundled 'use-lite'. */
  model: 'minilm' | 'use-lite';
  /** MiniLM unavailable → the bundled USE-Lite, marked `fallback: true`, with a warning (else throw). */
  allowFallback?: boolean;
  /** Where MiniLM's files come from; default: the default cache, downloads allowed. */
  hub?: HubAccess;
  /** The revision and file hashes a model was trained with (prediction). */
  pin?: Pin;
  /** Why downloads are off and how to allow them, if they are (a sentence, added to the warning). */
  downloadsOff?: string | null;
}

export interface CreatedTextEncoder {
  encoder: TextEncoder;
  /** Set when the fallback encoder was chosen; explains why, for display. */
  warning: string | null;
}

/** The same encoder, its identity marked as a stand-in for the one asked for (same vectors, same embedding cache). */
export function asFallback<E extends TextEncoder | ImageEncoder>(encoder: E): E {
  const identity = () => ({ ...encoder.identity(), fallback: true });
  return new Proxy(encoder, {
    get: (target, key) => {
      if (key === 'identity') return identity;
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export async function createTextEncoder(options: TextEncoderOptions): Promise<CreatedTextEncoder> {
  const { model, hub = { cacheDir: defaultCacheDir(), allowDownload: true } } = options;
  if (model === 'use-lite') return { encoder: await loadUseLite(), warning: null };
  if (model !== 'minilm') throw new Error(`Unknown text encoder ${String(model)}: expected minilm or use-lite`);
  let problem: string;
  try {
    return { encoder: await loadMiniLm(await resolveHubModel(MINILM, hub, options.pin), MINILM), warning: null };
  } catch (err) {
    if (!options.allowFallback || hub.signal?.aborted) throw err;
    problem = withDownloadsOff(messageOf(err), options.downloadsOff);
  }
  return {
    encoder: asFallback(await loadUseLite()),
    warning: `Descriptions use the bundled fallback text encoder (USE-Lite, 512-d) instead of ${MINILM.id} because ${problem}. ` +
      'Models trained with one text encoder cannot be used with the other.',
  };
}

export interface ImageEncoderOptions extends OnnxModelSource, OnnxImageOptions {
  /** 'mobilenetv2' (default; 'onnx' is a synonym): ImageNet MobileNetV2; 'nsfwjs': the bundled encoder. */
  model?: 'mobilenetv2' | 'onnx' | 'nsfwjs';
  /** Use the bundled nsfwjs encoder when the ONNX model is unavailable or invalid (else throw). */
  allowFallback: boolean;
  /** Why downloads are off and how to allow them, if they are (a sentence, added to the warning). */
  downloadsOff?: string | null;
}

export interface CreatedImageEncoder {
  encoder: ImageEncoder;
  /** Set when the fallback encoder was chosen; explains why, for display. */
  warning: string | null;
}

export async function createImageEncoder(options: ImageEncoderOptions): Promise<CreatedImageEncoder> {
  const { model = 'mobilenetv2' } = options;
  if (model === 'nsfwjs') return { encoder: await loadNsfwjsImageEncoder({ batchSize: options.batchSize }), warning: null };
  if (model !== 'mobilenetv2' && model !== 'onnx') throw new Error(`Unknown image encoder ${String(model)}: expected mobilenetv2 (or onnx), nsfwjs or none`);
  let problem: string;
  try {
    const located = await locateOnnxModel(options);
    if (located) return { encoder: await loadOnnxImageEncoder(located, options), warning: null };
    const dir = modelsDirOf(options.modelsDir);
    problem = `${MOBILENETV2_INT8_FILE} was not found (${dir ? `looked in ${dir}` : 'GENRE_LENS_MODELS is not set'}) and no model URL was given`;
  } catch (err) {
    if (!options.allowFallback || options.signal?.aborted) throw err;
    problem = messageOf(err);
  }
  problem = withDownloadsOff(problem, options.downloadsOff);
  if (!options.allowFallback) throw new Error(`Image encoder unavailable: ${problem}`);
  const encoder = asFallback(await loadNsfwjsImageEncoder({ batchSize: options.batchSize }));
  return {
    encoder,
    warning: `Poster features use the bundled fallback encoder (nsfwjs MobileNetV2, not ImageNet) because ${problem}. Models trained with one image encoder cannot be used with the other.`,
  };
}
