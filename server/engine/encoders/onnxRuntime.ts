// onnxruntime-node, loaded when an ONNX encoder is first created rather than when a worker starts: a platform it ships
// no binary for (macOS Intel, as of 1.30.0) then fails with ModelUnavailableError, which the encoder fallbacks handle.

import type * as Ort from 'onnxruntime-node';
import { ModelUnavailableError, messageOf } from './hubFiles';

export type OnnxRuntime = typeof Ort;

const defaultLoader = async (): Promise<OnnxRuntime> => {
  const mod = (await import('onnxruntime-node')) as OnnxRuntime & { default?: OnnxRuntime };
  return 'InferenceSession' in mod && mod.InferenceSession ? mod : (mod.default as OnnxRuntime);
};

let loader: () => Promise<OnnxRuntime> = defaultLoader;
let loaded: Promise<OnnxRuntime> | undefined;

/** Why onnxruntime-node could not be loaded, as a clause ("onnxruntime-node has no binary for darwin/x64 (…)"). */
export function onnxRuntimeFailure(err: unknown, platform: string = process.platform, arch: string = process.arch): string {
  const message = messageOf(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'MODULE_NOT_FOUND' && /onnxruntime_binding\.node/.test(message)) {
    return `onnxruntime-node has no binary for ${platform}/${arch} (the ONNX encoders need it)`;
  }
  return `onnxruntime-node could not be loaded on ${platform}/${arch}: ${message}`;
}

/** onnxruntime-node, loaded once per process; rejects with ModelUnavailableError when it cannot be loaded here. */
export function loadOnnxRuntime(): Promise<OnnxRuntime> {
  loaded ??= loader().catch((err: unknown) => {
    throw new ModelUnavailableError(onnxRuntimeFailure(err));
  });
  return loaded;
}

/** Tests: replace how onnxruntime-node is loaded (undefined restores the real one) and forget the loaded copy. */
export function setOnnxRuntimeLoaderForTests(load: (() => Promise<OnnxRuntime>) | undefined): void {
  loader = load ?? defaultLoader;
  loaded = undefined;
}
