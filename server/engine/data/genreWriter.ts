// The one text edit that makes a row's genre cell hold given genres, in the file's own style (genreStyle.ts), touching
// no other cell, quoting or line ending: a CSV field quoted only when it must be (or already was), a JSON value
// replaced (or, when the row lacks the key, the property appended after its last one, spaced like the row).
import { parseTree } from 'jsonc-parser';
import { detectGenreStyle, GenreStyle, renderGenres } from './genreStyle';
import { Dataset, MovieRow, SourcePosition } from './types';

export { detectGenreStyle, TMDB_GENRE_IDS } from './genreStyle';
export type { GenreStyle, ListLayout } from './genreStyle';

export interface CellEdit {
  range: { start: SourcePosition; end: SourcePosition };
  newText: string;
}

/** A JSON object row longer than this is not re-parsed to append a property (real rows are a few KB). */
const MAX_ROW_CHARS = 1024 * 1024;

/**
 * The one edit that makes `row`'s genre cell hold `genres` (as given: the canonical spelling) in `style` (default: the
 * file's, detectGenreStyle), touching nothing else; null when the row cannot be edited: no genres column, `text` no
 * longer matching the parsed dataset, or a name the style cannot hold (`A|B` with a `|`, `,` or `;` in a name).
 * Positions are in the text without its BOM, as the dataset's (and an editor's) are.
 */
export function genreCellEdit(text: string, dataset: Dataset, row: MovieRow, genres: readonly string[], style?: GenreStyle): CellEdit | null {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (dataset.columns.genres === null || row.range.end.offset > src.length) return null;
  style ??= detectGenreStyle(dataset);
  const eol = /\r\n?|\n/.exec(src)?.[0] ?? '\n';
  const cell = row.genresCell;
  if (dataset.format === 'csv') {
    if (!cell || style.native) return null;
    const value = renderGenres(genres, style);
    if (value === null || !fieldBounded(src, cell.start.offset, cell.end.offset, dataset.delimiter ?? ',')) return null;
    const quoted = src[cell.start.offset] === '"';
    return { range: { start: cell.start, end: cell.end }, newText: csvField(value, dataset.delimiter ?? ',', quoted) };
  }
  if (cell) {
    const value = jsonValue(genres, style, eol, indentAt(src, cell.start));
    return value === null ? null : { range: { start: cell.start, end: cell.end }, newText: value };
  }
  return appendProperty(src, row, dataset.columns.genres, genres, style, eol);
}

/** A CSV field (RFC 4180): quoted, inner quotes doubled, when it holds the delimiter, a quote, a line break or edge blanks, or `quoted`. */
export function csvField(value: string, delimiter: string, quoted = false): string {
  const needs = quoted || value.includes(delimiter) || /["\r\n]/.test(value) || /^\s|\s$/.test(value);
  return needs ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Whether [start, end) is still a whole field: a delimiter, line break or the text's edge on each side (blanks aside). */
function fieldBounded(src: string, start: number, end: number, delimiter: string): boolean {
  while (start > 0 && /[ \t]/.test(src[start - 1]) && src[start - 1] !== delimiter) start--;
  while (end < src.length && /[ \t]/.test(src[end]) && src[end] !== delimiter) end++;
  const edge = (c: string | undefined) => c === undefined || c === delimiter || c === '\n' || c === '\r';
  return edge(src[start - 1]) && edge(src[end]);
}

/** The JSON value for `genres`: a real array (native) or a string holding the cell text. */
function jsonValue(genres: readonly string[], style: GenreStyle, eol: string, indent: string): string | null {
  if (style.native && (style.kind === 'separated' || style.quote === "'")) return null; // not JSON
  const value = renderGenres(genres, style, eol, indent);
  if (value === null) return null;
  return style.native ? value : JSON.stringify(value);
}

/** The blanks that start the line holding `at`. */
function indentAt(src: string, at: SourcePosition): string {
  const lineStart = at.offset - at.character;
  return /^[ \t]*/.exec(src.slice(lineStart, at.offset))![0];
}

/** The position of `offset`, counting line breaks from `from` (a known position before it). */
function positionAfter(src: string, from: SourcePosition, offset: number): SourcePosition {
  let { line, character } = from;
  for (let i = from.offset; i < offset; i++) {
    const c = src.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && src.charCodeAt(i + 1) !== 0x0a)) {
      line++;
      character = 0;
    } else {
      character++;
    }
  }
  return { line, character, offset };
}

/** Appends `"<key>": value` after the row object's last property, with the row's own separator and colon spacing. */
function appendProperty(src: string, row: MovieRow, key: string, genres: readonly string[], style: GenreStyle, eol: string): CellEdit | null {
  const { start, end } = row.range;
  if (end.offset - start.offset > MAX_ROW_CHARS) return null;
  const objText = src.slice(start.offset, end.offset);
  const node = parseTree(objText, [], { disallowComments: true, allowTrailingComma: false });
  // The object starts at the row's first non-blank (a JSONL line may be indented).
  if (node?.type !== 'object' || node.offset !== /^\s*/.exec(objText)![0].length) return null;
  const props = node.children ?? [];
  const last = props[props.length - 1];
  let at: number, sep: string, colon = ': ';
  if (!last) {
    at = node.offset + 1;
    sep = '';
  } else {
    at = last.offset + last.length;
    const prev = props[props.length - 2];
    const [k, v] = last.children ?? [];
    if (k && v) colon = objText.slice(k.offset + k.length, v.offset);
    if (prev) sep = objText.slice(prev.offset + prev.length, last.offset);
    else {
      const lead = objText.slice(node.offset + 1, last.offset);
      sep = ',' + (/[\r\n]/.test(lead) ? lead : lead === '' ? '' : ' ');
    }
  }
  // the new property's line indentation: what follows the separator's last line break, else the last property's line
  const lineBreak = Math.max(sep.lastIndexOf('\n'), sep.lastIndexOf('\r'));
  const position = positionAfter(src, start, start.offset + at);
  const indent = lineBreak >= 0 ? sep.slice(lineBreak + 1) : indentAt(src, position);
  const value = jsonValue(genres, style, eol, indent);
  if (value === null) return null;
  return { range: { start: position, end: position }, newText: `${sep}${JSON.stringify(key)}${colon}${value}` };
}

/** Applies an edit to `text` (which may start with a BOM: offsets are after it). For tests and the CLI. */
export function applyCellEdit(text: string, edit: CellEdit): string {
  const bom = text.startsWith('\uFEFF') ? 1 : 0;
  return text.slice(0, bom + edit.range.start.offset) + edit.newText + text.slice(bom + edit.range.end.offset);
}
