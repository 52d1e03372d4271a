// User flows the end-to-end suites share on top of harness.ts: each suite's step runner (skip, stop after a failure,
// failure screenshot), training from the command palette with the detected columns and a 20% hold-out (waiting for the
// status bar's micro-F1), quick-opening a file, and hovering an editor line until a hover shows.
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { RESULTS, TRAIN_WAIT, UI_WAIT, pickQuickItem, quickInput, runCommand, skipOrFail, statusItem } from './harness';

/**
 * A suite's steps: skipped (failing under CI=true) when `skipReason` says the tools are missing, skipped after an earlier
 * step failed, and a failing step saves `<prefix>failure-<test>.png` of what the browser showed. `state.failed` tells
 * closeWorkbench to keep the folder.
 */
export function stepRunner(prefix: string, skipReason: string | null, page: () => Page | undefined) {
  const state = { failed: false };
  async function step(t: TestContext, fn: () => Promise<void>): Promise<void> {
    if (skipReason) return skipOrFail(t, skipReason);
    if (state.failed) return t.skip('an earlier end-to-end step failed');
    try {
      await fn();
    } catch (e) {
      state.failed = true;
      await page()?.screenshot({ path: path.join(RESULTS, `${prefix}failure-${t.name.replace(/[^\w]+/g, '-')}.png`) }).catch(() => undefined);
      throw e;
    }
  }
  return { step, state };
}

/** Quick Open (Ctrl+P) of `name`, the first match. */
export async function quickOpen(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = quickInput(page).locator('input.input');
  await input.waitFor({ timeout: UI_WAIT });
  await input.fill(name);
  await quickInput(page).locator('.monaco-list-row', { hasText: name }).first().waitFor({ timeout: UI_WAIT });
  await page.keyboard.press('Enter');
}

/** Genre Lens: Train Genre Model on CSV… (run by `run`) on the file listed as `file`; resolves with the status bar's text once trained. */
export async function trainFromPalette(page: Page, file = 'movies.csv', run = runCommand): Promise<string> {
  await run(page, 'Genre Lens: Train Genre Model on CSV');
  await pickQuickItem(page, file, 'Train a genre model on');
  await pickQuickItem(page, 'Use the detected columns', `Columns of ${file}`);
  await pickQuickItem(page, 'Hold out 20% of the rows', 'Evaluation rows');
  await quickInput(page).waitFor({ state: 'hidden', timeout: UI_WAIT });
  const ready = statusItem(page).filter({ hasText: /Genre: micro-F1 \d\.\d\d/ });
  await ready.waitFor({ timeout: TRAIN_WAIT });
  return (await ready.innerText()).trim();
}

/** Rests the mouse on `line`'s first characters until `hover` shows (moving away and back if it was dismissed). */
export async function hoverLine(page: Page, line: Locator, hover: Locator): Promise<void> {
  await line.waitFor({ timeout: UI_WAIT });
  for (let attempt = 0; ; attempt++) {
    await page.mouse.move(5, 5);
    await line.hover({ position: { x: 80, y: 8 } });
    try {
      await hover.waitFor({ timeout: attempt < 5 ? 30_000 : UI_WAIT });
      return;
    } catch (e) {
      if (attempt >= 5) throw e;
    }
  }
}
