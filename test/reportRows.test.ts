// The report linked to its rows, without a browser: which evaluation rows lie behind a confusion-matrix cell or a genre
// (agreeing with the metrics' own confusion counts), an older report without true genres, the suspicious-label entries
// of a genre, the rows list's buttons on a stand-in DOM, and the client's check of which file a row may be opened in.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Report } from '../common/modelTypes';
import { evaluate } from '../server/engine/metrics';
import { CELLS, confusionRows, evaluationFile, genreRows, hasLabels, issuesFor, labelIssuesOf, type EvalRowView } from '../media/rowSelect';
import { openRowRequest, reportDataFiles, rowFileProblem, rowTarget } from '../client/rowTarget';

const genres = ['Action', 'Comedy', 'Horror', 'TV Movie']; // TV Movie: untrained
const thresholds = [0.4, 0.5, 0.3, 0.5];

/** A seeded generator, so the rows are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function makeRows(n: number): EvalRowView[] {
  const rnd = lcg(7);
  const rows = Array.from({ length: n }, (_, i) => {
    const labels = genres.flatMap((_, g) => (rnd() < 0.35 ? [g] : []));
    const proba = genres.map((_, g) => Math.round((labels.includes(g) ? 0.3 + rnd() * 0.7 : rnd() * 0.6) * 1e4) / 1e4);
    return { line: 2 + i * 2, title: `Movie ${i}`, proba, labels };
  });
  rows[0].proba[0] = thresholds[0]; // exactly at the threshold: predicted (p ≥ threshold)
  rows[1].proba[3] = 0.99; // an untrained genre never predicts, whatever its probability
  return rows;
}

/** The decision the model makes (BlendPredictor.decide): trained and p ≥ threshold. */
const decide = (row: EvalRowView, g: number) => (g !== 3 && row.proba[g] >= thresholds[g] ? 1 : 0);

function makeReport(rows: EvalRowView[], extra: Partial<Report> = {}): Report {
  const metrics = evaluate(rows.map((r) => genres.map((_, g) => (r.labels?.includes(g) ? 1 : 0))), rows.map((r) => genres.map((_, g) => decide(r, g))), genres);
  return {
    formatVersion: 2, genres, thresholds, metrics, ablation: { both: {} as Report['ablation']['both'] },
    cooccurrence: [[5, 1, 1], [1, 5, 1], [1, 1, 5], []], prCurves: [[], [], [], []], evaluationRows: rows,
    run: { dataset: { path: '/w/movies.csv' }, evaluation: { kind: 'split', fraction: 0.2, rows: rows.length } } as Report['run'],
    ...extra,
  } as Report;
}

describe('rows behind a confusion-matrix cell', () => {
  const rows = makeRows(120);
  const report = makeReport(rows);

  test('each cell lists exactly the rows the metrics count there, and the four cells split the rows', () => {
    genres.forEach((_, g) => {
      const [[tn, fp], [fn, tp]] = report.metrics.confusion[g];
      const counts = { TN: tn, FP: fp, FN: fn, TP: tp };
      const seen = new Set<number>();
      for (const cell of CELLS) {
        const sel = confusionRows(report, g, cell);
        assert.equal(sel.exact, true);
        assert.equal(sel.items.length, counts[cell], `${genres[g]} ${cell}`);
        for (const it of sel.items) {
          assert.equal(it.cell, cell);
          assert.ok(!seen.has(it.line), 'a row in one cell only');
          seen.add(it.line);
        }
        const p = sel.items.map((it) => it.probability);
        assert.deepEqual(p, [...p].sort((a, b) => b - a), 'most probable first');
      }
      assert.equal(seen.size, rows.length);
    });
    assert.ok(report.metrics.confusion[0][1][1] > 0 && report.metrics.confusion[0][0][1] > 0, 'the fixture has TPs and FPs');
  });

  test('a row at exactly the threshold is predicted; an untrained genre predicts nothing', () => {
    const atThreshold = rows[0].labels?.includes(0) ? 'TP' : 'FP';
    assert.ok(confusionRows(report, 0, atThreshold).items.some((it) => it.line === rows[0].line));
    assert.equal(confusionRows(report, 3, 'TP').items.length + confusionRows(report, 3, 'FP').items.length, 0);
    assert.ok(!confusionRows(report, 3, 'FN').items.concat(confusionRows(report, 3, 'TN').items).some((it) => it.predicted.includes('TV Movie')));
  });

  test('items carry title, labelled and predicted genre names and the genre\'s probability', () => {
    const it = confusionRows(report, 1, 'TP').items[0];
    const row = rows.find((r) => r.line === it.line) as EvalRowView;
    assert.equal(it.title, row.title);
    assert.deepEqual(it.labelled, row.labels?.map((g) => genres[g]));
    assert.deepEqual(it.predicted, genres.filter((_, g) => decide(row, g)));
    assert.equal(it.probability, row.proba[1]);
  });

  test('a genre lists its TP, then FN, then FP rows, never TN', () => {
    const sel = genreRows(report, 2);
    const [[, fp], [fn, tp]] = report.metrics.confusion[2];
    assert.equal(sel.items.length, tp + fn + fp);
    const cells = sel.items.map((it) => it.cell);
    assert.deepEqual(cells, [...Array(tp).fill('TP'), ...Array(fn).fill('FN'), ...Array(fp).fill('FP')]);
  });

  test('an older report without true genres lists only the model\'s side, marked not exact', () => {
    const old = makeReport(rows.map(({ labels: _labels, ...r }) => r));
    old.metrics = report.metrics;
    const [[, fp], [, tp]] = report.metrics.confusion[0];
    const tpSel = confusionRows(old, 0, 'TP');
    assert.equal(tpSel.exact, false);
    assert.equal(tpSel.items.length, tp + fp, 'predicted rows: TP and FP together');
    assert.deepEqual(tpSel.items, confusionRows(old, 0, 'FP').items);
    assert.ok(tpSel.items.every((it) => it.labelled === null && it.cell === null));
    assert.equal(genreRows(old, 0).items.length, tp + fp);
  });

  test('labels out of range, repeated or missing on one row make the report count as without true genres', () => {
    for (const bad of [[9], [1, 1], undefined]) {
      const copy = rows.map((r) => ({ ...r }));
      copy[5] = { ...copy[5], labels: bad };
      assert.equal(hasLabels(makeReport(copy), copy), false, JSON.stringify(bad));
    }
    assert.equal(hasLabels(report, rows), true);
  });

  test('without recorded rows, or with malformed ones, nothing wrong is listed', () => {
    const none = makeReport(rows, { evaluationRows: undefined });
    assert.match(confusionRows(none, 0, 'TP').unavailable ?? '', /did not record its evaluation rows/);
    const mangled = makeReport([{ line: 3, title: 'x', proba: [0.9] }, { line: 'a', title: 'y', proba: [1, 1, 1, 1] }, ...rows.slice(0, 3)] as EvalRowView[]);
    assert.deepEqual(confusionRows(mangled, 0, 'TP').items.map((i) => i.line).concat(confusionRows(mangled, 0, 'FP').items.map((i) => i.line))
      .concat(confusionRows(mangled, 0, 'FN').items.map((i) => i.line), confusionRows(mangled, 0, 'TN').items.map((i) => i.line)).sort((a, b) => a - b),
    rows.slice(0, 3).map((r) => r.line));
    assert.equal(confusionRows(report, 7, 'TP').items.length, 0);
  });

  test('evaluation rows are in the evaluation file, or in the dataset when held out of it', () => {
    assert.equal(evaluationFile(report), '/w/movies.csv');
    const withFile = makeReport(rows, { run: { dataset: { path: '/w/train.csv' }, evaluation: { kind: 'file', path: '/w/test.csv' } } as Report['run'] });
    assert.equal(evaluationFile(withFile), '/w/test.csv');
  });
});

describe('suspicious labels in the report', () => {
  const issue = (line: number, doubted: string[], missing: string[]) => ({ line, title: `T${line}`, key: 'k', score: 1 / line,
    labelled: doubted, doubted: doubted.map((genre) => ({ genre, probability: 0.01 })), missing: missing.map((genre) => ({ genre, probability: 0.9 })), suggested: missing });
  const labelIssues = { checked: 100, total: 3, perGenre: [{ genre: 'Comedy', doubted: 2, missing: 0 }, { genre: 'Horror', doubted: 0, missing: 1 }],
    rows: [issue(2, ['Comedy', 'Romance'], ['Horror']), issue(5, ['Comedy'], []), issue(9, ['Action'], []), { line: 'x' }] };

  test('an older report has none; malformed entries are dropped', () => {
    assert.equal(labelIssuesOf(makeReport(makeRows(3))), null);
    const li = labelIssuesOf(makeReport(makeRows(3), { labelIssues } as Partial<Report>));
    assert.ok(li);
    assert.deepEqual(li.rows.map((r) => r.line), [2, 5, 9]);
    assert.equal(li.perGenre.length, 2);
  });

  test('a genre lists its doubted and missing entries, in rank order', () => {
    const li = labelIssuesOf(makeReport(makeRows(3), { labelIssues } as Partial<Report>));
    assert.ok(li);
    assert.deepEqual(issuesFor(li, 'Comedy', null).map((r) => r.line), [2, 5]);
    assert.deepEqual(issuesFor(li, 'Horror', 'missing').map((r) => r.line), [2]);
    assert.deepEqual(issuesFor(li, 'Horror', 'doubted').map((r) => r.line), []);
    assert.deepEqual(issuesFor(li, null).map((r) => r.line), [2, 5, 9]);
  });
});

describe('which file the report may open', () => {
  const split = { run: { dataset: { path: '/w/movies.csv' }, evaluation: { kind: 'split', path: '/w/other.csv' } } };
  const file = { run: { dataset: { path: '/w/train.csv' }, evaluation: { kind: 'file', path: '/w/test.csv' } } };

  test('the dataset and a separate evaluation file only', () => {
    assert.deepEqual(reportDataFiles(split), ['/w/movies.csv']);
    assert.deepEqual(reportDataFiles(file), ['/w/train.csv', '/w/test.csv']);
    assert.deepEqual(rowTarget(split, { type: 'openRow', file: '/w/movies.csv', line: 12 }), { file: '/w/movies.csv', line: 12 });
    assert.deepEqual(rowTarget(file, { type: 'openRow', file: '/w/test.csv', line: 1 }), { file: '/w/test.csv', line: 1 });
  });

  test('any other path, a spelling of the same path, a bad line or message is refused', () => {
    for (const m of [{ type: 'openRow', file: '/w/other.csv', line: 2 }, { type: 'openRow', file: '/etc/passwd', line: 1 },
      { type: 'openRow', file: '/w/x/../movies.csv', line: 2 }, { type: 'openRow', file: 'movies.csv', line: 2 },
      { type: 'openRow', file: '/w/movies.csv', line: 0 }, { type: 'openRow', file: '/w/movies.csv', line: 2.5 },
      { type: 'openRow', file: '/w/movies.csv', line: '2' }, { type: 'export', file: '/w/movies.csv', line: 2 }, null, 'openRow']) {
      assert.equal(rowTarget(split, m), null, JSON.stringify(m));
    }
    assert.equal(rowTarget(null, { type: 'openRow', file: '/w/movies.csv', line: 2 }), null);
    assert.equal(rowTarget({ run: { dataset: { path: 'relative.csv' }, evaluation: { kind: 'split' } } }, { type: 'openRow', file: 'relative.csv', line: 2 }), null);
  });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-rowfile-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const at = (name: string) => path.join(dir, name);

  test('the report\'s own file must also be an existing regular file with a dataset extension', () => {
    for (const f of ['movies.csv', 'MOVIES.TSV', 'a.json', 'b.jsonl', 'c.ndjson', 'notes.txt']) fs.writeFileSync(at(f), 'title,genres\n');
    fs.mkdirSync(at('folder.csv'));
    fs.symlinkSync(at('folder.csv'), at('to-folder.csv'));
    fs.symlinkSync(at('movies.csv'), at('to-movies.csv'));
    for (const f of ['movies.csv', 'MOVIES.TSV', 'a.json', 'b.jsonl', 'c.ndjson', 'to-movies.csv']) assert.equal(rowFileProblem(at(f)), null, f);
    assert.match(rowFileProblem(at('notes.txt')) ?? '', /notes\.txt is not a dataset file \(\.csv, \.tsv, \.json, \.jsonl, \.ndjson\)/);
    assert.match(rowFileProblem('/etc/passwd') ?? '', /not a dataset file/);
    assert.match(rowFileProblem(at('gone.csv')) ?? '', /gone\.csv does not exist/);
    assert.match(rowFileProblem(at('folder.csv')) ?? '', /folder\.csv is not a regular file/);
    assert.match(rowFileProblem(at('to-folder.csv')) ?? '', /to-folder\.csv is not a regular file/);
    assert.match(rowFileProblem(at('pipe.csv'), () => ({ isFile: () => false })) ?? '', /pipe\.csv is not a regular file/);
  });

  test('a FIFO named like a dataset is refused without being opened', (t) => {
    if (spawnSync('mkfifo', [at('fifo.csv')]).status !== 0) return t.skip('mkfifo is not available');
    assert.match(rowFileProblem(at('fifo.csv')) ?? '', /fifo\.csv is not a regular file/);
  });

  test('openRow: the row to open, or the warning saying why not', () => {
    const stats: string[] = [];
    const stat = (f: string) => (stats.push(f), fs.statSync(f));
    const report = (p: string) => ({ run: { dataset: { path: p }, evaluation: { kind: 'split' } } });
    const ask = (file: string) => ({ type: 'openRow', file, line: 3 });
    assert.deepEqual(openRowRequest(report(at('movies.csv')), ask(at('movies.csv')), stat), { target: { file: at('movies.csv'), line: 3 } });
    assert.deepEqual(openRowRequest(report(at('movies.csv')), ask(at('a.json')), stat),
      { warning: 'Genre Lens: the report opens rows of its own dataset or evaluation file only.' });
    assert.deepEqual(stats, [at('movies.csv')], 'a path the report does not name is never looked at');
    for (const [f, why] of [['folder.csv', 'is not a regular file'], ['gone.csv', 'does not exist'], ['notes.txt', 'is not a dataset file']]) {
      const r = openRowRequest(report(at(f)), ask(at(f)), stat);
      assert.ok('warning' in r, f);
      assert.equal(r.warning.startsWith(`Genre Lens: not opening the row: ${at(f)} ${why}`), true, r.warning);
    }
  });
});

/** Just what media/rows.ts and media/dom.ts use; there is no innerHTML here, so data can only go in as text. */
class FakeElement {
  textContent = '';
  className = '';
  hidden = false;
  type = '';
  title = '';
  readonly attrs = new Map<string, string>();
  readonly listeners = new Map<string, (() => void)[]>();
  children: FakeElement[] = [];
  constructor(readonly tagName: string) {}
  append(...nodes: FakeElement[]): void {
    this.children.push(...nodes);
  }
  replaceChildren(...nodes: FakeElement[]): void {
    this.children = nodes;
  }
  setAttribute(k: string, v: string): void {
    this.attrs.set(k, v);
  }
  addEventListener(type: string, fn: () => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  click(): void {
    this.listeners.get('click')?.forEach((fn) => fn());
  }
  all(tag: string): FakeElement[] {
    return this.children.flatMap((c) => [...(c.tagName === tag ? [c] : []), ...c.all(tag)]);
  }
}

interface RowsModule {
  evalRowsTable(items: unknown[], genre: string, file: string, open: (f: string, l: number) => void): FakeElement;
  PAGE: number;
}
let rowsUi: RowsModule;

before(async () => {
  (globalThis as { document?: unknown }).document = { createElement: (tag: string) => new FakeElement(tag) };
  // A variable path: the test's type check does not pull the webview's DOM types in.
  rowsUi = (await import(pathToFileURL(path.resolve(__dirname, '../media/rows.ts')).href)) as RowsModule;
});

describe('the rows list', () => {
  test('a title is a button that asks to open its row; rows come a page at a time', () => {
    const report = makeReport(makeRows(250));
    const items = genreRows(report, 0).items.concat(confusionRows(report, 0, 'TN').items);
    assert.equal(items.length, 250);
    const opened: [string, number][] = [];
    const ui = rowsUi.evalRowsTable(items, 'Action', '/w/movies.csv', (f, l) => opened.push([f, l]));
    const body = ui.all('tbody')[0];
    assert.equal(body.children.length, rowsUi.PAGE);
    const first = body.children[0].all('button')[0];
    assert.equal(first.textContent, items[0].title);
    first.click();
    assert.deepEqual(opened, [['/w/movies.csv', items[0].line]]);
    const more = ui.all('button').find((b) => b.className === 'more') as FakeElement;
    assert.equal(more.textContent, 'Show 100 more (150 not shown)');
    more.click();
    more.click();
    assert.equal(body.children.length, 250);
    assert.equal(more.hidden, true);
    const headers = ui.all('th').map((th) => th.textContent);
    assert.deepEqual(headers, ['line', 'title', 'labelled genres', 'predicted genres', 'P(Action)', 'outcome']);
  });
});
