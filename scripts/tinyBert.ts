// Test fixture: writes a tiny BERT-architecture feature-extraction model (random weights, deterministic by seed) in the
// Hugging Face hub's layout under <dir>/Xenova/all-MiniLM-L6-v2/, so MiniLM loading, pooling and downloads are tested
// with no network. Script use: `npm run fixtures:tiny-bert -- <dir>` (prints the model folder).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { mulberry32 } from '../server/engine/random';

export const TINY_BERT_REPO = 'Xenova/all-MiniLM-L6-v2';
/** The real model's width, so the fixture passes the registry's dim check. */
export const TINY_BERT_HIDDEN = 384;

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const WORDS = (
  'the an of and in to is on with his her their he she they it for from by at as who when after must ' +
  'movie film story love war space family young man woman girl boy world life city town school friends ' +
  'father mother son daughter detective killer murder crime police ship alien planet earth future past ' +
  'comedy drama horror romance action adventure secret mission team battle king queen dark night'
).split(' ');
const LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
const PUNCT = ['.', ',', '!', '?', "'", '-', ':', ';', '(', ')'];
/** Whole words, single characters and ##continuations: any lower-case ASCII word tokenises without [UNK]. */
export const TINY_BERT_VOCAB = [...SPECIALS, ...WORDS, ...LETTERS, ...LETTERS.map((c) => `##${c}`), ...PUNCT];

export interface TinyBertOptions {
  /** max_position_embeddings (default 32): an input longer than this makes the ONNX Gather fail. */
  positions?: number;
  /** Weight seed (default 1). */
  seed?: number;
}

const { DataType } = onnx.TensorProto;
const floats = (name: string, dims: number[], data: number[]) => onnx.TensorProto.create({ name, dims, dataType: DataType.FLOAT, floatData: data });
const int64s = (name: string, dims: number[], data: number[]) => onnx.TensorProto.create({ name, dims, dataType: DataType.INT64, int64Data: data });
const intAttr = (name: string, i: number) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });
const node = (opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []) =>
  onnx.NodeProto.create({ opType, name: output[0], input, output, attribute });
const valueInfo = (name: string, elemType: number, dims: (number | string)[]) =>
  onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });

/**
 * The graph: token + type + position embeddings → LayerNorm → add a context vector (the attention-masked mean of the
 * normalised embeddings, standing in for self-attention: real tokens depend on each other, never on padding) →
 * MatMul → Tanh = last_hidden_state [batch, seq, 384]. Padded positions get non-zero outputs, as in a real BERT.
 */
export function tinyBertOnnx(options: TinyBertOptions = {}): Uint8Array {
  const positions = options.positions ?? 32;
  const rnd = mulberry32(options.seed ?? 1);
  const H = TINY_BERT_HIDDEN;
  const uniform = (n: number, scale: number) => Array.from({ length: n }, () => (rnd() * 2 - 1) * scale);
  const initializer = [
    floats('word_embeddings', [TINY_BERT_VOCAB.length, H], uniform(TINY_BERT_VOCAB.length * H, 1)),
    floats('token_type_embeddings', [2, H], uniform(2 * H, 0.1)),
    floats('position_embeddings', [positions, H], uniform(positions * H, 0.3)),
    floats('ln_gamma', [H], new Array(H).fill(1)),
    floats('ln_beta', [H], new Array(H).fill(0)),
    floats('dense', [H, H], uniform(H * H, 1 / Math.sqrt(H))),
    int64s('one', [], [1]),
    int64s('zero', [], [0]),
    int64s('last_axis', [1], [-1]),
    int64s('seq_axis', [1], [1]),
  ];
  const nodes = [
    node('Gather', ['word_embeddings', 'input_ids'], ['word']),
    node('Gather', ['token_type_embeddings', 'token_type_ids'], ['type']),
    node('Shape', ['input_ids'], ['shape']),
    node('Gather', ['shape', 'one'], ['seq_len']),
    node('Range', ['zero', 'seq_len', 'one'], ['position_ids']),
    node('Gather', ['position_embeddings', 'position_ids'], ['position']),
    node('Add', ['word', 'type'], ['sum1']),
    node('Add', ['sum1', 'position'], ['embeddings']),
    node('LayerNormalization', ['embeddings', 'ln_gamma', 'ln_beta'], ['normed'], [intAttr('axis', -1)]),
    node('Cast', ['attention_mask'], ['mask_f'], [intAttr('to', DataType.FLOAT)]),
    node('Unsqueeze', ['mask_f', 'last_axis'], ['mask3']),
    node('Mul', ['normed', 'mask3'], ['masked']),
    node('ReduceSum', ['masked', 'seq_axis'], ['ctx_sum'], [intAttr('keepdims', 1)]),
    node('ReduceSum', ['mask3', 'seq_axis'], ['ctx_count'], [intAttr('keepdims', 1)]),
    node('Div', ['ctx_sum', 'ctx_count'], ['context']),
    node('Add', ['normed', 'context'], ['mixed']),
    node('MatMul', ['mixed', 'dense'], ['projected']),
    node('Tanh', ['projected'], ['last_hidden_state']),
  ];
  const graph = onnx.GraphProto.create({
    name: 'tiny_bert',
    node: nodes,
    initializer,
    input: ['input_ids', 'attention_mask', 'token_type_ids'].map((n) => valueInfo(n, DataType.INT64, ['batch_size', 'sequence_length'])),
    output: [valueInfo('last_hidden_state', DataType.FLOAT, ['batch_size', 'sequence_length', H])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'genre-lens tinyBert fixture',
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** tokenizer.json in the `tokenizers` format: BERT normaliser (lower case), BERT pre-tokeniser, WordPiece, [CLS] … [SEP]. */
function tokenizerJson(): object {
  const vocab = Object.fromEntries(TINY_BERT_VOCAB.map((w, i) => [w, i]));
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]')],
      pair: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]'), { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

/** Writes the fixture under `<dir>/Xenova/all-MiniLM-L6-v2/` and returns that folder (absolute). */
export function writeTinyBert(dir: string, options: TinyBertOptions = {}): string {
  const positions = options.positions ?? 32;
  const root = path.resolve(dir, TINY_BERT_REPO);
  fs.mkdirSync(path.join(root, 'onnx'), { recursive: true });
  const json = (file: string, value: object) => fs.writeFileSync(path.join(root, file), `${JSON.stringify(value, null, 2)}\n`);
  json('config.json', {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: TINY_BERT_HIDDEN,
    num_attention_heads: 12,
    num_hidden_layers: 1,
    intermediate_size: 4 * TINY_BERT_HIDDEN,
    max_position_embeddings: positions,
    vocab_size: TINY_BERT_VOCAB.length,
    type_vocab_size: 2,
    pad_token_id: 0,
  });
  json('tokenizer_config.json', {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: 512,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
  });
  json('tokenizer.json', tokenizerJson());
  fs.writeFileSync(path.join(root, 'onnx', 'model.onnx'), tinyBertOnnx(options));
  return root;
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: npm run fixtures:tiny-bert -- <dir>   (writes <dir>/Xenova/all-MiniLM-L6-v2/)');
    process.exit(2);
  }
  console.log(writeTinyBert(dir));
}
