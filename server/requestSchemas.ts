// Zod schemas for the params of the daemon's custom requests (their types are in protocol.ts). Params come from the
// client untrusted: each request checks its params first and answers a bad one with an InvalidParams error naming the
// request and the field, e.g. `genreLens/train: data: expected a file URI or path (a string)`.
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { MAX_SEED } from './engine/runOptions';
import type {
  DeleteOldModelsParams, DetectColumnsParams, FillMissingGenresParams, PredictFileParams, SelectModelParams, TrainParams,
} from '../common/protocol';

/** A URI scheme has two or more letters, so a Windows drive letter (`C:\data.csv`) is a path. */
const SCHEME = /^([a-z][a-z0-9+.-]+):/i;
const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** A `file:` URI or a path; any other URI (http:, untitled:...) is refused: the daemon reads and writes files on disk. */
function fileRef(expected: string) {
  return z.string({ error: `expected ${expected}` }).superRefine((s, ctx) => {
    const scheme = SCHEME.exec(s)?.[1].toLowerCase();
    let problem: string | null = null;
    if (s.trim() === '') problem = `expected ${expected}, got an empty string`;
    else if (s.includes('\0')) problem = 'a path cannot contain a NUL character';
    else if (scheme && scheme !== 'file') {
      problem = `${clip(s)} is not a file on disk (its scheme is ${scheme}:); Genre Lens only reads and writes local files` +
        (scheme === 'untitled' ? ': save the document first' : '');
    } else if (scheme) {
      try {
        fileURLToPath(s);
      } catch (e) {
        problem = `${clip(s)} is not a local file URI (${(e as Error).message})`;
      }
    }
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

const FILE = 'a file URI or path (a string)';
const int = (min: number, max: number, expected: string) =>
  z.number({ error: `expected ${expected}` }).int({ error: `expected ${expected}` })
    .min(min, { error: `expected ${expected}` }).max(max, { error: `expected ${expected}` });
const bool = z.boolean({ error: 'expected true or false' });
const column = z.string({ error: 'expected a column name (a string)' });
/** null = "(none)": the role is left out rather than detected; only title and poster can be left out. */
const optionalColumn = z.string({ error: 'expected a column name (a string), or null for none' }).nullable();

const columns = z.strictObject({ title: optionalColumn, text: column, genres: column, poster: optionalColumn },
  { error: 'expected an object whose keys title, text, genres, poster name columns (title and poster may be null for none)' }).partial();

export const trainParams = z.object({
  data: fileRef(FILE),
  evalFile: fileRef(FILE).optional(),
  evalFraction: z.number({ error: 'expected a number between 0 and 1 (exclusive)' })
    .gt(0, { error: 'expected a number between 0 and 1 (exclusive)' }).lt(1, { error: 'expected a number between 0 and 1 (exclusive)' }).optional(),
  seed: int(0, MAX_SEED, `an integer from 0 to ${MAX_SEED}`).optional(),
  columns: columns.optional(),
  skipAblation: bool.optional(),
  workDoneToken: z.union([z.string(), z.number().int()], { error: 'expected a progress token (a string or an integer)' }).optional(),
}) satisfies z.ZodType<TrainParams>;

export const detectColumnsParams = z.object({ data: fileRef(FILE) }) satisfies z.ZodType<DetectColumnsParams>;

export const predictFileParams = z.object({ data: fileRef(FILE), out: fileRef('a file URI or path to write (a string)') }) satisfies
  z.ZodType<PredictFileParams>;

export const selectModelParams = z.object({
  dir: fileRef('a model folder (a path or file URI) or null').nullable(),
}) satisfies z.ZodType<SelectModelParams>;

export const deleteOldModelsParams = z.object({
  keep: int(1, Number.MAX_SAFE_INTEGER, 'an integer of at least 1').optional(),
  dryRun: bool.optional(),
}) satisfies z.ZodType<DeleteOldModelsParams>;

export const fillMissingGenresParams = z.object({ uri: fileRef('the URI of an open document (a string)') }) satisfies
  z.ZodType<FillMissingGenresParams>;

/** The params checked against `schema`, or an InvalidParams error naming `method` and each bad field (up to three). */
export function checkParams<T>(method: string, schema: z.ZodType<T>, params: unknown): T {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new ResponseError(ErrorCodes.InvalidParams, `${method}: expected the parameters as an object`);
  }
  const r = schema.safeParse(params);
  if (r.success) return r.data;
  const problems = r.error.issues.slice(0, 3).map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw new ResponseError(ErrorCodes.InvalidParams, `${method}: ${problems.join('; ')}`);
}
