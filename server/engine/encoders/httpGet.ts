// One HTTP(S) GET into memory with a size limit, a whole-request timeout and at most a few redirects (http/https
// only on every hop). URLs that come from a dataset use request-filtering-agent, which refuses loopback, private,
// link-local, multicast and unspecified addresses after DNS resolution, on the first request and on every redirect.
import * as http from 'node:http';
import * as https from 'node:https';

/** 'public-only' for URLs a dataset supplied; 'none' for endpoints the user configured (a model mirror). */
export type NetworkFilter = 'public-only' | 'none';

export interface HttpGetOptions {
  maxBytes: number;
  /** For the whole request: every redirect and the body. */
  timeoutMs: number;
  filter: NetworkFilter;
  /** Addresses or CIDR ranges let through despite the filter. */
  allowAddresses?: string[];
  maxRedirects?: number;
  onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
}

export const MAX_REDIRECTS = 5;
/** A failure described in full here (status, limits, protocol), passed on unchanged. */
class DownloadError extends Error {}
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

async function readBody(res: http.IncomingMessage, url: string, options: HttpGetOptions): Promise<Buffer> {
  const header = Number(res.headers['content-length']);
  const total = Number.isFinite(header) && header > 0 ? header : undefined;
  if (total !== undefined && total > options.maxBytes) {
    res.destroy();
    throw new DownloadError(`${url} is ${total} bytes, over the ${options.maxBytes}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > options.maxBytes) {
      res.destroy();
      throw new DownloadError(`${url} exceeds the ${options.maxBytes}-byte limit`);
    }
    chunks.push(chunk);
    options.onProgress?.(received, total);
  }
  return Buffer.concat(chunks);
}

/** Downloads `url`, following at most `maxRedirects` redirects; each hop must be http(s) and pass the filter. */
export async function httpGet(url: string, options: HttpGetOptions): Promise<Buffer> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  let current = new URL(url);
  try {
    for (let hop = 0; ; hop++) {
      if (current.protocol !== 'http:' && current.protocol !== 'https:') {
        throw new DownloadError(`Only http(s) URLs can be downloaded, got ${current.href}${hop > 0 ? ` (redirected from ${url})` : ''}`);
      }
      const res = await requestOnce(current, await agentFor(current, options), signal);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location) {
        res.resume();
        if (hop >= maxRedirects) throw new DownloadError(`Download of ${url} failed: more than ${maxRedirects} redirects`);
        current = new URL(location, current);
        continue;
      }
      if (status < 200 || status >= 300) {
        res.resume();
        throw new DownloadError(`HTTP ${status} ${res.statusMessage ?? ''} for ${url}`);
      }
      return await readBody(res, url, options);
    }
  } catch (err) {
    if (signal.aborted) throw new Error(`Download of ${url} timed out after ${options.timeoutMs} ms`);
    if (err instanceof DownloadError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    const refused = /^DNS lookup (\S+?)\(.*is not allowed/.exec(message);
    if (refused) {
      const via = current.href !== url ? ` (redirected to ${current.href})` : '';
      const host = current.hostname.replace(/^\[|\]$/g, '');
      const address = host === refused[1] ? host : `${host} (${refused[1]})`;
      throw new Error(`Refused to download ${url}${via}: ${address} is a loopback, private or other non-public address, ` +
        `which URLs from a dataset may not reach (${HOW_TO_ALLOW})`);
    }
    throw new Error(`Download of ${url} failed: ${message}`);
  }
}
