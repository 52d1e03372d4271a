// Typed API over LightGBM's C API compiled to WebAssembly (lib_lightgbm.{js,wasm}, built by
// scripts/build-lightgbm-wasm.sh from LightGBM 4.1.0.99). One instance is one wasm module with its own memory:
// run it inside a worker thread (see pool.ts) to train in parallel and to free all memory by ending the worker.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** LightGBM parameters, written as LightGBM's `key=value` parameter string. */
export type Params = Record<string, string | number | boolean>;

/** A LightGBM C API call failed; `message` is LightGBM's own error text (LGBM_GetLastError). */
export class LightGBMError extends Error {
  constructor(readonly call: string, detail: string) {
    super(`LightGBM ${call}: ${detail}`);
    this.name = 'LightGBMError';
  }
}

export type PredictKind = 'probability' | 'raw' | 'contrib';
const PREDICT_TYPE: Record<PredictKind, number> = { probability: 0, raw: 1, contrib: 3 };
const DTYPE_FLOAT32 = 0;
const FIELD_FLOAT32 = 0;

/** The part of the emscripten module this file uses. */
interface WasmModule {
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  HEAPF32: Float32Array;
  HEAPF64: Float64Array;
  UTF8ToString(ptr: number): string;
  stringToUTF8(s: string, ptr: number, max: number): void;
  lengthBytesUTF8(s: string): number;
  _malloc(n: number): number;
  _free(p: number): void;
  [fn: `_LGBM_${string}`]: (...args: (number | bigint)[]) => number;
}

export function paramString(params: Params): string {
  return Object.entries(params).map(([k, v]) => `${k}=${typeof v === 'boolean' ? String(v) : v}`).join(' ');
}

/** Loads a fresh LightGBM wasm instance. */
export async function loadLightGBM(): Promise<LightGBM> {
  const dir = locateWasmDir();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const factory = require(path.join(dir, 'lib_lightgbm.js')) as (o: object) => Promise<WasmModule>;
  // Under Node >= 18 the glue would try fetch() on a file path: hand it the bytes instead.
  const wasmBinary = fs.readFileSync(path.join(dir, 'lib_lightgbm.wasm'));
  const mod = await factory({ wasmBinary, print: () => undefined, printErr: () => undefined });
  return new LightGBM(mod);
}

/** The folder holding lib_lightgbm.{js,wasm}: beside this source file, or beside the bundle in dist/. */
function locateWasmDir(): string {
  const candidates = [__dirname, path.join(__dirname, 'lightgbm'), path.join(__dirname, '..', 'lightgbm')];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'lib_lightgbm.wasm')));
  if (!found) throw new Error(`lib_lightgbm.wasm not found near ${__dirname}`);
  return found;
}

export class LightGBM {
  constructor(private readonly m: WasmModule) {}

  /** Calls a C API function and turns a non-zero return into a LightGBMError with LightGBM's message. */
  call(name: string, ...args: (number | bigint)[]): void {
    let rc: number;
    try {
      rc = this.m[`_LGBM_${name}`](...args);
    } catch (e) {
      // A C++ exception that escaped the C API (should not happen: the C API catches and returns -1).
      throw new LightGBMError(name, e instanceof Error ? e.message : `native exception ${String(e)}`);
    }
    if (rc !== 0) throw new LightGBMError(name, this.m.UTF8ToString(this.m._LGBM_GetLastError()) || `error ${rc}`);
  }

  /** Runs `fn` with scratch memory from `alloc`, freeing every allocation afterwards. */
  scoped<T>(fn: (alloc: Allocator) => T): T {
    const ptrs: number[] = [];
    const m = this.m;
    const raw = (bytes: number): number => {
      const p = m._malloc(Math.max(bytes, 8));
      if (!p) throw new LightGBMError('malloc', `out of memory allocating ${bytes} bytes`);
      ptrs.push(p);
      return p;
    };
    const alloc: Allocator = {
      bytes: raw,
      f32(data) {
        const p = raw(data.length * 4);
        m.HEAPF32.set(data, p >> 2);
        return p;
      },
      str(s) {
        const n = m.lengthBytesUTF8(s) + 1;
        const p = raw(n);
        m.stringToUTF8(s, p, n);
        return p;
      },
      i32: (p) => m.HEAP32[p >> 2],
      i64: (p) => Number(new BigInt64Array(m.HEAPU8.buffer, p, 1)[0]),
      f64s: (p, n) => m.HEAPF64.slice(p >> 3, (p >> 3) + n),
      ptr: (p) => m.HEAP32[p >> 2],
      utf8: (p) => m.UTF8ToString(p),
    };
    try {
      return fn(alloc);
    } finally {
      for (const p of ptrs) m._free(p);
    }
  }

  /** A dataset from a row-major float32 matrix. `reference` makes a validation set binned like its training set. */
  createDataset(data: Float32Array, nrow: number, ncol: number, params: Params = {}, reference?: Dataset): Dataset {
    if (data.length !== nrow * ncol) throw new RangeError(`matrix has ${data.length} values, expected ${nrow}×${ncol}`);
    const handle = this.scoped((a) => {
      const out = a.bytes(4);
      this.call('DatasetCreateFromMat', a.f32(data), DTYPE_FLOAT32, nrow, ncol, 1, a.str(paramString(params)),
        reference?.handle ?? 0, out);
      return a.ptr(out);
    });
    return new Dataset(this, handle, nrow);
  }

  createBooster(train: Dataset, params: Params): Booster {
    const handle = this.scoped((a) => {
      const out = a.bytes(4);
      this.call('BoosterCreate', train.handle, a.str(paramString(params)), out);
      return a.ptr(out);
    });
    return new Booster(this, handle);
  }

  loadBooster(modelText: string): Booster {
    const handle = this.scoped((a) => {
      const iters = a.bytes(4);
      const out = a.bytes(4);
      this.call('BoosterLoadModelFromString', a.str(modelText), iters, out);
      return a.ptr(out);
    });
    return new Booster(this, handle);
  }
}

export interface Allocator {
  bytes(n: number): number;
  f32(data: Float32Array): number;
  str(s: string): number;
  i32(p: number): number;
  i64(p: number): number;
  f64s(p: number, n: number): Float64Array;
  ptr(p: number): number;
  utf8(p: number): string;
}

export class Dataset {
  constructor(private readonly lgb: LightGBM, readonly handle: number, readonly numData: number) {}

  setField(name: 'label' | 'weight', values: Float32Array): void {
    if (values.length !== this.numData) throw new RangeError(`${name} has ${values.length} values, dataset has ${this.numData} rows`);
    this.lgb.scoped((a) => this.lgb.call('DatasetSetField', this.handle, a.str(name), a.f32(values), values.length, FIELD_FLOAT32));
  }

  free(): void {
    this.lgb.call('DatasetFree', this.handle);
  }
}

export class Booster {
  constructor(private readonly lgb: LightGBM, readonly handle: number) {}

  addValidData(valid: Dataset): void {
    this.lgb.call('BoosterAddValidData', this.handle, valid.handle);
  }

  /** One boosting round; true when LightGBM cannot split any more (training is finished). */
  updateOneIter(): boolean {
    return this.lgb.scoped((a) => {
      const finished = a.bytes(4);
      this.lgb.call('BoosterUpdateOneIter', this.handle, finished);
      return a.i32(finished) === 1;
    });
  }

  rollbackOneIter(): void {
    this.lgb.call('BoosterRollbackOneIter', this.handle);
  }

  currentIteration(): number {
    return this.lgb.scoped((a) => {
      const out = a.bytes(4);
      this.lgb.call('BoosterGetCurrentIteration', this.handle, out);
      return a.i32(out);
    });
  }

  /** The metric values on data set `dataIndex` (0 = training data, 1.. = validation sets in order added). */
  getEval(dataIndex: number): number[] {
    return this.lgb.scoped((a) => {
      const count = a.bytes(4);
      this.lgb.call('BoosterGetEvalCounts', this.handle, count);
      const n = a.i32(count);
      const out = a.bytes(8 * Math.max(n, 1));
      this.lgb.call('BoosterGetEval', this.handle, dataIndex, count, out);
      return Array.from(a.f64s(out, a.i32(count)));
    });
  }

  /** The model as LightGBM's text format; `numIteration` <= 0 saves all iterations. */
  saveModelToString(numIteration = 0): string {
    return this.lgb.scoped((a) => {
      const outLen = a.bytes(8);
      this.lgb.call('BoosterSaveModelToString', this.handle, 0, numIteration, 0, 0n, outLen, 0);
      const len = a.i64(outLen);
      const buf = a.bytes(len);
      this.lgb.call('BoosterSaveModelToString', this.handle, 0, numIteration, 0, BigInt(len), outLen, buf);
      return a.utf8(buf);
    });
  }

  /**
   * Predicts for a row-major float32 matrix. 'probability' gives one value a row; 'contrib' gives ncol + 1 SHAP
   * values a row (the last one is the expected value), in raw-score (log-odds) space.
   */
  predict(data: Float32Array, nrow: number, ncol: number, kind: PredictKind = 'probability', numIteration = 0): Float64Array {
    if (data.length !== nrow * ncol) throw new RangeError(`matrix has ${data.length} values, expected ${nrow}×${ncol}`);
    return this.lgb.scoped((a) => {
      const type = PREDICT_TYPE[kind];
      const outLen = a.bytes(8);
      this.lgb.call('BoosterCalcNumPredict', this.handle, nrow, type, 0, numIteration, outLen);
      const n = a.i64(outLen);
      const out = a.bytes(8 * n);
      this.lgb.call('BoosterPredictForMat', this.handle, a.f32(data), DTYPE_FLOAT32, nrow, ncol, 1, type, 0,
        numIteration, a.str(''), outLen, out);
      return a.f64s(out, a.i64(outLen));
    });
  }

  free(): void {
    this.lgb.call('BoosterFree', this.handle);
  }
}
