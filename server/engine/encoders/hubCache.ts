// The hub model cache, in the Hugging Face layout: <cacheDir>/hub/models--<org>--<name>/{refs/<revision>,
// snapshots/<commit>/<path>}, files stored in place. Each snapshot has a sidecar (.genre-lens-files.json) recording
// the sha256 and size of every file verified at download; a cached file that no longer matches it is evicted.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { isInside } from '../untrustedFiles';
import { sha256Hex } from './fetchCache';
import type { RegistryEntry } from './registry';
import { readWeightsFile } from './weightsFile';

export const SIDECAR = '.genre-lens-files.json';
const MAX_SMALL_FILE = 1024 * 1024;

export interface HashedFile {
  path: string;
  sha256: string;
  bytes: number;
}

const sidecarSchema = z.object({
  files: z.array(z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() })),
});

/** `<cacheDir>/hub/models--<org>--<name>`. */
export function repoCacheDir(cacheDir: string, repo: string): string {
  return path.join(path.resolve(cacheDir), 'hub', `models--${repo.split('/').join('--')}`);
}

/** A revision (branch, tag or commit) safe as one folder name; `what` says where it came from. */
export function checkRevision(revision: string, what: string): string {
  if (!/^[\w.-]{1,100}$/.test(revision) || /^\.+$/.test(revision)) {
    throw new Error(`${what}: "${revision.slice(0, 100)}" is not a revision name (letters, digits, '_', '-', '.')`);
  }
  return revision;
}

export const isCommit = (s: string): boolean => /^[0-9a-f]{40}$/.test(s);

/** `path` inside `dir`, refusing one that would lead outside it. */
export function fileIn(dir: string, rel: string): string {
  const file = path.resolve(dir, rel);
  if (!isInside(dir, file) || file === dir) throw new Error(`${rel}: not a file path inside ${dir}`);
  return file;
}

/** Writes through a temporary name and a rename, so a reader sees the old content or the new, never half. */
export async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** The snapshot name refs/<revision> points at, or null when there is none (or it is not a sane name). */
export async function readRef(repoDir: string, revision: string): Promise<string | null> {
  const file = path.join(repoDir, 'refs', revision);
  const data = await readWeightsFile(file, 200, ' (in the model cache; delete it and the model is downloaded again)');
  const ref = data?.toString('utf8').trim() ?? '';
  return /^[\w.-]{1,100}$/.test(ref) && !/^\.+$/.test(ref) ? ref : null;
}

export async function writeRef(repoDir: string, revision: string, snapshot: string): Promise<void> {
  await writeAtomic(path.join(repoDir, 'refs', revision), snapshot);
}

/** The sidecar's records by path; an absent, unreadable or malformed sidecar records nothing. */
export async function readSidecar(snapDir: string): Promise<Map<string, HashedFile>> {
  let parsed: z.infer<typeof sidecarSchema>['files'] = [];
  try {
    const data = await readWeightsFile(path.join(snapDir, SIDECAR), MAX_SMALL_FILE);
    if (data) parsed = sidecarSchema.parse(JSON.parse(data.toString('utf8'))).files;
  } catch {
    /* treated as empty: every file is downloaded again and the sidecar rewritten */
  }
  return new Map(parsed.map((f) => [f.path, f]));
}

/** Records (or with `file.sha256 === ''`, forgets) one file in the snapshot's sidecar. */
export async function updateSidecar(snapDir: string, file: HashedFile): Promise<void> {
  const records = await readSidecar(snapDir);
  if (file.sha256) records.set(file.path, file);
  else records.delete(file.path);
  await writeAtomic(path.join(snapDir, SIDECAR), JSON.stringify({ files: [...records.values()] }, null, 1) + '\n');
}

export interface SnapshotCheck {
  /** Registry files present and matching the sidecar (and the pin / registry hash, when there is one). */
  good: HashedFile[];
  /** Registry paths that must be downloaded. */
  missing: string[];
  /** What was wrong with the files removed or passed over, for messages. */
  notes: string[];
}

/**
 * Hashes every registry file of a snapshot and compares it with the sidecar: a file that no longer matches is evicted
 * (deleted and forgotten), a file not recorded is missing and left alone. `expected` (pin or registry sha256 by path) must match too.
 * A FIFO, folder or oversized file where a file should be is an error naming it (nothing is deleted but our files).
 */
export async function checkSnapshot(snapDir: string, entry: RegistryEntry, expected: Map<string, string>): Promise<SnapshotCheck> {
  const records = await readSidecar(snapDir);
  const out: SnapshotCheck = { good: [], missing: [], notes: [] };
  for (const f of entry.files) {
    const file = fileIn(snapDir, f.path);
    const data = await readWeightsFile(file, f.maxBytes,
      ` (in the model cache; delete ${snapDir} and the model is downloaded again, or set GENRE_LENS_CACHE to another folder)`);
    const record = records.get(f.path);
    if (!data) {
      out.missing.push(f.path);
      continue;
    }
    const hashed = { path: f.path, sha256: sha256Hex(data), bytes: data.length };
    if (!record) {
      // Not written by Genre Lens (the sidecar is updated before a download is renamed into place): left alone.
      out.notes.push(`${file} is not recorded in ${SIDECAR} and was not used`);
      out.missing.push(f.path);
    } else if (record.sha256 !== hashed.sha256 || record.bytes !== hashed.bytes) {
      await fs.rm(file, { force: true });
      await updateSidecar(snapDir, { ...record, sha256: '' });
      out.notes.push(`the cached ${file} no longer matched its recorded sha256 and was removed`);
      out.missing.push(f.path);
    } else if (expected.has(f.path) && expected.get(f.path) !== hashed.sha256) {
      out.notes.push(`the cached ${file} has sha256 ${hashed.sha256}, not the expected ${expected.get(f.path)}`);
      out.missing.push(f.path);
    } else out.good.push(hashed);
  }
  return out;
}

/** Deletes partial downloads (`*.incomplete`) a crashed process left in `repoDir` over a day ago. */
export async function sweepIncomplete(repoDir: string): Promise<void> {
  const names = await fs.readdir(repoDir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.endsWith('.incomplete'))) {
    const file = path.join(repoDir, name);
    const st = await fs.lstat(file).catch(() => null);
    if (st?.isFile() && Date.now() - st.mtimeMs > 24 * 3600_000) await fs.rm(file, { force: true });
  }
}
