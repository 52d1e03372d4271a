// The report webview's comparison parts (media/comparison.ts) on a minimal stand-in DOM: the components table with the
// blend row marked, data text only ever as textContent, and the text/poster summary saying pending…, cancelled,
// failed or skipped for the models not there, and nothing extra once the comparison is done or in an older report.
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Just what media/dom.ts uses: createElement, textContent, className, append, colSpan. No innerHTML exists here. */
class FakeElement {
  textContent = '';
  className = '';
  colSpan = 1;
  readonly children: FakeElement[] = [];
  constructor(readonly tagName: string) {}
  append(...nodes: FakeElement[]): void {
    this.children.push(...nodes);
  }
  all(tag: string): FakeElement[] {
    return this.children.flatMap((c) => [...(c.tagName === tag ? [c] : []), ...c.all(tag)]);
  }
  get text(): string {
    return this.textContent + this.children.map((c) => c.text).join('|');
  }
}

type Metrics = { precision: number; recall: number; f1: number; support: number };
interface Comparison {
  componentsTable(c: unknown[]): FakeElement;
  ablationSummary(r: unknown): FakeElement;
  ablationNote(r: unknown): FakeElement | null;
}
let m: Comparison;

before(async () => {
  (globalThis as { document?: unknown }).document = { createElement: (tag: string) => new FakeElement(tag) };
  // A variable path: the test's type check does not pull the webview's DOM types in.
  const file = path.resolve(__dirname, '../media/comparison.ts');
  m = (await import(pathToFileURL(file).href)) as Comparison;
});

const avg = (f1: number): Metrics => ({ precision: f1, recall: f1, f1, support: 10 });
const entry = (f1: number) => ({ micro: avg(f1), macro: avg(f1 - 0.1), samples: avg(f1 - 0.05), subsetAccuracy: 0.2, perGenreF1: [f1] });
const report = (over: object) => ({ genres: ['Drama'], ablation: { both: entry(0.6) }, ...over });

test('components: one row per component with weight and F1s, the blend marked, names as text', () => {
  const table = m.componentsTable([
    { name: 'lightgbm', weight: 0.5, ...entry(0.61) },
    { name: '<img src=x onerror=alert(1)>', weight: 0.25, ...entry(0.55) },
    { name: 'blend', weight: 1, ...entry(0.66) },
  ]);
  const rows = table.all('tbody')[0].all('tr');
  assert.equal(rows.length, 3);
  assert.deepEqual(rows.map((r) => r.className), ['', '', 'blend']);
  assert.deepEqual(rows[0].all('td').map((td) => td.textContent), ['lightgbm', '0.50', '0.610', '0.510', '0.560', '0.200']);
  assert.equal(rows[1].all('td')[0].textContent, '<img src=x onerror=alert(1)>', 'kept as text (textContent), never markup');
  assert.equal(rows[2].all('td')[0].textContent, 'blend (the model)');
  assert.deepEqual(table.all('thead')[0].all('th').map((th) => th.textContent), ['component', 'weight', 'micro-F1', 'macro-F1', 'samples-F1', 'subset accuracy']);
});

test("the text/poster summary says pending… while the comparison runs, and why it is missing otherwise", () => {
  for (const [status, cell] of [['pending', 'pending…'], ['cancelled', 'cancelled'], ['failed', 'failed'], ['skipped', 'skipped']] as const) {
    const r = report({ ablationStatus: status });
    const rows = m.ablationSummary(r).all('tbody')[0].all('tr');
    assert.deepEqual(rows.map((row) => row.all('td')[0].textContent), ['text + poster', 'text only', 'poster only'], status);
    assert.equal(rows[0].all('td')[1].textContent, '0.600');
    for (const row of rows.slice(1)) {
      assert.equal(row.all('td')[1].textContent, cell);
      assert.equal(row.all('td')[1].colSpan, 4);
    }
    assert.ok(m.ablationNote(r)?.textContent, `a note for ${status}`);
  }
  assert.match(m.ablationNote(report({ ablationStatus: 'pending' }))?.textContent ?? '', /fills in when they land/);
});

test('once done (or in an older report without a status) the summary has the models there and no note', () => {
  const done = report({ ablationStatus: 'done', ablation: { both: entry(0.6), text: entry(0.5), poster: entry(0.3) } });
  const rows = m.ablationSummary(done).all('tbody')[0].all('tr');
  assert.deepEqual(rows.map((row) => row.all('td').map((td) => td.textContent)[1]), ['0.600', '0.500', '0.300']);
  assert.equal(m.ablationNote(done), null);
  const old = report({}); // no ablationStatus, text-only model: just the one row, as before
  assert.equal(m.ablationSummary(old).all('tbody')[0].all('tr').length, 1);
  assert.equal(m.ablationNote(old), null);
});
