// The real daemon with documents larger than INLINE_MAX_CHARS, which it parses in its parse thread: their rows get
// hovers and their reader problems diagnostics as a small document's do, and a hover in a small document is answered
// while a large one is still being parsed (before the large one's hover, which waits for its parse).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { parseDataset } from '../server/engine/data';
import { INLINE_MAX_CHARS } from '../server/documents';
import { repo, useCurationDaemon } from './curationDaemon';

const h = useCurationDaemon('genre-lens-parse-thread-');
const [header, ...body] = fs.readFileSync(path.join(repo, 'examples/movies.csv'), 'utf8').trimEnd().split('\n');

/** The example's rows repeated to about `bytes`. */
function large(bytes: number): string {
  const lines = [header];
  for (let size = 0; size < bytes; size += body.join('\n').length) lines.push(...body);
  return `${lines.join('\n')}\n`;
}

const hover = (uri: string, position: { line: number; character: number }) =>
  h.d.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position }) as Promise<Hover | null>;

test('a large document: hovers on its rows and its reader problems as diagnostics, as for a small one', async () => {
  const text = large(600 * 1024);
  assert.ok(text.length > INLINE_MAX_CHARS);
  const uri = h.open('large.csv', text);
  const last = parseDataset(text, { fileName: path.join(h.work, 'large.csv') }).rows.at(-1)!;
  const got = await hover(uri, last.range.start);
  assert.match((got?.contents as MarkupContent).value, /no genre model yet/);
  assert.deepEqual([got?.range?.end.line, got?.range?.end.character], [last.range.end.line, last.range.end.character]);
  const lines = text.split('\n').length;
  const version = h.change(uri, `${text}x9,Broken,"bad "quote here,Drama,\n`);
  const problems = await h.diagnostics(uri, (ds) => ds.some((d) => d.code === 'dataset-error'), version);
  assert.equal(problems.find((d) => d.code === 'dataset-error')?.range.start.line, lines - 1);
  assert.equal(await hover(uri, last.range.start), null, 'no hover in a document that does not parse');
});

test('a hover in a small document is answered while a large one is parsed in the parse thread', async () => {
  const bigUri = h.open('big.csv', large(4 * 1024 * 1024));
  const smallUri = h.open('small.csv', large(1));
  const order: string[] = [];
  await Promise.all([
    hover(bigUri, { line: 1, character: 1 }).then((r) => order.push(`large ${r ? 'answered' : 'null'}`)),
    hover(smallUri, { line: 1, character: 1 }).then((r) => order.push(`small ${r ? 'answered' : 'null'}`)),
  ]);
  assert.deepEqual(order, ['small answered', 'large answered']);
});
