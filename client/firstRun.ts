// Pure helpers of the first-run experience (no `vscode` import, so unit tests run them without VS Code): copying the
// bundled example dataset into a workspace without ever overwriting a file, and the context keys the walkthrough, the
// welcome view and the commands' `when` clauses read, derived from the daemon's model state.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelState } from '../common/protocol';

/** The folder name the example is copied into; `-2`, `-3`… are tried after it. */
export const EXAMPLE_FOLDER = 'genre-lens-example';
const MAX_TRIES = 1000;

/**
 * Copies `<examples>/movies.csv` and its `posters/*.png` into a new folder of `root` (`genre-lens-example`, else the
 * first free `genre-lens-example-<n>`), so the CSV's relative poster paths stay valid. The folder is claimed with a
 * non-recursive mkdir (fails if anything by that name exists, even created a moment ago) and every file is copied
 * with COPYFILE_EXCL: nothing that exists is ever overwritten. Returns the folder and the CSV's path.
 */
export function copyExample(examples: string, root: string): { dir: string; csv: string } {
  if (!fs.statSync(root).isDirectory()) throw new Error(`${root} is not a folder`);
  let dir = '';
  for (let n = 1; !dir; n++) {
    if (n > MAX_TRIES) throw new Error(`no free folder name ${EXAMPLE_FOLDER}-<n> in ${root}`);
    const candidate = path.join(root, n === 1 ? EXAMPLE_FOLDER : `${EXAMPLE_FOLDER}-${n}`);
    try {
      fs.mkdirSync(candidate);
      dir = candidate;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const csv = path.join(dir, 'movies.csv');
  fs.copyFileSync(path.join(examples, 'movies.csv'), csv, fs.constants.COPYFILE_EXCL);
  const posters = path.join(examples, 'posters');
  fs.mkdirSync(path.join(dir, 'posters'));
  for (const f of fs.readdirSync(posters).filter((name) => /^[\w-]+\.png$/.test(name)).sort()) {
    fs.copyFileSync(path.join(posters, f), path.join(dir, 'posters', f), fs.constants.COPYFILE_EXCL);
  }
  return { dir, csv };
}

/** Context keys that follow the daemon's model state (set by client/extension.ts with `setContext`). */
export interface ModelContext {
  /** A model is served (hovers predict): Predict and Fill Missing Genres are offered; the walkthrough's Train step completes. */
  'genreLens.hasModel': boolean;
  /** A training, or the comparison after a saved model, is running: Cancel Training is offered. */
  'genreLens.training': boolean;
}

export function modelContext(s: ModelState): ModelContext {
  const model = s.state === 'none' ? null : s.model;
  return {
    'genreLens.hasModel': model !== null,
    'genreLens.training': s.state === 'training' || (s.state === 'ready' && !!s.comparison),
  };
}

/** The hover (as Markdown) shows a row's predicted genres, not the "no model yet" text or an error (server/hover.ts). */
export function isPredictionHover(markdown: string): boolean {
  return /^\*\*[^\n]*\*\* — predicted genres(\n|$)/.test(markdown);
}
