// End-to-end: the report of a model trained on the real TMDB split (../shared/data/tmdb5000, trained with the
// `genre-lens` CLI into the workspace's .genre-lens/, where the extension finds it), opened in code-server in a dark
// and a light theme, with screenshots of the table, the ablation chart and the confusion-matrix grid.
// Skips when ../shared is absent; without chromium / code-server it skips too, except under CI=true, where it fails.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import {
  REPO, RESULTS, UI_WAIT, closeWorkbench, missingTools, openWorkbench, pickQuickItem, quickInput, reportFrame, runCommand, statusItem,
  type Workbench,
} from './harness';
import { readmeScreenshot, screenshot } from './shots';
import { stepRunner } from './flows';
import { needsShared, shared } from '../sharedDir';

const tmdb = shared('data/tmdb5000');
const models = shared('models');
const toolsMissing = missingTools();
const noShared = needsShared('data/tmdb5000/train.csv', 'data/tmdb5000/test.csv', 'models');

const wb: Workbench = { root: '' };
let page: Page;
let genres: string[] = [];
const { step: toolStep, state } = stepRunner('tmdb-', toolsMissing, () => page);
/** Without ../shared the suite skips, even under CI=true (it is a benchmark's data, not a tool). */
const step: typeof toolStep = (t, fn) => (!toolsMissing && noShared ? Promise.resolve(t.skip(noShared)) : toolStep(t, fn));

/** Trains as a user would from a terminal in the workspace: the model lands in workspace/.genre-lens/. */
function trainWithCli(workspace: string): void {
  const out = execFileSync(process.execPath, [path.join(REPO, 'dist/server/cli.js'), 'train', path.join(tmdb, 'train.csv'),
    '--eval', path.join(tmdb, 'test.csv'), '--json', '--no-progress'], { cwd: workspace, maxBuffer: 1 << 26,
    env: { ...process.env, GENRE_LENS_MODELS: models, GENRE_LENS_CACHE: process.env.GENRE_LENS_CACHE ?? path.join(wb.root, 'cache') } });
  const result = JSON.parse(out.toString()) as { genres: string[]; metrics: { micro: { f1: number } } };
  genres = result.genres;
  console.log(`# TMDB model: ${genres.length} genres, micro-F1 ${result.metrics.micro.f1.toFixed(3)}`);
}

describe('the report of a TMDB model in code-server', () => {
  before(async () => {
    if (toolsMissing || noShared) return;
    fs.mkdirSync(RESULTS, { recursive: true });
    page = await openWorkbench(wb, { tmpPrefix: 'genre-lens-e2e-tmdb-', moviesCsv: null, logName: 'code-server-tmdb.log', settings: {},
      prepare: trainWithCli, viewport: { width: 1600, height: 1000 } }); // openWorkbench builds dist/ (the CLI) first
    await statusItem(page).filter({ hasText: /Genre: micro-F1/ }).waitFor({ timeout: UI_WAIT });
  });

  after(() => closeWorkbench(wb, state.failed));

  async function shoot(theme: 'dark' | 'light'): Promise<void> {
    const frame = reportFrame(page);
    await frame.locator(`body.vscode-${theme}`).waitFor({ timeout: UI_WAIT });
    const table = frame.locator('table.report:not(.compact)');
    await table.locator('tbody tr').first().waitFor({ timeout: UI_WAIT });
    assert.deepEqual((await table.locator('tbody tr td:first-child').allInnerTexts()).map((s) => s.trim()), genres);
    assert.equal(await frame.locator('table.ablation tbody tr').count(), 3, 'text + poster, text only, poster only');
    // The encoders the model used: MiniLM cannot be downloaded here, so the text row is USE-Lite marked as a fallback.
    const encoders = frame.locator('table.encoders tbody tr');
    assert.deepEqual((await encoders.locator('th').allInnerTexts()).map((s) => s.trim()), ['text', 'poster']);
    assert.match(await encoders.first().innerText(), /use-lite[\s\S]*fallback/);
    assert.match(await encoders.nth(1).innerText(), /mobilenetv2-imagenet-int8-onnx[\s\S]*as chosen/);
    const matrices = frame.locator('h2', { hasText: 'Confusion matrices' }).locator('xpath=..').locator('figure');
    assert.equal(await matrices.count(), genres.length, 'one confusion matrix per genre');
    const scrollTo = (heading: string) => frame.locator('h2', { hasText: heading })
      .evaluate((h) => (h as unknown as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'start' }));
    await scrollTo('Classification report');
    await screenshot(page, `tmdb-report-${theme}-table`);
    if (theme === 'dark') await readmeScreenshot(page, 'report', [page.locator('iframe.webview.ready').first()], 0);
    await scrollTo('Text vs poster');
    await screenshot(page, `tmdb-report-${theme}-ablation`);
    await scrollTo('Confusion matrices');
    await screenshot(page, `tmdb-report-${theme}-confusion`);
  }

  test('dark theme: table, ablation chart and confusion matrices', (t) => step(t, async () => {
    await runCommand(page, 'Genre Lens: Show Genre Report');
    await shoot('dark');
  }));

  test('light theme: the same, legible', (t) => step(t, async () => {
    await runCommand(page, 'Preferences: Color Theme');
    await pickQuickItem(page, 'Light Modern');
    await quickInput(page).waitFor({ state: 'hidden', timeout: UI_WAIT });
    await shoot('light');
  }));
});
