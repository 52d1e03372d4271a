// JSON and JSONL readers: jsonc-parser's parseTree (strict: no comments, no trailing commas) gives every object's
// and value's offsets; a JSON file is a top-level array of objects, a JSONL file one object per non-blank line.
// Nesting is checked first by a linear scan, so a hostile file cannot overflow the parser's recursion.
import { getNodeValue, Node, ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import { RawCell, RawRecord, RawTable, SourceText } from './source';
import { DatasetIssue } from './types';

const STRICT = { disallowComments: true, allowTrailingComma: false };

/** Arrays/objects nested deeper than this are refused (a movie dataset needs 4: file, row, genre list, genre). */
export const MAX_JSON_DEPTH = 64;
const tooDeepMessage = `nested more than ${MAX_JSON_DEPTH} levels of arrays/objects deep here; a movie dataset needs only a few`;

/** Offset of the first `[` or `{` opening level `limit + 1` (strings skipped), or -1. Linear, no recursion. */
export function tooDeepAt(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) { // a string: skip to its closing quote, over escapes
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return -1;
}

export function readJson(src: SourceText): RawTable {
  const deep = tooDeepAt(src.text);
  if (deep >= 0) throw src.error(deep, `invalid JSON: ${tooDeepMessage}`);
  const errors: ParseError[] = [];
  const root = parseTree(src.text, errors, STRICT);
  if (errors.length) throw src.error(errors[0].offset, `invalid JSON: ${describeError(errors[0])}`, errors[0].offset + errors[0].length);
  if (root?.type !== 'array') {
    throw src.error(root?.offset ?? 0, `expected a top-level array of objects, found ${root ? article(root.type) : 'nothing'}`,
      root && root.offset + root.length);
  }
  const issues: DatasetIssue[] = [];
  const records: RawRecord[] = [];
  for (const [i, node] of (root.children ?? []).entries()) {
    if (node.type === 'object') records.push(objectRecord(node, 0, node.offset, node.offset + node.length));
    else issues.push(src.issue('error', node.offset, `array element ${i + 1} is ${article(node.type)}, not an object; skipped`, node.offset + node.length));
  }
  return { columns: keysOf(records), records, issues };
}

export function readJsonl(src: SourceText): RawTable {
  const issues: DatasetIssue[] = [];
  const records: RawRecord[] = [];
  src.lineStarts.forEach((start, i) => {
    // The line without its break, by index (a regex replace would copy a huge line).
    let end = src.lineStarts[i + 1] ?? src.text.length;
    while (end > start && (src.text.charCodeAt(end - 1) === 0x0a || src.text.charCodeAt(end - 1) === 0x0d)) end--;
    const line = src.text.slice(start, end);
    if (line.trim() === '') return;
    const deep = tooDeepAt(line);
    if (deep >= 0) {
      issues.push(src.issue('error', start + deep, `invalid JSON: ${tooDeepMessage}; line skipped`));
      return;
    }
    const errors: ParseError[] = [];
    const node = parseTree(line, errors, STRICT);
    if (errors.length) {
      issues.push(src.issue('error', start + errors[0].offset, `invalid JSON: ${describeError(errors[0])}; line skipped`, start + line.length));
    } else if (node?.type !== 'object') {
      issues.push(src.issue('error', start + (node?.offset ?? 0), `expected a JSON object, found ${article(node?.type ?? 'null')}; line skipped`,
        start + line.length));
    } else {
      records.push(objectRecord(node, start, start, start + line.length));
    }
  });
  return { columns: keysOf(records), records, issues };
}

/** An object node's properties as cells; `base` is added to offsets (a JSONL line's start). */
function objectRecord(node: Node, base: number, start: number, end: number): RawRecord {
  const cells = new Map<string, RawCell>();
  for (const property of node.children ?? []) {
    const [key, value] = property.children ?? [];
    if (key && value) {
      cells.set(String(key.value), { value: getNodeValue(value), offset: base + value.offset, end: base + value.offset + value.length });
    }
  }
  return { cells, start, end };
}

/** Union of the objects' keys, in first-seen order (empty keys ignored). */
function keysOf(records: RawRecord[]): string[] {
  return [...new Set(records.flatMap((r) => [...r.cells.keys()]))].filter((k) => k.trim() !== '');
}

function describeError(e: ParseError): string {
  return printParseErrorCode(e.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function article(type: string): string {
  return type === 'null' ? 'null' : /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
