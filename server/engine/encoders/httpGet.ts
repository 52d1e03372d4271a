// One HTTP(S) GET with a size limit, an optional whole-request timeout, an idle timeout (no byte for so long), an
// optional caller signal and at most a few redirects (http/https only on every hop). URLs that come from a dataset use
// request-filtering-agent, which refuses loopback, private, link-local, multicast and unspecified addresses after DNS
// resolution, on the first request and on every redirect. The body is collected, or streamed to `onData`.
import * as http from 'node:http';
import * as https from 'node:https';

/** 'public-only' for URLs a dataset supplied; 'none' for endpoints the user configured (a model mirror). */
export type NetworkFilter = 'public-only' | 'none';

export interface HttpGetOptions {
  maxBytes: number;
  /** For the whole request: every redirect and the body. Omitted or 0: none (idleTimeoutMs still bounds a stall). */
  timeoutMs?: number;
  /** No byte (connection, headers or body) for this long aborts the request (default: none). */
  idleTimeoutMs?: number;
  /** The caller's cancellation: rethrown as its own reason, not described as a download failure. */
  signal?: AbortSignal;
  filter: NetworkFilter;
  /** Addresses or CIDR ranges let through despite the filter. */
  allowAddresses?: string[];
  maxRedirects?: number;
  onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
  /** Receives the body chunk by chunk (awaited: backpressure) instead of it being collected; `data` is then empty. */
  onData?: (chunk: Buffer) => Promise<void> | void;
}

export interface HttpGetResult {
  /** The body, unless `onData` took it. */
  data: Buffer;
  bytes: number;
  /** Headers of the first response, before any redirect (the hub's X-Repo-Commit / X-Linked-Etag are there). */
  firstHeaders: http.IncomingHttpHeaders;
  /** Headers of the final response. */
  headers: http.IncomingHttpHeaders;
  /** The URL finally downloaded (after redirects). */
  url: string;
}

export const MAX_REDIRECTS = 5;

/** A download that failed, described in full; `reason` is the cause alone (for "cannot reach <url> (<reason>)"). */
export class DownloadError extends Error {
  constructor(message: string, readonly url: string, readonly reason: string, readonly status?: number) {
    super(message);
  }
}
const HOW_TO_ALLOW = 'allow with --allow-private-network, GENRE_LENS_ALLOW_PRIVATE_NETWORK=1 or the genreLens.allowPrivateNetwork setting';

/** `$GENRE_LENS_ALLOW_PRIVATE_NETWORK` is 1 or true: dataset URLs may reach private and loopback addresses. */
export function envAllowsPrivateNetwork(): boolean {
  return /^(1|true|yes)$/i.test(process.env.GENRE_LENS_ALLOW_PRIVATE_NETWORK ?? '');
}

async function agentFor(url: URL, options: HttpGetOptions): Promise<http.Agent | undefined> {
  if (options.filter === 'none') return undefined;
  // An ES module: loaded with import() from this CommonJS code.
  const rfa = await import('request-filtering-agent');
  const agentOptions = { allowIPAddressList: options.allowAddresses ?? [] };
  return url.protocol === 'https:' ? new rfa.RequestFilteringHttpsAgent(agentOptions) : new rfa.RequestFilteringHttpAgent(agentOptions);
}

function requestOnce(url: URL, agent: http.Agent | undefined, signal: AbortSignal): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'https:' ? https.get : http.get;
    const req = get(url, { agent, signal, headers: { 'user-agent': 'genre-lens', accept: 'image/*, application/octet-stream, */*' } }, resolve);
    req.on('error', reject);
  });
}

async function readBody(res: http.IncomingMessage, url: string, options: HttpGetOptions, touch: () => void): Promise<{ data: Buffer; bytes: number }> {
  const header = Number(res.headers['content-length']);
  const total = Number.isFinite(header) && header > 0 ? header : undefined;
  if (total !== undefined && total > options.maxBytes) {
    res.destroy();
    throw new DownloadError(`${url} is ${total} bytes, over the ${options.maxBytes}-byte limit`, url, `${total} bytes, over the ${options.maxBytes}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let received = 0;
  options.onProgress?.(0, total);
  for await (const chunk of res as AsyncIterable<Buffer>) {
    touch();
    received += chunk.length;
    if (received > options.maxBytes) {
      res.destroy();
      throw new DownloadError(`${url} exceeds the ${options.maxBytes}-byte limit`, url, `over the ${options.maxBytes}-byte limit`);
    }
    if (options.onData) await options.onData(chunk);
    else chunks.push(chunk);
    options.onProgress?.(received, total);
  }
  if (total !== undefined && received !== total) {
    throw new DownloadError(`Download of ${url} ended after ${received} of ${total} bytes`, url, `ended after ${received} of ${total} bytes`);
  }
  return { data: Buffer.concat(chunks), bytes: received };
}

/** Aborts on the whole-request timeout, the idle timeout or the caller's signal, and says which one it was. */
function watchdog(options: HttpGetOptions) {
  const controller = new AbortController();
  let why: 'timeout' | 'idle' | 'caller' | null = null;
  const stop = (reason: typeof why) => {
    why ??= reason;
    controller.abort();
  };
  const whole = options.timeoutMs ? setTimeout(() => stop('timeout'), options.timeoutMs) : undefined;
  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    if (!options.idleTimeoutMs) return;
    clearTimeout(idle);
    idle = setTimeout(() => stop('idle'), options.idleTimeoutMs);
  };
  const onCaller = () => stop('caller');
  options.signal?.addEventListener('abort', onCaller, { once: true });
  if (options.signal?.aborted) stop('caller');
  touch();
  return {
    signal: controller.signal, touch, why: () => why,
    dispose: () => {
      clearTimeout(whole);
      clearTimeout(idle);
      options.signal?.removeEventListener('abort', onCaller);
    },
  };
}

/** Downloads `url`, following at most `maxRedirects` redirects; each hop must be http(s) and pass the filter. */
export async function httpGet(url: string, options: HttpGetOptions): Promise<Buffer> {
  return (await httpGetResponse(url, options)).data;
}

/** httpGet with the response headers (first hop and final) and the final URL. */
export async function httpGetResponse(url: string, options: HttpGetOptions): Promise<HttpGetResult> {
  const dog = watchdog(options);
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  let current = new URL(url);
  let firstHeaders: http.IncomingHttpHeaders | undefined;
  try {
    for (let hop = 0; ; hop++) {
      if (current.protocol !== 'http:' && current.protocol !== 'https:') {
        throw new DownloadError(`Only http(s) URLs can be downloaded, got ${current.href}${hop > 0 ? ` (redirected from ${url})` : ''}`, url,
          `${hop > 0 ? 'redirected to ' : ''}${current.href}, not http(s)`);
      }
      const res = await requestOnce(current, await agentFor(current, options), dog.signal);
      dog.touch();
      firstHeaders ??= res.headers;
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location) {
        res.resume();
        if (hop >= maxRedirects) {
          throw new DownloadError(`Download of ${url} failed: more than ${maxRedirects} redirects`, url, `more than ${maxRedirects} redirects`);
        }
        current = new URL(location, current);
        continue;
      }
      if (status < 200 || status >= 300 || status === 206) { // 206: part of a body nobody asked a range of
        res.resume();
        const statusText = `HTTP ${status} ${res.statusMessage ?? ''}`.trim();
        throw new DownloadError(`HTTP ${status} ${res.statusMessage ?? ''} for ${url}`, url, statusText, status);
      }
      const body = await readBody(res, url, options, dog.touch);
      return { ...body, firstHeaders, headers: res.headers, url: current.href };
    }
  } catch (err) {
    const why = dog.why();
    if (why === 'caller') throw options.signal?.reason ?? err;
    if (why === 'timeout') {
      throw new DownloadError(`Download of ${url} timed out after ${options.timeoutMs} ms`, url, `timed out after ${options.timeoutMs} ms`);
    }
    if (why === 'idle') {
      throw new DownloadError(`Download of ${url} stalled: no data for ${options.idleTimeoutMs} ms`, url, `no data for ${options.idleTimeoutMs} ms`);
    }
    if (err instanceof DownloadError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    const refused = /^DNS lookup (\S+?)\(.*is not allowed/.exec(message);
    if (refused) {
      const via = current.href !== url ? ` (redirected to ${current.href})` : '';
      const host = current.hostname.replace(/^\[|\]$/g, '');
      const address = host === refused[1] ? host : `${host} (${refused[1]})`;
      throw new DownloadError(`Refused to download ${url}${via}: ${address} is a loopback, private or other non-public address, ` +
        `which URLs from a dataset may not reach (${HOW_TO_ALLOW})`, url, `${address} is not a public address`);
    }
    throw new DownloadError(`Download of ${url} failed: ${message}`, url, message);
  } finally {
    dog.dispose();
  }
}
