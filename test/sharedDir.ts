// Where tests and end-to-end tests find ../shared (real data and models beside the repository, never copied into it),
// and the skip reason when a file they need is absent. GENRE_LENS_SHARED_DIR moves it, for tests only: pointing it at
// an empty folder shows which tests skip without ../shared.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SHARED_DIR = path.resolve(process.env.GENRE_LENS_SHARED_DIR || path.join(__dirname, '..', '..', 'shared'));

/** A path inside the shared folder. */
export const shared = (...parts: string[]): string => path.join(SHARED_DIR, ...parts);

/** false when every path (relative to the shared folder) exists, else a skip reason naming the first one missing. */
export function needsShared(...parts: string[]): false | string {
  const missing = parts.find((p) => !fs.existsSync(shared(p)));
  return missing === undefined ? false : `needs ../shared: ${shared(missing)} is absent`;
}
