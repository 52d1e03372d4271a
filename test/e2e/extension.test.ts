// End-to-end: the packaged extension inside a real VS Code (code-server) driven by chromium. Trains on the bundled
// example from the command palette, hovers a row of movies.csv, opens the report in a dark and a light theme, and
// saves screenshots to test-results/e2e/. Skips only when chromium or code-server is not installed
// (scripts/setup-e2e.sh installs both) — and under CI=true fails instead, naming what is missing.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import {
  REPO, RESULTS, UI_WAIT, closeWorkbench, missingTools, openWorkbench, pickQuickItem, quickInput, reportFrame, runCommand, statusItem, type Workbench,
} from './harness';
import { readmeScreenshot, screenshot } from './shots';
import { hoverLine, quickOpen, stepRunner, trainFromPalette } from './flows';

const skipReason = missingTools();
const examples = path.join(REPO, 'examples');
const rows = parse(fs.readFileSync(path.join(examples, 'movies.csv')), { columns: true, bom: true }) as Record<string, string>[];
const genres = [...new Set(rows.flatMap((r) => r.genres.split('|').map((g) => g.trim()).filter(Boolean)))].sort();
const hovered = rows[1]; // "Pickle Barrel Wedding", line 3 of movies.csv

const wb: Workbench = { root: '' };
let page: Page;
let statusF1 = NaN; // the micro-F1 the status bar shows after training

/** Steps record a failure screenshot, so a red CI run shows what the browser showed. */
const { step, state } = stepRunner('', skipReason, () => page);

describe('Genre Lens in code-server', () => {
  before(async () => {
    if (skipReason) return;
    fs.mkdirSync(RESULTS, { recursive: true });
    // Its own files only: not the TMDB report's, nor curation.test.ts's (which may have run first).
    for (const f of fs.readdirSync(RESULTS)) if (/^(?!tmdb-|curation-|walkthrough|problems-suspicious|quick-fix-applied|report-rows).*\.(png|log)$/.test(f)) fs.rmSync(path.join(RESULTS, f));
    page = await openWorkbench(wb, { tmpPrefix: 'genre-lens-e2e-', moviesCsv: fs.readFileSync(path.join(examples, 'movies.csv')),
      logName: 'code-server.log', settings: { 'editor.hover.delay': 300, 'editor.hover.sticky': true } });
  });

  after(() => closeWorkbench(wb, state.failed));

  test('trains a model from the command palette and shows micro-F1 in the status bar', (t) => step(t, async () => {
    const text = await trainFromPalette(page);
    statusF1 = Number(/micro-F1 (\d\.\d\d)/.exec(text)?.[1]);
    assert.ok(statusF1 > 0.3 && statusF1 <= 1, `status bar says ${text}`);
    const toast = page.locator('.notification-toast', { hasText: 'Genre model ready: micro-F1' });
    await toast.waitFor({ timeout: UI_WAIT });
    assert.match(await toast.innerText(), /on \d+ evaluation rows/);
    await screenshot(page, '01-trained');
    await runCommand(page, 'Notifications: Clear All Notifications');
    await toast.waitFor({ state: 'hidden', timeout: UI_WAIT });
  }));

  test('hovering a row of movies.csv shows its predicted genres', (t) => step(t, async () => {
    // A tall window for this step: VS Code caps a hover's height at a quarter of the editor's (at least 250 px).
    await page.setViewportSize({ width: 1440, height: 2000 });
    await quickOpen(page, 'movies.csv');
    const editor = page.locator('.editor-instance .monaco-editor').first();
    const line = editor.locator('.view-lines .view-line', { hasText: hovered.title });
    const hover = page.locator('.monaco-hover:visible', { hasText: 'probability' });
    await hoverLine(page, line, hover);
    const text = await hover.innerText();
    assert.match(text, new RegExp(`${hovered.title} — predicted genres`));
    assert.match(text, /Predicted:/);
    const table = hover.locator('table');
    assert.equal(await table.count(), 1, 'one genre table');
    assert.deepEqual((await table.locator('thead th').allInnerTexts()).map((s) => s.trim()).filter(Boolean),
      ['genre', 'probability', 'threshold', 'row says']);
    const names = (await table.locator('tbody tr td:first-child').allInnerTexts()).map((s) => s.trim());
    assert.deepEqual([...names].sort(), genres, 'one row per genre');
    for (const p of await table.locator('tbody tr td:nth-child(2)').allInnerTexts()) assert.match(p.trim(), /^\d{1,3}\.\d%$/);
    // The row's own genres (Comedy|Romance) are either agreed with or reported as missed.
    for (const g of hovered.genres.split('|')) {
      const row = table.locator('tbody tr', { has: page.locator('td:first-child', { hasText: new RegExp(`^${g}$`) }) });
      assert.match(await row.innerText(), /agrees|missed/, `${g} row`);
    }
    await screenshot(page, '02-hover');
    await readmeScreenshot(page, 'hover', [hover], 8);
    await page.mouse.move(5, 5);
    await page.setViewportSize({ width: 1440, height: 900 });
  }));

  async function checkReport(theme: 'dark' | 'light'): Promise<void> {
    const frame = reportFrame(page);
    await frame.locator('h1', { hasText: 'Genre Report' }).waitFor({ timeout: UI_WAIT });
    const body = frame.locator('body');
    assert.match(await body.getAttribute('class') ?? '', new RegExp(`\\bvscode-${theme}\\b`), `webview in the ${theme} theme`);
    const table = frame.locator('table.report:not(.compact)');
    await table.locator('tbody tr').first().waitFor({ timeout: UI_WAIT });
    assert.deepEqual((await table.locator('thead th').allInnerTexts()).map((s) => s.trim()),
      ['genre', 'precision', 'recall', 'F1', 'support', 'threshold']);
    const reported = (await table.locator('tbody tr td:first-child').allInnerTexts()).map((s) => s.trim());
    assert.deepEqual(reported, genres, 'one classification-report row per genre');
    for (const row of await table.locator('tbody tr').all()) {
      const [precision, recall, f1, support] = (await row.locator('td.num').allInnerTexts()).map(Number);
      for (const v of [precision, recall, f1]) assert.ok(v >= 0 && v <= 1, `a metric in [0, 1]: ${await row.innerText()}`);
      assert.ok(Number.isInteger(support) && support > 0, `support of ${await row.innerText()}`);
    }
    const micro = (await table.locator('tfoot tr', { hasText: 'micro avg' }).locator('td').allInnerTexts()).map(Number);
    assert.ok(Math.abs(micro[2] - statusF1) <= 0.0051, `the report's micro-F1 ${micro[2]} is the status bar's ${statusF1}`);
    const charts = frame.locator('svg[class^="plot"]');
    await charts.first().waitFor({ timeout: UI_WAIT });
    assert.ok(await charts.count() >= genres.length, `Observable Plot charts rendered (${await charts.count()})`);
    assert.ok(await charts.first().locator('rect, path').count() > 0, 'the first chart has marks');
    // Screenshots: the top (run facts, classification report), the charts, and the curves further down.
    const n = theme === 'dark' ? 3 : 6;
    const scrollTo = (heading: string) => frame.locator('h2', { hasText: heading })
      .evaluate((h) => (h as unknown as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'start' }));
    await frame.locator('html').evaluate((e) => ((e as unknown as { scrollTop: number }).scrollTop = 0));
    await screenshot(page, `0${n}-report-${theme}-top`);
    await scrollTo('Text vs poster');
    await screenshot(page, `0${n + 1}-report-${theme}-charts`);
    await scrollTo('Precision–recall');
    await screenshot(page, `0${n + 2}-report-${theme}-curves`);
  }

  test('the report shows a row per genre and Observable Plot charts (dark theme)', (t) => step(t, async () => {
    await runCommand(page, 'Genre Lens: Show Genre Report');
    await page.locator('.tab', { hasText: 'Genre Report' }).waitFor({ timeout: UI_WAIT });
    assert.match(await page.locator('.monaco-workbench').getAttribute('class') ?? '', /\bvs-dark\b/);
    await checkReport('dark');
  }));

  test('the report follows a switch to a light theme', (t) => step(t, async () => {
    await runCommand(page, 'Preferences: Color Theme');
    await pickQuickItem(page, 'Light Modern');
    await quickInput(page).waitFor({ state: 'hidden', timeout: UI_WAIT });
    await page.locator('.monaco-workbench.vs:not(.vs-dark)').waitFor({ timeout: UI_WAIT });
    await reportFrame(page).locator('body.vscode-light').waitFor({ timeout: UI_WAIT });
    await checkReport('light');
  }));

  test('a crashed daemon is restarted with a message, and comes back with the model', (t) => step(t, async () => {
    const daemons = execFileSync('pgrep', ['-f', `${path.basename(wb.root)}/extensions/.*dist/server/server.js`]).toString().trim().split('\n').map(Number);
    assert.ok(daemons.length >= 1, 'the daemon process is running');
    for (const pid of daemons) process.kill(pid, 'SIGKILL');
    const toast = page.locator('.notification-toast', { hasText: 'the daemon stopped unexpectedly and is being restarted' });
    await toast.waitFor({ timeout: UI_WAIT });
    await statusItem(page).filter({ hasText: /Genre: micro-F1 \d\.\d\d/ }).waitFor({ timeout: UI_WAIT });
    const again = execFileSync('pgrep', ['-f', `${path.basename(wb.root)}/extensions/.*dist/server/server.js`]).toString().trim().split('\n').map(Number);
    assert.ok(again.every((pid) => !daemons.includes(pid)), 'a new daemon process');
    await screenshot(page, '09-daemon-restarted');
  }));
});
