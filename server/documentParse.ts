// One open document's text read as a movie dataset (with the model's columns when there is a model), as plain data
// that crosses a thread (documents.ts parses small documents on the request thread with it, parseWorker.ts the others):
// a reader's DatasetError travels as its issue and is rebuilt as a DatasetError on the request thread.
import { Dataset, DatasetError, DatasetIssue, ParseOptions, parseDataset } from './engine/data';
import { absentColumnWarnings, ModelColumnError, ModelColumns, parseWithModelColumns } from './engine/modelColumns';

/** What reading a document gave. Structured-cloneable: no class instances. */
export interface ParseOutcome {
  /** The rows; null when the document could not be read as a movie dataset. */
  dataset: Dataset | null;
  /** Why the model cannot predict this document (a ModelColumnError's message; the rows come from a plain parse). */
  columnError?: string;
  /** The model's title or poster columns the document lacks. */
  columnNotes?: string[];
  /** The reader's fatal issue (bad quoting, no text column...): a DatasetError's `issue`. */
  error?: DatasetIssue;
}

/** Reads `text`; never throws (an unexpected error leaves dataset null, as for a document that is not a dataset). */
export function parseDocumentText(text: string, options: ParseOptions, model: ModelColumns | null): ParseOutcome {
  const out: ParseOutcome = { dataset: null };
  try {
    out.dataset = model ? parseWithModelColumns(text, options, model, 'predict') : parseDataset(text, options);
    const notes = model ? absentColumnWarnings(model, out.dataset) : [];
    if (notes.length) out.columnNotes = notes;
  } catch (e) {
    out.dataset = null; // not a movie dataset (or broken): no hover
    if (e instanceof DatasetError) out.error = e.issue;
    if (e instanceof ModelColumnError) {
      out.columnError = e.message; // its rows still get a hover, which says why there is no prediction
      try {
        out.dataset = parseDataset(text, options);
      } catch (plain) {
        if (plain instanceof DatasetError) out.error = plain.issue; // not a movie dataset after all
      }
    }
  }
  return out;
}

/** A fatal issue at the document's start (a parse that was stopped, or whose thread died). */
export const issueAtStart = (file: string, message: string): DatasetIssue => ({ severity: 'error', message, file, line: 1, column: 1 });
