// One-time setup of TensorFlow.js on its WebAssembly backend for Node, shared by the bundled encoders
// (USE-Lite text, nsfwjs fallback image). The .wasm binaries are read from the installed
// @tensorflow/tfjs-backend-wasm package on disk, never fetched over the network.

import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installFastBatchMatMul } from './wasmMatMul';

let ready: Promise<typeof tf> | undefined;

/**
 * Selects the wasm backend once per process (single-threaded in Node; the SIMD binary, which Node 20 supports) with
 * the XNNPACK BatchMatMul of wasmMatMul.ts, so every tfjs-wasm user in every process runs the same kernels.
 */
export function ensureWasmBackend(): Promise<typeof tf> {
  if (ready) return ready;
  ready = (async () => {
    const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(wasmDir + path.sep);
    if (!(await tf.setBackend('wasm'))) throw new Error(`TensorFlow.js wasm backend failed to initialise from ${wasmDir}`);
    await tf.ready();
    installFastBatchMatMul(tf);
    return tf;
  })();
  ready.catch(() => (ready = undefined)); // allow a retry after a failure
  return ready;
}

/** An IOHandler serving already-loaded model artifacts (model JSON + weight bytes read with fs). */
export function memoryHandler(artifacts: tf.io.ModelArtifacts): tf.io.IOHandler {
  return { load: async () => artifacts };
}

/** Copies a Node Buffer into a standalone ArrayBuffer (tfjs wants whole ArrayBuffers for weight data). */
export function toArrayBuffer(buf: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(buf.byteLength);
  new Uint8Array(out).set(buf);
  return out;
}
