// Validates the settings the extension sends the daemon (initializationOptions and didChangeConfiguration) with zod,
// one setting at a time: a bad value is replaced by its default and named in a warning
// (`genreLens.seed: expected an integer from 0 to 2147483647; using 42`); nothing here throws.
import { z } from 'zod';
import { DEFAULT_KEEP_MODELS } from './engine/modelStore';
import { MAX_SEED } from './engine/runOptions';
import { DIAGNOSTIC_DEFAULTS, type DaemonSettings, type DiagnosticSettings } from '../common/protocol';

export { DEFAULT_KEEP_MODELS };
export const DEFAULT_SEED = 42;

const httpUrl = z.string().refine((s) => s === '' || (/^https?:\/\//i.test(s) && URL.canParse(s)));
const folder = z.string().refine((s) => !s.includes('\0'));

interface Rule {
  schema: z.ZodType;
  expected: string;
  /** Used when the value is bad; undefined = the daemon's built-in default. */
  fallback: unknown;
}

/** genreLens.diagnostics.*: validated one key at a time like the others (a warning names e.g. genreLens.diagnostics.maxRows). */
const DIAGNOSTIC_RULES: Record<keyof DiagnosticSettings, Rule> = {
  suspiciousLabels: { schema: z.enum(['information', 'warning', 'hint', 'off']), expected: 'one of information, warning, hint, off',
    fallback: DIAGNOSTIC_DEFAULTS.suspiciousLabels },
  maxPerFile: { schema: z.number().int().min(0).max(100_000), expected: 'an integer from 0 to 100000', fallback: DIAGNOSTIC_DEFAULTS.maxPerFile },
  maxRows: { schema: z.number().int().min(0).max(10_000_000), expected: 'an integer from 0 to 10000000', fallback: DIAGNOSTIC_DEFAULTS.maxRows },
  datasetProblems: { schema: z.boolean(), expected: 'true or false', fallback: DIAGNOSTIC_DEFAULTS.datasetProblems },
};

const RULES: Record<Exclude<keyof DaemonSettings, 'diagnostics'>, Rule> = {
  textEncoder: { schema: z.enum(['minilm', 'use-lite']), expected: 'one of minilm, use-lite', fallback: 'minilm' },
  imageEncoder: { // 'onnx' is kept as a synonym of 'mobilenetv2'
    schema: z.enum(['mobilenetv2', 'onnx', 'nsfwjs', 'none']), expected: 'one of mobilenetv2, onnx, nsfwjs, none', fallback: 'mobilenetv2',
  },
  modelsDirectory: { schema: folder, expected: 'a folder path', fallback: undefined },
  hubUrl: { schema: httpUrl, expected: 'an http(s) URL', fallback: undefined },
  downloadModels: { schema: z.boolean(), expected: 'true or false', fallback: true },
  imageModelUrl: { schema: httpUrl, expected: 'an http(s) URL', fallback: undefined },
  modelStore: { schema: folder, expected: 'a folder path', fallback: undefined },
  cacheDirectory: { schema: folder, expected: 'a folder path', fallback: undefined },
  posterBaseUrl: { schema: httpUrl, expected: 'an http(s) URL', fallback: undefined },
  columns: { // null = "(none)": title and poster can be left out rather than detected
    schema: z.strictObject({ title: z.string().nullable(), text: z.string(), genres: z.string(), poster: z.string().nullable() }).partial(),
    expected: 'an object whose keys title, text, genres, poster name columns (title and poster may be null for none)', fallback: {},
  },
  seed: { schema: z.number().int().min(0).max(MAX_SEED), expected: `an integer from 0 to ${MAX_SEED}`, fallback: DEFAULT_SEED },
  trusted: { schema: z.boolean(), expected: 'true or false', fallback: false },
  prefetchPosters: { schema: z.boolean(), expected: 'true or false', fallback: false },
  allowPrivateNetwork: { schema: z.boolean(), expected: 'true or false', fallback: false },
  posterRoots: { schema: z.array(folder), expected: 'an array of folder paths', fallback: [] },
  keepModels: { schema: z.number().int().min(1), expected: 'an integer of at least 1', fallback: DEFAULT_KEEP_MODELS },
  inlayHints: { schema: z.boolean(), expected: 'true or false', fallback: false },
};

const shown = (v: unknown) => (v === undefined ? 'the default' : typeof v === 'string' ? v : JSON.stringify(v));

/** The valid part of `raw` as DaemonSettings, and one warning per setting that was dropped to its default. */
export function validateSettings(raw: unknown): { settings: DaemonSettings; warnings: string[] } {
  if (raw === null || raw === undefined) return { settings: {}, warnings: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { settings: {}, warnings: ['genreLens: expected the settings as an object; using the defaults'] };
  }
  const input = raw as Record<string, unknown>;
  const warnings: string[] = [];
  const settings = validateRules(input, RULES, 'genreLens', warnings);
  const diagnostics = input.diagnostics;
  if (diagnostics !== undefined && diagnostics !== null) {
    if (typeof diagnostics === 'object' && !Array.isArray(diagnostics)) {
      const d = validateRules(diagnostics as Record<string, unknown>, DIAGNOSTIC_RULES, 'genreLens.diagnostics', warnings);
      if (Object.keys(d).length) settings.diagnostics = d;
    } else warnings.push('genreLens.diagnostics: expected an object (suspiciousLabels, maxPerFile, maxRows, datasetProblems); using the defaults');
  }
  return { settings: settings as DaemonSettings, warnings };
}

/** Each rule's key of `input` when valid; a bad one is replaced by its fallback and named in a warning under `prefix`. */
function validateRules(input: Record<string, unknown>, rules: Record<string, Rule>, prefix: string, warnings: string[]): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(rules)) {
    const value = input[key];
    if (value === undefined || value === null) continue; // not set: the default applies
    const r = rule.schema.safeParse(value);
    if (r.success) settings[key] = r.data;
    else {
      warnings.push(`${prefix}.${key}: expected ${rule.expected}; using ${shown(rule.fallback)}`);
      if (rule.fallback !== undefined) settings[key] = rule.fallback;
    }
  }
  return settings;
}

/** The diagnostics settings with their defaults filled in. */
export function diagnosticSettings(s: DaemonSettings): Required<DiagnosticSettings> {
  return { ...DIAGNOSTIC_DEFAULTS, ...s.diagnostics };
}
