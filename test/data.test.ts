// Tests for the dataset layer (server/engine/data): CSV / JSON / JSONL readers, source ranges and rowAt, column
// detection, genre and poster forms, and located errors for bad inputs. Fixtures: test/fixtures/data (made up).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Dataset, DatasetError, DatasetIssue, formatIssue, parseDataset, parseGenreCell, ParseOptions, readDataset,
  resolvePoster, rowAt,
} from '../server/engine/data';
import { needsShared, shared } from './sharedDir';

const FIXTURES = path.join(__dirname, 'fixtures', 'data');
const fixture = (name: string) => path.join(FIXTURES, name);

/** Short form of a row's range: `line:character-line:character` (0-based). */
const span = (d: Dataset, i: number) => {
  const { start, end } = d.rows[i].range;
  return `${start.line}:${start.character}-${end.line}:${end.character}`;
};

/** Parsing throws a DatasetError at file:line:column (1-based) whose message matches `pattern`. */
function throwsAt(text: string, options: ParseOptions, line: number, column: number, pattern: RegExp) {
  let error: unknown;
  try {
    parseDataset(text, options);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof DatasetError, `expected a DatasetError, got ${String(error)}`);
  assert.equal(error.message, `${options.fileName}:${line}:${column}: ${error.issue.message}`);
  assert.deepEqual([error.file, error.line, error.column], [options.fileName, line, column]);
  assert.match(error.message, pattern);
}

/** The dataset has an issue of that severity at line:column (1-based) whose formatted text matches `pattern`. */
function hasIssue(d: Dataset, severity: DatasetIssue['severity'], line: number, column: number, pattern: RegExp) {
  const prefix = `${d.file}:${line}:${column}: `;
  const found = d.issues.find((i) => i.severity === severity && formatIssue(i).startsWith(prefix) && pattern.test(i.message));
  assert.ok(found, `no ${severity} ${prefix}${pattern} among:\n${d.issues.map(formatIssue).join('\n')}`);
}

test('CSV fixture: comma delimiter, quoted multi-line field, genre and poster forms, exact ranges', async () => {
  const d = await readDataset(fixture('movies.csv'), { posterRoots: ['/srv/posters'] }); // row 4's poster is there
  assert.equal(d.format, 'csv');
  assert.equal(d.delimiter, ',');
  assert.deepEqual(d.columns, { id: 'id', title: 'title', text: 'overview', genres: 'genres', poster: 'poster' });
  assert.equal(d.rows.length, 5);
  assert.deepEqual(d.issues, []);
  assert.deepEqual(d.rows.map((r) => r.id), ['1', '2', '3', '4', '5']);
  assert.equal(d.rows[1].text, 'Two engineers race to repair a failing station.\nNobody on Earth believes them, "not even" their families.');
  assert.deepEqual(d.rows.map((r) => r.genres), [
    ['Family', 'Drama'], ['Science Fiction', 'Thriller'], ['Crime', 'Comedy'], null, ['Fantasy', 'Family'],
  ]);
  assert.deepEqual(d.labels, { known: 4, empty: 1, invalid: 0 });
  assert.deepEqual(d.genres[0], { name: 'Family', count: 2 });
  assert.equal(d.genres.length, 7);
  const roots = [FIXTURES, '/srv/posters'];
  assert.deepEqual(d.rows[0].poster, { kind: 'file', path: path.join(FIXTURES, 'posters/1.jpg'), raw: 'posters/1.jpg', roots });
  assert.deepEqual(d.rows[1].poster, { kind: 'url', url: 'https://example.org/posters/2.png', raw: 'https://example.org/posters/2.png' });
  assert.equal(d.rows[2].poster?.kind, 'tmdb');
  assert.deepEqual(d.rows[3].poster, { kind: 'file', path: '/srv/posters/4.jpg', raw: '/srv/posters/4.jpg', roots });
  assert.equal(d.rows[4].poster, null);
  // The multi-line record spans lines 2-3 (0-based), from its first character to its closing `.png`.
  const { range } = d.rows[1];
  assert.equal(range.file, fixture('movies.csv'));
  assert.deepEqual(range.start, { line: 2, character: 0, offset: 151 });
  assert.deepEqual(range.end, { line: 3, character: 119, offset: 336 });
  const text = fs.readFileSync(fixture('movies.csv'), 'utf8');
  assert.ok(text.slice(range.start.offset, range.end.offset).startsWith('2,Orbit of Ashes,"Two engineers'));
  assert.ok(text.slice(range.start.offset, range.end.offset).endsWith('posters/2.png'));
  assert.equal(span(d, 0), '1:0-1:118');
  assert.equal(span(d, 2), '4:0-4:108');
});

test('CSV: semicolon delimiter with commas inside the text', () => {
  const text = 'id;title;overview;genres\n1;Alpha;Fast, loud, and very short;Action\n2;Beta;"Quoted; with a semicolon";Drama|Action\n';
  const d = parseDataset(text, { fileName: 'semi.csv' });
  assert.equal(d.delimiter, ';');
  assert.deepEqual(d.rows.map((r) => [r.title, r.text, r.genres]), [
    ['Alpha', 'Fast, loud, and very short', ['Action']],
    ['Beta', 'Quoted; with a semicolon', ['Drama', 'Action']],
  ]);
});

test('CSV: tab delimiter (.tsv), alias column names, no id column', () => {
  const text = 'Name\tSynopsis\tGenre\tImg\nAlpha\tOne, two; three.\tHorror\thttp://example.org/a.jpg\n';
  const d = parseDataset(text, { fileName: 'movies.tsv' });
  assert.equal(d.delimiter, '\t');
  assert.deepEqual(d.columns, { id: null, title: 'Name', text: 'Synopsis', genres: 'Genre', poster: 'Img' });
  assert.deepEqual([d.rows[0].id, d.rows[0].title, d.rows[0].text, d.rows[0].genres], [undefined, 'Alpha', 'One, two; three.', ['Horror']]);
  assert.equal(d.rows[0].poster?.kind, 'url');
});

test('CSV: UTF-8 BOM and CRLF; positions are relative to the text without the BOM', () => {
  const text = '\uFEFFid,title,overview,genres\r\n1,Alpha,"Line one\r\nline two",Drama\r\n2,Beta,Plain,Comedy\r\n';
  const d = parseDataset(text, { fileName: 'bom.csv' });
  assert.equal(d.columns.id, 'id');
  assert.deepEqual(d.issues, []);
  assert.equal(d.rows[0].text, 'Line one\r\nline two');
  assert.deepEqual(d.rows[0].range.start, { line: 1, character: 0, offset: 26 });
  assert.deepEqual(d.rows[0].range.end, { line: 2, character: 15, offset: 60 });
  assert.deepEqual(d.rows[1].range.start, { line: 3, character: 0, offset: 62 });
  assert.deepEqual(d.rows[1].range.end, { line: 3, character: 19, offset: 81 });
  assert.equal(rowAt(d, { line: 2, character: 3 }), d.rows[0]);
});

test('CSV: mixed line endings, blank and whitespace-only lines, spaces around fields', () => {
  const text = 'id, title ,overview\r\n1,A,x\n\n   \n2 , B ,  "y"  \r3,C,"z\nw"\n,,\n';
  const d = parseDataset(text, { fileName: 'mixed.csv' });
  assert.deepEqual(d.issues, []);
  assert.deepEqual(d.rows.map((r) => [r.id, r.title, r.text]), [['1', 'A', 'x'], ['2', 'B', 'y'], ['3', 'C', 'z\nw']]);
  assert.deepEqual(d.rows.map((_, i) => span(d, i)), ['1:0-1:5', '4:0-4:14', '5:0-6:2']);
});

test('JSON fixture: real arrays, TMDB objects, stringified JSON, poster_path; object ranges', async () => {
  const d = await readDataset(fixture('movies.json'));
  assert.equal(d.format, 'json');
  assert.deepEqual(d.columns, { id: 'id', title: 'title', text: 'overview', genres: 'genres', poster: 'poster_path' });
  assert.deepEqual(d.issues, []);
  assert.deepEqual(d.rows.map((r) => [r.id, r.title, r.genres]), [
    ['10', 'Snow Maze', ['Family', 'Adventure']],
    ['11', 'Night Shift', ['Comedy', 'Crime']],
    ['12', 'Dust Road', ['Western']],
  ]);
  assert.equal(d.rows[0].poster?.kind, 'tmdb');
  assert.deepEqual(d.rows[1].poster, { kind: 'file', path: path.join(FIXTURES, 'posters/11.jpg'), raw: 'posters/11.jpg', roots: [FIXTURES] });
  assert.equal(d.rows[2].poster, null);
  // The first object is `{` at line 1 (0-based) character 2 through `}` at line 7 character 2.
  assert.deepEqual(d.rows[0].range.start, { line: 1, character: 2, offset: 4 });
  assert.deepEqual(d.rows[0].range.end, { line: 7, character: 3, offset: 230 });
  assert.equal(span(d, 1), '8:2-8:208');
});

test('JSONL fixture: one object per line, blank lines skipped, alias columns, case folding', async () => {
  const d = await readDataset(fixture('movies.jsonl'));
  assert.equal(d.format, 'jsonl');
  assert.deepEqual(d.columns, { id: 'id', title: 'name', text: 'plot', genres: 'labels', poster: 'image' });
  assert.deepEqual(d.issues, []);
  assert.deepEqual(d.rows.map((r) => [r.id, r.genres]), [['a1', ['Drama', 'Mystery']], ['a2', ['Science Fiction', 'Drama']], ['a3', null]]);
  assert.deepEqual(d.normalizations, [{ from: 'drama', to: 'Drama', count: 1 }]);
  assert.deepEqual(d.labels, { known: 2, empty: 1, invalid: 0 });
  assert.deepEqual(d.rows.map((_, i) => span(d, i)), ['0:0-0:150', '2:0-2:114', '4:0-4:100']);
});

test('Kaggle-style CSV: Python-repr and JSON genre lists inside CSV cells, TMDB poster paths', async () => {
  const d = await readDataset(fixture('kaggle-style.csv'), { posterBaseUrl: 'https://img.example/w500/' });
  assert.deepEqual(d.columns, { id: 'id', title: 'title', text: 'overview', genres: 'genres', poster: 'poster_path' });
  assert.deepEqual(d.rows.map((r) => r.genres), [['Drama', 'Romance'], ['Horror', 'Thriller'], ['Animation'], null]);
  assert.deepEqual(d.rows[0].poster, {
    kind: 'tmdb', url: 'https://img.example/w500/lettersnowhere.jpg', posterPath: '/lettersnowhere.jpg', raw: '/lettersnowhere.jpg',
  });
  assert.deepEqual(d.labels, { known: 3, empty: 1, invalid: 0 });
});

test('genre cells in every supported form', () => {
  const labels = (names: string[]) => ({ kind: 'labels', names });
  assert.deepEqual(parseGenreCell('Action|Adventure'), labels(['Action', 'Adventure']));
  assert.deepEqual(parseGenreCell('Action, Adventure'), labels(['Action', 'Adventure']));
  assert.deepEqual(parseGenreCell('Action;Adventure'), labels(['Action', 'Adventure']));
  assert.deepEqual(parseGenreCell(' Science  Fiction |'), labels(['Science  Fiction']));
  assert.deepEqual(parseGenreCell('["Action","Adventure"]'), labels(['Action', 'Adventure']));
  assert.deepEqual(parseGenreCell(['Action', 'Adventure']), labels(['Action', 'Adventure']));
  assert.deepEqual(parseGenreCell('[{"id":28,"name":"Action"}]'), labels(['Action']));
  assert.deepEqual(parseGenreCell([{ id: 28, name: 'Action' }, { id: 12, name: 'Adventure' }]), labels(['Action', 'Adventure']));
  assert.deepEqual(parseGenreCell("['Action', 'Adventure']"), labels(['Action', 'Adventure']));
  assert.deepEqual(parseGenreCell("[{'id': 28, 'name': 'Action'}, {'id': 10751, 'name': \"Children's\"}]"), labels(['Action', "Children's"]));
  for (const empty of ['', '  ', '[]', '||', null, undefined, []]) assert.deepEqual(parseGenreCell(empty), { kind: 'empty' }, String(empty));
  for (const bad of ['[{"id":28,', '[{"id": 28}]', 'Action"]', '{"name": "Action"}', '[1, 2]', 42, { name: 'Action' }]) {
    assert.equal(parseGenreCell(bad).kind, 'invalid', JSON.stringify(bad));
  }
});

test('genre names fold case and whitespace to the most frequent spelling, with counts and normalisations', () => {
  const text = 'overview,genres\na,Action|science fiction\nb,action|Science Fiction\nc," ACTION | Science  Fiction"\nd,Science Fiction\n';
  const d = parseDataset(text, { fileName: 'fold.csv' });
  assert.deepEqual(d.genres, [{ name: 'Science Fiction', count: 4 }, { name: 'Action', count: 3 }]);
  assert.deepEqual(d.rows[2].genres, ['Action', 'Science Fiction']);
  assert.deepEqual(d.normalizations, [
    { from: 'action', to: 'Action', count: 1 },
    { from: 'ACTION', to: 'Action', count: 1 },
    { from: 'science fiction', to: 'Science Fiction', count: 1 },
    { from: 'Science  Fiction', to: 'Science Fiction', count: 1 },
  ]);
  const dup = parseDataset('overview,genres\na,Drama|drama|DRAMA\n', { fileName: 'dup.csv' });
  assert.deepEqual(dup.rows[0].genres, ['Drama']);
  assert.deepEqual(dup.genres, [{ name: 'Drama', count: 1 }]);
});

test('unparseable genre cells: warning at the cell, row kept with genres unknown', () => {
  const text = 'title,overview,genres\nA,x,"[{""id"":28,"\nB,y,"[{""id"": 28}]"\nC,z,"Action""]"\nD,w,Drama\n';
  const d = parseDataset(text, { fileName: 'bad-genres.csv' });
  assert.equal(d.rows.length, 4);
  assert.deepEqual(d.rows.map((r) => r.genres), [null, null, null, ['Drama']]);
  assert.deepEqual(d.labels, { known: 1, empty: 0, invalid: 3 });
  hasIssue(d, 'warning', 2, 5, /unreadable genre list.*genres unknown/);
  hasIssue(d, 'warning', 3, 5, /without a "name"/);
  hasIssue(d, 'warning', 4, 5, /unknown genre format/);
  const j = parseDataset('[{"overview": "x", "genres": 42}]', { fileName: 'g.json' });
  assert.equal(j.rows[0].genres, null);
  hasIssue(j, 'warning', 1, 30, /expected genre names, found a number/);
});

test('poster references: relative, absolute, http(s), file URL, TMDB path, unsupported scheme', () => {
  const ctx = { baseDir: '/data/set', posterBaseUrl: 'https://image.tmdb.org/t/p/w342', fileExists: () => false };
  assert.deepEqual(resolvePoster('posters/1.jpg', ctx), { kind: 'file', path: '/data/set/posters/1.jpg', raw: 'posters/1.jpg' });
  assert.deepEqual(resolvePoster('../img/2.png', ctx), { kind: 'file', path: '/data/img/2.png', raw: '../img/2.png' });
  assert.deepEqual(resolvePoster('/srv/p/3.jpg', ctx), { kind: 'file', path: '/srv/p/3.jpg', raw: '/srv/p/3.jpg' });
  assert.deepEqual(resolvePoster('HTTPS://x.org/4.jpg', ctx), { kind: 'url', url: 'HTTPS://x.org/4.jpg', raw: 'HTTPS://x.org/4.jpg' });
  assert.deepEqual(resolvePoster('file:///srv/p/5.jpg', ctx), { kind: 'file', path: '/srv/p/5.jpg', raw: 'file:///srv/p/5.jpg' });
  assert.deepEqual(resolvePoster('/kqjL17yufvn9OVLyXYpvtyrFfak.jpg', ctx), {
    kind: 'tmdb', url: 'https://image.tmdb.org/t/p/w342/kqjL17yufvn9OVLyXYpvtyrFfak.jpg',
    posterPath: '/kqjL17yufvn9OVLyXYpvtyrFfak.jpg', raw: '/kqjL17yufvn9OVLyXYpvtyrFfak.jpg',
  });
  // The same path is a local file when one exists there.
  assert.equal(resolvePoster('/cover.jpg', { ...ctx, fileExists: (f) => f === '/cover.jpg' })?.kind, 'file');
  assert.equal(resolvePoster('ftp://x.org/6.jpg', ctx), undefined);

  const d = parseDataset('overview,poster\na,ftp://x.org/6.jpg\nb,\nc,p/7.jpg\n', { fileName: 'p.csv', baseDir: '/base' });
  assert.deepEqual(d.rows.map((r) => r.poster), [null, null, { kind: 'file', path: '/base/p/7.jpg', raw: 'p/7.jpg', roots: ['/base'] }]);
  hasIssue(d, 'warning', 2, 3, /unsupported poster reference "ftp:\/\/x.org\/6.jpg"/);
});

test('column detection: case-insensitive trimmed names, overrides, optional genres and poster columns', () => {
  const d = parseDataset(' Movie_ID ,Original_Title, DESCRIPTION ,Tags,Cover\n7,Alpha,x,Drama,c.jpg\n', { fileName: 'c.csv' });
  assert.deepEqual(d.columns, { id: 'Movie_ID', title: 'Original_Title', text: 'DESCRIPTION', genres: 'Tags', poster: 'Cover' });
  const j = parseDataset('[{" Overview ": "x", "GENRES": "Drama"}]', { fileName: 'c.json' });
  assert.deepEqual([j.columns.text, j.columns.genres, j.rows[0].text], [' Overview ', 'GENRES', 'x']);
  assert.deepEqual([d.rows[0].id, d.rows[0].title, d.rows[0].text], ['7', 'Alpha', 'x']);

  const text = 'title,overview,tagline,genres,kind\nAlpha,long text,short text,Drama,Comedy\n';
  const o = parseDataset(text, { fileName: 'o.csv', columns: { text: 'TagLine', genres: 'kind', poster: null } });
  assert.deepEqual(o.columns, { id: null, title: 'title', text: 'tagline', genres: 'kind', poster: null });
  assert.deepEqual([o.rows[0].text, o.rows[0].genres], ['short text', ['Comedy']]);
  throwsAt(text, { fileName: 'o.csv', columns: { genres: 'nope' } }, 1, 1, /no column "nope" \(given as the genres column with --genres-column or in genreLens\.columns in VS Code\); available columns: "title", "overview"/);

  const p = parseDataset('title,plot\nAlpha,A plot.\n', { fileName: 'predict.csv' });
  assert.deepEqual(p.columns, { id: null, title: 'title', text: 'plot', genres: null, poster: null });
  assert.deepEqual([p.rows[0].genres, p.rows[0].poster], [null, null]);
  assert.deepEqual(p.labels, { known: 0, empty: 0, invalid: 0 });
  assert.deepEqual(p.issues, []);
});

test('rowAt finds the row under an offset or a line/character, by binary search', async () => {
  const d = await readDataset(fixture('movies.csv'));
  assert.equal(rowAt(d, { line: 0, character: 3 }), undefined); // header
  assert.equal(rowAt(d, { line: 1, character: 0 })?.id, '1');
  assert.equal(rowAt(d, { line: 1, character: 118 })?.id, '1'); // end of line
  assert.equal(rowAt(d, { line: 3, character: 10 })?.id, '2'); // second line of the multi-line record
  assert.equal(rowAt(d, { line: 6, character: 40 })?.id, '5');
  assert.equal(rowAt(d, { line: 7, character: 0 }), undefined); // after the last row
  assert.equal(rowAt(d, 0), undefined);
  assert.equal(rowAt(d, 151)?.id, '2');
  assert.equal(rowAt(d, 300)?.id, '2');
  assert.equal(rowAt(d, 336)?.id, '2');
  assert.equal(rowAt(d, 337)?.id, '3');
  const j = await readDataset(fixture('movies.json'));
  assert.equal(rowAt(j, { line: 0, character: 0 }), undefined); // `[`
  assert.equal(rowAt(j, { line: 4, character: 10 })?.id, '10');
  assert.equal(rowAt(j, { line: 7, character: 3 })?.id, '10'); // just after `}`
  assert.equal(rowAt(j, { line: 8, character: 1 }), undefined); // indentation before `{`
  assert.equal(rowAt(j, { line: 9, character: 50 })?.id, '12');
  assert.equal(rowAt({ rows: [] }, 0), undefined);
});

test('bad input: empty files', () => {
  throwsAt('', { fileName: 'empty.csv' }, 1, 1, /the file is empty/);
  throwsAt(' \n\n', { fileName: 'empty.json' }, 1, 1, /the file is empty/);
  throwsAt('\uFEFF', { fileName: 'empty.jsonl' }, 1, 1, /the file is empty/);
  throwsAt('a,b\n', { fileName: 'data.txt' }, 1, 1, /unknown dataset format/);
});

test('bad input: header only, empty JSON array', () => {
  const d = parseDataset('id,title,overview,genres\n', { fileName: 'header.csv' });
  assert.equal(d.rows.length, 0);
  assert.equal(d.columns.text, 'overview');
  hasIssue(d, 'warning', 2, 1, /no data rows/);
  const j = parseDataset('[]', { fileName: 'none.json' });
  assert.equal(j.rows.length, 0);
  hasIssue(j, 'warning', 1, 3, /no data rows/);
});

test('bad input: missing text column names the file and lists the columns', () => {
  throwsAt('id,title,genres\n1,A,Drama\n', { fileName: 'notext.csv' }, 1, 1,
    /^notext\.csv:1:1: no text column: expected one of overview, description.*available columns: "id", "title", "genres" — choose the text column with --text-column \(the genreLens\.columns setting in VS Code\)$/);
  throwsAt('[{"title": "A"}]', { fileName: 'notext.json' }, 1, 1, /no text column.*available columns: "title"/);
});

test('bad input: CSV quoting errors are located at the field at fault', () => {
  throwsAt('id,title,overview\n1,A,ok\n2,B,"never closed\n3,C,more\n', { fileName: 'unclosed.csv' }, 3, 5, /unclosed quote/);
  throwsAt('id,title,overview\n1,"A ""x""","ok"\n2,Été,"never closed', { fileName: 'unclosed2.csv' }, 3, 7, /unclosed quote/);
  throwsAt('id,title,overview\n1,A,say "hi" now\n', { fileName: 'open.csv' }, 2, 5, /bad quoting: a quote inside an unquoted field/);
  throwsAt('id,title,overview\n1,"A"x,ok\n', { fileName: 'close.csv' }, 2, 3, /bad quoting: text after the closing quote/);
});

test('bad input: a CSV row with the wrong number of fields is skipped with a located error', () => {
  const d = parseDataset('id,title,overview\n1,A,ok\n2,B\n3,C,fine,extra\n4,D,good\n', { fileName: 'count.csv' });
  assert.deepEqual(d.rows.map((r) => r.id), ['1', '4']);
  hasIssue(d, 'error', 3, 1, /row has 2 fields but the header has 3 \(delimiter ","\); row skipped/);
  hasIssue(d, 'error', 4, 1, /row has 4 fields but the header has 3/);
});

test('bad input: empty and duplicate header names', () => {
  const d = parseDataset('id,,overview,Overview\n1,x,y,z\n', { fileName: 'header.csv' });
  assert.deepEqual(d.available, ['id', 'overview']);
  assert.equal(d.rows[0].text, 'y');
  hasIssue(d, 'warning', 1, 4, /column 2 has an empty name; it is ignored/);
  hasIssue(d, 'warning', 1, 14, /duplicate column name "Overview" \(as column 3\); this column is ignored/);
});

test('bad input: invalid JSON, and JSON that is not an array of objects', () => {
  throwsAt('[\n  {"title": "A", "overview": "x"},\n  {"title": "B" "overview": "y"}\n]', { fileName: 'bad.json' }, 3, 17, /invalid JSON: comma expected/);
  throwsAt('[{"overview": "x"},]', { fileName: 'trailing.json' }, 1, 20, /invalid JSON/);
  throwsAt('[{"overview": "x"} // note\n]', { fileName: 'comment.json' }, 1, 20, /invalid JSON/);
  throwsAt('[{"overview": "x"}', { fileName: 'cut.json' }, 1, 19, /invalid JSON: close bracket expected/);
  throwsAt('\n  {"overview": "x"}', { fileName: 'object.json' }, 2, 3, /expected a top-level array of objects, found an object/);
  const d = parseDataset('[{"overview": "x"},\n 42, "s", null]', { fileName: 'mixed.json' });
  assert.equal(d.rows.length, 1);
  hasIssue(d, 'error', 2, 2, /array element 2 is a number, not an object; skipped/);
  hasIssue(d, 'error', 2, 6, /array element 3 is a string/);
  hasIssue(d, 'error', 2, 11, /array element 4 is null/);
});

test('bad input: JSONL lines that are not objects or not JSON are skipped with located errors', () => {
  const text = '{"overview": "a"}\n[1, 2]\n{"overview": "b",}\n  "text"\n{"overview": "c", "title": {"x": 1}}\n';
  const d = parseDataset(text, { fileName: 'bad.jsonl' });
  assert.deepEqual(d.rows.map((r) => r.text), ['a', 'c']);
  assert.equal(d.rows[1].title, '');
  hasIssue(d, 'error', 2, 1, /expected a JSON object, found an array; line skipped/);
  hasIssue(d, 'error', 3, 18, /invalid JSON: .*; line skipped/);
  hasIssue(d, 'error', 4, 3, /expected a JSON object, found a string/);
  hasIssue(d, 'warning', 5, 28, /expected text in column "title", found an object; ignored/);
});

test('empty descriptions are kept with a warning at the cell', () => {
  const d = parseDataset('id,overview,genres\n1,,Drama\n2,ok,\n', { fileName: 'e.csv' });
  assert.deepEqual(d.rows.map((r) => [r.text, r.genres]), [['', ['Drama']], ['ok', null]]);
  hasIssue(d, 'warning', 2, 3, /empty "overview"/);
  assert.equal(d.issues.length, 1);
});

const TRAIN = shared('data/tmdb5000/train.csv');

test('real data: tmdb5000 train.csv', { skip: needsShared('data/tmdb5000/train.csv') }, async () => {
  const d = await readDataset(TRAIN);
  assert.equal(d.rows.length, 3793); // 3,797 lines: header + 3,793 records, 3 of them with a two-line overview
  assert.equal(d.genres.length, 19);
  assert.deepEqual(d.labels, { known: 3793, empty: 0, invalid: 0 });
  assert.deepEqual(d.issues, []);
  assert.deepEqual(d.normalizations, []);
  assert.deepEqual(d.genres[0], { name: 'Drama', count: 1813 });
  assert.equal(d.rows.filter((r) => r.poster === null).length, 5);
  const multi = d.rows.filter((r) => r.range.start.line !== r.range.end.line);
  assert.equal(multi.length, 3);
  assert.equal(rowAt(d, { line: multi[0].range.end.line, character: 5 }), multi[0]);
});
