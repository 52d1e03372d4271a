// What every engine entry point (train, eval, predict, the daemon's model host) is configured with — encoders, the
// cache, dataset options, what poster loading may reach — and the helpers that turn those options into encoders,
// dataset options and poster access.
import type { DatasetOptions } from './data';
import { createImageEncoder, createTextEncoder, defaultCacheDir, loadNsfwjsImageEncoder } from './encoders';
import type { PosterAccess } from './features';

export interface EngineOptions {
  /** Folder with mobilenetv2-12-int8.onnx; default $GENRE_LENS_MODELS. */
  modelsDir?: string;
  /** URL of the ONNX image model (downloaded once into the cache, sha256-checked). */
  imageModelUrl?: string;
  /** 'onnx' (ImageNet MobileNetV2, falls back to nsfwjs when absent), 'nsfwjs' (bundled fallback), 'none'. */
  imageEncoder?: 'onnx' | 'nsfwjs' | 'none';
  /** Embedding and poster cache; default $GENRE_LENS_CACHE or ~/.cache/genre-lens; null disables it. */
  cacheDir?: string | null;
  dataset?: DatasetOptions;
  /** Dataset-derived downloads (posters) may reach loopback/private addresses (default false). */
  allowPrivateNetwork?: boolean;
  /** Extra folders local posters may be read from, beyond the dataset file's folder. */
  posterRoots?: string[];
  /** false = no network at all (posters, the image model URL): the daemon's Restricted Mode. Default true. */
  allowDownloads?: boolean;
}

export type Phase = 'reading' | 'loading encoders' | 'encoding text' | 'encoding posters' | 'training' | 'evaluating' | 'saving';
export interface RunProgress {
  phase: Phase;
  done?: number;
  total?: number;
  detail?: string;
}

/** Loads the encoders the options ask for. */
export async function loadEncoders(options: EngineOptions, onWarning: (m: string) => void) {
  const text = await createTextEncoder();
  const choice = options.imageEncoder ?? 'onnx';
  let image = null;
  if (choice === 'nsfwjs') image = await loadNsfwjsImageEncoder();
  else if (choice === 'onnx') {
    const created = await createImageEncoder({ modelsDir: options.modelsDir, modelUrl: options.imageModelUrl,
      cacheDir: options.cacheDir ?? undefined, allowFallback: true, offline: options.allowDownloads === false });
    if (created.warning) onWarning(created.warning);
    image = created.encoder;
  }
  return { text, image };
}

/** The dataset options with the engine's poster roots added. */
export function datasetOptionsOf(options: EngineOptions): DatasetOptions {
  return { ...options.dataset, posterRoots: [...(options.dataset?.posterRoots ?? []), ...(options.posterRoots ?? [])] };
}

/** What poster loading may reach over the network. */
export function posterAccessOf(options: EngineOptions): PosterAccess {
  return { allowPrivateNetwork: options.allowPrivateNetwork, allowDownloads: options.allowDownloads };
}

export function cacheDirOf(options: EngineOptions): string | null {
  if (options.cacheDir === null) return null;
  return options.cacheDir ?? defaultCacheDir();
}

