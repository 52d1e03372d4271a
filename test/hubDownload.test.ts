// Hub model resolution against a 127.0.0.1 hub mimic (test/hubMimic.ts): first download (verified, atomic, progress),
// the cache with the server stopped, 404/500, a silent or stalling server bounded by the idle timeout, corrupt downloads
// and corrupt cached files, HF_HUB_OFFLINE, models folder and pins, abort; and the image model's pinned download.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cachePathFor } from '../server/engine/encoders/fetchCache';
import { SIDECAR, repoCacheDir } from '../server/engine/encoders/hubCache';
import { type DownloadProgress, type HubAccess, ModelUnavailableError, hubEndpoint, resolveHubModel } from '../server/engine/encoders/hubFiles';
import { MOBILENETV2_INT8_FILE, MOBILENETV2_INT8_SHA256, locateOnnxModel } from '../server/engine/encoders/onnxImage';
import { MINILM, MOBILENETV2, weightsFile } from '../server/engine/encoders/registry';
import { type HubMimic, MIMIC_COMMIT, startHubMimic } from './hubMimic';
import { needsShared, shared } from './sharedDir';

const REPO = MINILM.hub!.repo;
const ENV = ['HF_ENDPOINT', 'HF_HUB_OFFLINE', 'GENRE_LENS_MODELS'] as const;
const savedEnv = ENV.map((k) => process.env[k]);
let tmp: string;
let root: string;
let hub: HubMimic;
/** The fixture's bytes by repo path: small JSON files and a fake 200 kB model.onnx (LFS: served through the CDN hop). */
const content = new Map<string, Buffer>();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

before(async () => {
  ENV.forEach((k) => delete process.env[k]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-hub-'));
  root = path.join(tmp, 'hub-root');
  content.set('config.json', Buffer.from('{"hidden_size":384}\n'));
  content.set('tokenizer.json', Buffer.from('{"model":{"type":"WordPiece"}}\n'));
  content.set('tokenizer_config.json', Buffer.from('{"model_max_length":512}\n'));
  content.set('onnx/model.onnx', Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251)));
  for (const [rel, data] of content) writeFile(path.join(root, REPO, rel), data);
  hub = await startHubMimic(root);
});

after(async () => {
  await hub.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
  ENV.forEach((k, i) => (savedEnv[i] === undefined ? delete process.env[k] : (process.env[k] = savedEnv[i])));
});

function writeFile(file: string, data: Buffer | string) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}
const fresh = (name: string) => fs.mkdtempSync(path.join(tmp, `${name}-`));
const access = (cacheDir: string, extra: Partial<HubAccess> = {}): HubAccess =>
  ({ endpoint: hub.url, cacheDir, allowDownload: true, idleTimeoutMs: 2000, ...extra });
/** Requests made by `run`, as paths. */
async function requestsOf(run: () => Promise<unknown>): Promise<string[]> {
  const from = hub.requests.length;
  await run().catch(() => undefined);
  return hub.requests.slice(from);
}
/** Every file under `dir`, relative. */
const tree = (dir: string): string[] => (fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).sort() : []);
const expectedFiles = () => MINILM.files.map((f) => ({ path: f.path, sha256: sha(content.get(f.path)!), bytes: content.get(f.path)!.length }));
const unavailable = (re: RegExp) => (e: unknown) => e instanceof ModelUnavailableError && re.test(e.message);

test('first download: verified files land in snapshots/<commit> with refs/main and a sidecar, with progress events', async () => {
  const cacheDir = fresh('first');
  const progress: DownloadProgress[] = [];
  const before = hub.requests.length;
  const got = await resolveHubModel(MINILM, access(cacheDir, { onProgress: (p) => progress.push(p) }));
  const repoDir = repoCacheDir(cacheDir, REPO);
  assert.deepEqual(got, { dir: path.join(repoDir, 'snapshots', MIMIC_COMMIT), revision: MIMIC_COMMIT,
    files: expectedFiles(), origin: 'download', source: `${hub.url}/${REPO}` });
  for (const [rel, data] of content) assert.ok(fs.readFileSync(path.join(got.dir, rel)).equals(data), rel);
  assert.equal(fs.readFileSync(path.join(repoDir, 'refs/main'), 'utf8'), MIMIC_COMMIT);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(got.dir, SIDECAR), 'utf8')).files, expectedFiles());
  assert.deepEqual(tree(repoDir).filter((f) => /incomplete|\.tmp/.test(f)), [], 'no temporary file left');
  // the first file by branch, the rest by the commit it fixed; the weights through the CDN redirect
  assert.deepEqual(hub.requests.slice(before), [
    `/${REPO}/resolve/main/config.json`, `/${REPO}/resolve/${MIMIC_COMMIT}/tokenizer.json`,
    `/${REPO}/resolve/${MIMIC_COMMIT}/tokenizer_config.json`, `/${REPO}/resolve/${MIMIC_COMMIT}/onnx/model.onnx`,
    `/cdn/${sha(content.get('onnx/model.onnx')!)}`]);
  const weights = progress.filter((p) => p.file === 'onnx/model.onnx');
  assert.ok(weights.length >= 2, 'several progress events for the 200 kB file');
  assert.deepEqual(weights.at(-1), { file: 'onnx/model.onnx', receivedBytes: 200_000, totalBytes: 200_000 });
  assert.deepEqual([...new Set(progress.map((p) => p.file))], MINILM.files.map((f) => f.path));
});

test('a second run comes from the cache with the server stopped, also with downloads disabled', async () => {
  const cacheDir = fresh('second');
  await resolveHubModel(MINILM, access(cacheDir));
  const gone = await startHubMimic(root);
  await gone.stop();
  for (const allowDownload of [true, false]) {
    const got = await resolveHubModel(MINILM, { ...access(cacheDir), endpoint: gone.url, allowDownload });
    assert.deepEqual([got.origin, got.revision, got.files], ['cache', MIMIC_COMMIT, expectedFiles()]);
  }
});

test('a plain mirror (no X-Repo-Commit, no hash headers) is used by branch name; its files are pinned by their sha256 from then on', async () => {
  const plain = await startHubMimic(root, { plain: true });
  try {
    const cacheDir = fresh('plain');
    const got = await resolveHubModel(MINILM, { ...access(cacheDir), endpoint: plain.url });
    assert.deepEqual([got.origin, got.revision, got.files], ['download', 'main', expectedFiles()]);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(got.dir, SIDECAR), 'utf8')).files, expectedFiles());
    await plain.stop();
    const again = await resolveHubModel(MINILM, { ...access(cacheDir), endpoint: plain.url, allowDownload: false });
    assert.deepEqual([again.origin, again.revision, again.dir], ['cache', 'main', got.dir]);
  } finally {
    await plain.stop();
  }
});

test('HTTP 404 and 500 are a ModelUnavailableError naming the URL and how to do without; nothing unverified is kept', async () => {
  for (const status of [404, 500]) {
    const cacheDir = fresh(`status-${status}`);
    hub.options.status = { [`${REPO}/tokenizer.json`]: status };
    try {
      await assert.rejects(resolveHubModel(MINILM, access(cacheDir, { modelsDir: '/my/models' })), unavailable(new RegExp(
        `^cannot download ${hub.url}/${REPO}/resolve/${MIMIC_COMMIT}/tokenizer\\.json \\(HTTP ${status} .*\\); put the files ` +
        `\\(config\\.json, tokenizer\\.json, tokenizer_config\\.json, onnx/model\\.onnx\\) in /my/models/${REPO}/, ` +
        'or use the bundled encoders \\(--text-encoder use-lite\\)$')));
    } finally {
      hub.options.status = undefined;
    }
    const snap = path.join(repoCacheDir(cacheDir, REPO), 'snapshots', MIMIC_COMMIT);
    assert.deepEqual(tree(snap), [SIDECAR, 'config.json'], 'only the verified first file');
    // the next run resumes: only the files still missing are requested, by the same commit
    const requests = await requestsOf(() => resolveHubModel(MINILM, access(cacheDir)));
    assert.deepEqual(requests, ['tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'].map((f) => `/${REPO}/resolve/${MIMIC_COMMIT}/${f}`)
      .concat(`/cdn/${sha(content.get('onnx/model.onnx')!)}`));
  }
});

test('a server that accepts but never answers, or stalls mid-body, is bounded by idleTimeoutMs', async () => {
  const cacheDir = fresh('silent');
  hub.options.silent = true;
  try {
    await assert.rejects(resolveHubModel(MINILM, access(cacheDir, { idleTimeoutMs: 300 })),
      unavailable(new RegExp(`^cannot reach ${hub.url}/${REPO}/resolve/main/config\\.json \\(no data for 300 ms\\); put the files`)));
  } finally {
    hub.options.silent = undefined;
  }
  hub.options.stallAfter = { [`${REPO}/onnx/model.onnx`]: 1000 };
  try {
    await assert.rejects(resolveHubModel(MINILM, access(cacheDir, { idleTimeoutMs: 300 })),
      unavailable(new RegExp(`^cannot reach ${hub.url}/${REPO}/resolve/${MIMIC_COMMIT}/onnx/model\\.onnx \\(no data for 300 ms\\)`)));
  } finally {
    hub.options.stallAfter = undefined;
  }
  const repoDir = repoCacheDir(cacheDir, REPO);
  assert.ok(!fs.existsSync(path.join(repoDir, 'snapshots', MIMIC_COMMIT, 'onnx/model.onnx')), 'no half weights file');
  assert.deepEqual(tree(repoDir).filter((f) => /incomplete/.test(f)), []);
});

test('a corrupted download (LFS sha256 or git blob sha1) is rejected and not cached', async () => {
  for (const [rel, says] of [['onnx/model.onnx', 'sha256 mismatch: the hub advertised'], ['config.json', 'git blob sha1 mismatch: the hub advertised']]) {
    const cacheDir = fresh('corrupt');
    hub.options.corrupt = [`${REPO}/${rel}`];
    try {
      await assert.rejects(resolveHubModel(MINILM, access(cacheDir)), unavailable(new RegExp(`^cannot download .*/${rel} \\(${says} [0-9a-f]+, got [0-9a-f]+; not cached\\)`)));
    } finally {
      hub.options.corrupt = undefined;
    }
    const repoDir = repoCacheDir(cacheDir, REPO);
    assert.ok(!tree(repoDir).some((f) => f.endsWith(path.basename(rel)) || f.includes('incomplete')), `no ${rel} in ${tree(repoDir)}`);
  }
});

test('a corrupted cached file is detected, evicted and downloaded again; with downloads off the message says why', async () => {
  const cacheDir = fresh('evict');
  const first = await resolveHubModel(MINILM, access(cacheDir));
  const weights = path.join(first.dir, 'onnx/model.onnx');
  const damaged = Buffer.from(content.get('onnx/model.onnx')!);
  damaged[1000] ^= 0xff;
  fs.writeFileSync(weights, damaged);
  await assert.rejects(resolveHubModel(MINILM, access(cacheDir, { allowDownload: false })),
    unavailable(/is not in a models folder or the cache \(.*\) and model downloads are disabled \(the cached .*model\.onnx no longer matched its recorded sha256 and was removed\)/));
  assert.ok(!fs.existsSync(weights), 'evicted');
  const requests = await requestsOf(async () => {
    const again = await resolveHubModel(MINILM, access(cacheDir));
    assert.deepEqual([again.origin, again.files], ['download', expectedFiles()]);
  });
  assert.deepEqual(requests, [`/${REPO}/resolve/${MIMIC_COMMIT}/onnx/model.onnx`, `/cdn/${sha(content.get('onnx/model.onnx')!)}`]);
  assert.ok(fs.readFileSync(weights).equals(content.get('onnx/model.onnx')!));
});

test('HF_HUB_OFFLINE=1 downloads nothing but still uses the cache', async () => {
  const cached = fresh('offline-cached');
  await resolveHubModel(MINILM, access(cached));
  process.env.HF_HUB_OFFLINE = '1';
  try {
    const requests = await requestsOf(async () => {
      await assert.rejects(resolveHubModel(MINILM, access(fresh('offline'))), unavailable(/and HF_HUB_OFFLINE is set; put the files/));
      assert.equal((await resolveHubModel(MINILM, access(cached))).origin, 'cache');
    });
    assert.deepEqual(requests, []);
  } finally {
    delete process.env.HF_HUB_OFFLINE;
  }
});

test('an unreachable hub gives one clear message; HF_ENDPOINT is the default endpoint', async () => {
  const closed = await startHubMimic(root);
  await closed.stop();
  process.env.HF_ENDPOINT = `${closed.url}/`;
  try {
    assert.equal(hubEndpoint(), closed.url);
    assert.equal(hubEndpoint('https://mirror.example/'), 'https://mirror.example');
    await assert.rejects(resolveHubModel(MINILM, { cacheDir: fresh('closed'), allowDownload: true }), unavailable(new RegExp(
      `^cannot reach ${closed.url}/${REPO}/resolve/main/config\\.json \\(connect ECONNREFUSED [^)]*\\); put the files \\(config\\.json, .*\\) ` +
      `in \\$GENRE_LENS_MODELS/${REPO}/, or use the bundled encoders \\(--text-encoder use-lite\\)$`)));
  } finally {
    delete process.env.HF_ENDPOINT;
  }
});

test('a models folder comes first, revision "local"; with a pin it is used only when the hashes match', async () => {
  const modelsDir = fresh('models');
  fs.cpSync(path.join(root, REPO), path.join(modelsDir, REPO), { recursive: true });
  const requests = await requestsOf(async () => {
    const got = await resolveHubModel(MINILM, access(fresh('unused'), { modelsDir }));
    assert.deepEqual(got, { dir: path.join(modelsDir, REPO), revision: 'local', files: expectedFiles(), origin: 'models-folder', source: path.join(modelsDir, REPO) });
    const pinned = await resolveHubModel(MINILM, access(fresh('unused'), { modelsDir }), { revision: MIMIC_COMMIT, files: expectedFiles() });
    assert.equal(pinned.origin, 'models-folder');
  });
  assert.deepEqual(requests, []);
  const otherPin = { revision: MIMIC_COMMIT, files: expectedFiles().map((f) => (f.path === 'config.json' ? { ...f, sha256: 'ab'.repeat(32) } : f)) };
  await assert.rejects(resolveHubModel(MINILM, access(fresh('pin'), { modelsDir }), otherPin),
    unavailable(/config\.json \(sha256 mismatch: expected (ab)+, got [0-9a-f]+; not cached\) \(.*config\.json has sha256 [0-9a-f]+, not the expected (ab)+\)/));
});

test('a pin selects the snapshot by commit and refuses cached files that differ', async () => {
  const cacheDir = fresh('pin');
  const pin = { revision: MIMIC_COMMIT, files: expectedFiles() };
  const requests = await requestsOf(() => resolveHubModel(MINILM, access(cacheDir), pin));
  assert.ok(requests.every((r) => r.includes(MIMIC_COMMIT) || r.startsWith('/cdn/')), 'requested by the pinned commit');
  assert.ok(!fs.existsSync(path.join(repoCacheDir(cacheDir, REPO), 'refs/main')), 'a pinned download does not move refs/main');
  assert.equal((await resolveHubModel(MINILM, access(cacheDir, { allowDownload: false }), pin)).origin, 'cache');
  const other = { revision: MIMIC_COMMIT, files: pin.files.map((f) => ({ ...f, sha256: 'cd'.repeat(32) })) };
  await assert.rejects(resolveHubModel(MINILM, access(cacheDir, { allowDownload: false }), other),
    unavailable(/@0123456789abcdef0123456789abcdef01234567 is not in .* \(the cached .*config\.json has sha256 [0-9a-f]+, not the expected (cd)+/));
  await assert.rejects(resolveHubModel(MINILM, access(cacheDir), { revision: '../../etc', files: [] }), unavailable(/"\.\.\/\.\.\/etc" is not a revision name/));
});

test('aborting through the signal stops the download with the signal\'s reason and keeps nothing half-written', async () => {
  const cacheDir = fresh('abort');
  hub.options.stallAfter = { [`${REPO}/onnx/model.onnx`]: 1000 };
  const controller = new AbortController();
  try {
    const run = resolveHubModel(MINILM, access(cacheDir, { signal: controller.signal, idleTimeoutMs: 60_000,
      onProgress: (p) => p.file === 'onnx/model.onnx' && p.receivedBytes > 0 && controller.abort(new Error('cancelled by the test')) }));
    await assert.rejects(run, (e: Error) => !(e instanceof ModelUnavailableError) && e.message === 'cancelled by the test');
  } finally {
    hub.options.stallAfter = undefined;
  }
  assert.deepEqual(tree(repoCacheDir(cacheDir, REPO)).filter((f) => /model\.onnx|incomplete/.test(f)), []);
});

// ---- the image model: a direct URL pinned by sha256 (fetchToCache), the registry's URL by default
const noShared = needsShared(`models/${MOBILENETV2_INT8_FILE}`);
const IMAGE_PATH = `onnx/models/${MOBILENETV2_INT8_FILE}`;
const imageUrl = (org: string) => `${hub.url}/${org}/models/resolve/main/${MOBILENETV2_INT8_FILE}`;

test('image model: a download whose sha256 differs from the pin is refused and not cached', async () => {
  writeFile(path.join(root, 'bad', 'models', MOBILENETV2_INT8_FILE), 'not the model');
  const cacheDir = fresh('image-bad');
  await assert.rejects(locateOnnxModel({ modelsDir: fresh('no-models'), modelUrl: imageUrl('bad'), cacheDir, allowDownload: true }),
    unavailable(new RegExp(`^sha256 mismatch for ${imageUrl('bad')}: expected ${MOBILENETV2_INT8_SHA256}, got [0-9a-f]+ \\(13 bytes\\); not cached; ` +
      `put the files \\(${MOBILENETV2_INT8_FILE}\\) in .*no-models-\\w+/, or use the bundled encoders \\(--image-encoder nsfwjs\\)`)));
  assert.deepEqual(fs.readdirSync(cacheDir), []);
  hub.options.silent = [`bad/models/${MOBILENETV2_INT8_FILE}`];
  try {
    await assert.rejects(locateOnnxModel({ modelUrl: imageUrl('bad'), cacheDir, allowDownload: true, idleTimeoutMs: 300 }),
      unavailable(/^cannot reach .* \(no data for 300 ms\)/));
  } finally {
    hub.options.silent = undefined;
  }
});

test('image model: the pinned file is accepted from a URL (via a redirect) and the registry URL is used from the cache', { skip: noShared }, async () => {
  writeFile(path.join(root, IMAGE_PATH), fs.readFileSync(shared('models', MOBILENETV2_INT8_FILE)));
  const cacheDir = fresh('image-ok');
  const got = await locateOnnxModel({ modelsDir: fresh('no-models'), modelUrl: imageUrl('onnx'), cacheDir, allowDownload: true });
  assert.deepEqual([got?.sha256, got?.source], [MOBILENETV2_INT8_SHA256, imageUrl('onnx')]);

  // the registry's URL (not reachable from a test) is never requested with downloads off: from the cache, or a clear error
  const registryUrl = weightsFile(MOBILENETV2).url!;
  const empty = fresh('image-registry');
  await assert.rejects(locateOnnxModel({ modelsDir: fresh('no-models'), cacheDir: empty, allowDownload: false }),
    unavailable(new RegExp(`^${registryUrl.replace(/[.?]/g, '\\$&')} is not in the cache and downloads are disabled \\(model downloads are off\\); put the files`)));
  fs.copyFileSync(shared('models', MOBILENETV2_INT8_FILE), cachePathFor(registryUrl, empty));
  const cached = await locateOnnxModel({ modelsDir: fresh('no-models'), cacheDir: empty, allowDownload: false });
  assert.deepEqual([cached?.sha256, cached?.source], [MOBILENETV2_INT8_SHA256, registryUrl]);
  assert.equal(await locateOnnxModel({ modelsDir: fresh('no-models'), cacheDir: empty }), null, 'without allowDownload: the old behaviour');
});
