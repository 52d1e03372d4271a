// The open documents the daemon parses as movie datasets for hovers, diagnostics, code actions and inlay hints (with
// the model's columns when there is a model), cached per document version and model, with the error that stopped a parse. A document too large to parse for hovers (more than MAX_HOVER_ROWS rows or
// MAX_HOVER_CHARS characters) is not parsed at all, so a huge open file cannot make the daemon balloon; its hovers say so.
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { Dataset, DatasetError, DatasetFormat, DatasetOptions, formatOf, parseDataset } from './engine/data';
import { absentColumnWarnings, ModelColumnError, ModelColumns, parseWithModelColumns } from './engine/modelColumns';
import { escapeMarkdown } from './hover';

/** About 1 KB of memory and 10 µs per parsed row: 200000 rows is ~250 MB and a couple of seconds. */
export const MAX_HOVER_ROWS = 200_000;
export const MAX_HOVER_CHARS = 64 * 1024 * 1024;

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

export class DocumentDatasets {
  private readonly parsed = new Map<string, ParsedDocument & { version: number; model: string | null }>();
  private readonly told = new Set<string>();

  /** `model`: the columns documents are read with (null: detected, with the settings' overrides). */
  constructor(private readonly options: () => DatasetOptions, private readonly log: (message: string) => void,
    private readonly model: () => ModelColumns | null = () => null) {}

  /** The open document parsed as a dataset (its current, possibly unsaved text), cached per version and model. */
  get(doc: TextDocument): ParsedDocument {
    const model = this.model();
    const hit = this.parsed.get(doc.uri);
    if (hit && hit.version === doc.version && hit.model === (model?.dir ?? null)) return hit;
    const file = localPath(doc.uri);
    const format = formatOf(file) ?? FORMATS[doc.languageId];
    const result: ParsedDocument = { dataset: null, tooLarge: null, ...(format ? { format } : {}) };
    if (format) {
      const text = doc.getText();
      const why = tooLargeForHovers(text, format);
      const name = path.basename(file);
      if (why) result.tooLarge = `**Genre Lens**: ${escapeMarkdown(name)} is too large for hovers (${why}); ${INSTEAD}`;
      if (why && !this.told.has(doc.uri)) {
        this.told.add(doc.uri);
        this.log(`${name} is too large for hovers (${why}); ${INSTEAD}`);
      }
      if (!why) {
        const options = { ...this.options(), fileName: file, format };
        const parse = () => (model ? parseWithModelColumns(text, options, model, 'predict') : parseDataset(text, options));
        try {
          result.dataset = parse();
          const notes = model ? absentColumnWarnings(model, result.dataset) : [];
          if (notes.length) result.columnNotes = notes;
          const key = `${doc.uri}\n${model?.dir}`;
          if (notes.length && !this.told.has(key)) {
            this.told.add(key);
            notes.forEach(this.log);
          }
        } catch (e) {
          result.dataset = null; // not a movie dataset (or broken): no hover
          if (e instanceof DatasetError) result.error = e;
          if (e instanceof ModelColumnError) {
            result.columnError = e.message; // its rows still get a hover, which says why there is no prediction
            try {
              result.dataset = parseDataset(text, options);
            } catch (plain) {
              if (plain instanceof DatasetError) result.error = plain; // not a movie dataset after all
            }
          }
        }
      }
    }
    this.parsed.set(doc.uri, { ...result, version: doc.version, model: model?.dir ?? null });
    return result;
  }

  /** Forgets a closed document. */
  delete(uri: string): void {
    this.parsed.delete(uri);
    for (const key of this.told) if (key === uri || key.startsWith(`${uri}\n`)) this.told.delete(key);
  }

  /** Forgets every parse (settings that shape parsing changed). */
  clear(): void {
    this.parsed.clear();
  }
}
