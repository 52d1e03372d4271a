// User flows the end-to-end suites share on top of harness.ts: training from the command palette with the detected
// columns and a 20% hold-out (waiting for the status bar's micro-F1), and hovering an editor line until a hover shows.
import type { Locator, Page } from 'playwright-core';
import { TRAIN_WAIT, UI_WAIT, pickQuickItem, quickInput, runCommand, statusItem } from './harness';

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
