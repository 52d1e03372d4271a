// Property (fast-check, fixed seed): in random files of every genre format — CSV with pipe / comma / semicolon genres,
// JSON lists, TMDB objects and Python repr cells, JSON and JSONL files (pretty or not, keys missing, empty cells written
// every way), any line ending, with or without a BOM — filling one row's genre cell and re-reading gives that row the
// new genres, leaves every other cell of every row as it was, stays inside the row, and keeps the line endings.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse as parseCsv } from 'csv-parse/sync';
import { parseDataset } from '../server/engine/data';
import { applyCellEdit, csvField, genreCellEdit } from '../server/engine/data/genreWriter';

const RUNS = { numRuns: 300, seed: 20260812 };
const NAMES = ['Action', 'Drama', 'Science Fiction', 'Comedy', 'TV Movie', "Children's", 'Ciência'];
const IDS: Record<string, number> = { Action: 28, Drama: 18, 'Science Fiction': 878, Comedy: 35, 'TV Movie': 10770, "Children's": 5, Ciência: 6 };
const py = (s: string) => (s.includes("'") ? `"${s}"` : `'${s}'`);

/** Each format: how a non-empty cell is written (independently of the writer under test). */
const CSV_STYLES: Record<string, { delimiter: string; cell: (names: string[]) => string }> = {
  pipe: { delimiter: ',', cell: (n) => n.join('|') },
  comma: { delimiter: ',', cell: (n) => n.join(', ') },
  semicolonGenres: { delimiter: '\t', cell: (n) => n.join(';') },
  commaInSemicolonFile: { delimiter: ';', cell: (n) => n.join(', ') },
  jsonList: { delimiter: ',', cell: (n) => JSON.stringify(n) },
  tmdb: { delimiter: ',', cell: (n) => JSON.stringify(n.map((name) => ({ id: IDS[name], name }))) },
  pyNames: { delimiter: ',', cell: (n) => `[${n.map(py).join(', ')}]` },
  pyObjects: { delimiter: ';', cell: (n) => `[${n.map((name) => `{'id': ${IDS[name]}, 'name': ${py(name)}}`).join(', ')}]` },
};
const JSON_STYLES: Record<string, (names: string[]) => unknown> = {
  names: (n) => n,
  objects: (n) => n.map((name) => ({ id: IDS[name], name })),
  pipeString: (n) => n.join('|'),
};

const title = fc.string({ unit: 'binary', maxLength: 10 }).filter((s) => s === s.trim() && !s.includes('\u0000'));
const genres = fc.subarray(NAMES);
const fileArb = fc.record({
  format: fc.constantFrom(...Object.keys(CSV_STYLES).map((s) => `csv:${s}`), ...Object.keys(JSON_STYLES).flatMap((s) => [`json:${s}`, `jsonl:${s}`])),
  rows: fc.array(fc.record({ title, genres, empty: fc.constantFrom(0, 1, 2, 3), quoteTitle: fc.boolean() }), { minLength: 1, maxLength: 6 }),
  eol: fc.constantFrom('\n', '\r\n', '\r'),
  bom: fc.boolean(),
  pretty: fc.boolean(),
  trailingEol: fc.boolean(),
  target: fc.nat(),
  newGenres: fc.subarray(NAMES, { minLength: 1 }),
});
type File = typeof fileArb extends fc.Arbitrary<infer T> ? T : never;

function write(f: File): { text: string; file: string; delimiter?: string } {
  const [kind, style] = f.format.split(':');
  const lines: string[] = [];
  if (kind === 'csv') {
    const { delimiter, cell } = CSV_STYLES[style];
    const q = (v: string, force = false) => (force || v.includes(delimiter) || /["\r\n]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v);
    lines.push(['title', 'overview', 'genres', 'id'].join(delimiter));
    f.rows.forEach((r, i) => {
      const g = r.genres.length ? csvField(cell(r.genres), delimiter) : r.empty % 2 ? '""' : '';
      lines.push([q(r.title, r.quoteTitle), `desc ${i}`, g, String(i)].join(delimiter));
    });
    return { text: (f.bom ? '\uFEFF' : '') + lines.join(f.eol) + (f.trailingEol ? f.eol : ''), file: 'p.csv', delimiter };
  }
  const objects = f.rows.map((r, i) => {
    const o: Record<string, unknown> = { title: r.title, overview: `desc ${i}` };
    if (r.genres.length) o.genres = JSON_STYLES[style](r.genres);
    else if (r.empty < 3) o.genres = [null, [], ''][r.empty];
    o.id = i;
    return o;
  });
  const text = kind === 'json'
    ? (f.pretty ? JSON.stringify(objects, null, 2) : `[${objects.map((o) => JSON.stringify(o)).join(`,${f.eol}`)}]`).replace(/\n/g, f.eol)
    : objects.map((o) => JSON.stringify(o)).join(f.eol);
  return { text: (f.bom ? '\uFEFF' : '') + text + (f.trailingEol ? f.eol : ''), file: kind === 'json' ? 'p.json' : 'p.jsonl' };
}

/** Every cell of every record/object, as an independent parser reads them. */
function cells(text: string, file: string, delimiter?: string): unknown[] {
  const body = text.replace(/^\uFEFF/, '');
  if (file.endsWith('.csv')) {
    return parseCsv(body, { delimiter, record_delimiter: ['\r\n', '\n', '\r'], trim: true, skip_empty_lines: true }) as string[][];
  }
  if (file.endsWith('.json')) return JSON.parse(body) as unknown[];
  return body.split(/\r\n|\r|\n/).filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
}

const eols = (s: string) => ({ crlf: s.split('\r\n').length - 1, lf: s.replace(/\r\n/g, '').split('\n').length - 1, cr: s.replace(/\r\n/g, '').split('\r').length - 1 });

test('genre writer property: the edit sets exactly the row\'s genres; other rows, other cells and line endings are unchanged', () => {
  fc.assert(fc.property(fileArb, (f) => {
    const { text, file, delimiter } = write(f);
    const before = parseDataset(text, { fileName: file, fileExists: () => false });
    assert.equal(before.rows.length, f.rows.length);
    const row = before.rows[f.target % before.rows.length];
    const edit = genreCellEdit(text, before, row, f.newGenres);
    if (before.columns.genres === null) return assert.equal(edit, null); // a JSON file where no row has the key
    assert.ok(edit, 'an edit');
    assert.ok(edit.range.start.offset >= row.range.start.offset && edit.range.end.offset <= row.range.end.offset, 'inside the row');
    const out = applyCellEdit(text, edit);
    const after = parseDataset(out, { fileName: file, fileExists: () => false });
    assert.deepEqual(after.issues.filter((i) => i.severity === 'error'), []);
    assert.equal(after.rows.length, before.rows.length);
    after.rows.forEach((r, i) => {
      const old = before.rows[i];
      assert.deepEqual([r.id, r.title, r.text, r.poster], [old.id, old.title, old.text, old.poster]);
      assert.deepEqual(r.genres, i === row.index ? f.newGenres : old.genres);
    });
    // every other cell, as csv-parse / JSON.parse read them
    const [was, now] = [cells(text, file, delimiter), cells(out, file, delimiter)];
    assert.equal(now.length, was.length);
    now.forEach((record, i) => {
      const target = i === row.index + (file.endsWith('.csv') ? 1 : 0);
      if (!target) return assert.deepEqual(record, was[i]);
      if (Array.isArray(record)) assert.deepEqual(record.filter((_, j) => j !== 2), (was[i] as string[]).filter((_, j) => j !== 2));
      else {
        const { genres: _n, ...rest } = record as Record<string, unknown>;
        const { genres: _o, ...restWas } = was[i] as Record<string, unknown>;
        assert.deepEqual(rest, restWas);
      }
    });
    // line endings: only the file's own kind, the old ones all kept
    const bom = f.bom ? 1 : 0;
    const removed = eols(text.slice(bom + edit.range.start.offset, bom + edit.range.end.offset));
    const [e0, e1, added] = [eols(text), eols(out), eols(edit.newText)];
    for (const k of ['crlf', 'lf', 'cr'] as const) {
      assert.equal(e1[k], e0[k] - removed[k] + added[k]);
      if (added[k] > 0) assert.ok(e0[k] > 0, `a ${k} line break the file does not use`);
    }
  }), RUNS);
});
