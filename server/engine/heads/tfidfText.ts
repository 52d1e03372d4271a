// The TF-IDF view of a row's text: lowercase word tokens (letters/digits, 2+ characters) and adjacent-word bigrams,
// a vocabulary kept by document frequency (min df, max size; ties by term), sublinear tf × smoothed idf, rows
// L2-normalised, as a compressed sparse row matrix. Every step is in a fixed order, so the same texts give the same bytes.

export interface TfidfOptions {
  /** Terms in fewer documents than this are dropped. */
  minDf: number;
  /** Terms in more than this fraction of the documents are dropped (stop words). */
  maxDfFraction: number;
  /** At most this many terms, the most frequent by document count. */
  maxTerms: number;
  bigrams: boolean;
}

export interface Vocabulary {
  /** Terms in ascending code-unit order; a term's column is its index. */
  terms: string[];
  idf: Float32Array;
}

export interface SparseRows {
  nrow: number;
  ncol: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/** The row's terms (with repeats): words, then bigrams "a b". */
export function tokenize(text: string, bigrams: boolean): string[] {
  const words = text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? [];
  const kept = words.filter((w) => w.length >= 2);
  if (!bigrams) return kept;
  const out = kept.slice();
  for (let i = 0; i + 1 < kept.length; i++) out.push(`${kept[i]} ${kept[i + 1]}`);
  return out;
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Documents as term ids: each document's distinct terms (ascending id) and their counts; ids index `terms`. */
export interface Corpus {
  terms: string[];
  docs: { ids: Int32Array; counts: Int32Array }[];
}

export function corpusOf(texts: readonly string[], bigrams: boolean): Corpus {
  const idOf = new Map<string, number>();
  const terms: string[] = [];
  const docs = texts.map((text) => {
    const counts = new Map<number, number>();
    for (const t of tokenize(text, bigrams)) {
      let id = idOf.get(t);
      if (id === undefined) {
        id = terms.length;
        idOf.set(t, id);
        terms.push(t);
      }
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const ids = Int32Array.from(counts.keys()).sort();
    return { ids, counts: Int32Array.from(ids, (id) => counts.get(id) as number) };
  });
  return { terms, docs };
}

/**
 * The vocabulary of the documents `rows` (idf = ln((1 + n) / (1 + df)) + 1) and, for each corpus term id, its
 * column (-1 when not kept).
 */
export function buildVocabulary(corpus: Corpus, rows: ArrayLike<number>, opt: TfidfOptions): { vocab: Vocabulary; column: Int32Array } {
  const df = new Int32Array(corpus.terms.length);
  for (let i = 0; i < rows.length; i++) for (const id of corpus.docs[rows[i]].ids) df[id]++;
  const n = rows.length;
  const maxDf = Math.max(opt.minDf, Math.floor(opt.maxDfFraction * n));
  const kept: number[] = [];
  for (let id = 0; id < df.length; id++) if (df[id] >= opt.minDf && df[id] <= maxDf) kept.push(id);
  const T = corpus.terms;
  kept.sort((a, b) => df[b] - df[a] || byCodeUnits(T[a], T[b]));
  const chosen = kept.slice(0, opt.maxTerms).sort((a, b) => byCodeUnits(T[a], T[b]));
  const column = new Int32Array(T.length).fill(-1);
  chosen.forEach((id, c) => (column[id] = c));
  return { vocab: { terms: chosen.map((id) => T[id]), idf: Float32Array.from(chosen, (id) => Math.log((1 + n) / (1 + df[id])) + 1) }, column };
}

/** One row's entries: columns ascending, (1 + ln tf) × idf, unit L2 norm. */
function pushRow(cols: number[], tf: number[], idf: Float32Array, indices: number[], values: number[]): void {
  const order = cols.map((_, k) => k).sort((a, b) => cols[a] - cols[b]);
  const w = order.map((k) => (1 + Math.log(tf[k])) * idf[cols[k]]);
  let ss = 0;
  for (const v of w) ss += v * v;
  const norm = Math.sqrt(ss);
  order.forEach((k, j) => {
    indices.push(cols[k]);
    values.push(norm > 0 ? w[j] / norm : 0);
  });
}

function sparse(nrow: number, ncol: number, rowOf: (i: number, indices: number[], values: number[]) => void): SparseRows {
  const indptr = new Int32Array(nrow + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < nrow; i++) {
    rowOf(i, indices, values);
    indptr[i + 1] = indices.length;
  }
  return { nrow, ncol, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

/** The TF-IDF rows of documents `rows` of the corpus, under a vocabulary built on it. */
export function vectorizeCorpus(corpus: Corpus, rows: ArrayLike<number>, vocab: Vocabulary, column: Int32Array): SparseRows {
  return sparse(rows.length, vocab.terms.length, (i, indices, values) => {
    const { ids, counts } = corpus.docs[rows[i]];
    const cols: number[] = [], tf: number[] = [];
    ids.forEach((id, k) => {
      if (column[id] >= 0) {
        cols.push(column[id]);
        tf.push(counts[k]);
      }
    });
    pushRow(cols, tf, vocab.idf, indices, values);
  });
}

/** The TF-IDF rows of new texts under a saved vocabulary (the same values vectorizeCorpus gives for the same text). */
export function vectorizeTexts(texts: readonly string[], vocab: Vocabulary, bigrams: boolean): SparseRows {
  const index = new Map<string, number>(vocab.terms.map((t, i) => [t, i]));
  return sparse(texts.length, vocab.terms.length, (i, indices, values) => {
    const counts = new Map<number, number>();
    for (const t of tokenize(texts[i], bigrams)) {
      const c = index.get(t);
      if (c !== undefined) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    pushRow([...counts.keys()], [...counts.values()], vocab.idf, indices, values);
  });
}
