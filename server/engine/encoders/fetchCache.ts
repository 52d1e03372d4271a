// Downloads an http(s) URL into an on-disk cache keyed by the URL's hash, with a size limit, a timeout and an
// optional sha256 check. Used for model weights (the ONNX image model) and usable for poster URLs.
// Files are written to a temporary name and renamed, so a crashed download never leaves a half file behind.

import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface FetchCacheOptions {
  cacheDir: string;
  /** Reject bodies larger than this (default 64 MiB). */
  maxBytes?: number;
  /** Whole-request timeout in ms (default 60 s). */
  timeoutMs?: number;
  /** Expected sha256 (hex). A mismatching download is rejected; a mismatching cached file is fetched again. */
  sha256?: string;
  onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
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

export async function fetchToCache(url: string, options: FetchCacheOptions): Promise<CachedFile> {
  const protocol = new URL(url).protocol;
  if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`Only http(s) URLs can be downloaded, got ${url}`);
  const expected = options.sha256?.toLowerCase();
  const file = cachePathFor(url, options.cacheDir);

  const cached = await fs.readFile(file).catch(() => null);
  if (cached) {
    const sha = sha256Hex(cached);
    if (!expected || sha === expected) return { path: file, data: cached, sha256: sha, fromCache: true };
    await fs.rm(file, { force: true }); // stale or corrupt: fetch again
  }

  const data = await download(url, options.maxBytes ?? 64 * 1024 * 1024, options.timeoutMs ?? 60_000, options.onProgress);
  const sha = sha256Hex(data);
  if (expected && sha !== expected) {
    throw new Error(`sha256 mismatch for ${url}: expected ${expected}, got ${sha} (${data.length} bytes); not cached`);
  }
  await fs.mkdir(options.cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
  return { path: file, data, sha256: sha, fromCache: false };
}

async function download(
  url: string,
  maxBytes: number,
  timeoutMs: number,
  onProgress: FetchCacheOptions['onProgress'],
): Promise<Buffer> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, { signal, redirect: 'follow' });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText} for ${url}`);
    const header = Number(res.headers.get('content-length'));
    const total = Number.isFinite(header) && header > 0 ? header : undefined;
    if (total !== undefined && total > maxBytes) {
      await res.body.cancel();
      throw new Error(`${url} is ${total} bytes, over the ${maxBytes}-byte limit`);
    }
    const chunks: Uint8Array[] = [];
    let received = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > maxBytes) {
        await reader.cancel();
        throw new Error(`${url} exceeds the ${maxBytes}-byte limit`);
      }
      chunks.push(value);
      onProgress?.(received, total);
    }
    return Buffer.concat(chunks);
  } catch (err) {
    if (signal.aborted) throw new Error(`Download of ${url} timed out after ${timeoutMs} ms`);
    if (err instanceof Error && err.message === 'fetch failed' && err.cause instanceof Error) {
      throw new Error(`Download of ${url} failed: ${err.cause.message}`);
    }
    throw err;
  }
}
