// Reading model folders and stores as untrusted input: only regular files, each with a size limit, JSON checked
// against the schemas in modelSchema.ts, the store's pointer and booster paths confined to their folders, and
// every error naming the file (and the field) that is wrong. A blended model's heads are read from heads/ the same way.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ParseError, parse as parseLenient, printParseErrorCode } from 'jsonc-parser';
import type { z } from 'zod';
import { boosterProblem } from './boosterCheck';
import {
  BOOSTER_PATH, Manifest, manifestSchema, MODEL_FORMAT, Pointer, pointerSchema, Report, reportSchema, type TrainingRecordFile, trainingRecordSchema,
} from '../../common/modelSchema';
import { type HeadModel, loadHead } from './heads';
import type { OneVsRestModel } from './trainer';
import { isInside } from './untrustedFiles';

export const STORE_DIR = '.genre-lens';
/** A head file inside a model folder. */
const HEAD_PATH = /^heads\/[a-z0-9][a-z0-9_.-]{0,63}\.json$/;
export const POINTER = 'current.json';
const MB = 1024 * 1024;
export const MAX_BYTES = { manifest: 16 * MB, report: 64 * MB, training: 64 * MB, booster: 256 * MB, boosters: 1024 * MB, pointer: 1 * MB };
/** The model folder's record of each row's held-out probabilities (optional: older models lack it). */
export const TRAINING_FILE = 'training.json';

/** A saved model, ready to predict. */
export interface LoadedModel {
  dir: string;
  manifest: Manifest;
  model: OneVsRestModel;
  /** The fusion heads in blend order (after LightGBM); empty for a LightGBM-only model. */
  heads: HeadModel[];
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const megabytes = (n: number) => `${(n / MB).toFixed(n < MB ? 2 : 0)} MB`;

function statOrNull(p: string, follow = true): fs.Stats | null {
  try {
    return follow ? fs.statSync(p) : fs.lstatSync(p);
  } catch {
    return null;
  }
}

/** The bytes of a regular file of at most `maxBytes`; FIFOs, devices and folders are refused before being opened. */
export function readBounded(file: string, maxBytes: number): Buffer {
  const st = statOrNull(file);
  if (!st) throw new Error(`${file}: not found`);
  if (!st.isFile()) throw new Error(`${file}: not a regular file`);
  if (st.size > maxBytes) throw new Error(`${file}: ${megabytes(st.size)}, more than the ${megabytes(maxBytes)} this file may have`);
  // O_NONBLOCK: should the file have been swapped for a FIFO since the stat, opening it still cannot hang.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const size = fs.fstatSync(fd);
    if (!size.isFile() || size.size > maxBytes) throw new Error(`${file}: changed while being read`);
    const buf = Buffer.alloc(size.size + 1);
    let got = 0;
    for (let n = -1; n !== 0 && got < buf.length; got += n) n = fs.readSync(fd, buf, got, buf.length - got, got);
    if (got > size.size) throw new Error(`${file}: changed while being read`);
    return buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

/** Parses JSON, locating a syntax error as file:line:column. */
function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const errors: ParseError[] = [];
    parseLenient(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    if (!first) throw new Error(`${file}: not valid JSON (${errorText(e)})`);
    const before = text.slice(0, first.offset).split('\n');
    throw new Error(`${file}:${before.length}:${before[before.length - 1].length + 1}: not valid JSON: ${printParseErrorCode(first.error)}`);
  }
}

/** `file: field.path: message` for the first few problems zod found. */
export function schemaError(file: string, error: z.ZodError): Error {
  const lines = error.issues.slice(0, 3).map((i) => `${file}: ${i.path.length ? i.path.map(String).join('.') : '(top level)'}: ${i.message}`);
  if (error.issues.length > 3) lines.push(`… and ${error.issues.length - 3} more problems`);
  return new Error(lines.join('\n'));
}

/** Reads and validates a JSON file of at most `maxBytes`. */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S, maxBytes: number): z.infer<S> {
  const value = parseJson(file, readBounded(file, maxBytes).toString('utf8'));
  const checked = schema.safeParse(value);
  if (!checked.success) throw schemaError(file, checked.error);
  return checked.data;
}

export function readManifest(dir: string): Manifest {
  return readJsonFile(path.join(dir, 'manifest.json'), manifestSchema, MAX_BYTES.manifest) as unknown as Manifest;
}

/** The model's report.json, structurally validated and size-bounded (what the report panel draws). */
export function readReport(modelDir: string): Report {
  return readJsonFile(path.join(modelDir, 'report.json'), reportSchema, MAX_BYTES.report) as unknown as Report;
}

/**
 * A model folder's (or a store's current model's) training.json, validated: confined to the folder, at most 64 MB,
 * schema-checked (lengths = genres, probabilities finite in 0..1) and its genres those of the manifest. null when the
 * model has none (saved before Genre Lens recorded it); a damaged one throws an error naming the file and field.
 */
export function readTrainingRows(modelDir: string): TrainingRecordFile | null {
  const dir = resolveModelDir(modelDir);
  const file = path.join(dir, TRAINING_FILE);
  if (!statOrNull(file, false)) return null;
  if (!statOrNull(file)) throw new Error(`${file}: a link to nothing; refused`);
  if (!isInside(fs.realpathSync(dir), fs.realpathSync(file))) throw new Error(`${file}: leads outside the model folder; refused`);
  const record = readJsonFile(file, trainingRecordSchema, MAX_BYTES.training);
  const names = readManifest(dir).genres.map((g) => g.name);
  if (names.length !== record.genres.length || names.some((n, i) => n !== record.genres[i])) {
    throw new Error(`${file}: genres: expected the manifest's ${names.length} genres in its order, got ${record.genres.length} others`);
  }
  return record;
}

export function readPointer(store: string): Pointer {
  return readJsonFile(path.join(store, POINTER), pointerSchema, MAX_BYTES.pointer);
}


/** The model folder a store's current.json names, which must be a folder directly inside the store's models/. */
function pointerTarget(store: string): string {
  const file = path.join(store, POINTER);
  const { model } = readPointer(store);
  const target = path.resolve(store, model);
  if (!statOrNull(target)?.isDirectory()) throw new Error(`${file}: model: "${model}" is not a folder in the store; train or select a model again`);
  const models = fs.realpathSync(path.join(store, 'models'));
  const real = fs.realpathSync(target);
  if (path.dirname(real) !== models || path.dirname(models) !== fs.realpathSync(store)) {
    throw new Error(`${file}: model: "${model}" leads outside the store's models folder (to ${real}); refused`);
  }
  return target;
}

const EXPECTED = 'expected a Genre Lens model folder (with manifest.json) or a model store (with current.json, such as .genre-lens)';

/** A model directory from a path that is either a model directory or a store folder (then its current model). */
export function resolveModelDir(p: string): string {
  const st = statOrNull(p);
  if (!st) throw new Error(`${p}: not found; ${EXPECTED}`);
  if (!st.isDirectory()) throw new Error(`${p}: not a folder; ${EXPECTED}`);
  if (statOrNull(path.join(p, 'manifest.json'), false)) return p;
  if (statOrNull(path.join(p, POINTER), false)) return pointerTarget(p);
  const nested = path.join(p, STORE_DIR);
  if (statOrNull(path.join(nested, POINTER), false)) return resolveModelDir(nested);
  throw new Error(`${p}: no Genre Lens model here (no manifest.json and no ${POINTER}); ${EXPECTED}`);
}

/** A booster's text, confined to the model folder, size-bounded, structurally safe, and built for the manifest's features. */
function readBooster(dir: string, realDir: string, rel: string, numFeatures: number): string {
  const file = path.join(dir, rel);
  if (!BOOSTER_PATH.test(rel)) throw new Error(`${path.join(dir, 'manifest.json')}: booster "${rel}": expected boosters/NN.txt`);
  if (!statOrNull(file)) throw new Error(`${file}: not found (named by manifest.json)`);
  if (!isInside(realDir, fs.realpathSync(file))) throw new Error(`${file}: leads outside the model folder; refused`);
  const text = readBounded(file, MAX_BYTES.booster).toString('utf8');
  const problem = boosterProblem(text, numFeatures);
  if (problem) throw new Error(`${file}: ${problem}`);
  return text;
}

/** A head's file `heads/<rel>`, confined to the model folder and size-bounded; errors name the file. */
function readHeadFile(dir: string, realDir: string, rel: string, maxBytes: number): string {
  const file = path.join(dir, 'heads', rel);
  if (!HEAD_PATH.test(`heads/${rel}`)) throw new Error(`${file}: not a head file name (expected heads/<name>.json)`);
  if (!statOrNull(file)) throw new Error(`${file}: not found (named by manifest.json's blend)`);
  if (!isInside(realDir, fs.realpathSync(file))) throw new Error(`${file}: leads outside the model folder; refused`);
  return readBounded(file, maxBytes).toString('utf8');
}

/** Loads a model folder (or a store's current model): validated manifest and booster texts; LightGBM loads them later. */
export function loadModel(p: string): LoadedModel {
  const dir = resolveModelDir(p);
  const manifest = readManifest(dir);
  const realDir = fs.realpathSync(dir);
  let total = 0;
  const genres = manifest.genres.map((g) => {
    const model = g.booster ? readBooster(dir, realDir, g.booster, manifest.features.total) : null;
    total += model?.length ?? 0;
    if (total > MAX_BYTES.boosters) throw new Error(`${dir}: the boosters together exceed ${megabytes(MAX_BYTES.boosters)}; refused`);
    return { genre: g.name, threshold: g.threshold, bestIteration: g.bestIteration, positives: g.positives, oofF1: g.oofF1,
      scalePosWeight: 1, model, source: g.booster ? path.join(dir, g.booster) : undefined };
  });
  const model: OneVsRestModel = { genres, numFeatures: manifest.features.total, params: manifest.params, options: manifest.training,
    warnings: manifest.warnings };
  const shape = { numFeatures: manifest.features.total, genres: manifest.genres.length };
  const heads: HeadModel[] = [];
  try {
    for (const c of manifest.blend?.components.slice(1) ?? []) {
      if (c.name === 'lightgbm') throw new Error(`${path.join(dir, 'manifest.json')}: blend.components: lightgbm may only come first`);
      heads.push(loadHead(c.name, (rel, max) => readHeadFile(dir, realDir, rel, max), shape));
    }
  } catch (e) {
    heads.forEach((h) => h.dispose());
    throw e;
  }
  return { dir, manifest, model, heads };
}

/** Why `dir` is not a model folder Genre Lens may replace or delete; null when it holds a model and nothing else. */
export function modelFolderProblem(dir: string): string | null {
  const st = statOrNull(dir, false);
  if (!st) return 'does not exist';
  if (st.isSymbolicLink()) return 'is a symbolic link, not a Genre Lens model folder';
  if (!st.isDirectory()) return 'is a file, not a Genre Lens model folder';
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  if (entries.length === 0) return 'is an empty folder, not a Genre Lens model folder';
  if (entries.some((e) => e.name === POINTER)) return 'is a Genre Lens model store, not a model folder';
  const manifest = entries.find((e) => e.name === 'manifest.json');
  if (!manifest?.isFile()) return 'is a folder without manifest.json, not a Genre Lens model folder';
  try {
    const file = path.join(dir, 'manifest.json');
    const format = (parseJson(file, readBounded(file, MAX_BYTES.manifest).toString('utf8')) as { format?: unknown } | null)?.format;
    if (format !== MODEL_FORMAT) return `is not a Genre Lens model folder (manifest.json has no "format": "${MODEL_FORMAT}")`;
  } catch (e) {
    return `is not a Genre Lens model folder (${errorText(e)})`;
  }
  const stray = entries.filter((e) => !(e.isFile() && (e.name === 'manifest.json' || e.name === 'report.json' || e.name === TRAINING_FILE))
    && !(e.isDirectory() && (e.name === 'boosters' || e.name === 'heads'))).map((e) => e.name);
  for (const [sub, pattern] of [['boosters', BOOSTER_PATH], ['heads', HEAD_PATH]] as const) {
    const inside = entries.some((e) => e.name === sub && e.isDirectory()) ? fs.readdirSync(path.join(dir, sub), { withFileTypes: true }) : [];
    stray.push(...inside.filter((e) => !e.isFile() || !pattern.test(`${sub}/${e.name}`)).map((e) => `${sub}/${e.name}`));
  }
  if (stray.length) return `holds a Genre Lens model but also other files (${stray.slice(0, 5).join(', ')}${stray.length > 5 ? ', …' : ''})`;
  return null;
}
