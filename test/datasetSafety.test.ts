// Tests for pathological datasets: reading only regular files of bounded size, encodings (BOMs, UTF-16, legacy
// 8-bit text, NUL bytes), deep JSON, hostile genre cells, too many distinct genres, genres that cannot be trained
// (too few positives, present in every row) and the report's co-occurrence for trained genres only.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Dataset, DatasetError, formatIssue, parseDataset, parseGenreCell, readDataset } from '../server/engine/data';
import { checkGenreCount, cooccurrence } from '../server/engine/labelChecks';
import { mulberry32 } from '../server/engine/random';
import { trainRun } from '../server/engine/run';
import { trainOneVsRest, untrainableGenres } from '../server/engine/trainer';

const CSV = 'title,overview,genres\nAmélie,Une serveuse change la vie des autres,Comédie|Romance\nHeat,A heist in Los Angeles,Crime|Drama\n';

function tmpDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-safety-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function write(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** `fn` rejects with a DatasetError at line:column (1-based) whose message matches `pattern`. */
async function rejectsAt(fn: () => Promise<unknown>, line: number, column: number, pattern: RegExp) {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(e instanceof DatasetError, `expected a DatasetError, got ${String(e)}`);
    assert.deepEqual([e.line, e.column], [line, column], e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

const titles = (d: Dataset) => d.rows.map((r) => r.title);

test('UTF-16 LE and BE with a BOM, and BOM-less UTF-16 LE, read like UTF-8', async (t) => {
  const dir = tmpDir(t);
  const utf8 = await readDataset(write(dir, 'utf8.csv', CSV));
  const le = await readDataset(write(dir, 'le.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CSV, 'utf16le')])));
  const be = await readDataset(write(dir, 'be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(CSV, 'utf16le').swap16()])));
  for (const d of [le, be]) {
    assert.deepEqual(titles(d), ['Amélie', 'Heat']);
    assert.deepEqual(d.rows.map((r) => r.genres), utf8.rows.map((r) => r.genres));
    assert.deepEqual(d.rows.map((r) => r.range.end), utf8.rows.map((r) => r.range.end));
    assert.deepEqual(d.issues, []);
  }
  const bare = await readDataset(write(dir, 'bare.csv', Buffer.from(CSV, 'utf16le')));
  assert.deepEqual(titles(bare), ['Amélie', 'Heat']);
  assert.match(formatIssue(bare.issues[0]), /bare\.csv:1:1: no byte order mark, but the bytes look like UTF-16LE; decoded as UTF-16LE/);
});

test('Latin-1 text is decoded with the detected encoding and a warning at the first byte that is not UTF-8', async (t) => {
  const dir = tmpDir(t);
  const file = write(dir, 'latin1.csv', Buffer.from(CSV, 'latin1'));
  const d = await readDataset(file);
  assert.deepEqual(titles(d), ['Amélie', 'Heat']);
  assert.deepEqual(d.rows[0].genres, ['Comédie', 'Romance']);
  assert.equal(d.issues[0].severity, 'warning');
  assert.match(formatIssue(d.issues[0]), /latin1\.csv:2:3: not UTF-8 \(byte 0xE9 here\); decoded as (ISO-8859-1|windows-1252) \(detected\) — save the file as UTF-8/);
});

test('a UTF-8 BOM is honoured and invalid UTF-8 after it is still reported', async (t) => {
  const dir = tmpDir(t);
  const d = await readDataset(write(dir, 'bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CSV, 'latin1')])));
  assert.deepEqual(titles(d), ['Amélie', 'Heat']);
  assert.equal(d.rows[0].range.start.line, 1);
  assert.match(formatIssue(d.issues[0]), /bom\.csv:2:3: not UTF-8/);
});

test('a NUL byte is an error at its line and column, in files and in unsaved text', async (t) => {
  const dir = tmpDir(t);
  const text = 'title,overview,genres\nA,fine,Drama\nB,ba\0d,Dra\0ma\n';
  await rejectsAt(() => readDataset(write(dir, 'nul.csv', text)), 3, 5, /NUL byte \(U\+0000\), the first of 2: a binary or damaged file/);
  assert.throws(() => parseDataset(text, { fileName: 'nul.csv' }), /^DatasetError: nul\.csv:3:5: NUL byte/);
});

test('a FIFO, a folder or an oversized file given as the dataset is refused without being read', async (t) => {
  const dir = tmpDir(t);
  const fifo = path.join(dir, 'pipe.csv');
  execFileSync('mkfifo', [fifo]);
  await rejectsAt(() => readDataset(fifo), 1, 1, /pipe\.csv:1:1: not a regular file \(a FIFO \(named pipe\)\)/);
  await rejectsAt(() => readDataset(dir), 1, 1, /not a regular file \(a folder\)/);
  const file = write(dir, 'big.csv', CSV);
  await rejectsAt(() => readDataset(file, { maxBytes: 64 }), 1, 1, /the file is \d+ bytes, more than the 64 bytes a dataset may be/);
  // As --eval too: refused before any encoder loads.
  const data = write(dir, 'train.csv', 'overview,genres\n' + Array.from({ length: 30 }, (_, i) => `text ${i},${i % 2 ? 'A' : 'B'}`).join('\n'));
  await rejectsAt(() => trainRun({ data, evalFile: fifo, imageEncoder: 'none', cacheDir: null, store: path.join(dir, 'store') }), 1, 1, /not a regular file/);
  assert.equal(fs.existsSync(path.join(dir, 'store')), false);
});

test('deep JSON: a located error for a JSON file, only the line skipped in JSONL', async (t) => {
  const dir = tmpDir(t);
  await rejectsAt(() => readDataset(write(dir, 'deep.json', '['.repeat(100_000))), 1, 65, /invalid JSON: nested more than 64 levels/);
  const rows = '[\n{"overview": "a", "genres": "Drama"},\n' + '['.repeat(100) + ']'.repeat(100) + '\n]';
  await rejectsAt(() => readDataset(write(dir, 'rows.json', rows)), 3, 64, /nested more than 64 levels/);
  const jsonl = '{"overview": "a", "genres": "Drama"}\n{"a": ' + '['.repeat(100_000) + '\n{"overview": "b", "genres": "Crime"}\n';
  const d = await readDataset(write(dir, 'deep.jsonl', jsonl));
  assert.deepEqual(d.rows.map((r) => r.text), ['a', 'b']);
  assert.deepEqual(d.issues.map(formatIssue), [`${d.file}:2:70: invalid JSON: nested more than 64 levels of arrays/objects deep here; a movie dataset needs only a few; line skipped`]);
});

test('hostile genre cells are refused with a reason, not parsed at length', () => {
  const deep = parseGenreCell('['.repeat(100_000) + ']'.repeat(100_000));
  assert.deepEqual(deep, { kind: 'invalid', reason: 'genre cell of 200000 characters, more than the 65536 a genre cell may have' });
  assert.deepEqual(parseGenreCell('['.repeat(1000)), { kind: 'invalid', reason: 'genre list nested more than 64 levels deep' });
  assert.equal(parseGenreCell("['" + "a', '".repeat(5000) + "b']").kind, 'labels');
  const d = parseDataset(`overview,genres\nx,"${'['.repeat(500)}"\n`, { fileName: 'cell.csv' });
  assert.equal(d.rows.length, 1);
  assert.match(formatIssue(d.issues[0]), /cell\.csv:2:3: genre list nested more than 64 levels deep; genres unknown for this row/);
});

test('a file with many distinct genre names stops before the encoders load, naming the column, count and first names', async (t) => {
  const dir = tmpDir(t);
  const rows = Array.from({ length: 1000 }, (_, r) => `m${r},a film about somebody with far too many genre names ${r},${Array.from({ length: 10 }, (_, k) => `g${r}x${k}`).join('|')}`);
  const data = write(dir, 'many.csv', `title,overview,genres\n${rows.join('\n')}\n`);
  assert.ok(fs.statSync(data).size > 120_000);
  const store = path.join(dir, 'store');
  await rejectsAt(() => trainRun({ data, imageEncoder: 'none', cacheDir: null, store }), 12, 1,
    /many\.csv:12:1: the genre column "genres" has 10000 distinct genre names, more than --max-genres 100 \(name 101 first appears in this row\); the first are "g0x0", "g0x1",.*--genres-column.*raise --max-genres/);
  assert.equal(fs.existsSync(store), false);
  const parsed = parseDataset(fs.readFileSync(data, 'utf8'), { fileName: data });
  assert.doesNotThrow(() => checkGenreCount(parsed, 10_000));
  assert.throws(() => checkGenreCount(parsed, 9_999), /10000 distinct genre names, more than --max-genres 9999/);
});

test('a genre on every training row is untrainable; with nothing trainable the run fails before saving anything', async (t) => {
  assert.deepEqual(untrainableGenres(['All', 'Nearly', 'Rare', 'Fine'], [50, 45, 3, 20], 50, 10), [
    'All: every training row (50) has this genre, so there is nothing to tell it apart from; no classifier was trained and it is never predicted.',
    'Nearly: all but 5 of the 50 training rows have this genre (fewer than 10 without it); no classifier was trained and it is never predicted.',
    'Rare: only 3 training rows have this genre (fewer than 10); no classifier was trained and it is never predicted.',
    null,
  ]);
  const dir = tmpDir(t);
  const data = write(dir, 'same.csv', 'overview,genres\n' + Array.from({ length: 40 }, (_, i) => `story ${i},Drama`).join('\n'));
  const store = path.join(dir, 'store');
  await assert.rejects(trainRun({ data, imageEncoder: 'none', cacheDir: null, store }),
    /^Error: no classifier could be trained, so no model was saved: Drama: every training row \(32\) has this genre, so there is nothing to tell it apart from \(each genre needs at least 10 training rows with it and 10 without\)$/);
  assert.equal(fs.existsSync(store), false);
  await assert.rejects(trainOneVsRest(new Float32Array(4), 2, 2, [Uint8Array.of(1, 1)], ['X'], { minPositives: 1 }), /no classifier could be trained/);
});

test('LightGBM never sees an all-class genre: it is named, the others are trained', async () => {
  const n = 300, d = 4;
  const rand = mulberry32(5);
  const X = Float32Array.from({ length: n * d }, () => rand());
  const signal = Uint8Array.from({ length: n }, (_, i) => (X[i * d] > 0.5 ? 1 : 0));
  const all = new Uint8Array(n).fill(1);
  const model = await trainOneVsRest(X, n, d, [all, signal], ['Everything', 'Signal'], { workers: 1, maxRounds: 20, patience: 5, seed: 1 });
  assert.equal(model.genres[0].model, null);
  assert.notEqual(model.genres[1].model, null);
  assert.deepEqual(model.warnings, ['Everything: every training row (300) has this genre, so there is nothing to tell it apart from; ' +
    'no classifier was trained and it is never predicted.']);
});

test('co-occurrence has a row per trained genre only, counted from each row\'s own labels', () => {
  const labels = [Uint8Array.of(1, 1, 0, 1), Uint8Array.of(1, 0, 0, 0), Uint8Array.of(0, 1, 1, 1)];
  assert.deepEqual(cooccurrence(labels, [true, false, true], 4), [[3, 1, 2], [], [2, 0, 3]]);
});
