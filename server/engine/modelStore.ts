// The model store: a trained model is a directory (manifest.json, one LightGBM text file per genre, report.json)
// written atomically — built in a temporary sibling and renamed into place — so a crash or cancel mid-write
// leaves the previous model intact. A store folder (default `.genre-lens/`) keeps models and a `current.json` pointer.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const STORE_DIR = '.genre-lens';
const POINTER = 'current.json';

/** Writes `files` (relative path → content) as the directory `dir`, atomically replacing any previous one. */
export function writeDirAtomic(dir: string, files: Record<string, string>): void {
  const parent = path.dirname(path.resolve(dir));
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(dir)}.tmp-`));
  try {
    for (const [rel, content] of Object.entries(files)) {
      const file = path.join(tmp, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeFileSynced(file, content);
    }
    if (fs.existsSync(dir)) {
      // Swap: the old directory is moved aside first, and restored if the final rename fails.
      const old = `${tmp}.old`;
      fs.renameSync(dir, old);
      try {
        fs.renameSync(tmp, dir);
      } catch (e) {
        fs.renameSync(old, dir);
        throw e;
      }
      fs.rmSync(old, { recursive: true, force: true });
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
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Creates the store folder with its own .gitignore (models are build outputs, not sources). */
export function ensureStore(store: string): void {
  fs.mkdirSync(path.join(store, 'models'), { recursive: true });
  const ignore = path.join(store, '.gitignore');
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '# Genre Lens models: generated, not committed\n*\n');
}

/** Saves a new model in the store and points `current.json` at it; keeps the newest `keep` models. */
export function saveToStore(store: string, name: string, files: Record<string, string>, keep = 3): string {
  ensureStore(store);
  const dir = path.join(store, 'models', name);
  writeDirAtomic(dir, files);
  writeFileAtomic(path.join(store, POINTER), JSON.stringify({ model: path.relative(store, dir) }, null, 2) + '\n');
  const models = fs.readdirSync(path.join(store, 'models'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  for (const old of models.slice(0, Math.max(0, models.length - keep))) {
    if (old !== name) fs.rmSync(path.join(store, 'models', old), { recursive: true, force: true });
  }
  return dir;
}

/** Points the store's `current.json` at an existing model directory (an explicit user choice). */
export function selectModel(store: string, modelDir: string): void {
  const rel = path.relative(store, path.resolve(modelDir));
  const target = rel.startsWith('..') || path.isAbsolute(rel) ? path.resolve(modelDir) : rel;
  writeFileAtomic(path.join(store, POINTER), JSON.stringify({ model: target }, null, 2) + '\n');
}

/** A model directory from a path that is either a model directory or a store folder (then its current model). */
export function resolveModelDir(p: string): string {
  if (fs.existsSync(path.join(p, 'manifest.json'))) return p;
  const pointer = path.join(p, POINTER);
  if (fs.existsSync(pointer)) {
    const { model } = JSON.parse(fs.readFileSync(pointer, 'utf8')) as { model: string };
    return path.resolve(p, model);
  }
  const nested = path.join(p, STORE_DIR);
  if (fs.existsSync(path.join(nested, POINTER))) return resolveModelDir(nested);
  throw new Error(`${p}: no Genre Lens model here (no manifest.json and no ${POINTER})`);
}

export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
