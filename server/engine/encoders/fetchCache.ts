// Downloads an http(s) URL into an on-disk cache keyed by the URL's hash, with a size limit, timeouts (whole request,
// idle), an optional sha256 check and the address filter of httpGet.ts. Used for model weights (the ONNX image model)
// and poster URLs. Files are written to a temporary name and renamed, so a crashed download never leaves a half file
// behind; each URL is downloaded once at a time (concurrent requests for it share one download).

import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { httpGet, type NetworkFilter } from './httpGet';
import { readWeightsFile } from './weightsFile';

export interface FetchCacheOptions {
  cacheDir: string;
  /** Reject bodies larger than this (default 64 MiB). */
  maxBytes?: number;
  /** Whole-request timeout in ms (default 60 s; 0: none, for big files whose stalls idleTimeoutMs bounds). */
  timeoutMs?: number;
  /** No byte (connection, headers or body) for this long aborts the download (default 30 s). */
  idleTimeoutMs?: number;
  /** The caller's cancellation (rethrown as its reason). */
  signal?: AbortSignal;
  /** Expected sha256 (hex). A mismatching download is rejected; a mismatching cached file is fetched again. */
  sha256?: string;
  onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
  /**
   * 'public-only' (the default) refuses loopback, private, link-local, multicast and unspecified addresses on every
   * hop: for URLs a dataset supplied. 'none' for endpoints the user configured (e.g. the model URL).
   */
  filter?: NetworkFilter;
  /** Addresses or CIDR ranges let through despite the filter. */
  allowAddresses?: string[];
  /** Use the cache only: no network (Restricted Mode). A URL not in the cache is an error. */
  offline?: boolean;
  /** Why `offline` is set, for that error (default 'Restricted Mode'). */
  offlineReason?: string;
}

export interface CachedFile {
  path: string;
  data: Buffer;
  sha256: string;
  fromCache: boolean;
}

export function sha256Hex(...parts: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** `$GENRE_LENS_CACHE`, else ~/.cache/genre-lens (the extension should pass its globalStorage path instead). */
export function defaultCacheDir(): string {
  return process.env.GENRE_LENS_CACHE || path.join(os.homedir(), '.cache', 'genre-lens');
}

/** Path a URL is cached under: sha256(url) plus the URL's file extension, if it has a short, plain one. */
export function cachePathFor(url: string, cacheDir: string): string {
  const ext = path.extname(new URL(url).pathname).toLowerCase();
  return path.join(cacheDir, sha256Hex(Buffer.from(url, 'utf8')).slice(0, 32) + (/^\.[a-z0-9]{1,8}$/.test(ext) ? ext : ''));
}

/** Downloads in flight, by cache file and filter: a second request for the same URL waits for the first. */
const inFlight = new Map<string, Promise<CachedFile>>();

export function fetchToCache(url: string, options: FetchCacheOptions): Promise<CachedFile> {
  let key: string;
  try {
    key = `${options.filter ?? 'public-only'}\0${options.sha256 ?? ''}\0${cachePathFor(url, options.cacheDir)}`;
  } catch {
    return Promise.reject(new Error(`Not a valid URL: ${url}`));
  }
  const running = inFlight.get(key);
  if (running) return running;
  const started = fetchOnce(url, options).finally(() => inFlight.delete(key));
  inFlight.set(key, started);
  return started;
}

async function fetchOnce(url: string, options: FetchCacheOptions): Promise<CachedFile> {
  const protocol = new URL(url).protocol;
  if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`Only http(s) URLs can be downloaded, got ${url}`);
  const expected = options.sha256?.toLowerCase();
  const file = cachePathFor(url, options.cacheDir);

  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  // Read like a download: a regular file of at most maxBytes (a FIFO or /dev/zero planted in the cache is refused).
  const cached = await readWeightsFile(file, maxBytes, ` (in the download cache; delete it, or choose another cache folder)`);
  if (cached) {
    const sha = sha256Hex(cached);
    if (!expected || sha === expected) return { path: file, data: cached, sha256: sha, fromCache: true };
    await fs.rm(file, { force: true }); // stale or corrupt: fetch again
  }
  if (options.offline) throw new Error(`${url} is not in the cache and downloads are disabled (${options.offlineReason ?? 'Restricted Mode'})`);

  const data = await httpGet(url, { maxBytes, timeoutMs: options.timeoutMs ?? 60_000, idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
    signal: options.signal, filter: options.filter ?? 'public-only', allowAddresses: options.allowAddresses, onProgress: options.onProgress });
  const sha = sha256Hex(data);
  if (expected && sha !== expected) {
    throw new Error(`sha256 mismatch for ${url}: expected ${expected}, got ${sha} (${data.length} bytes); not cached`);
  }
  await fs.mkdir(options.cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true }); // a full disk must not leave a half file behind
    throw err;
  }
  return { path: file, data, sha256: sha, fromCache: false };
}
