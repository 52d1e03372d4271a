// Dataset problems as editor diagnostics (server/engine/data/problems.ts): the readers' issues and fatal errors at
// 0-based ranges spanning the cell or token at fault, missing local poster files (bounded stat calls), and problems
// that go away once the text is fixed, and U+FFFD replacement characters (reported once, also for files read from disk).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatasetError, parseDataset, readDataset } from '../server/engine/data';
import { datasetProblems, Problem } from '../server/engine/data/problems';

/** The problems of `text` read as `file`, whether it parses or fails. */
function problemsOf(file: string, text: string, options?: Parameters<typeof datasetProblems>[2]): Problem[] {
  try {
    return datasetProblems(parseDataset(text, { fileName: file, fileExists: () => false }), null, options);
  } catch (e) {
    if (!(e instanceof DatasetError)) throw e;
    return datasetProblems(null, e, options);
  }
}

const span = (p: Problem) => `${p.range.start.line}:${p.range.start.character}-${p.range.end.line}:${p.range.end.character}`;
/** The text a problem's range covers (single-line ranges). */
const covered = (text: string, p: Problem) => text.split('\n')[p.range.start.line].slice(p.range.start.character, p.range.end.character);

test('problems: an unclosed quote in CSV is one error from the quote to the end of its line; fixing it clears it', () => {
  const bad = 'title,overview,genres\nA,x,Drama\nB,"y,Drama\n';
  const [p, ...rest] = problemsOf('m.csv', bad);
  assert.deepEqual(rest, []);
  assert.deepEqual([p.severity, p.code, span(p)], ['error', 'dataset-error', '2:2-2:10']);
  assert.match(p.message, /^unclosed quote/);
  assert.equal(covered(bad, p), '"y,Drama');
  assert.deepEqual(problemsOf('m.csv', 'title,overview,genres\nA,x,Drama\nB,"y",Drama\n'), []);
});

test('problems: a quote inside an unquoted field is an error at that field', () => {
  const [p] = problemsOf('m.csv', 'title,overview,genres\nA,x,Drama\nB,y"z,Drama\n');
  assert.deepEqual([p.code, p.range.start], ['dataset-error', { line: 2, character: 2 }]);
  assert.match(p.message, /^bad quoting: a quote inside an unquoted field/);
  assert.ok(p.range.end.character > p.range.start.character + 1, 'more than one character');
});

test('problems: an unknown genre format is a warning spanning the whole cell, quotes included; fixing it clears it', () => {
  const text = 'title,overview,genres\nA,x,  "Action [x]" \nB,y,Drama\n';
  const [p, ...rest] = problemsOf('m.csv', text);
  assert.deepEqual(rest, []);
  assert.deepEqual([p.severity, p.code, span(p)], ['warning', 'dataset-warning', '1:6-1:18']);
  assert.equal(covered(text, p), '"Action [x]"');
  assert.match(p.message, /^unknown genre format "Action \[x\]"; genres unknown for this row/);
  assert.deepEqual(problemsOf('m.csv', 'title,overview,genres\nA,x,  "Action|War" \nB,y,Drama\n'), []);
});

test('problems: a JSON genre value of the wrong kind spans its value node', () => {
  const text = '[{"title": "A", "overview": "x", "genres": {"a": 1}}]';
  const [p] = problemsOf('m.json', text);
  assert.equal(covered(text, p), '{"a": 1}');
  assert.equal(p.code, 'dataset-warning');
});

test('problems: a row with too many fields spans the row; invalid JSON spans the bad token; a JSONL line its rest', () => {
  const csv = 'title,overview,genres\nA,x,Drama\nB,y,Drama,extra\n';
  const [row] = problemsOf('m.csv', csv);
  assert.deepEqual([row.code, covered(csv, row)], ['dataset-error', 'B,y,Drama,extra']);
  const json = '[{"title": "A", "overview": tru}]';
  const [bad] = problemsOf('m.json', json);
  assert.deepEqual([bad.severity, covered(json, bad)], ['error', 'tru']);
  const jsonl = '{"title": "A", "overview": "x"}\n{"title": "B", "overview": x}\n[1]\n';
  const [line2, line3] = problemsOf('m.jsonl', jsonl);
  assert.deepEqual([covered(jsonl, line2), covered(jsonl, line3)], ['x}', '[1]']);
});

test('problems: a missing local poster file is a warning on the poster cell; bounded and checked once per path', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-problems-'));
  try {
    fs.mkdirSync(path.join(dir, 'posters'));
    fs.writeFileSync(path.join(dir, 'posters', 'a.jpg'), 'x');
    const file = path.join(dir, 'm.csv');
    const text = 'title,overview,poster\nA,x,posters/a.jpg\nB,y,"posters/b.jpg"\nC,z,posters/b.jpg\nD,w,posters\n';
    const read = (options?: Parameters<typeof datasetProblems>[2]) => datasetProblems(parseDataset(text, { fileName: file }), null, options);
    const all = read();
    assert.deepEqual(all.map((p) => [p.code, p.severity, span(p)]), [
      ['poster-missing', 'warning', '2:4-2:19'], ['poster-missing', 'warning', '3:4-3:17'], ['poster-missing', 'warning', '4:4-4:11'],
    ]);
    assert.equal(all[0].message, `poster file not found: ${path.join(dir, 'posters', 'b.jpg')}`);
    assert.equal(covered(text, all[0]), '"posters/b.jpg"');
    assert.equal(all[2].message, `poster is not a regular file: ${path.join(dir, 'posters')}`);
    // two stat calls: a.jpg (found), b.jpg (missing, reported on both rows); the folder is not checked
    assert.deepEqual(read({ maxPosterChecks: 2 }).map(span), ['2:4-2:19', '3:4-3:17']);
    assert.deepEqual(read({ checkPosterFiles: false }), []);
    fs.writeFileSync(path.join(dir, 'posters', 'b.jpg'), 'x');
    assert.deepEqual(read().map(span), ['4:4-4:11']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('problems: every issue the readers report becomes a problem, in file order, with an end after its start', () => {
  const text = 'title,overview,genres,\nA,,Drama,\nB,y,[1],\nC,z,Drama\n';
  const problems = problemsOf('m.csv', text);
  const d = parseDataset(text, { fileName: 'm.csv' });
  assert.equal(problems.length, d.issues.length);
  assert.ok(problems.length >= 3);
  for (const p of problems) {
    const forward = p.range.end.line > p.range.start.line || p.range.end.character > p.range.start.character;
    assert.ok(forward, `${p.message} at ${span(p)}`);
  }
  const order = problems.map((p) => p.range.start.line * 1000 + p.range.start.character);
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
});

test('problems: U+FFFD replacement characters are one warning at the first, with their count; read files say it once', async () => {
  const text = 'title,overview,genres\nA,caf\uFFFD x,Drama\nB,\uFFFD\uFFFD,Drama\n';
  const [p, ...rest] = problemsOf('m.csv', text);
  assert.deepEqual(rest, []);
  assert.deepEqual([p.severity, p.code, span(p), covered(text, p)], ['warning', 'dataset-warning', '1:5-1:6', '\uFFFD']);
  assert.equal(p.message, "3 replacement characters (U+FFFD): bytes that were not valid text in the file's encoding were replaced — " +
    'reopen the file with its real encoding (Reopen with Encoding) or save it as UTF-8');
  assert.match(problemsOf('m.json', '[{"title": "\uFFFD", "overview": "x"}]')[0].message, /^1 replacement character \(U\+FFFD\)/);
  assert.deepEqual(problemsOf('m.csv', text.replace(/\uFFFD/g, 'é')), []);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-problems-'));
  try {
    const literal = path.join(dir, 'literal.csv'); // valid UTF-8 holding U+FFFD: damaged before it was saved
    fs.writeFileSync(literal, text);
    assert.deepEqual((await readDataset(literal)).issues.map((i) => [i.line, i.column, i.message.slice(0, 36)]),
      [[2, 6, '3 replacement characters (U+FFFD): b']]);
    const invalid = path.join(dir, 'invalid.csv'); // mostly UTF-8 (detected as such) with one bad byte: the decoder says it
    const rows = Array.from({ length: 30 }, (_, i) => `映画${i},日本の映画です、とても面白い${i},Drama`).join('\n');
    fs.writeFileSync(invalid, Buffer.concat([Buffer.from(`title,overview,genres\n${rows}\nBad,x `), Buffer.from([0xff]), Buffer.from(' y,Drama\n')]));
    const issues = (await readDataset(invalid)).issues.filter((i) => /U\+FFFD/.test(i.message));
    assert.deepEqual(issues.map((i) => [i.line, i.column]), [[32, 7]]);
    assert.match(issues[0].message, /^invalid UTF-8 \(byte 0xFF\)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
