// CSV reader: csv-parse does the parsing (RFC 4180: quoted multi-line fields, "" escapes, any line ending); this
// file adds what it lacks: delimiter detection on the header line, header checks, and record/cell positions.
import { CsvError, parse } from 'csv-parse/sync';
import { RawRecord, RawTable, SourceText } from './source';
import { DatasetError, DatasetIssue } from './types';

const DELIMITERS = [',', '\t', ';'];

const QUOTE_MESSAGES: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'unclosed quote: the quoted field starting here never ends',
  INVALID_OPENING_QUOTE: 'bad quoting: a quote inside an unquoted field (quote the whole field and double inner quotes)',
  CSV_INVALID_CLOSING_QUOTE: 'bad quoting: text after the closing quote of this field (double quotes inside a quoted field)',
};

/** Reads a CSV whose first record is the header. `delimiter` is one character; default: detected. */
export function readCsv(src: SourceText, delimiter = detectDelimiter(src.text)): RawTable {
  // csv-parse locates records in UTF-8 bytes (info.bytes = end of the record), so parse a Buffer and decode each
  // record's bytes to count characters. Its `raw` option is not used: it drops the \n of \r\n record delimiters.
  const buf = Buffer.from(src.text, 'utf8');
  let parsed: { record: string[]; info: { bytes: number } }[];
  let goodBytes = 0; // end of the last record parsed; an error's own bytes_records is not reliable
  try {
    parsed = parse(buf, {
      delimiter,
      record_delimiter: ['\r\n', '\n', '\r'], // any mix (csv-parse's auto-detection picks one from the first line)
      info: true,
      trim: true,
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (record, context) => {
        goodBytes = context.bytes;
        return record;
      },
    }) as unknown as typeof parsed; // records with `info: true` are not in csv-parse's types
  } catch (err) {
    throw err instanceof CsvError ? quoteError(src, buf.toString('utf8', 0, goodBytes).length, delimiter, err) : err;
  }

  let byte = 0, offset = 0;
  const spans = parsed.map(({ info }) => {
    // skipped blank lines, the record, its line break: counted in UTF-16 units without decoding (a copy of the cell)
    const start = skipBlankLines(src.text, offset);
    offset += utf16Length(buf, byte, info.bytes);
    byte = info.bytes;
    const lf = buf[byte - 1] === 0x0a ? 1 : 0;
    const cr = buf[byte - 1 - lf] === 0x0d ? 1 : 0;
    return { start, end: offset - (lf + cr) };
  });

  const issues: DatasetIssue[] = [];
  const columns: string[] = [];
  const header = parsed[0]?.record ?? [];
  const headerStarts = header.length ? fieldStarts(src.text, spans[0].start, delimiter) : [];
  const seen = new Map<string, number>();
  const names = header.map((name, i): string | null => {
    const key = name.trim().toLowerCase();
    const at = headerStarts[i];
    const to = fieldEnd(src.text, at, i + 1 < headerStarts.length ? headerStarts[i + 1] - 1 : spans[0].end);
    if (key === '') issues.push(src.issue('warning', at, `column ${i + 1} has an empty name; it is ignored`, to));
    else if (seen.has(key)) {
      issues.push(src.issue('warning', at, `duplicate column name "${name}" (as column ${seen.get(key)! + 1}); this column is ignored`, to));
    } else {
      seen.set(key, i);
      columns.push(name);
      return name;
    }
    return null;
  });

  const records: RawRecord[] = [];
  for (let r = 1; r < parsed.length; r++) {
    const { record } = parsed[r];
    const { start, end } = spans[r];
    if (record.every((v) => v === '')) continue; // a line of blanks or bare delimiters
    if (record.length !== header.length) {
      const d = delimiter === '\t' ? 'tab' : `"${delimiter}"`;
      issues.push(src.issue('error', start, `row has ${record.length} fields but the header has ${header.length} (delimiter ${d}); row skipped`, end));
      continue;
    }
    const starts = fieldStarts(src.text, start, delimiter);
    const cells = new Map(names.flatMap((name, i) => (name === null ? [] : [[name, {
      value: record[i], ...fieldSpan(src.text, starts[i], i + 1 < starts.length ? starts[i + 1] - 1 : end),
    }]])));
    records.push({ cells, start, end });
  }
  return { columns, records, issues, delimiter };
}

/** UTF-16 code units of the UTF-8 bytes [from, to): one per sequence, two for a 4-byte one (an astral character). */
function utf16Length(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const b = buf[i];
    if ((b & 0xc0) !== 0x80) n += b >= 0xf0 ? 2 : 1;
  }
  return n;
}

/** The most frequent of `,` tab `;` outside quotes on the header line (ties and none: in that order). */
export function detectDelimiter(text: string): string {
  const counts = new Map(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '\n' || c === '\r') break;
    else if (counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  return [...counts].reduce((best, next) => (next[1] > best[1] ? next : best))[0];
}

/** Offsets where the fields of the record starting at `start` begin: a quote-parity scan, which RFC 4180 allows. */
function fieldStarts(text: string, start: number, delimiter: string): number[] {
  const starts = [start];
  let quoted = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === delimiter) starts.push(i + 1);
    else if (c === '\n' || c === '\r') break;
  }
  return starts;
}

/** Where the field in [start, limit) ends once the blanks csv-parse trims after it are left out (all blanks: `limit`). */
function fieldEnd(text: string, start: number, limit: number): number {
  let end = limit;
  while (end > start && isBlank(text, end - 1)) end--;
  return end === start ? limit : end;
}

/** Whether text[i] is a blank csv-parse trims (printable ASCII, the usual case, checked without a regex). */
function isBlank(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c <= 32 || c >= 127 ? /\s/.test(text[i]) : false;
}

/** The field in [start, limit) without the blanks around it (csv-parse trims them): quotes included; all blanks, empty at `limit`. */
function fieldSpan(text: string, start: number, limit: number): { offset: number; end: number } {
  const end = fieldEnd(text, start, limit);
  let offset = start;
  while (offset < end && isBlank(text, offset)) offset++;
  return { offset, end };
}

/** Locates a csv-parse error at the field at fault (err.column) of the record that follows offset `after`. */
function quoteError(src: SourceText, after: number, delimiter: string, err: CsvError): DatasetError {
  const starts = fieldStarts(src.text, skipBlankLines(src.text, after), delimiter);
  const field = typeof err.column === 'number' ? Math.min(err.column, starts.length - 1) : 0;
  return src.error(starts[field], QUOTE_MESSAGES[err.code] ?? `CSV error (${err.code}): ${err.message}`);
}

/** The offset after the blank or whitespace-only lines (which csv-parse skips) starting at `offset`. */
function skipBlankLines(text: string, offset: number): number {
  const blank = /(?:[ \t]*(?:\r\n|\r|\n))*/y;
  blank.lastIndex = offset;
  blank.exec(text);
  return blank.lastIndex;
}
