// The TF-IDF head: a bag of words and bigrams of each row's text (tfidfText.ts) with one L2 logistic regression per
// genre (logistic.ts). Each out-of-fold model builds its vocabulary from its own fitting rows only; the saved model
// is refit on every training row and stores its vocabulary, idf and weights.
import { z } from 'zod';
import { base64, decodeFloats, encodeFloats, expectGenres, fitRowsOf, foldOfRows, HEAD_FORMAT, headHeader, readHeadJson } from './headFiles';
import { fitLogistic, LogisticOptions, predictLogistic } from './logistic';
import { buildVocabulary, corpusOf, type Corpus, type SparseRows, type TfidfOptions, vectorizeCorpus, vectorizeTexts, type Vocabulary } from './tfidfText';
import type { HeadData, HeadFit, HeadModel, HeadReader, HeadShape } from './types';

export interface TfidfHeadOptions extends TfidfOptions, LogisticOptions {}

/** Chosen by measurement on an inner split of the TMDB training rows (see the issue 11 report). */
export const TFIDF_DEFAULTS: TfidfHeadOptions = { minDf: 2, maxDfFraction: 0.5, maxTerms: 20_000, bigrams: false, C: 4, eps: 0.5, maxPasses: 30 };

const FILE = 'tfidf.json';
const MAX_TERMS = 1_000_000;

interface TfidfParams {
  vocab: Vocabulary;
  /** Term-major weights: W[t * G + g]. */
  W: Float32Array;
  bias: Float32Array;
  bigrams: boolean;
}

/** Fits on the documents `rows`; also returns the vocabulary's column of each corpus term id. */
function fitParams(corpus: Corpus, rows: number[], labels: Uint8Array[], trained: boolean[], opt: TfidfHeadOptions, seed: number,
  signal?: AbortSignal): { params: TfidfParams; column: Int32Array } {
  const G = labels.length;
  const { vocab, column } = buildVocabulary(corpus, rows, opt);
  const X = vectorizeCorpus(corpus, rows, vocab, column);
  const W = new Float32Array(vocab.terms.length * G);
  const bias = new Float32Array(G);
  for (let g = 0; g < G; g++) {
    if (!trained[g]) continue;
    if (signal?.aborted) throw signal.reason ?? new Error('cancelled');
    const y = Uint8Array.from(rows, (r) => labels[g][r]);
    const { w, bias: b } = fitLogistic(X, y, opt, (seed + 7919 * (g + 1)) >>> 0);
    for (let t = 0; t < w.length; t++) W[t * G + g] = w[t];
    bias[g] = b;
  }
  return { params: { vocab, W, bias, bigrams: opt.bigrams }, column };
}

function predictParams(p: TfidfParams, X: SparseRows, trained: readonly boolean[]): Float64Array[] {
  const G = trained.length;
  return trained.map((t, g) => {
    if (!t) return new Float64Array(X.nrow);
    const w = Float64Array.from({ length: p.vocab.terms.length }, (_, k) => p.W[k * G + g]);
    return predictLogistic(X, w, p.bias[g]);
  });
}

class TfidfModel implements HeadModel {
  readonly name = 'tfidf' as const;
  constructor(private readonly p: TfidfParams, private readonly trained: boolean[]) {}

  async predict(d: HeadData): Promise<Float64Array[]> {
    if (d.texts.length !== d.nrow) throw new RangeError(`tfidf head: ${d.texts.length} texts for ${d.nrow} rows`);
    return predictParams(this.p, vectorizeTexts(d.texts, this.p.vocab, this.p.bigrams), this.trained);
  }

  files(): Record<string, string> {
    const { vocab, W, bias, bigrams } = this.p;
    return { [FILE]: JSON.stringify({ format: HEAD_FORMAT, version: 1, head: 'tfidf', genres: this.trained.length, trained: this.trained,
      bigrams, terms: vocab.terms, idf: encodeFloats(vocab.idf), weights: encodeFloats(W), bias: encodeFloats(bias) }) };
  }

  dispose(): void {}
}

export async function fitTfidf(data: HeadData, labels: Uint8Array[], trained: boolean[], folds: number[][], seed: number,
  signal?: AbortSignal, opt: TfidfHeadOptions = TFIDF_DEFAULTS): Promise<HeadFit> {
  if (data.texts.length !== data.nrow) throw new RangeError(`tfidf head: ${data.texts.length} texts for ${data.nrow} rows`);
  const foldOf = foldOfRows(folds, data.nrow);
  const corpus = corpusOf(data.texts, opt.bigrams);
  const oof = labels.map(() => new Float32Array(data.nrow));
  for (let k = 0; k < folds.length; k++) {
    const { params, column } = fitParams(corpus, fitRowsOf(foldOf, k), labels, trained, opt, (seed + 1000003 * (k + 1)) >>> 0, signal);
    const proba = predictParams(params, vectorizeCorpus(corpus, folds[k], params.vocab, column), trained);
    proba.forEach((col, g) => folds[k].forEach((r, i) => (oof[g][r] = col[i])));
    await new Promise((resolve) => setImmediate(resolve)); // let a cancellation arrive
  }
  const all = Array.from({ length: data.nrow }, (_, i) => i);
  const final = fitParams(corpus, all, labels, trained, opt, seed >>> 0, signal).params;
  return { name: 'tfidf', oof, model: new TfidfModel(final, trained.slice()) };
}

const fileSchema = z.object({ ...headHeader('tfidf'), bigrams: z.boolean(),
  terms: z.array(z.string().min(1).max(1000)).max(MAX_TERMS), idf: base64, weights: base64, bias: base64 });

export function loadTfidf(read: HeadReader, shape: HeadShape): HeadModel {
  const file = `heads/${FILE}`;
  const f = readHeadJson(read, FILE, fileSchema);
  expectGenres(file, f, shape);
  const T = f.terms.length, G = shape.genres;
  for (let i = 1; i < T; i++) {
    if (!(f.terms[i - 1] < f.terms[i])) throw new Error(`${file}: terms.${i}: terms must be distinct and in ascending order`);
  }
  const vocab = { terms: f.terms, idf: decodeFloats(file, 'idf', f.idf, T) };
  return new TfidfModel({ vocab, W: decodeFloats(file, 'weights', f.weights, T * G), bias: decodeFloats(file, 'bias', f.bias, G),
    bigrams: f.bigrams }, f.trained);
}
