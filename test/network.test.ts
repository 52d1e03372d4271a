// Downloads of URLs a dataset supplied: loopback/private/link-local addresses are refused after DNS resolution and
// on every redirect unless allowed, redirects are bounded and http(s) only, one download per URL at a time, and
// with downloads disabled nothing touches the network. The test server is on 127.0.0.1, let through explicitly.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDataset } from '../server/engine/data';
import { fetchToCache } from '../server/engine/encoders/fetchCache';
import { locateOnnxModel } from '../server/engine/encoders/onnxImage';
import { posterEncoder } from '../server/engine/encoders/posterPixels';
import type { EncoderIdentity, TextEncoder } from '../server/engine/encoders/types';
import { DOWNLOADS_DISABLED, FeatureExtractor } from '../server/engine/features';

const repo = path.resolve(__dirname, '..');
const png = fs.readFileSync(path.join(repo, 'examples/posters', fs.readdirSync(path.join(repo, 'examples/posters')).find((f) => f.endsWith('.png')) as string));
let tmp: string;
let server: http.Server;
let base: string;
let port: number;
const hits = new Map<string, number>();

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-net-'));
  server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    hits.set(url, (hits.get(url) ?? 0) + 1);
    const chain = /^\/chain\/(\d+)$/.exec(url);
    if (url === '/p.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    else if (url === '/slow.png') setTimeout(() => res.writeHead(200).end(png), 50);
    else if (url === '/image.svg') res.writeHead(200, { 'content-type': 'image/svg+xml' }).end('<svg xmlns="http://www.w3.org/2000/svg"/>');
    else if (url === '/to-metadata') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    else if (url === '/to-loopback-v6') res.writeHead(301, { location: `http://[::1]:${port}/p.png` }).end();
    else if (url === '/to-other-loopback') res.writeHead(307, { location: `http://127.0.0.2:${port}/p.png` }).end();
    else if (url === '/to-file') res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    else if (chain) res.writeHead(302, { location: Number(chain[1]) > 0 ? `/chain/${Number(chain[1]) - 1}` : '/p.png' }).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

const cacheDir = () => fs.mkdtempSync(path.join(tmp, 'cache-'));
/** Lets the test server's own address through the filter, and nothing else. */
const firstHopOnly = () => ({ cacheDir: cacheDir(), allowAddresses: ['127.0.0.1'] });

test('a loopback URL is refused by default, whether written as an address or a host name', async () => {
  const hint = /which URLs from a dataset may not reach \(allow with --allow-private-network, GENRE_LENS_ALLOW_PRIVATE_NETWORK=1 or the genreLens\.allowPrivateNetwork setting\)/;
  await assert.rejects(fetchToCache(`${base}/p.png`, { cacheDir: cacheDir() }), (e: Error) => {
    assert.match(e.message, new RegExp(`^Refused to download ${base}/p\\.png: 127\\.0\\.0\\.1 is a loopback, private or other non-public address`));
    assert.match(e.message, hint);
    return true;
  });
  await assert.rejects(fetchToCache(`http://localhost:${port}/p.png`, { cacheDir: cacheDir() }),
    /Refused to download http:\/\/localhost:\d+\/p\.png: localhost \((127\.0\.0\.1|::1)\) is a loopback, private/);
  await assert.rejects(fetchToCache('http://169.254.169.254/latest/meta-data/', { cacheDir: cacheDir() }), /169\.254\.169\.254 is a loopback, private/);
  await assert.rejects(fetchToCache('http://0.0.0.0/x.png', { cacheDir: cacheDir() }), /Refused to download http:\/\/0\.0\.0\.0\/x\.png/);
  assert.equal(hits.get('/p.png') ?? 0, 0, 'the server never saw a request');
});

test('every redirect hop is checked: a public-looking first hop cannot lead to a private address', async () => {
  const got = await fetchToCache(`${base}/p.png`, firstHopOnly());
  assert.ok(got.data.equals(png), 'the allowed first hop itself works');
  await assert.rejects(fetchToCache(`${base}/to-metadata`, firstHopOnly()),
    new RegExp(`Refused to download ${base}/to-metadata \\(redirected to http://169\\.254\\.169\\.254/latest/meta-data/\\): 169\\.254\\.169\\.254 is a loopback`));
  await assert.rejects(fetchToCache(`${base}/to-other-loopback`, firstHopOnly()), /redirected to http:\/\/127\.0\.0\.2:\d+\/p\.png\): 127\.0\.0\.2 is a loopback/);
  await assert.rejects(fetchToCache(`${base}/to-loopback-v6`, firstHopOnly()), /redirected to http:\/\/\[::1\]:\d+\/p\.png\): ::1 is a loopback/);
  await assert.rejects(fetchToCache(`${base}/to-file`, firstHopOnly()), /Only http\(s\) URLs can be downloaded, got file:\/\/\/etc\/passwd \(redirected from/);
});

test('at most 5 redirects are followed', async () => {
  const ok = await fetchToCache(`${base}/chain/4`, firstHopOnly()); // 5 redirects: chain/4 → … → chain/0 → p.png
  assert.ok(ok.data.equals(png));
  await assert.rejects(fetchToCache(`${base}/chain/5`, firstHopOnly()), new RegExp(`Download of ${base}/chain/5 failed: more than 5 redirects`));
});

test('concurrent requests for one URL share a single download', async () => {
  const dir = cacheDir();
  const before = hits.get('/slow.png') ?? 0;
  const [a, b, c] = await Promise.all([1, 2, 3].map(() => fetchToCache(`${base}/slow.png`, { cacheDir: dir, filter: 'none' })));
  assert.equal((hits.get('/slow.png') ?? 0) - before, 1);
  assert.ok(a.data.equals(png) && b.data.equals(png) && c.data.equals(png));
  assert.equal((await fetchToCache(`${base}/slow.png`, { cacheDir: dir, filter: 'none' })).fromCache, true);
});

/** Stub encoders over the real poster decoding: no model files needed. */
function stubEncoders() {
  const identity = (kind: 'text' | 'image', dim: number): EncoderIdentity =>
    ({ kind, id: `stub-${kind}`, version: '1', dim, weightsSha256: '0'.repeat(64), source: 'test', preprocess: 'none', fallback: false });
  const text: TextEncoder = { id: 'stub-text', version: '1', dim: 2, identity: () => identity('text', 2),
    encode: async (texts) => texts.map(() => new Float32Array(2)), dispose: async () => undefined };
  const image = posterEncoder(identity('image', 1), { dim: 1, itemFloats: 1, fill: (rgb, out, o) => (out[o] = 1), infer: async (b) => b.slice() },
    4, async () => undefined);
  return { text, image };
}

test('poster URLs from a dataset: refused by default, fetched when allowed, never fetched when downloads are disabled', async () => {
  const rows = parseDataset(`title,overview,poster\nA,a,${base}/p.png\nB,b,${base}/image.svg\n`, { fileName: path.join(tmp, 'm.csv') }).rows;
  const reasons = async (access: ConstructorParameters<typeof FeatureExtractor>[2], dir = cacheDir()) =>
    (await new FeatureExtractor(stubEncoders(), dir, access).extract(rows)).posterMissingReason;

  const refused = await reasons({});
  assert.match(refused[0] ?? '', /^poster unreadable: Refused to download http:\/\/127\.0\.0\.1:\d+\/p\.png: 127\.0\.0\.1 is a loopback/);

  const hitsBefore = hits.get('/p.png') ?? 0;
  const dir = cacheDir();
  assert.deepEqual(await reasons({ allowDownloads: false }, dir), [DOWNLOADS_DISABLED, DOWNLOADS_DISABLED]);
  assert.equal(hits.get('/p.png') ?? 0, hitsBefore, 'no request with downloads disabled');

  assert.deepEqual(await reasons({ allowPrivateNetwork: true }, dir), [null, 'not a JPEG, PNG, WebP or GIF image (starts with "<svg xml")']);
  assert.deepEqual(await reasons({ allowDownloads: false }, dir), [null, 'not a JPEG, PNG, WebP or GIF image (starts with "<svg xml")'],
    'already-downloaded posters are still used from the cache');

  const saved = process.env.GENRE_LENS_ALLOW_PRIVATE_NETWORK;
  process.env.GENRE_LENS_ALLOW_PRIVATE_NETWORK = '1';
  try {
    assert.equal((await reasons({}))[0], null, '$GENRE_LENS_ALLOW_PRIVATE_NETWORK=1 allows it');
  } finally {
    if (saved === undefined) delete process.env.GENRE_LENS_ALLOW_PRIVATE_NETWORK;
    else process.env.GENRE_LENS_ALLOW_PRIVATE_NETWORK = saved;
  }
  const extractor = new FeatureExtractor(stubEncoders(), cacheDir(), { allowDownloads: false });
  await assert.rejects(extractor.downloadPoster(`${base}/p.png`), /downloads are disabled \(Restricted Mode or --offline\)/);
});

test('the image model URL the user configured is not filtered, and is not fetched when downloads are disabled', async () => {
  const before = hits.get('/model.onnx') ?? 0;
  const src = { modelsDir: path.join(tmp, 'no-models'), modelUrl: `${base}/model.onnx`, cacheDir: cacheDir() };
  await assert.rejects(locateOnnxModel({ ...src, offline: true }), /model\.onnx is not in the cache and downloads are disabled \(Restricted Mode\)/);
  assert.equal(hits.get('/model.onnx') ?? 0, before);
  await assert.rejects(locateOnnxModel(src), /HTTP 404/, 'reaches the loopback server (its 404), not refused by the filter');
  assert.equal(hits.get('/model.onnx') ?? 0, before + 1);
});
