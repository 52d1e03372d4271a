// Bounds and folding on dataset text: huge genre cells and names, huge descriptions and titles cut on reading,
// look-alike / invisible genre spellings folded, invisible characters escaped in messages, leakage keys that ignore
// them, and the training checks on an all-evaluation split and labels used as input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatIssue, normaliseGenres, parseDataset, parseGenreCell, readDatasetBytes } from '../server/engine/data';
import { MAX_GENRE_LIST_CHARS, MAX_GENRE_NAME_CHARS } from '../server/engine/data/genres';
import { MAX_CELL_CHARS } from '../server/engine/data/dataset';
import { quoteText, visible } from '../server/engine/data/textFold';
import { rowContentKey } from '../server/engine/leakage';
import { checkLabelsNotInput } from '../server/engine/labelChecks';
import { noClassifierMessage } from '../server/engine/trainer';
import { savedWarnings, trainRun } from '../server/engine/run';

const csv = (rows: string[][]) => rows.map((r) => r.map((v) => `"${v.replace(/"/g, '""')}"`).join(',')).join('\n') + '\n';
const HEADER = ['title', 'overview', 'genres'];

test('a genre cell over 64 KB is invalid, naming its length', () => {
  const cell = `Horror|${'A'.repeat(1_500_000)}`;
  assert.deepEqual(parseGenreCell(cell), { kind: 'invalid',
    reason: `genre cell of ${cell.length} characters, more than the ${MAX_GENRE_LIST_CHARS} a genre cell may have` });
  const list = Array.from({ length: 30_000 }, (_, i) => `G${i}`);
  const r = parseGenreCell(list);
  assert.equal(r.kind, 'invalid');
  assert.match((r as { reason: string }).reason, /genre list of 30000 names, longer than the 65536 characters/);
});

test('a genre name over the limit makes its cell invalid, naming the length; at the limit it is kept', () => {
  const long = 'x'.repeat(MAX_GENRE_NAME_CHARS + 1);
  for (const cell of [`Drama|${long}`, JSON.stringify(['Drama', long]), ['Drama', { id: 1, name: long }]]) {
    const r = parseGenreCell(cell);
    assert.equal(r.kind, 'invalid', JSON.stringify(cell).slice(0, 40));
    assert.match((r as { reason: string }).reason, new RegExp(`genre name "x+\\.\\.\\." of ${MAX_GENRE_NAME_CHARS + 1} characters, more than the ${MAX_GENRE_NAME_CHARS}`));
  }
  const ok = 'y'.repeat(MAX_GENRE_NAME_CHARS);
  assert.deepEqual(parseGenreCell(`Drama|${ok}`), { kind: 'labels', names: ['Drama', ok] });
});

test('a dataset row with a million-character genre cell keeps unknown genres and a located warning', () => {
  const text = csv([HEADER, ['A', 'a story', 'Drama'], ['B', 'another', '9'.repeat(1_000_000)], ['C', 'third', 'Comedy']]);
  const d = parseDataset(text, { fileName: 'g.csv' });
  assert.deepEqual(d.rows.map((r) => r.genres), [['Drama'], null, ['Comedy']]);
  assert.deepEqual(d.genres.map((g) => g.name).sort(), ['Comedy', 'Drama']);
  const issue = d.issues.find((i) => /genre cell/.test(i.message));
  assert.ok(issue);
  assert.equal(formatIssue(issue), 'g.csv:3:15: genre cell of 1000000 characters, more than the 65536 a genre cell may have; ' +
    'genres unknown for this row (left out of training and evaluation)');
});

test('descriptions and titles are cut on reading, with a located warning naming the original length', () => {
  const description = 'word '.repeat(10_000).trim(); // 49999 characters
  const title = 'T'.repeat(700);
  const json = [{ title: 'ok', overview: 'short', genres: 'Drama' }, { title, overview: description, genres: 'Drama' }]
    .map((r) => JSON.stringify(r)).join('\r\n');
  const d = parseDataset(json, { fileName: 'big.jsonl' });
  const row = d.rows[1];
  assert.equal(row.text.length, MAX_CELL_CHARS.text - 1); // cut at 20000, then the trailing space trimmed
  assert.equal(row.text, description.slice(0, MAX_CELL_CHARS.text).trimEnd());
  assert.equal(row.title, title.slice(0, MAX_CELL_CHARS.title));
  const messages = d.issues.map(formatIssue);
  const column = json.split('\r\n')[1].indexOf('"word') + 1;
  assert.ok(messages.includes(`big.jsonl:2:${column}: the description in column "overview" is 49999 characters long; only its first 20000 are used`), messages.join('\n'));
  assert.ok(messages.some((m) => /^big\.jsonl:2:10: the title in column "title" is 700 characters long; only its first 500 are used$/.test(m)), messages.join('\n'));
});

test('a cut never splits a surrogate pair, and an over-long poster reference is ignored', () => {
  const text = `${'a'.repeat(MAX_CELL_CHARS.text - 1)}😀tail`; // the emoji's high surrogate is character 20000
  const poster = `posters/${'p'.repeat(5000)}.jpg`;
  const d = parseDataset(csv([['title', 'overview', 'genres', 'poster'], ['A', text, 'Drama', poster]]), { fileName: 'p.csv', fileExists: () => true });
  assert.equal(d.rows[0].text, 'a'.repeat(MAX_CELL_CHARS.text - 1));
  assert.equal(d.rows[0].poster, null);
  assert.ok(d.issues.some((i) => /poster reference in column "poster" is 5012 characters long, more than the 4096 a poster reference may have; ignored/.test(i.message)));
});

test('zero-width, bidi and full-width genre spellings fold into the most frequent clean spelling', () => {
  const lists = [['Dr\u200Bama'], ['Dr\u200Bama'], ['Dr\u200Bama'], ['Drama', 'Ｈｏｒｒｏｒ'], ['\u202ADrama\u202C'], ['\u200B'], null];
  const { lists: out, genres, normalizations } = normaliseGenres(lists);
  assert.deepEqual(out, [['Drama'], ['Drama'], ['Drama'], ['Drama', 'Horror'], ['Drama'], null, null]);
  assert.deepEqual(genres, [{ name: 'Drama', count: 5 }, { name: 'Horror', count: 1 }]);
  assert.deepEqual(normalizations.map((n) => [n.from, n.to, n.count]),
    [['Dr\u200Bama', 'Drama', 3], ['\u202ADrama\u202C', 'Drama', 1], ['Ｈｏｒｒｏｒ', 'Horror', 1]]);
  assert.deepEqual(parseGenreCell('Drama|\u200B|\u2060 '), { kind: 'labels', names: ['Drama'] });
});

test('dataset text quoted in messages shows control and invisible characters as escapes', () => {
  assert.equal(visible('a\u202Eb\u200Bc\u001B[31m\u0085\u{E0001}'), 'a\\u202Eb\\u200Bc\\u001B[31m\\u0085\\u{E0001}');
  assert.equal(quoteText('\u202Eabc'), '"\\u202Eabc"');
  const d = parseDataset(csv([HEADER, ['A', 'story', '[\u202EydemoC\u202C'], ['B', 'x', 'Drama']]), { fileName: 'b.csv' });
  const message = d.issues.map(formatIssue).find((m) => /unreadable genre list/.test(m));
  assert.ok(message);
  assert.match(message, /"\[\\u202EydemoC\\u202C"/);
  assert.doesNotMatch(message, /[\u202A-\u202E\u200B]/);
  assert.equal(formatIssue({ severity: 'warning', message: 'x\u202Ey', file: 'f\u200B.csv', line: 1, column: 2 }), 'f\\u200B.csv:1:2: x\\u202Ey');
});

test('the leakage row key ignores format and default-ignorable characters and compatibility forms', () => {
  const key = rowContentKey({ title: 'Alien', text: 'In space no one can hear you scream.' });
  for (const title of ['Alien\u200B', '\u2060Al\u00ADien', 'Ａｌｉｅｎ', 'Alien\u034F', '\uFEFFalien ']) {
    assert.equal(rowContentKey({ title, text: 'In space no one can hear you scream.' }), key, JSON.stringify(title));
  }
  assert.notEqual(rowContentKey({ title: 'Aliens', text: 'In space no one can hear you scream.' }), key);
  assert.equal(rowContentKey({ title: '\u200B', text: '' }), null);
});

test('the "no classifier" message never lists nothing', () => {
  const m = noClassifierMessage([], 10);
  assert.match(m, /no model was saved: no genre occurs in the training rows \(each genre needs/);
  assert.doesNotMatch(m, /: +\(/);
});

test('a genres column that is also the text or title column is refused naming both options', () => {
  const columns = { id: null, title: 'title', text: 'overview', genres: 'overview', poster: null };
  assert.throws(() => checkLabelsNotInput({ file: 'm.csv', columns }),
    /^Error: m\.csv: the genres column "overview" is also the text column[^]*--genres-column and --text-column/);
  assert.throws(() => checkLabelsNotInput({ file: 'm.csv', columns: { ...columns, genres: 'title' } }), /also the title column[^]*--title-column/);
  assert.doesNotThrow(() => checkLabelsNotInput({ file: 'm.csv', columns: { ...columns, genres: 'genres' } }));
  assert.doesNotThrow(() => checkLabelsNotInput({ file: 'm.csv', columns: { ...columns, genres: null } }));
});

test('an evaluation fraction that leaves no training rows is refused before any encoder loads', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gl-bounds-'));
  try {
    const data = path.join(dir, 'm.csv');
    fs.writeFileSync(data, csv([HEADER, ...Array.from({ length: 6 }, (_, i) => [`T${i}`, `story ${i}`, 'Drama'])]));
    await assert.rejects(trainRun({ data, evalFraction: 0.9999999, out: path.join(dir, 'out'), imageEncoder: 'none' }),
      /^Error: --eval-fraction 0\.9999999 \(evalFraction\)[^]*all 6 labelled rows[^]*6 evaluation rows, 0 training rows/);
    assert.equal(fs.existsSync(path.join(dir, 'out')), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the warnings saved with a model are bounded in number and length', () => {
  const many = Array.from({ length: 1000 }, (_, i) => `w${i} ${'x'.repeat(i === 0 ? 5000 : 10)}`);
  const saved = savedWarnings(many);
  assert.equal(saved.length, 201);
  assert.equal(saved[0].length, 1000);
  assert.equal(saved[200], '… and 800 more warnings');
  assert.deepEqual(savedWarnings(['a', 'b']), ['a', 'b']);
});

test('reading a file whose size is not known in advance still reads it all (grown buffer)', { skip: !fs.existsSync('/proc/self/status') }, async () => {
  const bytes = await readDatasetBytes('/proc/self/status');
  assert.match(bytes.toString('utf8'), /^Name:/);
  assert.match(bytes.toString('utf8'), /VmRSS|Pid:/);
});

test('CSV row ranges stay right after multi-byte and astral characters and CRLF', () => {
  const text = 'title,overview,genres\r\n"Ém😀",x,Drama\r\nB,"two\r\nlines 😀",Comedy\r\n';
  const d = parseDataset(text, { fileName: 'r.csv' });
  assert.deepEqual(d.rows.map((r) => [r.range.start.offset, r.range.end.offset]), [[23, 37], [39, 63]]);
  assert.equal(text.slice(23, 37), '"Ém😀",x,Drama');
  assert.equal(text.slice(39, 63), 'B,"two\r\nlines 😀",Comedy');
  assert.deepEqual([d.rows[1].range.start.line, d.rows[1].range.end.line, d.rows[1].range.end.character], [2, 3, 16]);
});
