// Property-based tests (fast-check, fixed seed, bounded runs) of the dataset readers: RFC 4180 CSV tables of
// arbitrary Unicode cells read back cell for cell with exact row ranges, JSON / JSONL arrays of objects round-trip,
// arbitrary text fails only with a located DatasetError, and genre cells in every supported form round-trip.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { DatasetError, parseDataset, parseGenreCell, rowAt } from '../server/engine/data';
import { readCsv } from '../server/engine/data/csv';
import { readJson, readJsonl } from '../server/engine/data/json';
import { SourceText } from '../server/engine/data/source';

const RUNS = { numRuns: 200, seed: 20260801 };

/** Cells: any code points (no lone surrogates, no NUL), no leading/trailing whitespace (the reader trims). */
const cell = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => s === s.trim() && !s.includes('\u0000'));
const EOLS = ['\n', '\r\n', '\r'] as const;

/** A table: ncol named columns, rows of arbitrary cells (never all empty), how each cell is written. */
const table = fc.integer({ min: 1, max: 5 }).chain((ncol) => fc.record({
  columns: fc.constant(Array.from({ length: ncol }, (_, i) => `column ${i + 1}`)),
  rows: fc.array(fc.array(cell, { minLength: ncol, maxLength: ncol }).filter((r) => r.some((c) => c !== '')), { maxLength: 8 }),
  quoteAll: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
  eol: fc.constantFrom(...EOLS),
  trailingEol: fc.boolean(),
}));

/** RFC 4180: quote a field holding a quote, a delimiter or a line break (and others when asked). */
const field = (v: string, force: boolean) => (force || /[",;\t\r\n]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v);

function writeTable(t: { columns: string[]; rows: string[][]; quoteAll: boolean[]; eol: string; trailingEol: boolean }) {
  const lines = [t.columns.join(','), ...t.rows.map((r, i) => r.map((v, j) => field(v, t.quoteAll[(i * 7 + j) % 40])).join(','))];
  return { text: lines.join(t.eol) + (t.trailingEol ? t.eol : ''), lines };
}

test('CSV: arbitrary Unicode cells written with RFC 4180 quoting read back exactly, with each row\'s exact range', () => {
  fc.assert(fc.property(table, (t) => {
    const { text, lines } = writeTable(t);
    const src = new SourceText('t.csv', text);
    const read = readCsv(src, ',');
    assert.deepEqual(read.columns, t.columns);
    assert.deepEqual(read.issues, []);
    assert.equal(read.records.length, t.rows.length);
    read.records.forEach((rec, i) => {
      assert.deepEqual(t.columns.map((c) => rec.cells.get(c)?.value), t.rows[i]);
      assert.equal(text.slice(rec.start, rec.end), lines[i + 1]);
      let at = rec.start;
      t.columns.forEach((c, j) => {
        const written = field(t.rows[i][j], t.quoteAll[(i * 7 + j) % 40]);
        assert.equal(rec.cells.get(c)?.offset, at);
        at += written.length + 1;
      });
    });
  }), RUNS);
});

test('CSV through parseDataset: titles and descriptions come back, and rowAt finds each row at its start and end', () => {
  const movieTable = fc.array(fc.tuple(cell, cell.filter((s) => s !== '')), { minLength: 1, maxLength: 8 });
  fc.assert(fc.property(movieTable, fc.constantFrom(...EOLS), (rows, eol) => {
    const lines = ['title,overview', ...rows.map(([a, b], i) => `${field(a, i % 2 === 0)},${field(b, false)}`)];
    const ds = parseDataset(lines.join(eol) + eol, { fileName: 'm.csv' });
    assert.equal(ds.rows.length, rows.length);
    ds.rows.forEach((row, i) => {
      assert.equal(row.title, rows[i][0]);
      assert.equal(row.text, rows[i][1]);
      assert.equal(rowAt(ds, row.range.start.offset), row);
      assert.equal(rowAt(ds, row.range.end), row);
    });
  }), RUNS);
});

const objects = fc.array(fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k.trim() !== '' && k !== '__proto__'),
  fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }), { maxLength: 6 });

/** Values as plain JSON objects (jsonc-parser builds objects without a prototype). */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

test('JSON: arrays of objects round-trip, each record spanning its object', () => {
  fc.assert(fc.property(objects, fc.constantFrom(undefined, 0, 1, 2, '\t'), (arr, indent) => {
    const text = JSON.stringify(arr, null, indent);
    const read = readJson(new SourceText('t.json', text));
    const expected = JSON.parse(text) as Record<string, unknown>[];
    assert.equal(read.records.length, expected.length);
    read.records.forEach((rec, i) => {
      assert.deepEqual(plain(Object.fromEntries([...rec.cells].map(([k, c]) => [k, c.value]))), expected[i]);
      assert.deepEqual(JSON.parse(text.slice(rec.start, rec.end)), expected[i]);
    });
  }), RUNS);
});

test('JSONL: one object per line round-trips, each record spanning its line', () => {
  fc.assert(fc.property(objects, fc.constantFrom(...EOLS), (arr, eol) => {
    const lines = arr.map((o) => JSON.stringify(o));
    const text = lines.join(eol) + eol;
    const read = readJsonl(new SourceText('t.jsonl', text));
    assert.equal(read.records.length, arr.length);
    read.records.forEach((rec, i) => {
      assert.equal(text.slice(rec.start, rec.end), lines[i]);
      assert.deepEqual(plain(Object.fromEntries([...rec.cells].map(([k, c]) => [k, c.value]))), JSON.parse(lines[i]));
    });
  }), RUNS);
});

/** Text that is often almost JSON: random strings, JSON of random values, deep nesting, fragments spliced. */
const jsonish = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.json({ maxDepth: 4 }),
  fc.tuple(fc.nat({ max: 20_000 }), fc.constantFrom('[', '{"a":', '[{"title":')).map(([n, open]) => open.repeat(n)),
  fc.tuple(fc.json({ maxDepth: 3 }), fc.nat(40), fc.string({ maxLength: 4 })).map(([j, at, s]) => j.slice(0, at) + s + j.slice(at)),
);

test('JSON / JSONL / CSV: arbitrary text never throws anything but a located DatasetError', () => {
  fc.assert(fc.property(jsonish, fc.constantFrom('x.json', 'x.jsonl', 'x.csv'), (text, fileName) => {
    try {
      parseDataset(text, { fileName });
    } catch (e) {
      assert.ok(e instanceof DatasetError, `${fileName}: threw ${(e as Error).name}: ${(e as Error).message}`);
      assert.match(e.message, new RegExp(`^${fileName.replace('.', '\\.')}:\\d+:\\d+: `));
    }
  }), RUNS);
});

// ---- genre cells
const name = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
  .filter((s) => s.trim() !== '' && !/[\\\u0000-\u001f\u007f]/.test(s));
const plainName = name.filter((s) => !/[|;,[\]{}"]/.test(s));
const expectNames = (names: string[]) => names.map((n) => n.trim());
const pyString = (s: string) => (s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/'/g, "\\'")}'`);

test('genre cells: never throw, whatever the value', () => {
  fc.assert(fc.property(fc.oneof(fc.anything(), fc.string({ unit: 'binary' }), fc.json()), (v) => {
    const r = parseGenreCell(v);
    assert.ok(['labels', 'empty', 'invalid'].includes(r.kind));
    if (r.kind === 'labels') assert.ok(r.names.length > 0 && r.names.every((n) => typeof n === 'string' && n.trim() === n && n !== ''));
  }), RUNS);
});

test('genre cells: names round-trip through A|B, JSON arrays, TMDB objects and Python repr', () => {
  fc.assert(fc.property(fc.array(plainName, { minLength: 1, maxLength: 5 }), fc.array(name, { minLength: 1, maxLength: 5 }), (plain, any) => {
    assert.deepEqual(parseGenreCell(plain.join('|')), { kind: 'labels', names: expectNames(plain) });
    assert.deepEqual(parseGenreCell(JSON.stringify(any)), { kind: 'labels', names: expectNames(any) });
    assert.deepEqual(parseGenreCell(any), { kind: 'labels', names: expectNames(any) });
    const tmdb = any.map((n, i) => ({ id: i + 1, name: n }));
    assert.deepEqual(parseGenreCell(JSON.stringify(tmdb)), { kind: 'labels', names: expectNames(any) });
    assert.deepEqual(parseGenreCell(`[${any.map(pyString).join(', ')}]`), { kind: 'labels', names: expectNames(any) });
    const pyTmdb = `[${tmdb.map((g) => `{'id': ${g.id}, 'name': ${pyString(g.name)}}`).join(', ')}]`;
    assert.deepEqual(parseGenreCell(pyTmdb), { kind: 'labels', names: expectNames(any) });
  }), RUNS);
});
