// Screenshots the end-to-end suites save: every one to test-results/e2e/<name>.png, and the README's pictures (a
// region around what they show) also to docs/screenshots/<name>.png when GENRE_LENS_DOCS_SCREENSHOTS=1
// (`npm run docs:screenshots`), so the README's pictures are retaken by the tests that check what they show.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { REPO, RESULTS } from './harness';

export const DOCS_SCREENSHOTS = path.join(REPO, 'docs', 'screenshots');
const updateDocs = /^(true|1|yes)$/i.test(process.env.GENRE_LENS_DOCS_SCREENSHOTS ?? '');

/** The whole page as test-results/e2e/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(RESULTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * A README picture: the smallest rectangle holding every visible `around` (plus `margin` px, inside the viewport) as
 * test-results/e2e/readme-<name>.png, copied to docs/screenshots/<name>.png under GENRE_LENS_DOCS_SCREENSHOTS=1.
 */
export async function readmeScreenshot(page: Page, name: string, around: Locator[], margin = 16): Promise<string> {
  const boxes = (await Promise.all(around.map((l) => l.boundingBox()))).filter((b) => b !== null);
  if (!boxes.length) throw new Error(`readme screenshot ${name}: none of its regions is visible`);
  const view = page.viewportSize() ?? { width: 1440, height: 900 };
  const x = Math.max(0, Math.min(...boxes.map((b) => b.x)) - margin);
  const y = Math.max(0, Math.min(...boxes.map((b) => b.y)) - margin);
  const right = Math.min(view.width, Math.max(...boxes.map((b) => b.x + b.width)) + margin);
  const bottom = Math.min(view.height, Math.max(...boxes.map((b) => b.y + b.height)) + margin);
  const file = path.join(RESULTS, `readme-${name}.png`);
  await page.screenshot({ path: file, clip: { x, y, width: right - x, height: bottom - y } });
  if (updateDocs) {
    fs.mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    fs.copyFileSync(file, path.join(DOCS_SCREENSHOTS, `${name}.png`));
  }
  return file;
}
