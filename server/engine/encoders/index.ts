// Entry point for the frozen feature encoders: picks and loads a text encoder and an image encoder.
// Images use the ImageNet MobileNetV2 ONNX model when it can be found (models dir or cached URL), otherwise the
// bundled nsfwjs MobileNetV2 fallback together with a warning string the caller should show the user.

import {
  MOBILENETV2_INT8_FILE,
  type OnnxImageOptions,
  type OnnxModelSource,
  loadOnnxImageEncoder,
  locateOnnxModel,
} from './onnxImage';
import { loadNsfwjsImageEncoder } from './nsfwjsImage';
import { type UseLiteOptions, loadUseLite } from './useLite';
import type { ImageEncoder, TextEncoder } from './types';

export type * from './types';
export { MOBILENETV2_INT8_FILE, MOBILENETV2_INT8_SHA256 } from './onnxImage';
/** To force the bundled encoder (createImageEncoder would still pick ONNX via $GENRE_LENS_MODELS). */
export { loadNsfwjsImageEncoder } from './nsfwjsImage';
export { defaultCacheDir, fetchToCache, type CachedFile, type FetchCacheOptions } from './fetchCache';

export interface TextEncoderOptions extends UseLiteOptions {
  /** Only the bundled USE-Lite exists today; a hub-downloaded encoder (e.g. MiniLM) would add a value + cacheDir. */
  model?: 'use-lite';
}

export async function createTextEncoder(options: TextEncoderOptions = {}): Promise<TextEncoder> {
  const { model = 'use-lite', ...rest } = options;
  if (model !== 'use-lite') throw new Error(`Unknown text encoder ${String(model)}`);
  return loadUseLite(rest);
}

export interface ImageEncoderOptions extends OnnxModelSource, OnnxImageOptions {
  /** Use the bundled nsfwjs encoder when the ONNX model is unavailable or invalid (else throw). */
  allowFallback: boolean;
}

export interface CreatedImageEncoder {
  encoder: ImageEncoder;
  /** Set when the fallback encoder was chosen; explains why, for display. */
  warning: string | null;
}

export async function createImageEncoder(options: ImageEncoderOptions): Promise<CreatedImageEncoder> {
  let problem: string;
  try {
    const model = await locateOnnxModel(options);
    if (model) return { encoder: await loadOnnxImageEncoder(model, options), warning: null };
    const dir = options.modelsDir ?? process.env.GENRE_LENS_MODELS;
    problem = `${MOBILENETV2_INT8_FILE} was not found (${dir ? `looked in ${dir}` : 'GENRE_LENS_MODELS is not set'}) and no model URL was given`;
  } catch (err) {
    if (!options.allowFallback) throw err;
    problem = err instanceof Error ? err.message : String(err);
  }
  if (!options.allowFallback) throw new Error(`Image encoder unavailable: ${problem}`);
  const encoder = await loadNsfwjsImageEncoder({ batchSize: options.batchSize });
  return {
    encoder,
    warning: `Poster features use the bundled fallback encoder (nsfwjs MobileNetV2, not ImageNet) because ${problem}. Models trained with one image encoder cannot be used with the other.`,
  };
}
