// The encoder registry: one data file per downloadable encoder in the top-level models/ folder (id, revision, files
// with URLs and sha256, dimension, pooling, preprocessing, licence), validated here and bundled into the daemon/CLI.
// The resolver (hubFiles.ts, onnxImage.ts) reads these entries; the README shows them.
import { z } from 'zod';
import minilmJson from '../../../models/all-MiniLM-L6-v2.json';
import mobilenetJson from '../../../models/mobilenetv2-12-int8.json';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const registryFile = z.object({
  /** Path inside the repository (hub) or the file name (URL downloads). */
  path: z.string().regex(/^[\w.-]+(\/[\w.-]+)*$/),
  /** Direct download URL (encoders not on the hub). */
  url: z.url({ protocol: /^https?$/ }).optional(),
  /** Pinned sha256; null: verified against the hub's advertised hash instead (X-Linked-Etag / git blob ETag). */
  sha256: sha256.nullable(),
  maxBytes: z.number().int().positive(),
  /** The file whose sha256 is the encoder's weightsSha256. */
  weights: z.boolean().optional(),
});
export const registryEntrySchema = z.object({
  key: z.enum(['minilm', 'mobilenetv2']),
  kind: z.enum(['text', 'image']),
  id: z.string().min(1),
  description: z.string(),
  hub: z.object({ repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/), revision: z.string().min(1) }).optional(),
  files: z.array(registryFile).min(1),
  dim: z.number().int().positive(),
  maxTokens: z.number().int().positive().optional(),
  pooling: z.string(),
  preprocess: z.string(),
  license: z.string(),
  upstream: z.url(),
}).refine((e) => e.files.filter((f) => f.weights).length === 1, 'exactly one file must have "weights": true');

export type RegistryEntry = z.infer<typeof registryEntrySchema>;
export type RegistryFile = RegistryEntry['files'][number];

function entry(json: unknown, file: string): RegistryEntry {
  const parsed = registryEntrySchema.safeParse(json);
  if (!parsed.success) throw new Error(`models/${file}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** sentence-transformers all-MiniLM-L6-v2 (ONNX, from the Hugging Face hub). */
export const MINILM = entry(minilmJson, 'all-MiniLM-L6-v2.json');
/** ImageNet MobileNetV2 int8 (ONNX Model Zoo, a direct URL pinned by sha256). */
export const MOBILENETV2 = entry(mobilenetJson, 'mobilenetv2-12-int8.json');
export const REGISTRY: readonly RegistryEntry[] = [MINILM, MOBILENETV2];

/** The entry's weights file (the one whose sha256 identifies the encoder). */
export function weightsFile(e: RegistryEntry): RegistryFile {
  return e.files.find((f) => f.weights) as RegistryFile;
}
