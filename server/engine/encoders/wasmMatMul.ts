// A faster BatchMatMul for TensorFlow.js's wasm backend. The stock kernel sends only un-transposed, batch-1 products
// to XNNPACK; every batched product (USE-Lite's attention, [B·heads, L, L]) runs a scalar triple loop ~8× slower.
// This kernel runs each batch entry as its own batch-1 XNNPACK product on zero-copy views of the wasm heap.

import type * as tfTypes from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm this kernel uses (not in its public typings). */
interface WasmBackend {
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
  dataIdMap: {
    get(dataId: object): { id: number; memoryOffset: number };
    delete(dataId: object): void;
  };
  makeOutput(shape: number[], dtype: string, memoryOffset?: number): tfTypes.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

type KernelArgs = Parameters<tfTypes.KernelFunc>[0];
const installed = new WeakSet<object>();

const product = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);

/**
 * Replaces the wasm backend's BatchMatMul kernel (once per backend instance). Products the stock kernel already
 * sends to XNNPACK, broadcast batches and non-float32 inputs still go to the stock kernel.
 */
export function installFastBatchMatMul(tf: typeof tfTypes): void {
  const backend = tf.findBackend('wasm') as unknown as WasmBackend | null;
  const stock = tf.getKernel('BatchMatMul', 'wasm');
  const transposeKernel = tf.getKernel('Transpose', 'wasm');
  if (!backend || !stock || !transposeKernel || installed.has(backend)) return;
  installed.add(backend);
  const matMul = backend.wasm.cwrap('BatchMatMul', null,
    ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);

  /** A [1, rows, cols] float32 tensor registered over heap bytes owned by another tensor (never freed itself). */
  const view = (offset: number, rows: number, cols: number) => {
    const info = backend.makeOutput([1, rows, cols], 'float32', offset);
    return { info, id: backend.dataIdMap.get(info.dataId).id };
  };
  const dropView = (v: { info: tfTypes.TensorInfo; id: number }) => {
    backend.wasm.tfjs.disposeData(v.id); // also deletes the XNNPACK operator cached on it
    backend.dataIdMap.delete(v.info.dataId);
  };
  /** x as [batch, rows, cols], transposed to [batch, cols, rows] when `transpose` (a new tensor, else null). */
  const materialise = (x: tfTypes.TensorInfo, batch: number, transpose: boolean): tfTypes.TensorInfo | null => {
    if (!transpose) return null;
    const r = x.shape.length;
    const x3 = { dataId: x.dataId, shape: [batch, x.shape[r - 2], x.shape[r - 1]], dtype: x.dtype };
    return transposeKernel.kernelFunc({ inputs: { x: x3 }, backend: backend as never, attrs: { perm: [0, 2, 1] } }) as tfTypes.TensorInfo;
  };

  const fast = function xnnpackBatchMatMul(args: KernelArgs): tfTypes.TensorInfo {
    const { a, b } = args.inputs as { a: tfTypes.TensorInfo; b: tfTypes.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const ra = a.shape.length, rb = b.shape.length;
    const batch = product(a.shape.slice(0, -2));
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || ra !== rb || batch !== product(b.shape.slice(0, -2))
      || a.shape.slice(0, -2).some((d, i) => d !== b.shape[i]) || (batch === 1 && !transposeA && !transposeB)) {
      return stock.kernelFunc(args) as tfTypes.TensorInfo;
    }
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    if (k !== (transposeB ? b.shape[rb - 1] : b.shape[rb - 2])) return stock.kernelFunc(args) as tfTypes.TensorInfo;
    const out = backend.makeOutput([...a.shape.slice(0, -2), m, n], 'float32');
    const aT = materialise(a, batch, transposeA);
    const bT = materialise(b, batch, transposeB);
    try {
      const aBase = backend.dataIdMap.get((aT ?? a).dataId).memoryOffset;
      const bBase = backend.dataIdMap.get((bT ?? b).dataId).memoryOffset;
      const outBase = backend.dataIdMap.get(out.dataId).memoryOffset;
      const aShape = new Uint8Array(new Int32Array([1, m, k]).buffer);
      const bShape = new Uint8Array(new Int32Array([1, k, n]).buffer);
      for (let i = 0; i < batch; i++) {
        const av = view(aBase + i * m * k * 4, m, k);
        const bv = view(bBase + i * k * n * 4, k, n);
        const ov = view(outBase + i * m * n * 4, m, n);
        try {
          matMul(av.id, aShape, 3, bv.id, bShape, 3, 0, 0, ov.id);
        } finally {
          dropView(av);
          dropView(bv);
          dropView(ov);
        }
      }
    } finally {
      if (aT) backend.disposeData(aT.dataId);
      if (bT) backend.disposeData(bT.dataId);
    }
    return out;
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...stock, kernelFunc: fast as tfTypes.KernelFunc });
}
