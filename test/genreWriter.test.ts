// The genre writer (server/engine/data/genreWriter.ts): for every genre format Genre Lens reads, the exact text after
// filling or replacing one row's genre cell — the file's own style, quoting only where needed, line endings and every
// other cell untouched — and the genre cell spans the readers record. The random round trip is genreWriterProperty.test.ts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseDataset } from '../server/engine/data';
import { applyCellEdit, detectGenreStyle, genreCellEdit } from '../server/engine/data/genreWriter';

const parse = (file: string, text: string) => parseDataset(text, { fileName: file, fileExists: () => false });

/** Fills row `row` with `genres`, checks the result reads back with them, and returns the new text. */
function fill(file: string, text: string, row: number, genres: string[]): string {
  const d = parse(file, text);
  const edit = genreCellEdit(text, d, d.rows[row], genres);
  assert.ok(edit, 'an edit');
  const out = applyCellEdit(text, edit);
  assert.deepEqual(parse(file, out).rows[row].genres, genres.length ? genres : null);
  return out;
}

const CASES: { name: string; file: string; text: string; row: number; genres: string[]; want: string }[] = [
  { name: 'CSV pipe', file: 'm.csv', row: 1, genres: ['Comedy', 'Crime'],
    text: 'title,overview,genres\nA,x,Action|Drama\nB,y,\n',
    want: 'title,overview,genres\nA,x,Action|Drama\nB,y,Comedy|Crime\n' },
  { name: 'CSV pipe, replacing a cell mid-row', file: 'm.csv', row: 0, genres: ['Western'],
    text: 'title,genres,overview\nA,Action|Drama,x\nB,Crime,y',
    want: 'title,genres,overview\nA,Western,x\nB,Crime,y' },
  { name: 'CSV comma (quoted, as the delimiter is a comma)', file: 'm.csv', row: 1, genres: ['Comedy', 'Crime'],
    text: 'title,overview,genres\nA,x,"Action, Drama"\nB,y,\n',
    want: 'title,overview,genres\nA,x,"Action, Drama"\nB,y,"Comedy, Crime"\n' },
  { name: 'CSV comma without spaces', file: 'm.csv', row: 1, genres: ['Comedy', 'Crime'],
    text: 'title\toverview\tgenres\nA\tx\tAction,Drama\nB\ty\t\n',
    want: 'title\toverview\tgenres\nA\tx\tAction,Drama\nB\ty\tComedy,Crime\n' },
  { name: 'CSV semicolon-delimited file with comma genres (no quoting needed)', file: 'm.csv', row: 1, genres: ['Comedy', 'Crime'],
    text: 'title;overview;genres\nA;x;Action, Drama\nB;y;\n',
    want: 'title;overview;genres\nA;x;Action, Drama\nB;y;Comedy, Crime\n' },
  { name: 'CSV semicolon genres', file: 'm.csv', row: 1, genres: ['Comedy', 'Crime'],
    text: 'title,overview,genres\nA,x,Action; Drama\nB,y,\n',
    want: 'title,overview,genres\nA,x,Action; Drama\nB,y,Comedy; Crime\n' },
  { name: 'CSV JSON-list cell', file: 'm.csv', row: 1, genres: ['Comedy', 'Science Fiction'],
    text: 'title,overview,genres\nA,x,"[""Action"", ""Drama""]"\nB,y,\n',
    want: 'title,overview,genres\nA,x,"[""Action"", ""Drama""]"\nB,y,"[""Comedy"", ""Science Fiction""]"\n' },
  { name: 'CSV TMDB objects: ids from the file, then TMDB\'s, else none', file: 'm.csv', row: 1, genres: ['Drama', 'Crime', 'Cult'],
    text: 'title,overview,genres\nA,x,"[{""id"": 7, ""name"": ""Drama""}, {""id"": 28, ""name"": ""Action""}]"\nB,y,[]\n',
    want: 'title,overview,genres\nA,x,"[{""id"": 7, ""name"": ""Drama""}, {""id"": 28, ""name"": ""Action""}]"\n' +
      'B,y,"[{""id"": 7, ""name"": ""Drama""}, {""id"": 80, ""name"": ""Crime""}, {""name"": ""Cult""}]"\n' },
  { name: 'CSV Python-repr names (a quote in a name uses Python\'s double quotes)', file: 'm.csv', row: 1, genres: ['Comedy', "Children's"],
    text: "title,overview,genres\nA,x,\"['Action', 'Drama']\"\nB,y,\n",
    want: "title,overview,genres\nA,x,\"['Action', 'Drama']\"\nB,y,\"['Comedy', \"\"Children's\"\"]\"\n" },
  { name: 'CSV Python-repr names in a semicolon file (no quoting needed)', file: 'm.csv', row: 1, genres: ['Comedy'],
    text: "title;overview;genres\nA;x;['Action', 'Drama']\nB;y;\n",
    want: "title;overview;genres\nA;x;['Action', 'Drama']\nB;y;['Comedy']\n" },
  { name: 'CSV Python-repr names whose first name has a quote', file: 'm.csv', row: 1, genres: ['Comedy'],
    text: "title,overview,genres\nA,x,\"[\"\"Children's\"\", 'Drama']\"\nB,y,\n",
    want: "title,overview,genres\nA,x,\"[\"\"Children's\"\", 'Drama']\"\nB,y,['Comedy']\n" },
  { name: 'CSV Python-repr objects', file: 'm.csv', row: 1, genres: ['Horror'],
    text: "title,overview,genres\nA,x,\"[{'id': 28, 'name': 'Action'}]\"\nB,y,\n",
    want: "title,overview,genres\nA,x,\"[{'id': 28, 'name': 'Action'}]\"\nB,y,\"[{'id': 27, 'name': 'Horror'}]\"\n" },
  { name: 'CSV CRLF file', file: 'm.csv', row: 1, genres: ['Comedy', 'Crime'],
    text: 'title,overview,genres\r\nA,x,Action|Drama\r\nB,y,\r\nC,z,War\r\n',
    want: 'title,overview,genres\r\nA,x,Action|Drama\r\nB,y,Comedy|Crime\r\nC,z,War\r\n' },
  { name: 'CSV with a BOM', file: 'm.csv', row: 1, genres: ['Comedy'],
    text: '\uFEFFtitle,overview,genres\nA,x,Action|Drama\nB,y,\n',
    want: '\uFEFFtitle,overview,genres\nA,x,Action|Drama\nB,y,Comedy\n' },
  { name: 'CSV quoted empty cell "" stays quoted', file: 'm.csv', row: 1, genres: ['Comedy', 'Crime'],
    text: 'title,overview,genres\nA,x,Action|Drama\nB,y,""\n',
    want: 'title,overview,genres\nA,x,Action|Drama\nB,y,"Comedy|Crime"\n' },
  { name: 'CSV title holding the delimiter, quotes and a line break', file: 'm.csv', row: 1, genres: ['Comedy'],
    text: 'title,genres,overview\nA,Action|Drama,x\n"Say ""hi"", B\nagain",,y\n',
    want: 'title,genres,overview\nA,Action|Drama,x\n"Say ""hi"", B\nagain",Comedy,y\n' },
  { name: 'CSV blanks around the cell are kept', file: 'm.csv', row: 1, genres: ['Comedy'],
    text: 'title, overview, genres\nA, x, Action|Drama\nB, y, \n',
    want: 'title, overview, genres\nA, x, Action|Drama\nB, y, Comedy\n' },
  { name: 'JSON array file, lists of names, pretty-printed', file: 'm.json', row: 1, genres: ['Comedy', 'Crime'],
    text: '[\n  {\n    "title": "A",\n    "overview": "x",\n    "genres": [\n      "Action",\n      "Drama"\n    ]\n  },\n' +
      '  {\n    "title": "B",\n    "overview": "y",\n    "genres": []\n  }\n]\n',
    want: '[\n  {\n    "title": "A",\n    "overview": "x",\n    "genres": [\n      "Action",\n      "Drama"\n    ]\n  },\n' +
      '  {\n    "title": "B",\n    "overview": "y",\n    "genres": [\n      "Comedy",\n      "Crime"\n    ]\n  }\n]\n' },
  { name: 'JSON array file, inline lists of names', file: 'm.json', row: 1, genres: ['Comedy', 'Crime'],
    text: '[{"title": "A", "overview": "x", "genres": ["Action", "Drama"]},\n {"title": "B", "overview": "y", "genres": null}]',
    want: '[{"title": "A", "overview": "x", "genres": ["Action", "Drama"]},\n {"title": "B", "overview": "y", "genres": ["Comedy", "Crime"]}]' },
  { name: 'JSON array file, TMDB objects', file: 'm.json', row: 1, genres: ['Comedy', 'Action'],
    text: '[{"title":"A","overview":"x","genres":[{"id":28,"name":"Action"},{"id":18,"name":"Drama"}]},\n{"title":"B","overview":"y","genres":[]}]',
    want: '[{"title":"A","overview":"x","genres":[{"id":28,"name":"Action"},{"id":18,"name":"Drama"}]},\n' +
      '{"title":"B","overview":"y","genres":[{"id":35,"name":"Comedy"},{"id":28,"name":"Action"}]}]' },
  { name: 'JSON array file, "A|B" strings', file: 'm.json', row: 1, genres: ['Comedy', 'Crime'],
    text: '[{"title": "A", "overview": "x", "genres": "Action|Drama"},\n {"title": "B", "overview": "y", "genres": ""}]',
    want: '[{"title": "A", "overview": "x", "genres": "Action|Drama"},\n {"title": "B", "overview": "y", "genres": "Comedy|Crime"}]' },
  { name: 'JSON array file, a TMDB list held in a string', file: 'm.json', row: 1, genres: ['Comedy'],
    text: '[{"title": "A", "overview": "x", "genres": "[{\\"id\\": 28, \\"name\\": \\"Action\\"}]"},\n {"title": "B", "overview": "y", "genres": ""}]',
    want: '[{"title": "A", "overview": "x", "genres": "[{\\"id\\": 28, \\"name\\": \\"Action\\"}]"},\n' +
      ' {"title": "B", "overview": "y", "genres": "[{\\"id\\": 35, \\"name\\": \\"Comedy\\"}]"}]' },
  { name: 'JSON array file, pretty row lacking the key', file: 'm.json', row: 1, genres: ['Comedy', 'Crime'],
    text: '[\n  {\n    "title": "A",\n    "overview": "x",\n    "genres": [\n      "Action"\n    ]\n  },\n  {\n    "title": "B",\n    "overview": "y"\n  }\n]',
    want: '[\n  {\n    "title": "A",\n    "overview": "x",\n    "genres": [\n      "Action"\n    ]\n  },\n' +
      '  {\n    "title": "B",\n    "overview": "y",\n    "genres": [\n      "Comedy",\n      "Crime"\n    ]\n  }\n]' },
  { name: 'JSONL', file: 'm.jsonl', row: 1, genres: ['Comedy', 'Action'],
    text: '{"title":"A","overview":"x","genres":[{"id":28,"name":"Action"}]}\n{"title":"B","overview":"y","genres":null}\n',
    want: '{"title":"A","overview":"x","genres":[{"id":28,"name":"Action"}]}\n' +
      '{"title":"B","overview":"y","genres":[{"id":35,"name":"Comedy"},{"id":28,"name":"Action"}]}\n' },
  { name: 'JSONL row lacking the key (compact, CRLF)', file: 'm.jsonl', row: 1, genres: ['Comedy', 'Drama'],
    text: '{"title":"A","overview":"x","genres":["Action","Drama"]}\r\n{"title":"B","overview":"y"}\r\n{"title":"C","overview":"z","genres":["War"]}\r\n',
    want: '{"title":"A","overview":"x","genres":["Action","Drama"]}\r\n{"title":"B","overview":"y","genres":["Comedy","Drama"]}\r\n' +
      '{"title":"C","overview":"z","genres":["War"]}\r\n' },
  { name: 'JSONL row lacking the key (spaced)', file: 'm.jsonl', row: 1, genres: ['Comedy'],
    text: '{"title": "A", "overview": "x", "genres": ["Action", "Drama"]}\n{"title": "B", "overview": "y"}\n',
    want: '{"title": "A", "overview": "x", "genres": ["Action", "Drama"]}\n{"title": "B", "overview": "y", "genres": ["Comedy"]}\n' },
  { name: 'JSON with a BOM and CRLF', file: 'm.json', row: 1, genres: ['Comedy'],
    text: '\uFEFF[{"title": "A", "overview": "x", "genres": ["Action"]},\r\n {"title": "B", "overview": "y", "genres": []}]\r\n',
    want: '\uFEFF[{"title": "A", "overview": "x", "genres": ["Action"]},\r\n {"title": "B", "overview": "y", "genres": ["Comedy"]}]\r\n' },
];

for (const c of CASES) {
  test(`genre writer: ${c.name}`, () => {
    assert.equal(fill(c.file, c.text, c.row, c.genres), c.want);
  });
}

test('genre writer: a pipe-style name holding a separator cannot be written; no genres column gives no edit', () => {
  const text = 'title,overview,genres\nA,x,Action|Drama\nB,y,\n';
  const d = parse('m.csv', text);
  assert.equal(genreCellEdit(text, d, d.rows[1], ['Rock, Roll']), null);
  assert.ok(genreCellEdit(text, d, d.rows[1], ['Rock']));
  const noGenres = 'title,overview\nA,x\n';
  const n = parse('m.csv', noGenres);
  assert.equal(n.rows[0].genresCell, undefined);
  assert.equal(genreCellEdit(noGenres, n, n.rows[0], ['Drama']), null);
});

test('genre writer: a stale text (the cell is no longer a whole field) gives no edit', () => {
  const text = 'title,overview,genres\nA,x,Action|Drama\nB,y,\n';
  const d = parse('m.csv', text);
  assert.equal(genreCellEdit('title,overview,genres\nAB,x,Action|Drama\n', d, d.rows[0], ['War']), null);
});

test('genre writer: emptying a cell, and an explicit style', () => {
  const text = 'title,overview,genres\nA,x,Action|Drama\nB,y,War\n';
  const d = parse('m.csv', text);
  assert.equal(applyCellEdit(text, genreCellEdit(text, d, d.rows[0], [])!), 'title,overview,genres\nA,x,\nB,y,War\n');
  const style = detectGenreStyle(parse('s.csv', 'title,overview,genres\nA,x,Action; Drama\n'));
  assert.deepEqual(style, { kind: 'separated', separator: '; ', native: false });
  assert.equal(applyCellEdit(text, genreCellEdit(text, d, d.rows[1], ['War', 'Crime'], style)!), 'title,overview,genres\nA,x,Action|Drama\nB,y,War; Crime\n');
});

test('readers: the genre cell span is the field with its quotes, or the JSON value node', () => {
  const slice = (text: string, file: string) => parse(file, text).rows.map((r) => r.genresCell
    && text.replace(/^\uFEFF/, '').slice(r.genresCell.start.offset, r.genresCell.end.offset));
  assert.deepEqual(slice('title,overview,genres\r\nA,x, "Action|Drama" \r\nB,y,\r\nC,z,""\r\nD,w,Comedy', 'm.csv'),
    ['"Action|Drama"', '', '""', 'Comedy']);
  assert.deepEqual(slice('\uFEFF[{"title":"A","overview":"x","genres":["Action", "Drama"]},{"title":"B","overview":"y"},' +
    '{"title":"C","overview":"y","genres":null}]', 'm.json'), ['["Action", "Drama"]', undefined, 'null']);
  const d = parse('m.csv', 'title,overview,genres\nA,"x\ny",Drama\n');
  assert.deepEqual(d.rows[0].genresCell, { start: { line: 2, character: 3, offset: 30 }, end: { line: 2, character: 8, offset: 35 } });
});

test('style: majority of the sampled cells, spacing of the first that shows it, TMDB ids from every genre seen', () => {
  const rows = Array.from({ length: 30 }, (_, i) => `T${i},x,"[{""id"":${100 + i},""name"":""G${i}""}]"`).join('\n');
  const d = parse('m.csv', `title,overview,genres\n${rows}\nU,y,Drama|War\n`);
  const style = detectGenreStyle(d);
  assert.equal(style.kind, 'objects');
  if (style.kind !== 'objects') return;
  assert.equal(style.ids.g29, 129, 'ids learned past the first rows');
  assert.equal(style.layout.colon, ':');
  assert.equal(style.layout.item, ',', 'compact like the colon');
  assert.ok((d.genreSamples ?? []).length <= 64);
});
