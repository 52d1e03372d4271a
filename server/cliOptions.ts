// Commander argument parsers for the `genre-lens` options. Each checks one value and, when it is wrong, throws
// commander's InvalidArgumentError, so the message names the option and what was expected, e.g.
// `error: option '--seed <n>' argument 'abc' is invalid. expected an integer from 0 to 2147483647` (exit code 1).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { MAX_GENRES_LIMIT, MAX_SEED, MAX_WORKERS } from './engine/runOptions';

/** An integer in [min, max] written in decimal digits (no `1.5`, `1e3`, `0x10` or empty string). */
export function integerIn(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  const expected = max === Number.MAX_SAFE_INTEGER ? `an integer of at least ${min} (and at most ${max})` : `an integer from ${min} to ${max}`;
  return (value) => {
    const n = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected ${expected}`);
    return n;
  };
}

export const parseSeed = integerIn(0, MAX_SEED);
export const parseWorkers = integerIn(1, MAX_WORKERS);
/** For counts such as `--keep` and `--max-genres`. */
export const parsePositiveInt = integerIn(1);
export const parseMaxGenres = integerIn(1, MAX_GENRES_LIMIT);

/** `--heads`: `none`, or a comma-separated list of the fusion heads (each at most once). */
export function parseHeads(value: string): ('linear' | 'tfidf' | 'knn')[] {
  if (value.trim() === 'none') return [];
  const names = value.split(',').map((n) => n.trim());
  const known = ['linear', 'tfidf', 'knn'] as const;
  const bad = names.find((n) => !(known as readonly string[]).includes(n));
  if (bad !== undefined || new Set(names).size !== names.length) {
    throw new InvalidArgumentError(`expected none or a comma-separated list of ${known.join(', ')} (each once), got "${value}"`);
  }
  return names as ('linear' | 'tfidf' | 'knn')[];
}

/** A number strictly between 0 and 1, such as the share of rows held out for evaluation. */
export function parseFraction(value: string): number {
  const n = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(value) ? Number(value) : NaN;
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('expected a number greater than 0 and less than 1, such as 0.2');
  return n;
}

/** An absolute http:// or https:// URL. */
export function parseHttpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`expected an http:// or https:// URL, not ${url.protocol}`);
  return value;
}

/** fs.Stats of a path, or undefined when nothing is there (including a path through a file). */
function statOf(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/** A folder that exists. */
export function parseExistingDir(value: string): string {
  if (!value.trim()) throw new InvalidArgumentError('expected a folder');
  const stat = statOf(value);
  if (!stat) throw new InvalidArgumentError('expected an existing folder; it does not exist');
  if (!stat.isDirectory()) throw new InvalidArgumentError('expected a folder; it is a file');
  return value;
}

/** A folder Genre Lens may write into: an existing writable folder, or a path whose nearest existing parent is one. */
export function parseWritableDir(value: string): string {
  if (!value.trim()) throw new InvalidArgumentError('expected a folder');
  let at = path.resolve(value);
  let stat = statOf(at);
  if (stat && !stat.isDirectory()) throw new InvalidArgumentError('expected a folder; it is a file');
  while (!stat && path.dirname(at) !== at) {
    at = path.dirname(at);
    stat = statOf(at);
  }
  if (!stat?.isDirectory()) throw new InvalidArgumentError(`expected a folder that can be created; ${at} is not a folder`);
  try {
    fs.accessSync(at, fs.constants.W_OK);
  } catch {
    throw new InvalidArgumentError(`expected a writable folder; ${at} is not writable`);
  }
  return value;
}

/** A column name as spelled in the data file's header (not empty). */
export function parseColumnName(value: string): string {
  if (!value.trim()) throw new InvalidArgumentError('expected a column name (it is empty)');
  return value;
}

/** What the command reads from the environment variables that name folders (each unless an option overrides it). */
export interface EnvUses {
  /** GENRE_LENS_MODELS: no --models, and a downloadable encoder (MiniLM, ImageNet MobileNetV2) may be loaded. */
  models: boolean;
  /** GENRE_LENS_CACHE: no --cache. */
  cache: boolean;
}

/**
 * Throws, before any work, when GENRE_LENS_MODELS, GENRE_LENS_CACHE or an entry of GENRE_LENS_POSTER_ROOTS names
 * no usable folder, with a message naming the variable, e.g.
 * `GENRE_LENS_CACHE=/dev/null: expected a folder; it is a file. Set it to a folder Genre Lens may write, or pass --cache <dir>.`
 */
export function checkEnvFolders(uses: EnvUses, env: NodeJS.ProcessEnv = process.env): void {
  const check = (name: string, value: string, parse: (v: string) => string, todo: string) => {
    try {
      parse(value);
    } catch (e) {
      throw new Error(`${name}=${value}: ${e instanceof Error ? e.message : String(e)}. ${todo}.`);
    }
  };
  if (uses.models && env.GENRE_LENS_MODELS) {
    check('GENRE_LENS_MODELS', env.GENRE_LENS_MODELS, parseExistingDir, 'Set it to the folder holding the encoders\' files (mobilenetv2-12-int8.onnx, Xenova/all-MiniLM-L6-v2/), unset it, or pass --models <dir>');
  }
  if (uses.cache && env.GENRE_LENS_CACHE) {
    check('GENRE_LENS_CACHE', env.GENRE_LENS_CACHE, parseWritableDir, 'Set it to a folder Genre Lens may write, unset it, or pass --cache <dir>');
  }
  for (const root of (env.GENRE_LENS_POSTER_ROOTS ?? '').split(path.delimiter).filter((p) => p.trim() !== '')) {
    check('GENRE_LENS_POSTER_ROOTS', root, parseExistingDir, `Each entry (separated by "${path.delimiter}") must be an existing folder: fix or remove it`);
  }
}
