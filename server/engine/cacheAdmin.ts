// What `genre-lens cache info|clear` and the "Clear Embedding Cache" command do: describe the embedding store (entries
// per encoder, bytes, the cap, old `.bin` files of earlier versions) and remove the store's own files — only regular
// files with the store's names, never anything else in the folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultCacheDir } from './encoders/fetchCache';
import { decodeValue } from './embeddingCache';
import { EmbeddingStore, envMaxBytes, kindOf, LOCK_FILE, STORE_FILE, storeProblem } from './embeddingStore';

/** The append-only files of earlier versions: `<kind>-<id>-<24 hex>.bin`, no longer read. */
export const LEGACY_FILE = /^(text|image)-[\w.-]+-[0-9a-f]{24}\.bin$/;

export interface EncoderEntries {
  key: string;
  kind: string | null;
  id: string | null;
  version: string | null;
  dim: number | null;
  entries: number;
  /** Inputs remembered as not encodable (undecodable posters). */
  undecodable: number;
  /** Keys and values. */
  bytes: number;
}

export interface CacheInfo {
  /** The embeddings folder and the store file in it. */
  dir: string;
  file: string;
  state: 'absent' | 'ok' | 'unusable';
  problem: string | null;
  fileBytes: number;
  /** The size cap and where it comes from. */
  capBytes: number;
  capFrom: 'default' | 'GENRE_LENS_CACHE_MAX_MB';
  /** The store's own estimate of its entries' disk use (what the cap bounds). */
  countedBytes: number;
  entries: number;
  encoders: EncoderEntries[];
  legacy: { file: string; bytes: number }[];
}

export const embeddingsDir = (cacheDir?: string) => path.join(path.resolve(cacheDir ?? defaultCacheDir()), 'embeddings');

function legacyFiles(dir: string): { file: string; bytes: number }[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => LEGACY_FILE.test(n)).sort().flatMap((n) => {
    const s = fs.lstatSync(path.join(dir, n), { throwIfNoEntry: false });
    return s?.isFile() ? [{ file: path.join(dir, n), bytes: s.size }] : [];
  });
}

export function cacheInfo(cacheDir?: string): CacheInfo {
  const dir = embeddingsDir(cacheDir);
  const file = path.join(dir, STORE_FILE);
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  const info: CacheInfo = { dir, file, state: 'absent', problem: null, fileBytes: st?.isFile() ? st.size : 0, capBytes: envMaxBytes(),
    capFrom: process.env.GENRE_LENS_CACHE_MAX_MB?.trim() ? 'GENRE_LENS_CACHE_MAX_MB' : 'default', countedBytes: 0, entries: 0,
    encoders: [], legacy: legacyFiles(dir) };
  const problem = storeProblem(dir);
  if (problem) return { ...info, state: 'unusable', problem };
  if (!st) return info;
  const store = EmbeddingStore.at(dir);
  const byKey = new Map<string, EncoderEntries>();
  try {
    const names = store.scan((key, value) => {
      const enc = Buffer.from(key.subarray(0, 12)).toString('hex');
      let e = byKey.get(enc);
      if (!e) byKey.set(enc, (e = { key: enc, kind: null, id: null, version: null, dim: null, entries: 0, undecodable: 0, bytes: 0 }));
      e.entries++;
      e.bytes += key.length + value.length;
      const v = decodeValue(Buffer.from(value), 0);
      if (typeof v !== 'string' && v.missing) e.undecodable++;
    });
    for (const [key, json] of names) {
      const e = byKey.get(key);
      if (!e) continue;
      try {
        const d = JSON.parse(json) as Record<string, unknown>;
        const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : null);
        Object.assign(e, { kind: str(d.kind), id: str(d.id), version: str(d.version), dim: typeof d.dim === 'number' ? d.dim : null });
      } catch {
        // an identity that does not parse: shown by key only
      }
    }
  } catch (e) {
    store.fail(`${file} cannot be read: ${(e as Error).message}`);
  }
  if (store.problem) return { ...info, state: 'unusable', problem: store.problem };
  const encoders = [...byKey.values()].sort((a, b) => (a.kind ?? '').localeCompare(b.kind ?? '') || (a.id ?? '').localeCompare(b.id ?? ''));
  return { ...info, state: 'ok', countedBytes: store.bytes, entries: encoders.reduce((n, e) => n + e.entries, 0), encoders };
}

export interface ClearResult {
  dir: string;
  removed: { file: string; bytes: number }[];
  /** The store file emptied in place, or null (then it was removed when there was one). */
  emptied: string | null;
  /** Files with the store's names that were not removed, and why (not regular files: someone else's). */
  left: { file: string; why: string }[];
}

/**
 * Empties the store (processes using it see it empty at once) and removes old `.bin` files; a store that cannot be
 * emptied (damaged) is removed with its lock file. Only regular files with those names are removed.
 */
export async function clearCache(cacheDir?: string): Promise<ClearResult> {
  const dir = embeddingsDir(cacheDir);
  const out: ClearResult = { dir, removed: [], emptied: null, left: [] };
  if (fs.lstatSync(path.join(dir, STORE_FILE), { throwIfNoEntry: false }) && !storeProblem(dir)) {
    const store = EmbeddingStore.at(dir);
    try {
      store.clearAll();
      out.emptied = path.join(dir, STORE_FILE);
    } catch {
      // removed below all the same
    }
  }
  await EmbeddingStore.closeAt(dir);
  // An emptied store stays: other threads and processes may have it open (lmdb-js shares one environment per process),
  // and removing an LMDB file or its lock file in use splits them from each other. Only a store that could not be
  // emptied (damaged) is removed.
  const store = out.emptied ? [] : [path.join(dir, STORE_FILE), path.join(dir, LOCK_FILE)];
  const candidates = [...store, ...legacyFiles(dir).map((l) => l.file)];
  for (const file of candidates) {
    const s = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!s) continue;
    if (!s.isFile()) {
      out.left.push({ file, why: `${kindOf(s)}, not a file the cache wrote; remove it yourself if it is not needed` });
      continue;
    }
    try {
      fs.unlinkSync(file);
      out.removed.push({ file, bytes: s.size });
    } catch (e) {
      out.left.push({ file, why: (e as Error).message });
    }
  }
  return out;
}
