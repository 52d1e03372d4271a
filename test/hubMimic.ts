// A 127.0.0.1 server that behaves like the Hugging Face hub's file endpoint, for tests: `<root>/<org>/<name>/<path>`
// is served at `/<org>/<name>/resolve/<rev>/<path>` (rev: the branch name or the commit) with X-Repo-Commit, a git blob
// sha1 ETag for small files, and for .onnx files (LFS) a 302 to /cdn/<sha256> carrying X-Linked-Etag/X-Linked-Size.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export interface HubMimicOptions {
  /** The commit every revision resolves to (default a fixed 40-hex id). */
  commit?: string;
  /** The branch names served besides the commit (default ['main']). */
  branches?: string[];
  /** Status code to answer instead, by repo path (e.g. `{ 'Xenova/all-MiniLM-L6-v2/config.json': 404 }`). */
  status?: Record<string, number>;
  /** Accept connections and requests, never answer (true: every path; or the repo paths that hang). */
  silent?: boolean | string[];
  /** Repo paths served with wrong bytes (same length) but the real file's hash in the headers. */
  corrupt?: string[];
  /** Repo paths whose answer sends the headers and this many bytes, then stalls. */
  stallAfter?: Record<string, number>;
  /** Serve LFS files (.onnx) through a redirect to /cdn/<sha256>, like the hub (default true). */
  cdnRedirect?: boolean;
  /** Answer like a plain static file server: no X-Repo-Commit, no hash headers, an opaque ETag. */
  plain?: boolean;
}

export interface HubMimic {
  url: string;
  /** Every request's path (and `range=` header when there was one), in order. */
  requests: string[];
  /** Mutable: tests switch behaviour between calls. */
  options: HubMimicOptions;
  stop(): Promise<void>;
}

export const MIMIC_COMMIT = '0123456789abcdef0123456789abcdef01234567';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const gitSha1 = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
const listed = (which: boolean | string[] | undefined, rel: string) => which === true || (Array.isArray(which) && which.includes(rel));

/** The body for a Range header (`bytes=a-b`, `bytes=a-`), or the whole file. */
function send(res: http.ServerResponse, req: http.IncomingMessage, data: Buffer, headers: http.OutgoingHttpHeaders, stallAfter?: number) {
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  let body = data;
  if (range) {
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
    if (start > end) return void res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
    body = data.subarray(start, end + 1);
    res.writeHead(206, { ...headers, 'content-length': body.length, 'content-range': `bytes ${start}-${end}/${data.length}`, 'accept-ranges': 'bytes' });
  } else res.writeHead(200, { ...headers, 'content-length': body.length, 'accept-ranges': 'bytes' });
  if (req.method === 'HEAD') return void res.end();
  if (stallAfter !== undefined) return void res.write(body.subarray(0, stallAfter));
  res.end(body);
}

export async function startHubMimic(root: string, opts: HubMimicOptions = {}): Promise<HubMimic> {
  const requests: string[] = [];
  const options = opts;
  const cdn = new Map<string, { data: Buffer; rel: string }>();
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
    requests.push(req.headers.range ? `${url} range=${req.headers.range}` : url);
    const commit = options.commit ?? MIMIC_COMMIT;
    const cdnHit = /^\/cdn\/([0-9a-f]{64})$/.exec(url);
    const m = /^\/([\w.-]+\/[\w.-]+)\/resolve\/([^/]+)\/(.+)$/.exec(url);
    const rel = cdnHit ? (cdn.get(cdnHit[1])?.rel ?? '') : m ? `${m[1]}/${m[3]}` : '';
    if (listed(options.silent, rel)) return; // holds the connection, never answers
    if (options.status?.[rel]) return void res.writeHead(options.status[rel], { 'x-error-code': 'Mimicked' }).end('mimicked error');
    if (cdnHit) {
      const hit = cdn.get(cdnHit[1]);
      if (!hit) return void res.writeHead(404).end();
      return send(res, req, hit.data, { etag: '"cdn-etag-not-a-hash"' }, options.stallAfter?.[rel]);
    }
    if (!m || ![...(options.branches ?? ['main']), commit].includes(m[2])) {
      return void res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end('not found');
    }
    const file = path.join(root, m[1], m[3]);
    if (!path.resolve(file).startsWith(path.resolve(root) + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      return void res.writeHead(404, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': commit }).end('entry not found');
    }
    const real = fs.readFileSync(file);
    const served = options.corrupt?.includes(rel) ? Buffer.from(real.map((b) => b ^ 0x5a)) : real;
    if (options.plain) return send(res, req, served, { etag: '"opaque-1"' }, options.stallAfter?.[rel]);
    if (file.endsWith('.onnx')) {
      const linked = { 'x-repo-commit': commit, 'x-linked-etag': `"${sha256(real)}"`, 'x-linked-size': String(real.length), etag: `"${sha256(real)}"` };
      if (options.cdnRedirect === false) return send(res, req, served, linked, options.stallAfter?.[rel]);
      cdn.set(sha256(real), { data: served, rel });
      return void res.writeHead(302, { ...linked, location: `/cdn/${sha256(real)}` }).end();
    }
    send(res, req, served, { 'x-repo-commit': commit, etag: `"${gitSha1(real)}"`, 'content-type': 'application/octet-stream' }, options.stallAfter?.[rel]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`, requests, options,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
