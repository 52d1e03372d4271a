// The zod schemas of a saved model's files (manifest.json, report.json, the store's current.json); their types are in
// modelTypes.ts. Model files may come from anywhere (a cloned repository, a download), so everything read from them
// is checked against these schemas before any of it is used.
import { z } from 'zod';
import { BOOSTER_PATH, MAX_EVALUATION_ROWS, MAX_GENRES_LIMIT, MAX_REPORT_LABEL_ISSUES, MODEL_FORMAT, MODEL_FORMAT_VERSION } from './modelTypes';

export * from './modelTypes';

const MAX_GENRES = MAX_GENRES_LIMIT;
const count = z.int().min(0);
const text = z.string().max(100_000);
const identity = z.looseObject({
  kind: z.enum(['text', 'image']), id: text, version: text, dim: z.int().positive().max(1_000_000),
  weightsSha256: text, source: text, preprocess: text, fallback: z.boolean(),
  revision: text.optional(),
  files: z.array(z.looseObject({ path: text, sha256: z.string().regex(/^[0-9a-f]{64}$/) })).max(100).optional(),
});
const average = z.looseObject({ precision: z.number(), recall: z.number(), f1: z.number(), support: z.number() });
const block = z.looseObject({ offset: count, dim: count });

export const manifestSchema = z.looseObject({
  format: z.literal(MODEL_FORMAT, { error: `expected "${MODEL_FORMAT}" (not a Genre Lens model)` }),
  formatVersion: z.int().min(1).max(MODEL_FORMAT_VERSION, { error: `model format is newer than this Genre Lens (${MODEL_FORMAT_VERSION}); update Genre Lens` }),
  createdAt: text,
  genres: z.array(z.looseObject({
    name: z.string().min(1).max(1000),
    threshold: z.number().min(0).max(1),
    positives: count,
    bestIteration: count,
    oofF1: z.number().min(0).max(1),
    booster: z.string().regex(BOOSTER_PATH, { error: 'expected "boosters/NN.txt" inside the model folder' }).nullable(),
  })).min(1).max(MAX_GENRES),
  encoders: z.looseObject({ text: identity, image: identity.nullable() }),
  features: z.looseObject({ text: block, image: block, posterMissing: count, total: z.int().positive().max(1_000_000) }),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  training: z.looseObject({}),
  seed: z.int(),
  dataset: z.looseObject({ path: text, sha256: text, format: text, columns: z.record(z.string(), z.string().nullable()),
    rows: count, trainRows: count, unlabeledRows: count }),
  evaluation: z.discriminatedUnion('kind', [
    z.looseObject({ kind: z.literal('file'), path: text, sha256: text, rows: count }),
    z.looseObject({ kind: z.literal('split'), fraction: z.number(), rows: count }),
  ]),
  metrics: z.looseObject({ micro: average, macro: average, weighted: average, samples: average,
    subsetAccuracy: z.number(), hammingLoss: z.number() }),
  trainingSeconds: z.number().min(0),
  warnings: z.array(z.string()),
  blend: z.looseObject({
    components: z.array(z.looseObject({ name: z.enum(['lightgbm', 'linear', 'tfidf', 'knn']), weight: z.number().min(0).max(1) })).min(1).max(4),
  }).optional(),
}).superRefine((m, ctx) => {
  const parts = m.blend?.components;
  if (parts && (parts[0].name !== 'lightgbm' || new Set(parts.map((c) => c.name)).size !== parts.length
    || Math.abs(parts.reduce((s, c) => s + c.weight, 0) - 1) > 1e-6)) {
    ctx.addIssue({ code: 'custom', path: ['blend', 'components'], message: 'expected lightgbm first, each component once, weights summing to 1' });
  }
  const { text: t, image: i, posterMissing, total } = m.features;
  if (t.dim + i.dim + 1 !== total || posterMissing !== total - 1) {
    ctx.addIssue({ code: 'custom', path: ['features', 'total'], message: `expected text.dim + image.dim + 1 = ${t.dim + i.dim + 1}, got ${total}` });
  }
});

const probability = z.number().min(0).max(1);
const genreProbability = z.looseObject({ genre: text, probability });
const labelIssueSchema = z.looseObject({ line: z.int().min(1), title: text, key: text, score: probability,
  labelled: z.array(text).max(MAX_GENRES), doubted: z.array(genreProbability).max(MAX_GENRES),
  missing: z.array(genreProbability).max(MAX_GENRES), suggested: z.array(text).max(MAX_GENRES) });

/** Structural checks of report.json: enough that the report panel and the CLI can draw it without a TypeError. */
export const reportSchema = z.looseObject({
  formatVersion: z.int().min(1).max(MODEL_FORMAT_VERSION, { error: 'report format is newer than this Genre Lens; update Genre Lens' }),
  run: z.looseObject({ warnings: z.array(z.string()), posters: z.looseObject({}) }),
  genres: z.array(z.string()).max(MAX_GENRES),
  thresholds: z.array(z.number()),
  metrics: z.looseObject({ micro: average, macro: average, weighted: average, samples: average,
    perLabel: z.array(z.looseObject({ label: z.string() })), confusion: z.array(z.array(z.array(z.number()))) }),
  ablation: z.record(z.string(), z.looseObject({ micro: average })),
  ablationStatus: z.enum(['pending', 'done', 'skipped', 'cancelled', 'failed']).optional(),
  components: z.array(z.looseObject({ name: z.string().min(1).max(100), weight: z.number(), micro: average, macro: average,
    samples: average, subsetAccuracy: z.number() })).max(100).optional(),
  cooccurrence: z.array(z.array(z.number())),
  prCurves: z.array(z.array(z.looseObject({ precision: z.number(), recall: z.number() }))),
  evaluationRows: z.array(z.looseObject({ line: z.int().min(1), title: text, proba: z.array(z.number()),
    labels: z.array(count).max(MAX_GENRES).optional() })).max(MAX_EVALUATION_ROWS).optional(),
  labelIssues: z.looseObject({ checked: count, total: count,
    perGenre: z.array(z.looseObject({ genre: text, doubted: count, missing: count })).max(MAX_GENRES),
    rows: z.array(labelIssueSchema).max(MAX_REPORT_LABEL_ISSUES) }).optional(),
}).superRefine((r, ctx) => {
  if (r.thresholds.length !== r.genres.length) {
    ctx.addIssue({ code: 'custom', path: ['thresholds'], message: `expected ${r.genres.length} thresholds (one per genre), got ${r.thresholds.length}` });
  }
  const bad = r.evaluationRows?.findIndex((row) => row.proba.length !== r.genres.length) ?? -1;
  if (bad >= 0) {
    ctx.addIssue({ code: 'custom', path: ['evaluationRows', bad, 'proba'],
      message: `expected ${r.genres.length} probabilities (one per genre), got ${r.evaluationRows?.[bad].proba.length}` });
  }
});

/** `models/<name>`: absolute paths and `..` are refused here, links leading outside when the pointer is resolved. */
const modelRef = z.string().max(1000).regex(/^models[\\/](?!\.\.?$)[^\\/]+$/, { error: 'expected "models/<name>", a model folder inside the store' });
export const pointerSchema = z.object({ model: modelRef, pinned: z.array(modelRef).max(10_000).default([]) });

/** Most rows training.json may record (the file is also capped at 64 MB). */
export const MAX_TRAINING_ROWS = 2_000_000;

/**
 * training.json: every length matches `genres`, every probability and threshold is finite and in 0..1, every label a
 * genre index. Checked row by row after the structure, so a 64 MB file costs one pass.
 */
export const trainingRecordSchema = z.object({
  genres: z.array(z.string().min(1).max(1000)).min(1).max(MAX_GENRES),
  file: text,
  thresholds: z.object({ positive: z.array(probability).max(MAX_GENRES), negative: z.array(probability).max(MAX_GENRES) }),
  rows: z.array(z.object({
    key: z.string().regex(/^[0-9a-f]{32}$/, { error: 'expected 32 hex digits' }),
    line: z.int().min(1),
    title: z.string().max(200),
    labels: z.array(count).max(MAX_GENRES),
    proba: z.array(probability).max(MAX_GENRES),
    split: z.enum(['train', 'eval']),
  })).max(MAX_TRAINING_ROWS),
}).superRefine((t, ctx) => {
  const G = t.genres.length;
  for (const side of ['positive', 'negative'] as const) {
    if (t.thresholds[side].length !== G) {
      ctx.addIssue({ code: 'custom', path: ['thresholds', side], message: `expected ${G} thresholds (one per genre), got ${t.thresholds[side].length}` });
    }
  }
  for (let i = 0; i < t.rows.length; i++) {
    const row = t.rows[i];
    if (row.proba.length !== G) {
      ctx.addIssue({ code: 'custom', path: ['rows', i, 'proba'], message: `expected ${G} probabilities (one per genre), got ${row.proba.length}` });
      return;
    }
    const bad = row.labels.findIndex((l, j) => l >= G || row.labels.indexOf(l) !== j);
    if (bad >= 0) {
      ctx.addIssue({ code: 'custom', path: ['rows', i, 'labels', bad], message: `expected distinct genre indices below ${G}, got ${row.labels[bad]}` });
      return;
    }
  }
});
