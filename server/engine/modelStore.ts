// Writing models without ever touching what the user owns: a model folder is built in a temporary sibling and
// renamed into place, only ever replacing a folder that holds a Genre Lens model and nothing else (and only when
// asked). A store folder (default `.genre-lens/`) keeps models, a `current.json` pointer and the user's pins.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel, MAX_BYTES, modelFolderProblem, POINTER, readBounded, readPointer, readTrainingRows, TRAINING_FILE } from './modelFiles';
import { trainingRecordJson } from './trainingRecord';
import { DEFAULT_KEEP_MODELS, MAX_SOURCE_NAME, pruneStore } from './modelRetention';
import type { Pointer } from '../../common/modelTypes';
import { isInside } from './untrustedFiles';

export { resolveModelDir, STORE_DIR } from './modelFiles';
export { DEFAULT_KEEP_MODELS, pruneStore, type PruneResult } from './modelRetention';

export interface OutOptions {
  /** Replace an existing Genre Lens model folder (never anything else). */
  overwrite?: boolean;
  /** Files the model must never be written over or around: the dataset and evaluation file. */
  protect?: (string | undefined)[];
  /** How errors name the folder (default `--out <dir>`). */
  label?: string;
}

/** `p` with every existing part resolved through symbolic links (the rest appended as given). */
function realPathOf(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realPathOf(parent), path.basename(abs));
  }
}

/**
 * Throws unless a model may be written at `out`: a path where nothing exists yet, or — with `overwrite` — a folder
 * holding a Genre Lens model and nothing else; never a path that is or contains a protected file or the current folder.
 */
export function checkOutDir(out: string, opts: OutOptions = {}): void {
  const where = placeProblem(out);
  if (where) throw new Error(`${opts.label ?? `--out ${out}`}: ${where}`);
  const real = realPathOf(out);
  for (const p of opts.protect ?? []) {
    if (p && isInside(real, realPathOf(p))) {
      throw new Error(`--out ${out}: ${realPathOf(p) === real ? 'is' : 'contains'} ${p}, which Genre Lens is reading; choose a new folder name for the model`);
    }
  }
  if (isInside(real, realPathOf(process.cwd()))) throw new Error(`--out ${out}: is the current folder or contains it; choose a new folder name for the model`);
  if (!fs.existsSync(out) && !isSymlink(out)) return;
  const problem = modelFolderProblem(out);
  if (problem) throw new Error(`--out ${out}: ${problem}. Genre Lens never replaces what is not its own model: choose a new folder name.`);
  if (!opts.overwrite) throw new Error(`--out ${out}: already holds a Genre Lens model; pass --overwrite to replace it, or choose a new folder name.`);
}

/** Bytes a file name and a whole path may have (Linux NAME_MAX and PATH_MAX, with room for a temporary sibling). */
const MAX_NAME_BYTES = 255;
const MAX_PATH_BYTES = 4000;

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null; // ENOENT, or ENOTDIR under a file: nothing is there
  }
}

/** Why a folder cannot be created at `out`: a name too long, or an existing ancestor that is not a folder; else null. */
function placeProblem(out: string): string | null {
  const abs = path.resolve(out);
  const long = abs.split(path.sep).find((part) => Buffer.byteLength(part) > MAX_NAME_BYTES);
  if (long) return `the name "${long.slice(0, 40)}…" is longer than the ${MAX_NAME_BYTES} bytes a file name may have; choose a shorter name`;
  if (Buffer.byteLength(abs) > MAX_PATH_BYTES) return `the path is longer than the ${MAX_PATH_BYTES} bytes Genre Lens allows; choose a shorter one`;
  for (let at = path.dirname(out); ; at = path.dirname(at)) {
    if (lstatOrNull(at)) {
      const st = fs.statSync(at, { throwIfNoEntry: false });
      if (st?.isDirectory()) return null;
      const what = !st ? 'a symbolic link that leads nowhere' : st.isFile() ? 'a file' : 'not a file or folder';
      return `${at} is ${what}, not a folder; choose a path inside a folder`;
    }
    if (path.dirname(at) === at) return null;
  }
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Writes `files` (relative path → content) as the folder `dir`, atomically; see checkOutDir for what it may replace. */
export function writeDirAtomic(dir: string, files: Record<string, string>, opts: OutOptions = {}): void {
  try {
    writeDirAtomicUnchecked(dir, files, opts);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const label = opts.label ?? `--out ${dir}`;
    if (code === 'ENAMETOOLONG') throw new Error(`${label}: the path is too long for this file system; choose a shorter name or a shallower folder`);
    if (code === 'ENOTDIR' || code === 'EEXIST') throw new Error(`${label}: ${(e as Error).message}; a part of the path is not a folder, or appeared while the model was being written`);
    throw e;
  }
}

function writeDirAtomicUnchecked(dir: string, files: Record<string, string>, opts: OutOptions): void {
  checkOutDir(dir, opts);
  const parent = path.dirname(path.resolve(dir));
  fs.mkdirSync(parent, { recursive: true });
  // A short fixed name (not the model's): a long --out name must still leave room for its temporary sibling.
  const tmp = fs.mkdtempSync(path.join(parent, '.genre-lens-tmp-'));
  try {
    for (const [rel, content] of Object.entries(files)) {
      const file = path.join(tmp, rel);
      if (!isInside(tmp, file)) throw new Error(`internal: model file ${rel} would be written outside the model folder`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeFileSynced(file, content);
    }
    checkOutDir(dir, opts); // again: the folder may have appeared or changed while the model was being written
    if (fs.existsSync(dir)) {
      // Swap: the old model is moved aside first, and restored if the final rename fails.
      const old = `${tmp}.old`;
      fs.renameSync(dir, old);
      try {
        fs.renameSync(tmp, dir);
      } catch (e) {
        fs.renameSync(old, dir);
        throw e;
      }
      // Deleted only while it still holds nothing but a model (else it stays, beside the new one).
      if (modelFolderProblem(old) === null) fs.rmSync(old, { recursive: true });
    } else {
      fs.renameSync(tmp, dir);
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Writes a file atomically: a synced temporary file renamed over the target. */
export function writeFileAtomic(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    writeFileSynced(tmp, content);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function writeFileSynced(file: string, content: string): void {
  const fd = fs.openSync(file, 'wx');
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Throws unless `store` can be a model store: nothing there yet, or a folder whose models/ is a real folder. */
export function checkStore(store: string): void {
  for (const [p, what] of [[store, 'the model store'], [path.join(store, 'models'), "the store's models folder"]]) {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) throw new Error(`${p}: is ${st.isSymbolicLink() ? 'a symbolic link' : 'a file'}, so it cannot be ${what}; choose another folder for the store`);
  }
}

/** Creates the store folder with its own .gitignore (models are build outputs, not sources). */
export function ensureStore(store: string): void {
  checkStore(store);
  fs.mkdirSync(path.join(store, 'models'), { recursive: true });
  try {
    // 'wx': never follows a link planted where the .gitignore goes, never replaces one the user wrote.
    fs.writeFileSync(path.join(store, '.gitignore'), '# Genre Lens models: generated, not committed\n*\n', { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

/** The store's pointer; null when there is none, undefined when it exists but cannot be read (then nothing is pruned). */
function pointerOf(store: string): Pointer | null | undefined {
  if (!fs.existsSync(path.join(store, POINTER))) return null;
  try {
    return readPointer(store);
  } catch {
    return undefined;
  }
}

function writePointer(store: string, model: string, pinned: string[]): void {
  const alive = [...new Set(pinned)].filter((p) => fs.existsSync(path.join(store, p)));
  writeFileAtomic(path.join(store, POINTER), JSON.stringify({ model, pinned: alive }, null, 2) + '\n');
}

/**
 * Saves a new model in the store and points `current.json` at it; then keeps the newest `keep` models, never
 * deleting the previous current model, a pinned one, or anything that is not a model the store saved.
 */
export function saveToStore(store: string, name: string, files: Record<string, string>, keep = DEFAULT_KEEP_MODELS): string {
  ensureStore(store);
  const before = pointerOf(store);
  const dir = path.join(store, 'models', name);
  writeDirAtomic(dir, files, { label: dir });
  writePointer(store, `models/${name}`, before?.pinned ?? []);
  if (before !== undefined) pruneStore(store, { keep, protect: before ? [before.model] : [] });
  return dir;
}

/**
 * A store name for a model: its creation time, then where it came from — the data file's base name in plain
 * characters, cut to MAX_SOURCE_NAME (keeping a short extension) so that long file names still fit the file system.
 */
export function storeModelName(createdAt: string, from: string): string {
  const name = path.basename(from).replace(/[^\w.-]+/g, '_') || 'data';
  const ext = path.extname(name).length <= 10 ? path.extname(name) : '';
  const short = name.length <= MAX_SOURCE_NAME ? name : name.slice(0, MAX_SOURCE_NAME - ext.length) + ext;
  return `${createdAt.replace(/[:.]/g, '-')}-${short}`;
}

/**
 * Makes a model the store's current one (an explicit user choice, so it is also pinned: retention never deletes it).
 * current.json only ever points inside the store, so a model folder elsewhere is validated and copied into the
 * store first. Returns the model folder in the store.
 */
export function selectModel(store: string, modelDir: string): string {
  const loaded = loadModel(modelDir);
  ensureStore(store);
  const models = fs.realpathSync(path.join(store, 'models'));
  const real = fs.realpathSync(loaded.dir);
  let name = path.basename(real);
  if (path.dirname(real) !== models) {
    name = storeModelName(new Date().toISOString(), `imported-${path.basename(real)}`);
    const files: Record<string, string> = { 'manifest.json': readBounded(path.join(loaded.dir, 'manifest.json'), MAX_BYTES.manifest).toString('utf8') };
    if (fs.existsSync(path.join(loaded.dir, 'report.json'))) {
      files['report.json'] = readBounded(path.join(loaded.dir, 'report.json'), MAX_BYTES.report).toString('utf8');
    }
    loaded.manifest.genres.forEach((g, i) => {
      const text = loaded.model.genres[i].model;
      if (g.booster && text) files[g.booster] = text;
    });
    // The heads as validated, written back in their own (deterministic) form.
    for (const h of loaded.heads) for (const [rel, content] of Object.entries(h.files())) files[`heads/${rel}`] = content;
    // training.json as validated; a damaged one is left behind (the model predicts without it; label issues need a new training).
    try {
      const record = readTrainingRows(loaded.dir);
      if (record) files[TRAINING_FILE] = trainingRecordJson(record);
    } catch {
      // not copied
    }
    writeDirAtomic(path.join(store, 'models', name), files);
  }
  loaded.heads.forEach((h) => h.dispose());
  writePointer(store, `models/${name}`, [...(pointerOf(store)?.pinned ?? []), `models/${name}`]);
  return path.join(store, 'models', name);
}
