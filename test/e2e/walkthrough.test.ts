// End-to-end: the first-run walkthrough in a real VS Code (code-server + chromium, the packaged VSIX) on an EMPTY
// workspace. Genre Lens: Get Started opens it; its "Open the Example Dataset" button copies the example into
// genre-lens-example/ and opens movies.csv; then training, a hover and the report tick the other steps off.
// Screenshot: test-results/e2e/walkthrough.png. Skips without chromium / code-server — under CI=true fails instead.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Locator, Page } from 'playwright-core';
import {
  REPO, RESULTS, UI_WAIT, closeWorkbench, missingTools, openWorkbench, reportFrame, runCommand as paletteCommand, type Workbench,
} from './harness';
import { readmeScreenshot, screenshot } from './shots';
import { hoverLine, stepRunner, trainFromPalette } from './flows';

const skipReason = missingTools();
const rows = parse(fs.readFileSync(path.join(REPO, 'examples', 'movies.csv')), { columns: true, bom: true }) as Record<string, string>[];
const STEPS = ['openDataset', 'train', 'hover', 'report'];
const TITLES = ['Open a movie dataset', 'Train a genre model', 'Hover a row', 'Open the report'];

const wb: Workbench = { root: '' };
/** From the palette, with the focus first moved to movies.csv's editor when it is open: a focused walkthrough page keeps F1 to itself. */
async function runCommand(page: Page, title: string): Promise<void> {
  const csvTab = page.locator('.tab', { hasText: 'movies.csv' }).first();
  if (await csvTab.count()) await csvTab.click();
  await paletteCommand(page, title);
}
let page: Page;
const { step, state } = stepRunner('walkthrough-', skipReason, () => page);

/** The walkthrough's step (its button in the steps list). */
const stepButton = (id: string): Locator => page.locator(`button.getting-started-step[data-step-id$="${id}"]`);

/** Genre Lens: Get Started, and the walkthrough showing its steps. */
async function openWalkthrough(): Promise<void> {
  await runCommand(page, 'Genre Lens: Get Started');
  await page.locator('.gettingStartedContainer', { hasText: 'Get Started with Genre Lens' }).first().waitFor({ timeout: UI_WAIT });
  await stepButton(STEPS[0]).waitFor({ timeout: UI_WAIT });
}

type Styles = { getComputedStyle(e: unknown): { fill: string; getPropertyValue(name: string): string } };
/** `#rrggbb` as CSS computes it: `rgb(r, g, b)`. */
const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

/** The explorer's "Genre Lens" view (shown while no model exists), by its header. */
const welcomeView = (): Locator => page.locator('.explorer-viewlet .pane', { has: page.locator('.pane-header', { hasText: /^Genre Lens$/ }) });

/** Brings the walkthrough's tab back (or reopens it) and waits until exactly the steps `done` show as checked. */
async function expectDone(done: string[]): Promise<void> {
  const tab = page.locator('.tab', { hasText: 'Walkthrough: Genre Lens' }).first();
  if (await tab.count()) await tab.click();
  else await openWalkthrough();
  await stepButton(STEPS[0]).waitFor({ timeout: UI_WAIT });
  for (const id of STEPS) {
    await page.locator(`.codicon[data-done-step-id$="${id}"][aria-checked="${done.includes(id)}"]`).waitFor({ timeout: UI_WAIT });
  }
}

describe('the first-run walkthrough in code-server', () => {
  before(async () => {
    if (skipReason) return;
    fs.mkdirSync(RESULTS, { recursive: true });
    for (const f of fs.readdirSync(RESULTS)) if (/^walkthrough.*\.(png|log)$/.test(f)) fs.rmSync(path.join(RESULTS, f));
    page = await openWorkbench(wb, { tmpPrefix: 'genre-lens-e2e-walkthrough-', moviesCsv: null, logName: 'walkthrough-code-server.log',
      settings: { 'editor.hover.delay': 300, 'editor.hover.sticky': true } });
  });

  after(() => closeWorkbench(wb, state.failed));

  test('Genre Lens: Get Started opens the walkthrough with its four steps, none done', (t) => step(t, async () => {
    assert.deepEqual(fs.readdirSync(wb.server!.workspace), [], 'an empty workspace');
    await openWalkthrough();
    for (const [i, id] of STEPS.entries()) {
      assert.match(await stepButton(id).locator('.step-title').innerText(), new RegExp(`^${TITLES[i]}$`));
    }
    await expectDone([]);
    // The selected step's picture (walkthrough/dataset.svg, which VS Code draws in a webview) is painted in the theme's colours.
    const rect = page.frameLocator('iframe.webview.ready').first().frameLocator('iframe#active-frame').locator('svg rect').first();
    await rect.waitFor({ state: 'attached', timeout: UI_WAIT });
    const fill = await rect.evaluate((r) => (globalThis as unknown as Styles).getComputedStyle(r).fill);
    const editorBackground = await page.locator('.monaco-workbench').evaluate((w) =>
      (globalThis as unknown as Styles).getComputedStyle(w).getPropertyValue('--vscode-editor-background').trim());
    assert.match(editorBackground, /^#[0-9a-f]{6}$/i);
    assert.equal(fill, rgb(editorBackground), 'the picture\'s background is the editor\'s');
  }));

  test('with no model, the explorer shows the Genre Lens welcome view with its buttons', (t) => step(t, async () => {
    const view = welcomeView();
    // VS Code shows an extension's explorer view collapsed at first (as npm's NPM SCRIPTS): expand it as a user would.
    const header = view.locator('.pane-header');
    await header.waitFor({ timeout: UI_WAIT });
    if (await header.getAttribute('aria-expanded') !== 'true') await header.click();
    await view.locator('.welcome-view-content', { hasText: 'No genre model in this workspace yet' }).waitFor({ timeout: UI_WAIT });
    for (const label of ['Train a Genre Model', 'Open the Example Dataset']) {
      assert.equal(await view.locator('.monaco-button', { hasText: label }).count(), 1, `a "${label}" button`);
    }
    assert.equal(await view.locator('a', { hasText: 'Get Started with Genre Lens' }).count(), 1, 'a link to the walkthrough');
  }));

  test('its "Open the Example Dataset" button copies the example into the workspace and opens movies.csv', (t) => step(t, async () => {
    await stepButton(STEPS[0]).locator('.step-title').click();
    const button = stepButton(STEPS[0]).locator('.step-description-container .monaco-button', { hasText: 'Open the Example Dataset' }).first();
    await button.click();
    const csv = path.join(wb.server!.workspace, 'genre-lens-example', 'movies.csv');
    await page.locator('.notification-toast', { hasText: 'copied the example dataset' }).waitFor({ timeout: UI_WAIT });
    assert.ok(fs.existsSync(csv), `${csv} written`);
    assert.ok(fs.readdirSync(path.join(path.dirname(csv), 'posters')).some((f) => f.endsWith('.png')), 'posters copied');
    await page.locator('.tab.active', { hasText: 'movies.csv' }).waitFor({ timeout: UI_WAIT });
    await page.locator('.editor-instance .view-line', { hasText: rows[0].title }).first().waitFor({ timeout: UI_WAIT });
    await runCommand(page, 'Notifications: Clear All Notifications');
    await expectDone(['openDataset']);
  }));

  test('training from the command palette on it checks the train step', (t) => step(t, async () => {
    const status = await trainFromPalette(page, 'movies.csv', runCommand);
    assert.match(status, /micro-F1 \d\.\d\d/);
    await runCommand(page, 'Notifications: Clear All Notifications');
    await expectDone(['openDataset', 'train']);
    await welcomeView().waitFor({ state: 'detached', timeout: UI_WAIT }); // a model exists now: the welcome view is gone
    await screenshot(page, 'walkthrough');
  }));

  test('hovering a row checks the hover step, and opening the report the last one', (t) => step(t, async () => {
    await page.locator('.tab', { hasText: 'movies.csv' }).first().click();
    const line = page.locator('.editor-instance .monaco-editor .view-lines .view-line', { hasText: rows[1].title }).first();
    const hover = page.locator('.monaco-hover:visible', { hasText: 'predicted genres' });
    await hoverLine(page, line, hover);
    assert.match(await hover.innerText(), new RegExp(`${rows[1].title} — predicted genres`));
    await page.mouse.move(5, 5);
    await expectDone(['openDataset', 'train', 'hover']);
    await runCommand(page, 'Genre Lens: Show Genre Report');
    await reportFrame(page).locator('h1', { hasText: 'Genre Report' }).waitFor({ timeout: UI_WAIT });
    await expectDone(STEPS);
    await stepButton(STEPS[0]).locator('.step-title').click();
    await screenshot(page, 'walkthrough');
    await readmeScreenshot(page, 'walkthrough', [page.locator('.gettingStartedContainer').first()], 0);
  }));
});
