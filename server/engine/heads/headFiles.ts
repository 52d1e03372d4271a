// Saving and loading a head's files: float arrays as base64 of little-endian float32 (exact and deterministic bytes),
// and the checks applied to a saved head, which is untrusted — bounded size, JSON, schema (zod), finite numbers and
// the right lengths — each error naming the file and the field.
import { z } from 'zod';
import type { HeadReader } from './types';

/** Largest head file read back (bytes); a model's head files are a few MB. */
export const MAX_HEAD_FILE_BYTES = 64 * 1024 * 1024;

export const HEAD_FORMAT = 'genre-lens-head';

/** Float32 little-endian bytes, base64: the same values give the same text on every machine. */
export function encodeFloats(values: ArrayLike<number>): string {
  const buf = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i], i * 4);
  return buf.toString('base64');
}

/** Decodes what encodeFloats wrote, refusing a wrong length or a non-finite value (naming file and field). */
export function decodeFloats(file: string, field: string, text: string, expected: number): Float32Array {
  const buf = Buffer.from(text, 'base64');
  if (buf.length !== expected * 4) throw new Error(`${file}: ${field}: expected ${expected} float32 values, got ${buf.length / 4}`);
  const out = new Float32Array(expected);
  for (let i = 0; i < expected; i++) {
    const v = buf.readFloatLE(i * 4);
    if (!Number.isFinite(v)) throw new Error(`${file}: ${field}: value ${i} is not a finite number`);
    out[i] = v;
  }
  return out;
}

/** Base64 text (what decodeFloats accepts), bounded. */
export const base64 = z.string().max(MAX_HEAD_FILE_BYTES).regex(/^[A-Za-z0-9+/]*={0,2}$/, { error: 'expected base64 text' });

/** Reads `relPath` through `read`, parses JSON and checks it against `schema`; errors name the file and the field. */
export function readHeadJson<S extends z.ZodType>(read: HeadReader, relPath: string, schema: S): z.infer<S> {
  const file = `heads/${relPath}`;
  let text: string;
  try {
    text = read(relPath, MAX_HEAD_FILE_BYTES);
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (text.length > MAX_HEAD_FILE_BYTES) throw new Error(`${file}: larger than ${MAX_HEAD_FILE_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const checked = schema.safeParse(value);
  if (!checked.success) {
    const lines = checked.error.issues.slice(0, 3)
      .map((i) => `${file}: ${i.path.length ? i.path.map(String).join('.') : '(top level)'}: ${i.message}`);
    throw new Error(lines.join('\n'));
  }
  return checked.data;
}

/** A field that must equal what the model expects (feature count, genre count), else an error naming it. */
export function expectEqual(file: string, field: string, got: number, expected: number): void {
  if (got !== expected) throw new Error(`${file}: ${field}: expected ${expected}, got ${got}`);
}

/** A head file's genre count and trained flags are the model's. */
export function expectGenres(file: string, f: { genres: number; trained: readonly boolean[] }, shape: { genres: number }): void {
  expectEqual(file, 'genres', f.genres, shape.genres);
  expectEqual(file, 'trained.length', f.trained.length, shape.genres);
}

/** The common header of every head file. */
export function headHeader<N extends string>(name: N) {
  return {
    format: z.literal(HEAD_FORMAT, { error: `expected "${HEAD_FORMAT}"` }),
    version: z.literal(1, { error: 'unsupported head file version (expected 1)' }),
    head: z.literal(name, { error: `expected "${name}"` }),
    genres: z.int().min(1).max(10_000),
    trained: z.array(z.boolean()).max(10_000),
  };
}

/** Checks folds are disjoint and cover rows 0..nrow-1 exactly once; returns each row's fold. */
export function foldOfRows(folds: number[][], nrow: number): Int32Array {
  const of = new Int32Array(nrow).fill(-1);
  folds.forEach((rows, k) => {
    for (const r of rows) {
      if (!Number.isInteger(r) || r < 0 || r >= nrow) throw new RangeError(`fold ${k}: row ${r} is not a row index below ${nrow}`);
      if (of[r] !== -1) throw new RangeError(`row ${r} is held out by folds ${of[r]} and ${k}`);
      of[r] = k;
    }
  });
  const missing = of.indexOf(-1);
  if (missing >= 0) throw new RangeError(`row ${missing} is held out by no fold (folds must cover every training row)`);
  return of;
}

/** Rows not held out by fold k, ascending. */
export function fitRowsOf(foldOf: Int32Array, k: number): number[] {
  const rows: number[] = [];
  for (let i = 0; i < foldOf.length; i++) if (foldOf[i] !== k) rows.push(i);
  return rows;
}
