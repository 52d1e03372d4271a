// What every engine entry point (train, eval, predict, the daemon's model host) is configured with — encoders, where
// their files come from (models folder, cache, hub, downloads allowed or not), the cache, dataset options, what poster
// loading may reach — and the helpers that turn those options into encoders, hub access, dataset options and poster access.
import type { DatasetOptions } from './data';
import { createImageEncoder, createTextEncoder, defaultCacheDir, type HubAccess, type ImageEncoder, type OnnxModelSource } from './encoders';
import { modelsDirOf } from './encoders/hubFiles';
import { MOBILENETV2, weightsFile } from './encoders/registry';
import type { Encoders, PosterAccess } from './features';

export type TextEncoderName = 'minilm' | 'use-lite';
/** 'onnx' is the earlier name of 'mobilenetv2', still accepted everywhere. */
export type ImageEncoderName = 'mobilenetv2' | 'onnx' | 'nsfwjs' | 'none';

export interface EngineOptions {
  /** Folder with the encoders' files (mobilenetv2-12-int8.onnx, Xenova/all-MiniLM-L6-v2/… in the hub's layout); default $GENRE_LENS_MODELS. */
  modelsDir?: string;
  /** URL of the ONNX image model (downloaded once into the cache, sha256-checked); default: the ONNX Model Zoo's. */
  imageModelUrl?: string;
  /** 'minilm' (default: all-MiniLM-L6-v2, falls back to the bundled USE-Lite with a warning when unavailable) or 'use-lite'. */
  textEncoder?: TextEncoderName;
  /** 'mobilenetv2' (default; 'onnx' is a synonym: ImageNet MobileNetV2, falls back to nsfwjs when unavailable), 'nsfwjs' (bundled fallback), 'none'. */
  imageEncoder?: ImageEncoderName;
  /** The Hugging Face hub (or mirror) MiniLM comes from; default $HF_ENDPOINT, else https://huggingface.co. */
  hubUrl?: string;
  /** false: encoder files only from the models folder and the cache (also $GENRE_LENS_OFFLINE=1). Default true. */
  allowModelDownloads?: boolean;
  /** Embedding and poster cache (and downloaded encoders); default $GENRE_LENS_CACHE or ~/.cache/genre-lens; null disables the embedding and poster cache. */
  cacheDir?: string | null;
  dataset?: DatasetOptions;
  /** Dataset-derived downloads (posters) may reach loopback/private addresses (default false). */
  allowPrivateNetwork?: boolean;
  /** Extra folders local posters may be read from, beyond the dataset file's folder. */
  posterRoots?: string[];
  /** false = no network at all (posters, encoder files): the daemon's Restricted Mode, the CLI's --offline. Default true. */
  allowDownloads?: boolean;
}

export type Phase = 'reading' | 'downloading' | 'loading encoders' | 'encoding text' | 'encoding posters' | 'training' | 'evaluating' | 'saving'
  | 'saved' | 'comparing';
/**
 * A phase's progress; for 'downloading', done/total are bytes and detail is the file. 'saved': the model is saved (and may
 * be served), detail is its folder; 'comparing': the text-only/poster-only comparison that follows, done/total boosters.
 */
export interface RunProgress {
  phase: Phase;
  done?: number;
  total?: number;
  detail?: string;
}

/** `$GENRE_LENS_OFFLINE` is 1, true or yes: no encoder downloads (models folder and cache only). */
export function envOffline(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes|on)$/i.test(env.GENRE_LENS_OFFLINE ?? '');
}

/** Why encoder files may not be downloaded and how to allow them (a sentence), or null when they may ($HF_HUB_OFFLINE is hubFiles.ts's). */
export function modelDownloadsOff(options: EngineOptions, env: NodeJS.ProcessEnv = process.env): string | null {
  if (options.allowDownloads === false) return 'Downloads are off (--offline, or a workspace in Restricted Mode): drop --offline, or trust the workspace, to allow them';
  if (options.allowModelDownloads === false) return 'Model downloads are off (the genreLens.downloadModels setting): turn it on to allow them';
  if (envOffline(env)) return 'Model downloads are off (GENRE_LENS_OFFLINE=1): unset it to allow them';
  return null;
}

/** Where encoder files are downloaded to: the cache folder, which a null cacheDir (no embedding cache) does not remove. */
function modelCacheDir(options: EngineOptions): string {
  return options.cacheDir ?? defaultCacheDir();
}

/** Where the hub encoders' files come from, with download progress as RunProgress ('downloading', bytes). */
export function hubAccessOf(options: EngineOptions, onProgress?: (p: RunProgress) => void, signal?: AbortSignal): HubAccess {
  return {
    endpoint: options.hubUrl || undefined, modelsDir: modelsDirOf(options.modelsDir), cacheDir: modelCacheDir(options),
    allowDownload: modelDownloadsOff(options) === null, signal,
    onProgress: onProgress && ((p) => onProgress({ phase: 'downloading', done: p.receivedBytes, total: p.totalBytes, detail: p.file })),
  };
}

/** Where the ImageNet MobileNetV2 file comes from (models folder, the URL option or the registry's through the cache). */
export function imageSourceOf(options: EngineOptions, onProgress?: (p: RunProgress) => void, signal?: AbortSignal): OnnxModelSource {
  const detail = options.imageModelUrl ?? weightsFile(MOBILENETV2).path;
  return {
    modelsDir: modelsDirOf(options.modelsDir), modelUrl: options.imageModelUrl, cacheDir: modelCacheDir(options),
    allowDownload: modelDownloadsOff(options) === null, signal,
    onDownloadProgress: onProgress && ((done, total) => onProgress({ phase: 'downloading', done, total, detail })),
  };
}

/** Loads the encoders the options ask for (for training); unavailable reference encoders give way to the bundled ones, with a warning. */
export async function loadEncoders(options: EngineOptions, onWarning: (m: string) => void,
  onProgress?: (p: RunProgress) => void, signal?: AbortSignal): Promise<Encoders> {
  const downloadsOff = modelDownloadsOff(options);
  const created = await createTextEncoder({ model: options.textEncoder ?? 'minilm', allowFallback: true,
    hub: hubAccessOf(options, onProgress, signal), downloadsOff });
  if (created.warning) onWarning(created.warning);
  const choice = options.imageEncoder ?? 'mobilenetv2';
  let image: ImageEncoder | null = null;
  try {
    if (choice !== 'none') {
      const made = await createImageEncoder({ model: choice, ...imageSourceOf(options, onProgress, signal), allowFallback: true, downloadsOff });
      if (made.warning) onWarning(made.warning);
      image = made.encoder;
    }
  } catch (e) {
    await created.encoder.dispose();
    throw e;
  }
  return { text: created.encoder, image };
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
