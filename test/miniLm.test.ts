// Tests for the MiniLM text encoder (miniLm.ts) on the tiny BERT fixture (scripts/tinyBert.ts): shapes, unit norm,
// pooling checked against an independent computation (own WordPiece + onnxruntime-node directly + mean by hand),
// padding excluded from pooling, truncation (max_position_embeddings 32), determinism, empty text, bad config.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import type { ResolvedModel } from '../server/engine/encoders/hubFiles';
import { loadMiniLm } from '../server/engine/encoders/miniLm';
import { MINILM } from '../server/engine/encoders/registry';
import type { TextEncoder } from '../server/engine/encoders/types';
import { TINY_BERT_VOCAB, writeTinyBert } from '../scripts/tinyBert';

const DIM = 384;
const POSITIONS = 32;
const SHORT = 'a young detective and his friends';
const LONG = 'the secret mission of the alien ship from a dark planet in the future to save the earth and his family'; // 26 tokens
const TOO_LONG = `${LONG} ${LONG}`;

let tmp = '';
let modelDir = '';
let encoder: TextEncoder;
let session: ort.InferenceSession;

/** What the resolver (hubFiles.ts, tested in hubDownload.test.ts) hands over for a models folder; fake hashes. */
const resolved = (dir: string): ResolvedModel => ({
  dir,
  revision: 'local',
  files: MINILM.files.map((f, i) => ({ path: f.path, sha256: String(i).repeat(64), bytes: 1 })),
  origin: 'models-folder',
  source: dir,
});
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

/** WordPiece written out for the fixture's vocabulary (lower-case words only): greedy longest match, ## continuations. */
function wordPiece(text: string): number[] {
  const id = (piece: string) => TINY_BERT_VOCAB.indexOf(piece);
  const ids = [id('[CLS]')];
  for (const word of text.toLowerCase().split(/\s+/).filter(Boolean)) {
    for (let start = 0; start < word.length;) {
      let end = word.length;
      const piece = (e: number) => (start === 0 ? '' : '##') + word.slice(start, e);
      while (end > start && id(piece(end)) < 0) end--;
      assert.ok(end > start, `fixture vocabulary cannot spell ${word}`);
      ids.push(id(piece(end)));
      start = end;
    }
  }
  return [...ids, id('[SEP]')];
}

/** The fixture's ONNX file run directly on one unpadded row, mean over its tokens, L2-normalised. */
async function reference(ids: number[]): Promise<Float32Array> {
  const feed = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), [1, ids.length]);
  const out = await session.run({
    input_ids: feed(ids),
    attention_mask: feed(ids.map(() => 1)),
    token_type_ids: feed(ids.map(() => 0)),
  });
  const hidden = out.last_hidden_state.data as Float32Array;
  const mean = new Float32Array(DIM);
  for (let t = 0; t < ids.length; t++) for (let k = 0; k < DIM; k++) mean[k] += hidden[t * DIM + k] / ids.length;
  const n = norm(mean);
  return mean.map((x) => x / n);
}

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'genre-lens-minilm-'));
  modelDir = writeTinyBert(tmp, { positions: POSITIONS });
  encoder = await loadMiniLm(resolved(modelDir), MINILM, { batchSize: 4 });
  session = await ort.InferenceSession.create(path.join(modelDir, 'onnx', 'model.onnx'));
});
after(async () => {
  await encoder?.dispose();
  await session?.release();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('MiniLM encoder on the tiny BERT fixture', () => {
  it('gives one unit-length 384-d vector per text, and an identity naming the hub files', async () => {
    const vectors = await encoder.encode([SHORT, LONG, 'war']);
    assert.equal(vectors.length, 3);
    for (const v of vectors) {
      assert.equal(v.length, DIM);
      assert.ok(Math.abs(norm(v) - 1) < 1e-5, `norm ${norm(v)}`);
    }
    assert.ok(maxAbsDiff(vectors[0], vectors[1]) > 1e-3, 'different texts give different vectors');
    const id = encoder.identity();
    assert.equal(id.id, 'Xenova/all-MiniLM-L6-v2');
    assert.equal(id.dim, DIM);
    assert.equal(id.revision, 'local');
    assert.equal(id.fallback, false);
    assert.equal(id.weightsSha256, '3'.repeat(64)); // onnx/model.onnx is the registry's 4th file
    assert.deepEqual(id.files?.map((f) => f.path), ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']);
    assert.match(id.preprocess, /truncated to 32 tokens/);
  });

  it('pools like an independent computation: own WordPiece, the ONNX file run directly, mean by hand', async () => {
    const texts = [LONG, SHORT, 'love', 'the boy who must save the world'];
    const vectors = await encoder.encode(texts);
    for (const [i, text] of texts.entries()) {
      const diff = maxAbsDiff(vectors[i], await reference(wordPiece(text)));
      assert.ok(diff < 1e-5, `${text}: max difference ${diff}`);
    }
  });

  it('excludes padding: a short text alone and batched with a long one gives the same vector', async () => {
    const [alone] = await encoder.encode([SHORT]);
    const [, batched] = await encoder.encode([LONG, SHORT, LONG]);
    const diff = maxAbsDiff(alone, batched);
    assert.ok(diff < 1e-5, `max difference ${diff}`);
  });

  it('keeps input order across length-sorted batches', async () => {
    const texts = ['war', LONG, 'love', SHORT, 'space', 'the queen and the king', 'night', LONG.slice(0, 30), 'crime'];
    const together = await encoder.encode(texts);
    for (const [i, text] of texts.entries()) {
      const [single] = await encoder.encode([text]);
      assert.ok(maxAbsDiff(together[i], single) < 1e-5, `text ${i} (${text}) moved or changed`);
    }
  });

  it('truncates to max_position_embeddings keeping [SEP], and counts the truncated texts', async () => {
    assert.equal(wordPiece(LONG).length, 26);
    assert.equal(wordPiece(TOO_LONG).length, 50);
    const [v] = await encoder.encode([TOO_LONG]); // an untruncated row would make the ONNX Gather fail
    const ids = wordPiece(TOO_LONG);
    const cut = [...ids.slice(0, POSITIONS - 1), ids[ids.length - 1]];
    const diff = maxAbsDiff(v, await reference(cut));
    assert.ok(diff < 1e-5, `max difference ${diff}`);
    assert.equal(encoder.maxTokens, POSITIONS);
    assert.equal(encoder.countTruncated?.([SHORT, TOO_LONG, LONG, '', TOO_LONG]), 2);
  });

  it('is deterministic: same vectors on a second call, same fixture bytes for the same seed', async () => {
    const texts = [SHORT, LONG, TOO_LONG];
    const a = await encoder.encode(texts);
    const b = await encoder.encode(texts);
    a.forEach((v, i) => assert.deepEqual(v, b[i]));
    const again = writeTinyBert(path.join(tmp, 'again'), { positions: POSITIONS });
    const other = writeTinyBert(path.join(tmp, 'other'), { positions: POSITIONS, seed: 2 });
    const onnx = (dir: string) => fs.readFile(path.join(dir, 'onnx', 'model.onnx'));
    assert.deepEqual(await onnx(again), await onnx(modelDir));
    assert.notDeepEqual(await onnx(other), await onnx(modelDir));
  });

  it('gives zero vectors for empty, blank and non-string texts, and reports progress to the total', async () => {
    const seen: number[] = [];
    const vectors = await encoder.encode(['', SHORT, '  \n\t ', null as unknown as string], { onProgress: (done) => seen.push(done) });
    for (const i of [0, 2, 3]) assert.deepEqual(vectors[i], new Float32Array(DIM));
    assert.ok(Math.abs(norm(vectors[1]) - 1) < 1e-5);
    assert.equal(seen.at(-1), 4);
  });

  it('stops between batches when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    await assert.rejects(encoder.encode([SHORT, LONG], { signal: controller.signal }), /stop now/);
  });
});

describe('MiniLM loading errors', () => {
  it('refuses a model whose config.json hidden_size is not the registry dimension, naming config.json', async () => {
    const dir = writeTinyBert(path.join(tmp, 'wrong-dim'));
    await assert.rejects(loadMiniLm(resolved(dir), { ...MINILM, dim: 512 }), (err: Error) => {
      assert.match(err.message, /config\.json says hidden_size 384, but Xenova\/all-MiniLM-L6-v2 gives 512-d vectors/);
      return true;
    });
  });

  it('names the folder when the tokenizer is missing, and never fetches it', async () => {
    const dir = writeTinyBert(path.join(tmp, 'no-tokenizer'));
    await fs.rm(path.join(dir, 'tokenizer.json'));
    await assert.rejects(loadMiniLm(resolved(dir), MINILM), (err: Error) => {
      assert.match(err.message, /cannot load the tokenizer of Xenova\/all-MiniLM-L6-v2 from /);
      assert.ok(err.message.includes(dir), err.message);
      assert.doesNotMatch(err.message, /tried to fetch/);
      return true;
    });
  });

  it('names config.json when it is not JSON', async () => {
    const dir = writeTinyBert(path.join(tmp, 'bad-config'));
    await fs.writeFile(path.join(dir, 'config.json'), '{ not json');
    await assert.rejects(loadMiniLm(resolved(dir), MINILM), /config\.json is not valid JSON/);
  });
});
