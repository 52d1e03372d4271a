// Bounds of the training options and the check trainRun makes on them, so a bad seed, evaluation share or
// worker count from any caller (the CLI, the daemon's settings) is a clear error naming the option,
// not a NaN split or a failure deep inside LightGBM.
import { MAX_GENRES_LIMIT } from '../../common/modelTypes';

/** LightGBM takes its seed as a C int. */
export const MAX_SEED = 2147483647;
/** Parallel LightGBM workers; each holds a copy of the feature matrix, so more than this only wastes memory. */
export const MAX_WORKERS = 64;
export { MAX_GENRES_LIMIT };

const shown = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function checkInteger(name: string, value: unknown, min: number, max = Infinity): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new Error(`${name} must be an integer ${range}, got ${shown(value)}`);
  }
}

/** Throws an Error naming the option when seed, evalFraction, train.workers, keep or maxGenres is out of range. */
export function checkTrainRunOptions(o: { seed?: unknown; evalFraction?: unknown; train?: { workers?: unknown }; keep?: unknown;
  maxGenres?: unknown }): void {
  checkInteger('seed', o.seed, 0, MAX_SEED);
  const f = o.evalFraction;
  if (f !== undefined && !(typeof f === 'number' && f > 0 && f < 1)) {
    throw new Error(`evalFraction must be a number greater than 0 and less than 1, got ${shown(f)}`);
  }
  checkInteger('workers', o.train?.workers, 1, MAX_WORKERS);
  // Checked here too (not only where they are used) so a bad value fails before hours of training, not after.
  checkInteger('keep', o.keep, 1);
  checkInteger('maxGenres', o.maxGenres, 1, MAX_GENRES_LIMIT);
}
