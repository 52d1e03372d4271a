// Model-store retention: which old models a store may delete. Only folders the store itself saved (named
// `<ISO time>-<source>` in models/, holding a Genre Lens model and nothing else) are ever candidates, and the
// current model, the pinned ones (chosen by the user) and any the caller protects are always kept.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modelFolderProblem, POINTER, readPointer } from './modelFiles';

/** How many of the newest models a store keeps after a training (`train --keep`, `genreLens.keepModels`). */
export const DEFAULT_KEEP_MODELS = 5;
/** Names the store gives the models it saves: the creation time, then the data file's name. */
const STORE_MODEL_NAME = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z-[\w.-]+$/;

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
  if (!fs.statSync(store, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`${store}: not found; expected a Genre Lens model store (a folder such as .genre-lens with current.json and models/)`);
  }
  const modelsDir = path.join(store, 'models');
  if (!fs.statSync(modelsDir, { throwIfNoEntry: false })?.isDirectory()) {
    if (fs.existsSync(path.join(store, POINTER))) return { deleted: [], kept: [] };
    throw new Error(`${store}: not a Genre Lens model store (no current.json and no models/ folder)`);
  }
  const pointer = fs.existsSync(path.join(store, POINTER)) ? readPointer(store) : null;
  const keepNames = new Set([pointer?.model, ...(pointer?.pinned ?? []), ...(opts.protect ?? [])]
    .filter((m): m is string => !!m).map((m) => path.basename(m)));
  const candidates = fs.readdirSync(modelsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && STORE_MODEL_NAME.test(e.name) && modelFolderProblem(path.join(modelsDir, e.name)) === null)
    .map((e) => e.name).sort();
  const old = candidates.slice(0, Math.max(0, candidates.length - opts.keep));
  const deleted = old.filter((n) => !keepNames.has(n));
  if (!opts.dryRun) {
    for (const n of deleted) fs.rmSync(path.join(modelsDir, n), { recursive: true });
  }
  const full = (n: string) => path.resolve(modelsDir, n);
  return { deleted: deleted.map(full), kept: candidates.filter((n) => !deleted.includes(n)).map(full) };
}
