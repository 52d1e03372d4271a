// Text encoder: sentence-transformers all-MiniLM-L6-v2 (384-d) through @huggingface/transformers, from a folder of hub
// files already resolved and verified (hubFiles.ts): WordPiece tokenizer + BERT ONNX model on onnxruntime-node, mean
// pooling over the attention mask, L2 normalisation. transformers.js never touches the network here.

import * as path from 'node:path';
import type * as HF from '@huggingface/transformers' with { 'resolution-mode': 'import' };
import type { ResolvedModel } from './hubFiles';
import { loadOnnxRuntime } from './onnxRuntime';
import { type RegistryEntry, weightsFile } from './registry';
import { encodeLengthSorted, normaliseText } from './textBatches';
import type { EncodeOptions, EncoderIdentity, TextEncoder } from './types';
import { readWeightsFile } from './weightsFile';

type Transformers = typeof import('@huggingface/transformers', { with: { 'resolution-mode': 'import' } });

/** Texts tokenised and length-sorted together (bounds the token arrays held at once). */
const SORT_WINDOW = 2048;
/** Characters kept per text (after collapsing whitespace) before tokenising: far more than the token limit needs. */
const MAX_CHARS = 20_000;

let transformers: Promise<Transformers> | undefined;

/**
 * The ESM build of transformers.js, imported once per process (a `require` would load a second instance with its own
 * `env`), configured to load only from local folders: no hub, no file cache, and a fetch that refuses.
 */
export function loadTransformers(): Promise<Transformers> {
  // onnxruntime-node first: transformers.js requires it as it loads, and its failure says which platform lacks a binary.
  transformers ??= loadOnnxRuntime().then(() => import('@huggingface/transformers')).then((hf) => {
    const { env } = hf;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.useFSCache = false;
    env.useBrowserCache = false;
    env.useWasmCache = false;
    env.cacheDir = null; // nothing to cache: files are resolved, verified and cached by hubFiles.ts
    env.logLevel = hf.LogLevel.ERROR;
    env.fetch = (url: string | URL) =>
      Promise.reject(new Error(`transformers.js tried to fetch ${String(url)}; Genre Lens downloads model files itself (hubFiles.ts)`));
    return hf;
  });
  const loading = transformers;
  loading.catch(() => {
    if (transformers === loading) transformers = undefined; // a failure is not cached: the next call tries again
  });
  return loading;
}

export interface MiniLmOptions {
  /**
   * Most texts per model run (default 16). Measured on a 6-layer 384-d BERT-shaped stand-in on 2 cores: 1-2k tokens
   * per run is the sweet spot (batch 1 cannot use the second core; 32-64 rows of 128+ tokens get slower again).
   */
  batchSize?: number;
  /** onnxruntime intra-op threads (default 2). */
  intraOpNumThreads?: number;
}

interface BertConfig {
  hidden_size: number;
  max_position_embeddings: number;
}

/** config.json, read as untrusted input, with the two numbers the encoder relies on checked. */
async function readConfig(model: ResolvedModel, entry: RegistryEntry): Promise<BertConfig> {
  const file = path.join(model.dir, 'config.json');
  const maxBytes = entry.files.find((f) => f.path === 'config.json')?.maxBytes ?? 1024 * 1024;
  const bytes = await readWeightsFile(file, maxBytes);
  if (!bytes) throw new Error(`${file} is missing: the ${entry.id} files in ${model.dir} are incomplete; delete the folder so they are fetched again`);
  let json: Partial<Record<keyof BertConfig, unknown>>;
  try {
    json = JSON.parse(bytes.toString('utf8')) as typeof json;
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}); delete the folder so the files are fetched again`);
  }
  const positiveInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (!positiveInt(json.hidden_size) || !positiveInt(json.max_position_embeddings)) {
    throw new Error(`${file} has no positive integer hidden_size / max_position_embeddings: not a BERT model config`);
  }
  const config = json as BertConfig;
  if (config.hidden_size !== entry.dim) {
    throw new Error(`${file} says hidden_size ${config.hidden_size}, but ${entry.id} gives ${entry.dim}-d vectors ` +
      `(models/ registry): these are not that model's files; remove them so the right ones are fetched`);
  }
  return config;
}

/** Mean of the first `len` token vectors of row `r` (the rest is padding), L2-normalised. */
function meanPool(hidden: Float32Array, r: number, len: number, seq: number, dim: number): Float32Array {
  const sum = new Float64Array(dim);
  for (let t = 0, o = r * seq * dim; t < len; t++, o += dim) {
    for (let k = 0; k < dim; k++) sum[k] += hidden[o + k];
  }
  let norm = 0;
  for (let k = 0; k < dim; k++) norm += sum[k] * sum[k];
  norm = Math.sqrt(norm);
  const out = new Float32Array(dim);
  if (norm > 0) for (let k = 0; k < dim; k++) out[k] = sum[k] / norm;
  return out;
}

export async function loadMiniLm(model: ResolvedModel, entry: RegistryEntry, options: MiniLmOptions = {}): Promise<TextEncoder> {
  const config = await readConfig(model, entry);
  const hf = await loadTransformers();
  const where = `${entry.id} from ${model.dir}`;
  const tokenizer = await hf.AutoTokenizer.from_pretrained(model.dir).catch((err: Error) => {
    throw new Error(`cannot load the tokenizer of ${where}: ${err.message}`);
  });
  const net = await hf.AutoModel.from_pretrained(model.dir, {
    dtype: 'fp32',
    device: 'cpu',
    use_external_data_format: false, // only the pinned onnx/model.onnx: a config cannot pull in an unlisted .onnx_data
    session_options: {
      intraOpNumThreads: Math.max(1, options.intraOpNumThreads ?? 2),
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Spinning idle threads bought nothing measurable here and slow everything else down on a busy 2-core machine.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    },
  }).catch((err: Error) => {
    throw new Error(`cannot load the ONNX model of ${where}: ${err.message}`);
  });

  const dim = entry.dim;
  const maxTokens = Math.min(entry.maxTokens ?? Infinity, config.max_position_embeddings, tokenizer.model_max_length ?? Infinity);
  const special = new Set(tokenizer.all_special_ids);
  const padId = BigInt(tokenizer.pad_token_id ?? 0);
  const batchSize = Math.max(1, options.batchSize ?? 16);

  /** [CLS] … [SEP] ids, untruncated; null when the text has no token of its own (→ zero vector). */
  function tokenise(text: unknown): number[] | null {
    const t = normaliseText(text, MAX_CHARS);
    const ids = t ? tokenizer.encode(t) : [];
    return ids.some((id) => !special.has(id)) ? ids : null;
  }
  /** Cuts to maxTokens keeping the closing special token ([SEP]), as sentence-transformers does. */
  function truncate(ids: number[]): number[] {
    if (ids.length <= maxTokens) return ids;
    const last = ids[ids.length - 1];
    return special.has(last) ? [...ids.slice(0, maxTokens - 1), last] : ids.slice(0, maxTokens);
  }

  /** One model run over rows padded to the longest; returns one pooled vector per row. */
  async function embed(rows: number[][]): Promise<Float32Array[]> {
    const seq = Math.max(...rows.map((r) => r.length));
    const n = rows.length;
    const ids = new BigInt64Array(n * seq).fill(padId);
    const mask = new BigInt64Array(n * seq);
    rows.forEach((row, r) => row.forEach((id, t) => {
      ids[r * seq + t] = BigInt(id);
      mask[r * seq + t] = 1n;
    }));
    const out = (await net({
      input_ids: new hf.Tensor('int64', ids, [n, seq]),
      attention_mask: new hf.Tensor('int64', mask, [n, seq]),
      token_type_ids: new hf.Tensor('int64', new BigInt64Array(n * seq), [n, seq]),
    })) as { last_hidden_state?: HF.Tensor };
    const hidden = out.last_hidden_state;
    const dims = hidden?.dims ?? [];
    if (!hidden || hidden.type !== 'float32' || dims.length !== 3 || dims[0] !== n || dims[1] !== seq || dims[2] !== dim) {
      throw new Error(`${where}: last_hidden_state is ${hidden?.type} [${dims}], expected float32 [${n},${seq},${dim}]`);
    }
    const data = hidden.data as Float32Array;
    return rows.map((row, r) => meanPool(data, r, row.length, seq, dim));
  }

  // Fail at load time, not on the first description.
  await embed([truncate(tokenizer.encode('warm up'))]).catch(async (err: Error) => {
    await net.dispose();
    throw err;
  });

  const weights = weightsFile(entry).path;
  const weightsSha256 = model.files.find((f) => f.path === weights)?.sha256;
  if (!weightsSha256) throw new Error(`${where}: no sha256 recorded for ${weights}`);
  const identity: EncoderIdentity = {
    kind: 'text',
    id: entry.id,
    version: model.revision,
    dim,
    weightsSha256,
    source: model.source,
    preprocess: `whitespace collapsed, cut at ${MAX_CHARS} chars, BERT WordPiece (tokenizer.json), [CLS] text [SEP] ` +
      `truncated to ${maxTokens} tokens keeping [SEP]; mean pooling over the attention mask, L2-normalised`,
    fallback: false,
    revision: model.revision,
    files: model.files.map(({ path: p, sha256 }) => ({ path: p, sha256 })),
  };

  return {
    id: identity.id,
    version: identity.version,
    dim,
    maxTokens,
    identity: () => ({ ...identity, files: identity.files?.map((f) => ({ ...f })) }),
    countTruncated: (texts) => texts.filter((t) => (tokenise(t)?.length ?? 0) > maxTokens).length,
    // Each run pads to its longest row, so texts are batched in order of token count; results go back in place.
    encode: (texts: readonly string[], opts?: EncodeOptions) => encodeLengthSorted(texts, {
      window: SORT_WINDOW, batchSize, dim,
      tokenise: (text) => {
        const ids = tokenise(text);
        return ids && truncate(ids);
      },
      embed,
    }, opts),
    async dispose() {
      await net.dispose();
    },
  };
}
