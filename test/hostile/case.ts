// The shape of a hostile CLI case and the shared context the runner prepares once (temp root, seeded models,
// embedding cache, a loopback HTTP server that counts requests); plus the checks every case gets.
import type { DiffRules } from './snapshot';
import type { RunResult } from './exec';

export interface Ctx {
  root: string;
  preload: string;
  /** GENRE_LENS_CACHE for every child (outside the case folders). */
  cache: string;
  /** A store (`.genre-lens`) with one text-only model, copied into every case folder that wants it. */
  seedStore: string;
  /** A model folder trained with the bundled nsfwjs poster encoder (for poster cases). */
  posterModel: string;
  /** http://127.0.0.1:<port> of the loopback server, and the number of requests it has seen per path prefix. */
  server: string;
  hits: (prefix: string) => number;
}

export interface Case {
  name: string;
  /** Creates the inputs in the case folder (the cwd of the command). */
  files: (dir: string, ctx: Ctx) => void;
  args: (ctx: Ctx, dir: string) => string[];
  /** Expected exit code ('any' = 0 or 1, but never a crash or a kill). */
  code: 0 | 1 | 'any';
  /** What stderr + stdout must say (a clear message: file:line:column, the option...). */
  message?: RegExp;
  /** What must not appear, beside the raw-crash patterns every case rejects. */
  absent?: RegExp;
  /** Copy the seeded store into the case folder as `.genre-lens` (default true). */
  store?: boolean;
  rules?: DiffRules;
  env?: Record<string, string>;
  /** Further assertions; return a reason to fail, or null. */
  check?: (dir: string, r: RunResult, ctx: Ctx) => string | null;
}

/** Raw crashes that are never a clear message. */
export const CRASH = /Maximum call stack|memory access out of bounds|Cannot read propert|is not a function|is not iterable|\n\s+at .+:\d+:\d+\)?\n|Aborted|RuntimeError: unreachable/;

/** Shorthands for expectations. */
export const loc = (file: string) => new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+`);
export const POINTER_MAY_CHANGE = { mayChange: (rel: string) => rel === '.genre-lens/current.json' };
