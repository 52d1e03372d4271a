// The open documents the daemon parses as movie datasets for hovers, diagnostics, code actions and inlay hints (with the
// model's columns when there is a model): small ones on the request thread, larger ones in the parse thread (parseClient.ts),
// each parse's promise cached per document version and model. Documents over MAX_HOVER_ROWS rows or MAX_HOVER_CHARS are not parsed.
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { Dataset, DatasetError, DatasetFormat, DatasetOptions, formatOf } from './engine/data';
import type { ModelColumns } from './engine/modelColumns';
import { escapeMarkdown } from './hover';
import { type ParseOutcome, parseDocumentText } from './documentParse';
import { ParseClient } from './parseClient';

/** About 1 KB of memory and 10 µs per parsed row: 200000 rows is ~250 MB and a couple of seconds. */
export const MAX_HOVER_ROWS = 200_000;
export const MAX_HOVER_CHARS = 64 * 1024 * 1024;
/**
 * Documents shorter than this are parsed on the request thread: ~45 ms for TMDB rows, about what the round trip to the
 * parse thread costs at that size, and such a document never waits there behind a large one's parse.
 */
export const INLINE_MAX_CHARS = 256 * 1024;

export interface ParsedDocument {
  dataset: Dataset | null;
  /** The hover's Markdown when the document is too large to parse; null otherwise. */
  tooLarge: string | null;
  /** Why the model cannot predict this document (it lacks a column the model needs; rows come from a plain parse). */
  columnError?: string;
  /** The model's title or poster columns this document lacks (its rows are predicted without them). */
  columnNotes?: string[];
  /** The reader's error when the document could not be read as a dataset at all (bad quoting, not UTF-8...). */
  error?: DatasetError;
  /** The document's format (absent: not a dataset file). */
  format?: DatasetFormat;
  /** Not parsed: a newer version, new settings or closing the document replaced this parse before it started. */
  stale?: true;
}

const FORMATS: Record<string, DatasetFormat> = { csv: 'csv', json: 'json', jsonl: 'jsonl' };

const localPath = (uri: string) => {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
  } catch {
    return uri; // a file URI with a host: used only as a name
  }
};

/** How many times `ch` occurs in `text`, counting no further than `limit`. */
function countUpTo(text: string, ch: string, limit: number): number {
  let n = 0;
  for (let i = text.indexOf(ch); i !== -1 && n <= limit; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

/** Why `text` is too large for hovers, or null. Rows are over-estimated: lines, and for JSON the objects. */
export function tooLargeForHovers(text: string, format: DatasetFormat): string | null {
  const rows = Math.max(countUpTo(text, '\n', MAX_HOVER_ROWS) + 1, format === 'json' ? countUpTo(text, '{', MAX_HOVER_ROWS) : 0);
  if (rows <= MAX_HOVER_ROWS && text.length <= MAX_HOVER_CHARS) return null;
  return rows > MAX_HOVER_ROWS ? `more than ${MAX_HOVER_ROWS} rows` : `more than ${MAX_HOVER_CHARS / 1024 / 1024} MB`;
}

const INSTEAD = 'predict the whole file instead (Genre Lens: Predict Genres for This File, or `genre-lens predict <model> <file>`)';

/** The parse thread the daemon's DocumentDatasets share, started on the first large document. */
let sharedParser: ParseClient | undefined;

type Parse = { result: Promise<ParsedDocument>; drop(): void };
const settled = (result: ParsedDocument): Parse => ({ result: Promise.resolve(result), drop: () => undefined });

export class DocumentDatasets {
  private readonly parsed = new Map<string, Parse & { version: number; model: string | null }>();
  private readonly told = new Set<string>();

  /** `model`: the columns documents are read with (null: detected, with the settings' overrides). `threads` (tests): the
   * parse thread to use and the size below which documents are parsed here. */
  constructor(private readonly options: () => DatasetOptions, private readonly log: (message: string) => void,
    private readonly model: () => ModelColumns | null = () => null,
    private readonly threads: { parser?: ParseClient; inlineChars?: number } = {}) {}

  /**
   * The open document parsed as a dataset (its text now, possibly unsaved), cached per version and model: callers asking
   * for the same version share one parse. A newer version replaces it in the cache without waiting for it; an older parse
   * not yet sent to the parse thread is dropped then (its callers get `stale`).
   */
  get(doc: TextDocument): Promise<ParsedDocument> {
    const model = this.model();
    const hit = this.parsed.get(doc.uri);
    if (hit && hit.version === doc.version && hit.model === (model?.dir ?? null)) return hit.result;
    hit?.drop();
    const parse = this.parse(doc, model);
    this.parsed.set(doc.uri, { ...parse, version: doc.version, model: model?.dir ?? null });
    return parse.result;
  }

  /** Forgets a closed document (its parse is not sent if it has not been). */
  delete(uri: string): void {
    this.parsed.get(uri)?.drop();
    this.parsed.delete(uri);
    for (const key of this.told) if (key === uri || key.startsWith(`${uri}\n`)) this.told.delete(key);
  }

  /** Forgets every parse (settings that shape parsing changed). */
  clear(): void {
    for (const p of this.parsed.values()) p.drop();
    this.parsed.clear();
  }

  private parse(doc: TextDocument, model: ModelColumns | null): Parse {
    const file = localPath(doc.uri);
    const format = formatOf(file) ?? FORMATS[doc.languageId];
    const base: ParsedDocument = { dataset: null, tooLarge: null, ...(format ? { format } : {}) };
    if (!format) return settled(base);
    const text = doc.getText();
    const why = tooLargeForHovers(text, format);
    const name = path.basename(file);
    if (why) {
      if (!this.told.has(doc.uri)) {
        this.told.add(doc.uri);
        this.log(`${name} is too large for hovers (${why}); ${INSTEAD}`);
      }
      return settled({ ...base, tooLarge: `**Genre Lens**: ${escapeMarkdown(name)} is too large for hovers (${why}); ${INSTEAD}` });
    }
    const options = { ...this.options(), fileName: file, format };
    // A fileExists callback (tests) cannot be sent to another thread.
    if (text.length < (this.threads.inlineChars ?? INLINE_MAX_CHARS) || options.fileExists) {
      return settled(this.parsedOf(base, parseDocumentText(text, options, model), doc.uri, model));
    }
    const pending = (this.threads.parser ?? (sharedParser ??= new ParseClient())).parse(text, options, model);
    return { result: pending.result.then((o) => (o ? this.parsedOf(base, o, doc.uri, model) : { ...base, stale: true })), drop: pending.drop };
  }

  /** A parse's outcome as a ParsedDocument (the reader's error a DatasetError again); the column notes logged once. */
  private parsedOf(base: ParsedDocument, o: ParseOutcome, uri: string, model: ModelColumns | null): ParsedDocument {
    const result: ParsedDocument = { ...base, dataset: o.dataset };
    if (o.columnNotes) result.columnNotes = o.columnNotes;
    if (o.error) result.error = new DatasetError(o.error);
    if (o.columnError !== undefined) result.columnError = o.columnError;
    const key = `${uri}\n${model?.dir}`;
    if (o.columnNotes && this.parsed.has(uri) && !this.told.has(key)) { // not for a document closed meanwhile
      this.told.add(key);
      o.columnNotes.forEach(this.log);
    }
    return result;
  }
}
