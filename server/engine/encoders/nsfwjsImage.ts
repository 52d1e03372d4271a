// Fallback image encoder, bundled and offline: the MobileNetV2 Keras model shipped inside nsfwjs, cut at its
// 1280-d global-average-pooled layer (`flatten_1`, right before nsfwjs's dense classifier head), on TF.js wasm.
// Its backbone is fine-tuned for NSFW classes rather than ImageNet, so it is used only when the ONNX model is absent.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { sha256Hex } from './fetchCache';
import { POSTER_PREPROCESS, POSTER_SIZE, posterEncoder } from './posterPixels';
import { ensureWasmBackend, memoryHandler, toArrayBuffer } from './tfWasm';
import type { EncoderIdentity, ImageEncoder } from './types';

const FEATURE_LAYER = 'flatten_1';
const DIM = 1280;
const ITEM_FLOATS = POSTER_SIZE * POSTER_SIZE * 3;

interface KerasModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tfTypes.io.WeightsManifestEntry[] }[];
}

/** nsfwjs ships its model as UMD .min.js files: model JSON as an object, each weight shard as a base64 string. */
async function readBundledModel(): Promise<{ json: KerasModelJson; shards: Buffer[]; sha256: string; version: string }> {
  const modelDir = path.resolve(path.dirname(require.resolve('nsfwjs')), '../models/mobilenet_v2');
  const pkgFile = path.resolve(modelDir, '../../../package.json');
  const pkg = JSON.parse(await fs.readFile(pkgFile, 'utf8')) as { name: string; version: string };
  if (pkg.name !== 'nsfwjs') throw new Error(`Unexpected nsfwjs layout: ${pkgFile} is ${pkg.name}`);
  const fileBytes: Buffer[] = []; // the bundled files as shipped, for the identity hash
  const load = async (file: string): Promise<unknown> => {
    const full = path.join(modelDir, file);
    fileBytes.push(await fs.readFile(full));
    const value: unknown = require(full); // eslint-disable-line @typescript-eslint/no-require-imports
    delete require.cache[full]; // keep no second copy of the base64 text around
    return value;
  };
  const json = (await load('model.min.js')) as KerasModelJson;
  const shards: Buffer[] = [];
  for (const p of json.weightsManifest.flatMap((g) => g.paths)) {
    const base64 = await load(`${p}.min.js`);
    if (typeof base64 !== 'string') throw new Error(`nsfwjs weight bundle ${p} is not base64 text`);
    shards.push(Buffer.from(base64, 'base64'));
  }
  return { json, shards, sha256: sha256Hex(...fileBytes), version: pkg.version };
}

/** The identity id of this encoder (manifests name it). */
export const NSFWJS_ID = 'nsfwjs-mobilenetv2-pooled';

export interface NsfwjsImageOptions {
  /** Images per forward pass (default 16). */
  batchSize?: number;
}

export async function loadNsfwjsImageEncoder(options: NsfwjsImageOptions = {}): Promise<ImageEncoder> {
  const tf = await ensureWasmBackend();
  const { json, shards, sha256, version } = await readBundledModel();
  const full = await tf.loadLayersModel(
    memoryHandler({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: shards.map(toArrayBuffer),
    }),
  );
  const layer = full.getLayer(FEATURE_LAYER);
  const shape = layer.outputShape as number[];
  if (shape.length !== 2 || shape[1] !== DIM) throw new Error(`nsfwjs layer ${FEATURE_LAYER} has shape [${shape}], expected [null,${DIM}]`);
  const model = tf.model({ inputs: full.inputs, outputs: layer.output as tfTypes.SymbolicTensor });

  async function infer(batch: Float32Array, n: number): Promise<Float32Array> {
    const out = tf.tidy(() => model.predict(tf.tensor4d(batch, [n, POSTER_SIZE, POSTER_SIZE, 3])) as tfTypes.Tensor);
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  }
  /** nsfwjs feeds RGB scaled to [0,1] (no mean/std), NHWC. */
  function fill(rgb: Uint8Array, out: Float32Array, offset: number): void {
    for (let j = 0; j < ITEM_FLOATS; j++) out[offset + j] = rgb[j] * (1 / 255);
  }

  const identity: EncoderIdentity = {
    kind: 'image',
    id: NSFWJS_ID,
    version: `1+nsfwjs@${version}`,
    dim: DIM,
    weightsSha256: sha256,
    source: `nsfwjs@${version} bundled MobileNetV2 (fallback: fine-tuned for NSFW classes, not ImageNet)`,
    preprocess: `${POSTER_PREPROCESS}; [0,1], NHWC`,
    fallback: false, // createImageEncoder marks it when it stands in for MobileNetV2
  };
  const batchSize = Math.max(1, options.batchSize ?? 16);
  return posterEncoder(identity, { dim: DIM, itemFloats: ITEM_FLOATS, fill, infer }, batchSize, async () => {
    full.dispose();
  });
}
