// Open documents parsed in the parse thread (server/parseClient.ts, parseWorker.ts) through DocumentDatasets: the same
// rows, issues and errors as a parse on the request thread (DatasetError rebuilt with its class), one parse shared by
// concurrent callers, stale queued parses dropped, a crash or a parse over its time limit failing only that document.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DatasetError, formatIssue, parseDataset } from '../server/engine/data';
import { DocumentDatasets, INLINE_MAX_CHARS } from '../server/documents';
import { ParseClient } from '../server/parseClient';
import { TEST_EXIT, TEST_HANG } from '../server/parseWorker';
import { untilAborted } from '../server/hoverRequest';

const parser = new ParseClient({ testHooks: true });
test.after(() => parser.terminate());
const file = path.join(path.sep, 'tmp', 'genre-lens-parse-worker', 'movies.csv');
const uri = pathToFileURL(file).href;
const GENRES = ['Drama', 'Comedy', 'Horror', 'Action', 'Science Fiction'];

/** A TMDB-like CSV of about `bytes`, with a warning every 997 rows (an empty description) and empty genre cells. */
function bigCsv(bytes: number, seed = 0): string {
  const lines = ['id,title,overview,genres,poster'];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const overview = i % 997 === 5 ? '' : `"Movie ${i + seed} follows someone, ""quoted"", across ${i % 50} towns and ${i % 7} rivers."`;
    const genres = i % 13 === 0 ? '' : `${GENRES[i % 5]}|${GENRES[(i + seed + 2) % 5]}`;
    const line = `${i},Title ${i + seed},${overview},${genres},posters/${i}.jpg`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

let version = 1;
const doc = (text: string, at = uri) => TextDocument.create(at, 'csv', version++, text);
const threaded = (o: { model?: () => { dir: string; columns: Record<string, string | null> } | null; log?: (m: string) => void } = {}) =>
  new DocumentDatasets(() => ({}), o.log ?? (() => undefined), o.model, { parser });
const inline = (o: Parameters<typeof threaded>[0] = {}) =>
  new DocumentDatasets(() => ({}), o.log ?? (() => undefined), o.model, { inlineChars: Infinity });

test('a 2 MB document parsed in the parse thread has the rows and issues of a parse on the request thread', async () => {
  const text = bigCsv(2 * 1024 * 1024);
  assert.ok(text.length > INLINE_MAX_CHARS);
  const sent = parser.counters.sent;
  const got = await threaded().get(doc(text));
  assert.equal(parser.counters.sent, sent + 1, 'sent to the parse thread');
  const direct = parseDataset(text, { fileName: file, format: 'csv' });
  assert.ok(got.dataset && direct.rows.length > 10_000 && direct.issues.length > 10);
  assert.deepStrictEqual(got.dataset.rows, direct.rows);
  assert.deepStrictEqual(got.dataset.issues, direct.issues);
  assert.deepStrictEqual(got.dataset, direct);
  assert.deepStrictEqual(got, await inline().get(doc(text)), 'the whole ParsedDocument');
});

test('JSON and JSONL documents too: the same ParsedDocument from the parse thread as from the request thread', async () => {
  const rows = parseDataset(bigCsv(INLINE_MAX_CHARS), { fileName: file }).rows
    .map((r) => ({ id: r.id, title: r.title, overview: r.text, genres: r.genres ?? '', poster: r.poster?.raw ?? null }));
  const json = `[\n${rows.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`;
  const jsonl = `${rows.map((r, i) => (i === 7 ? '{"title": "broken", ' : JSON.stringify(r))).join('\n')}\n`;
  for (const [name, text] of [['movies.json', json], ['movies.jsonl', jsonl]]) {
    assert.ok(text.length > INLINE_MAX_CHARS, name);
    const at = pathToFileURL(path.join(path.dirname(file), name)).href;
    const got = await threaded().get(doc(text, at));
    assert.ok(got.dataset && got.dataset.rows.length > 1000, name);
    assert.deepStrictEqual(got, await inline().get(doc(text, at)), name);
  }
});

test('reader errors come back as DatasetErrors with their line and column; model-column errors and notes as on the request thread', async () => {
  const head = bigCsv(INLINE_MAX_CHARS + 1000);
  const badQuote = `${head}9999999,Broken,"an unclosed "quote" here,Drama,\n`;
  const [got, want] = [await threaded().get(doc(badQuote)), await inline().get(doc(badQuote))];
  assert.equal(got.dataset, null);
  assert.ok(got.error instanceof DatasetError, 'a DatasetError again');
  assert.deepEqual([got.error.line, got.error.column], [want.error!.line, want.error!.column]);
  assert.ok(got.error.line > 1000, `line ${got.error.line}`);
  assert.equal(got.error.message, formatIssue(got.error.issue));
  assert.deepStrictEqual(got, want);

  const lacksText = { dir: '/models/a', columns: { text: 'plot', title: 'title', poster: 'poster', genres: 'genres' } };
  const columnError = [await threaded({ model: () => lacksText }).get(doc(head)), await inline({ model: () => lacksText }).get(doc(head))];
  assert.match(columnError[0].columnError ?? '', /the text column "plot", which this file lacks/);
  assert.ok(columnError[0].dataset && columnError[0].dataset.rows.length > 1000, 'its rows still come from a plain parse');
  assert.deepStrictEqual(columnError[0], columnError[1]);

  const lacksPoster = { dir: '/models/b', columns: { text: 'overview', title: 'title', poster: 'poster_path', genres: 'genres' } };
  const logged: string[] = [];
  const ds = threaded({ model: () => lacksPoster, log: (m) => logged.push(m) });
  const noted = await ds.get(doc(head));
  await ds.get(doc(head));
  assert.deepStrictEqual(noted, await inline({ model: () => lacksPoster }).get(doc(head)));
  assert.match(noted.columnNotes?.join() ?? '', /no poster column "poster_path"/);
  assert.equal(logged.length, 1, 'the note is logged once per document and model');
});

test('concurrent callers share one parse; a newer version does not wait for a queued older one, which is dropped', async () => {
  const ds = threaded();
  const texts = [1, 2, 3].map((seed) => bigCsv(600 * 1024, seed));
  const v1 = doc(texts[0]);
  const sent = parser.counters.sent;
  const first = [ds.get(v1), ds.get(v1)];
  assert.equal(first[0], first[1], 'one promise');
  const second = ds.get(doc(texts[1])); // queued behind v1
  const v3 = doc(texts[2]);
  const third = ds.get(v3); // replaces v2 before it was sent
  const [a, b, c] = await Promise.all([first[0], second, third]);
  assert.equal(parser.counters.sent, sent + 2, 'v1 and v3 parsed, v2 never sent');
  assert.equal(a.dataset?.rows[1].title, 'Title 2');
  assert.deepEqual([b.dataset, b.stale], [null, true]);
  assert.deepStrictEqual(c.dataset, parseDataset(texts[2], { fileName: file, format: 'csv' }));
  assert.equal(ds.get(v3), third, 'the newest version stays cached');
  assert.equal(parser.counters.sent, sent + 2);
});

test('closing a document or clear() drops its parse when it has not been sent', async () => {
  const ds = threaded();
  const other = pathToFileURL(path.join(path.dirname(file), 'other.csv')).href;
  const sent = parser.counters.sent;
  const running = ds.get(doc(bigCsv(400 * 1024)));
  const closed = ds.get(doc(bigCsv(400 * 1024, 1), other));
  ds.delete(other);
  const cleared = ds.get(doc(bigCsv(400 * 1024, 2), `${other}2`));
  ds.clear();
  assert.deepEqual((await closed).stale, true);
  assert.deepEqual((await cleared).stale, true);
  assert.ok((await running).dataset, 'the parse already sent still answers its callers');
  assert.equal(parser.counters.sent, sent + 1);
});

test('a crash of the parse thread fails that document only; the next parse starts a new thread', async () => {
  const ds = threaded();
  await ds.get(doc(bigCsv(300 * 1024))); // a thread is running
  const threads = parser.counters.threads;
  const crashed = await ds.get(doc(TEST_EXIT + bigCsv(300 * 1024)));
  assert.equal(crashed.dataset, null);
  assert.ok(crashed.error instanceof DatasetError);
  assert.deepEqual([crashed.error.line, crashed.error.column], [1, 1]);
  assert.match(crashed.error.message, /movies\.csv:1:1: the parse thread stopped while reading it \(exit code 3\)/);
  const next = await ds.get(doc(bigCsv(300 * 1024)));
  assert.ok(next.dataset && next.dataset.rows.length > 1000);
  assert.equal(parser.counters.threads, threads + 1);
});

test('a parse past the time limit is stopped with an error; the next parse works', async (t) => {
  const limited = new ParseClient({ testHooks: true, timeoutMs: 10_000 }); // configuration (a thread's start under load fits), not an assertion
  t.after(() => limited.terminate());
  const ds = new DocumentDatasets(() => ({}), () => undefined, () => null, { parser: limited, inlineChars: 0 });
  const hung = await ds.get(doc(`${TEST_HANG}title,overview\nA,b\n`));
  assert.ok(hung.error instanceof DatasetError);
  assert.match(hung.error.message, /took more than 10 s: it was stopped/);
  const next = await ds.get(doc('title,overview,genres\nA,b,Drama\n'));
  assert.deepEqual(next.dataset?.rows.map((r) => r.title), ['A']);
  assert.equal(limited.counters.threads, 2);
});

test('the request thread keeps running while a large document is parsed in the parse thread (not while parsed inline)', async () => {
  const text = bigCsv(2 * 1024 * 1024, 7);
  const ticksDuring = async (ds: DocumentDatasets) => {
    let ticks = 0;
    let done = false;
    const tick = () => {
      ticks++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const parsed = await ds.get(doc(text));
    const seen = ticks;
    done = true;
    assert.ok(parsed.dataset);
    return seen;
  };
  assert.equal(await ticksDuring(inline()), 0, 'a parse on the request thread blocks it');
  assert.ok(await ticksDuring(threaded()) > 0, 'ticks while the parse thread parses');
});

test('untilAborted: a cancelled request stops waiting for a parse', async () => {
  const ac = new AbortController();
  const never = new Promise<number>(() => undefined);
  const waiting = untilAborted(never, ac.signal);
  ac.abort();
  assert.equal(await waiting, null);
  assert.equal(await untilAborted(Promise.resolve(3), new AbortController().signal), 3);
});
