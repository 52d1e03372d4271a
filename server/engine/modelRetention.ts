// Model-store retention: which old models a store may delete. Only folders the store itself saved (named
// `<ISO time>-<source>` in models/, holding a Genre Lens model and nothing else) are ever candidates, and the
// current model, the pinned ones (chosen by the user) and any the caller protects are always kept.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modelFolderProblem, POINTER, readPointer } from './modelFiles';

/** How many of the newest models a store keeps after a training (`train --keep`, `genreLens.keepModels`). */
export const DEFAULT_KEEP_MODELS = 5;
/** Longest data-file part of a store model name (so the name and its temporary sibling fit in 255 bytes). */
export const MAX_SOURCE_NAME = 60;
/** Names the store gives the models it saves: the creation time, then the data file's name (see storeModelName). */
export const STORE_MODEL_NAME = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-[\w.-]+$/;

export interface PruneResult {
  /** Model folders deleted (with dryRun: that would be deleted), oldest first. */
  deleted: string[];
  /** Model folders kept, oldest first. */
  kept: string[];
}

/**
 * Deletes all but the newest `keep` models of a store, never the current one, a pinned one, one named in
 * `protect` (`models/<name>` or `<name>`), or a folder that is not a model the store saved. A damaged current.json
 * stops it (it could not tell which model is current). With `dryRun` nothing is deleted.
 */
export function pruneStore(store: string, opts: { keep: number; dryRun?: boolean; protect?: string[] }): PruneResult {
  if (!Number.isInteger(opts.keep) || opts.keep < 1) throw new Error(`keep must be an integer of at least 1, got ${String(opts.keep)}`);
  const modelsDir = path.join(store, 'models');
  const storeKind = kindOf(store);
  if (storeKind === 'a symbolic link') throw new Error(`${store}: is a symbolic link; old models are never deleted through a link: name the store folder itself`);
  if (storeKind !== 'folder') throw new Error(`${store}: ${storeKind ? `is ${storeKind}, not` : 'not found; expected'} ${EXPECTED_STORE}`);
  const modelsKind = kindOf(modelsDir);
  if (!modelsKind) {
    if (fs.existsSync(path.join(store, POINTER))) return { deleted: [], kept: [] };
    throw new Error(`${store}: not a Genre Lens model store (no current.json and no models/ folder)`);
  }
  if (modelsKind !== 'folder') throw new Error(`${modelsDir}: is ${modelsKind}, not the store's models folder; old models are never deleted through it`);
  const pointer = fs.existsSync(path.join(store, POINTER)) ? readPointer(store) : null;
  const keepNames = new Set([pointer?.model, ...(pointer?.pinned ?? []), ...(opts.protect ?? [])]
    .filter((m): m is string => !!m).map((m) => path.basename(m)));
  // Dirent types come from lstat: a symbolic link in models/ is never a candidate, whatever it points to.
  const candidates = fs.readdirSync(modelsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && STORE_MODEL_NAME.test(e.name) && modelFolderProblem(path.join(modelsDir, e.name)) === null)
    .map((e) => e.name).sort();
  const old = candidates.slice(0, Math.max(0, candidates.length - opts.keep));
  const deleted = old.filter((n) => !keepNames.has(n));
  if (!opts.dryRun) {
    for (const n of deleted) {
      // Checked again right before deleting: the store, models/ and the model must still be real folders, not links.
      if (kindOf(store) !== 'folder' || kindOf(modelsDir) !== 'folder' || kindOf(path.join(modelsDir, n)) !== 'folder') {
        throw new Error(`${path.join(modelsDir, n)}: changed while old models were being deleted; stopped`);
      }
      fs.rmSync(path.join(modelsDir, n), { recursive: true });
    }
  }
  const full = (n: string) => path.resolve(modelsDir, n);
  return { deleted: deleted.map(full), kept: candidates.filter((n) => !deleted.includes(n)).map(full) };
}

const EXPECTED_STORE = 'a Genre Lens model store (a folder such as .genre-lens with current.json and models/)';

/** 'folder', what else is at `p` (never following a symbolic link), or null when nothing is there. */
function kindOf(p: string): string | null {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return null; // nothing there (or a path through a file)
  }
  if (st.isDirectory()) return 'folder';
  return st.isSymbolicLink() ? 'a symbolic link' : st.isFile() ? 'a file' : 'something other than a folder';
}
