// JSON and JSONL readers: jsonc-parser's parseTree (strict: no comments, no trailing commas) gives every object's
// and value's offsets; a JSON file is a top-level array of objects, a JSONL file one object per non-blank line.
import { getNodeValue, Node, ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import { RawRecord, RawTable, SourceText } from './source';
import { DatasetIssue } from './types';

const STRICT = { disallowComments: true, allowTrailingComma: false };

export function readJson(src: SourceText): RawTable {
  const errors: ParseError[] = [];
  const root = parseTree(src.text, errors, STRICT);
  if (errors.length) throw src.error(errors[0].offset, `invalid JSON: ${describeError(errors[0])}`);
  if (root?.type !== 'array') {
    throw src.error(root?.offset ?? 0, `expected a top-level array of objects, found ${root ? article(root.type) : 'nothing'}`);
  }
  const issues: DatasetIssue[] = [];
  const records: RawRecord[] = [];
  for (const [i, node] of (root.children ?? []).entries()) {
    if (node.type === 'object') records.push(objectRecord(node, 0, node.offset, node.offset + node.length));
    else issues.push(src.issue('error', node.offset, `array element ${i + 1} is ${article(node.type)}, not an object; skipped`));
  }
  return { columns: keysOf(records), records, issues };
}

export function readJsonl(src: SourceText): RawTable {
  const issues: DatasetIssue[] = [];
  const records: RawRecord[] = [];
  src.lineStarts.forEach((start, i) => {
    const line = src.text.slice(start, src.lineStarts[i + 1] ?? src.text.length).replace(/[\r\n]+$/, '');
    if (line.trim() === '') return;
    const errors: ParseError[] = [];
    const node = parseTree(line, errors, STRICT);
    if (errors.length) {
      issues.push(src.issue('error', start + errors[0].offset, `invalid JSON: ${describeError(errors[0])}; line skipped`));
    } else if (node?.type !== 'object') {
      issues.push(src.issue('error', start + (node?.offset ?? 0), `expected a JSON object, found ${article(node?.type ?? 'null')}; line skipped`));
    } else {
      records.push(objectRecord(node, start, start, start + line.length));
    }
  });
  return { columns: keysOf(records), records, issues };
}

/** An object node's properties as cells; `base` is added to offsets (a JSONL line's start). */
function objectRecord(node: Node, base: number, start: number, end: number): RawRecord {
  const cells = new Map<string, { value: unknown; offset: number }>();
  for (const property of node.children ?? []) {
    const [key, value] = property.children ?? [];
    if (key && value) cells.set(String(key.value), { value: getNodeValue(value), offset: base + value.offset });
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
