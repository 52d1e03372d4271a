// Resolves a hub encoder's files (registry entry, e.g. MiniLM): the user's models folder, else the cache (hubCache.ts),
// else a download from the Hugging Face hub or a mirror ($HF_ENDPOINT), verified against the pinned sha256 or the hub's
// advertised hash (X-Linked-Etag sha256 for LFS files, git blob sha1 ETag for others), written atomically.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import * as path from 'node:path';
import { DownloadError, httpGetResponse } from './httpGet';
import {
  type HashedFile, checkRevision, checkSnapshot, fileIn, isCommit, readRef, repoCacheDir, sweepIncomplete, updateSidecar, writeRef,
} from './hubCache';
import { sha256Hex } from './fetchCache';
import type { RegistryEntry, RegistryFile } from './registry';
import { readWeightsFile } from './weightsFile';

export interface DownloadProgress { file: string; receivedBytes: number; totalBytes?: number }
export interface HubAccess {
  /** Default: hubEndpoint() = $HF_ENDPOINT || 'https://huggingface.co'. */
  endpoint?: string;
  /** User folder holding `<repo>/<path>` (the hub's layout); default $GENRE_LENS_MODELS. */
  modelsDir?: string;
  /** Holds hub/models--<org>--<name>/{refs/<revision>, snapshots/<commit>/<path>}. */
  cacheDir: string;
  /** false: the models folder and the cache only (also when $HF_HUB_OFFLINE=1). */
  allowDownload: boolean;
  /** No byte (connect, headers or body) for this long aborts a download (default 30 s). */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
}
export interface ResolvedModel {
  /** Folder holding the files in the repo's layout. */
  dir: string;
  /** The commit (X-Repo-Commit) when known, else the requested revision; 'local' for a models folder. */
  revision: string;
  /** Every registry file, hashed as read. */
  files: HashedFile[];
  origin: 'models-folder' | 'cache' | 'download';
  /** The folder, or `${endpoint}/${repo}`: informational. */
  source: string;
}
export type Pin = { revision: string; files: { path: string; sha256: string }[] };

/** The encoder's files cannot be had (offline, unreachable, downloads disabled, 404...). message says what to do. */
export class ModelUnavailableError extends Error {
  override name = 'ModelUnavailableError';
}

export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

export function hubEndpoint(explicit?: string): string {
  return (explicit || process.env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
}

/** `$HF_HUB_OFFLINE` is set to a true value (the hub libraries' convention): nothing is downloaded. */
export function hubOffline(): boolean {
  return /^(1|true|yes|on)$/i.test(process.env.HF_HUB_OFFLINE ?? '');
}

/** "put the files (...) in <dir>/, or use the bundled encoders (...)": the one way out of every failure. */
export function putFilesHint(entry: RegistryEntry, modelsDir: string | undefined): string {
  const folder = entry.hub ? `${modelsDir ?? '$GENRE_LENS_MODELS'}/${entry.hub.repo}/` : `${modelsDir ?? '$GENRE_LENS_MODELS'}/`;
  const bundled = entry.kind === 'text' ? '--text-encoder use-lite' : '--image-encoder nsfwjs';
  return `put the files (${entry.files.map((f) => f.path).join(', ')}) in ${folder}, or use the bundled encoders (${bundled})`;
}

/** "cannot reach <url> (<reason>)" for a network failure or stall, "cannot download <url> (HTTP 404 ...)" otherwise. */
export function downloadFailure(url: string, err: DownloadError): string {
  const reached = err.status !== undefined || /limit|ended after|redirect|not http/.test(err.reason);
  return `${reached ? 'cannot download' : 'cannot reach'} ${url} (${err.reason})`;
}

interface Ctx {
  entry: RegistryEntry;
  repo: string;
  access: HubAccess;
  endpoint: string;
  modelsDir: string | undefined;
  /** Expected sha256 by path: the pin's, else the registry's where it has one. */
  expected: Map<string, string>;
  notes: string[];
}

/** The folder with the user's own encoder files: `explicit` (an option or setting), else $GENRE_LENS_MODELS, else none. */
export function modelsDirOf(explicit: string | undefined): string | undefined {
  return explicit ?? (process.env.GENRE_LENS_MODELS || undefined);
}

/** `err`'s message without a closing period. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');

export async function resolveHubModel(entry: RegistryEntry, access: HubAccess, pin?: Pin): Promise<ResolvedModel> {
  if (!entry.hub) throw new Error(`${entry.id} is not a hub model (its registry entry has no "hub")`);
  const repo = entry.hub.repo;
  const expected = new Map(entry.files.flatMap((f) => (f.sha256 ? [[f.path, f.sha256] as const] : [])));
  for (const f of pin?.files ?? []) expected.set(f.path, f.sha256.toLowerCase());
  const modelsDir = modelsDirOf(access.modelsDir);
  const ctx: Ctx = { entry, repo, access, endpoint: hubEndpoint(access.endpoint), modelsDir, expected, notes: [] };
  try {
    const local = await fromModelsFolder(ctx);
    if (local) return local;
    const repoDir = repoCacheDir(access.cacheDir, repo);
    // A pin names the snapshot; 'local' (trained from a models folder) pins files, not a revision.
    const pinned = pin && pin.revision !== 'local' ? checkRevision(pin.revision, `the model's ${repo} revision`) : null;
    const revision = pinned ?? checkRevision(entry.hub.revision, `the registry's ${repo} revision`);
    const snapshot = pinned ?? (await readRef(repoDir, revision));
    const check = snapshot ? await checkSnapshot(path.join(repoDir, 'snapshots', snapshot), entry, expected) : null;
    ctx.notes.push(...(check?.notes ?? []));
    if (snapshot && check && check.missing.length === 0) {
      return { dir: path.join(repoDir, 'snapshots', snapshot), revision: snapshot, files: check.good, origin: 'cache', source: `${ctx.endpoint}/${repo}` };
    }
    if (!access.allowDownload || hubOffline()) {
      const why = hubOffline() ? 'HF_HUB_OFFLINE is set' : 'model downloads are disabled';
      throw unavailable(ctx, `${repo}${pinned ? `@${pinned}` : ''} is not in ${ctx.modelsDir ? `${path.join(ctx.modelsDir, repo)}/` : 'a models folder'} ` +
        `or the cache (${repoDir}) and ${why}`);
    }
    // A partly downloaded snapshot resumes at its commit; an empty one starts again from the branch.
    return await download(ctx, repoDir, revision, pinned ?? (check?.good.length ? snapshot : null), check?.good ?? []);
  } catch (err) {
    if (access.signal?.aborted || err instanceof ModelUnavailableError) throw err;
    throw unavailable(ctx, err instanceof Error ? err.message : String(err));
  }
}

function unavailable(ctx: Ctx, what: string): ModelUnavailableError {
  const notes = ctx.notes.length ? ` (${ctx.notes.join('; ')})` : '';
  return new ModelUnavailableError(`${what}${notes}; ${putFilesHint(ctx.entry, ctx.modelsDir)}`);
}

/** All files from `<modelsDir>/<repo>/`, or null when some are absent or (pinned) differ; a FIFO/folder/huge file throws. */
async function fromModelsFolder(ctx: Ctx): Promise<ResolvedModel | null> {
  if (!ctx.modelsDir) return null;
  const dir = path.resolve(ctx.modelsDir, ctx.repo);
  const files: HashedFile[] = [];
  for (const f of ctx.entry.files) {
    const file = fileIn(dir, f.path);
    const data = await readWeightsFile(file, f.maxBytes, ` (in the models folder given by --models, GENRE_LENS_MODELS or the modelsDirectory setting)`);
    if (!data) {
      if (files.length > 0) ctx.notes.push(`${dir} has no ${f.path}`);
      return null;
    }
    const sha256 = sha256Hex(data);
    const want = ctx.expected.get(f.path);
    if (want && want !== sha256) {
      ctx.notes.push(`${file} has sha256 ${sha256}, not the expected ${want}`);
      return null;
    }
    files.push({ path: f.path, sha256, bytes: data.length });
  }
  return { dir, revision: 'local', files, origin: 'models-folder', source: dir };
}

/**
 * Downloads the files `good` lacks into snapshots/<commit>. The first response's X-Repo-Commit fixes the commit (unless
 * `snapshot` already does) and the remaining files are requested by it; refs/<revision> then points at it.
 */
async function download(ctx: Ctx, repoDir: string, revision: string, snapshot: string | null, good: HashedFile[]): Promise<ResolvedModel> {
  await fs.mkdir(repoDir, { recursive: true });
  await sweepIncomplete(repoDir);
  const have = new Map(good.map((f) => [f.path, f]));
  let snap = snapshot;
  const files: HashedFile[] = [];
  for (const f of ctx.entry.files) {
    const cached = have.get(f.path);
    if (cached) {
      files.push(cached);
      continue;
    }
    const asked = snap && isCommit(snap) ? snap : revision;
    const got = await downloadFile(ctx, repoDir, asked, f);
    try {
      if (!snap) {
        snap = got.commit ?? revision;
        if (!isCommit(revision) || snap !== revision) await writeRef(repoDir, revision, snap);
      } else if (got.commit && isCommit(snap) && got.commit !== snap) {
        throw new Error(`${got.url} came from commit ${got.commit}, not ${snap} like the other files`);
      }
      const snapDir = path.join(repoDir, 'snapshots', snap);
      const dest = fileIn(snapDir, f.path);
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await updateSidecar(snapDir, got.file); // first: a file in the snapshot that the sidecar does not list is not ours
      await fs.rename(got.tmp, dest);
    } finally {
      await fs.rm(got.tmp, { force: true });
    }
    files.push(got.file);
  }
  const dir = path.join(repoDir, 'snapshots', snap ?? revision);
  return { dir, revision: snap ?? revision, files, origin: 'download', source: `${ctx.endpoint}/${ctx.repo}` };
}

interface Fetched { tmp: string; file: HashedFile; commit: string | null; url: string }

/** One file into `<repoDir>/.<name>.<pid>.<random>.incomplete`, verified; deleted on any failure. */
async function downloadFile(ctx: Ctx, repoDir: string, revision: string, f: RegistryFile): Promise<Fetched> {
  const url = `${ctx.endpoint}/${ctx.repo}/resolve/${encodeURIComponent(revision)}/${f.path}`;
  const tmp = path.join(repoDir, `.${path.basename(f.path)}.${process.pid}.${randomBytes(4).toString('hex')}.incomplete`);
  const handle = await fs.open(tmp, 'wx');
  let open = true;
  try {
    const sha = createHash('sha256');
    const res = await httpGetResponse(url, {
      maxBytes: f.maxBytes, idleTimeoutMs: ctx.access.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, signal: ctx.access.signal,
      filter: 'none', // the user configured the endpoint (HF_ENDPOINT, --hub-url, a setting): a mirror may be local
      onData: async (chunk) => {
        sha.update(chunk);
        await handle.write(chunk);
      },
      onProgress: (receivedBytes, totalBytes) => ctx.access.onProgress?.({ file: f.path, receivedBytes, totalBytes }),
    });
    await handle.close();
    open = false;
    const file = { path: f.path, sha256: sha.digest('hex'), bytes: res.bytes };
    await verify(ctx, f, tmp, file, res.firstHeaders, res.headers, url);
    const commit = header(res.firstHeaders, res.headers, 'x-repo-commit')?.toLowerCase() ?? null;
    return { tmp, file, commit: commit && isCommit(commit) ? commit : null, url };
  } catch (err) {
    if (open) await handle.close();
    await fs.rm(tmp, { force: true });
    if (err instanceof DownloadError) throw unavailable(ctx, downloadFailure(url, err));
    throw err;
  }
}

/** A header of the first response (before redirects), else of the final one. */
function header(first: IncomingHttpHeaders, final: IncomingHttpHeaders, name: string): string | undefined {
  const v = first[name] ?? final[name];
  return Array.isArray(v) ? v[0] : v;
}

/** An ETag's value without W/ and quotes, lower-cased. */
const etagValue = (v: string | undefined) => v?.replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase();

async function verify(ctx: Ctx, f: RegistryFile, tmp: string, file: HashedFile, first: IncomingHttpHeaders, final: IncomingHttpHeaders,
  url: string): Promise<void> {
  const fail = (what: string) => unavailable(ctx, `cannot download ${url} (${what}; not cached)`);
  const linkedSize = Number(header(first, final, 'x-linked-size'));
  if (Number.isFinite(linkedSize) && linkedSize > 0 && linkedSize !== file.bytes) {
    throw fail(`${file.bytes} bytes received, the hub advertised ${linkedSize}`);
  }
  const pinned = ctx.expected.get(f.path);
  if (pinned) {
    if (pinned !== file.sha256) throw fail(`sha256 mismatch: expected ${pinned}, got ${file.sha256}`);
    return;
  }
  const advertised = etagValue(header(first, final, 'x-linked-etag')) ?? etagValue(header(first, final, 'etag'));
  if (advertised && /^[0-9a-f]{64}$/.test(advertised)) {
    if (advertised !== file.sha256) throw fail(`sha256 mismatch: the hub advertised ${advertised}, got ${file.sha256}`);
  } else if (advertised && /^[0-9a-f]{40}$/.test(advertised) && header(first, final, 'x-repo-commit')) {
    // The hub (it names the commit) gives a regular file's git blob sha1 as its ETag; elsewhere a 40-hex ETag may be
    // anything (a plain sha1, an opaque id), so it is not checked.
    const sha1 = await gitBlobSha1(tmp, file.bytes);
    if (advertised !== sha1) throw fail(`git blob sha1 mismatch: the hub advertised ${advertised}, got ${sha1}`);
  }
  // Otherwise (a plain mirror or static file server whose ETag is no content hash) there is nothing to check against:
  // the file is kept as received, and its sha256, recorded in the cache's sidecar and in every model trained with it,
  // pins it from then on.
}

/** sha1("blob <length>\0" + content): the id git (and the hub's ETag) gives a file. */
async function gitBlobSha1(file: string, bytes: number): Promise<string> {
  const h = createHash('sha1').update(`blob ${bytes}\0`);
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}
