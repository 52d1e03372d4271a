// Issue 10's acceptance on the built CLI (dist/server/cli.js): with HF_ENDPOINT at a 127.0.0.1 hub mimic serving the
// tiny BERT fixture, `train --text-encoder minilm` downloads, verifies and caches MiniLM's files and the manifest pins
// them; with the hub stopped, training and prediction work from the cache; with no hub reachable, training falls back
// to USE-Lite saying why; a model whose pinned files cannot be had is refused, saying what to do.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { writeTinyBert } from '../scripts/tinyBert';
import { EmbeddingCache } from '../server/engine/embeddingCache';
import { trainRun, type RunProgress } from '../server/engine/run';
import { type HubMimic, MIMIC_COMMIT, startHubMimic } from './hubMimic';

const repo = path.resolve(__dirname, '..');
const CLI = path.join(repo, 'dist/server/cli.js');
const REPO_ID = 'Xenova/all-MiniLM-L6-v2';
const exec = promisify(execFile);
let tmp: string;
let fixture: string;
let mimic: HubMimic;
let data: string;

/** The CLI's environment: downloads allowed (the test setup's GENRE_LENS_OFFLINE removed), no models folder. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  for (const k of ['GENRE_LENS_OFFLINE', 'GENRE_LENS_MODELS', 'HF_HUB_OFFLINE']) if (!(k in extra)) delete e[k];
  return e;
}

/** Runs the built CLI in `tmp`; never rejects: the exit code, stdout and stderr. */
async function cli(args: string[], extra: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [CLI, ...args], { cwd: tmp, env: env(extra), maxBuffer: 1 << 26 });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const manifestOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(tmp, dir, 'manifest.json'), 'utf8'));
const reportOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(tmp, dir, 'report.json'), 'utf8'));
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const TRAIN = ['--image-encoder', 'none', '--no-ablation', '--no-progress'];

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

before(async () => {
  await exec(process.execPath, [path.join(repo, 'scripts/build.mjs')], { cwd: repo }); // the CLI under test is the bundle
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-minilm-cli-'));
  fixture = writeTinyBert(path.join(tmp, 'hub'));
  mimic = await startHubMimic(path.join(tmp, 'hub'));
  data = path.join(tmp, 'movies.csv');
  fs.copyFileSync(path.join(repo, 'examples/movies.csv'), data);
});

after(async () => {
  await mimic.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('train --text-encoder minilm downloads MiniLM from HF_ENDPOINT and the manifest pins its revision and files', async () => {
  const cache = path.join(tmp, 'cache');
  const r = await cli(['train', data, '--text-encoder', 'minilm', '--out', 'm1', '--json', ...TRAIN], { HF_ENDPOINT: mimic.url, GENRE_LENS_CACHE: cache });
  assert.equal(r.code, 0, r.stderr);
  const text = manifestOf('m1').encoders.text;
  const files = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];
  assert.deepEqual({ id: text.id, dim: text.dim, fallback: text.fallback, revision: text.revision },
    { id: REPO_ID, dim: 384, fallback: false, revision: MIMIC_COMMIT });
  assert.deepEqual(text.files, files.map((f) => ({ path: f, sha256: sha256(path.join(fixture, f)) })));
  assert.equal(text.weightsSha256, sha256(path.join(fixture, 'onnx/model.onnx')));
  assert.deepEqual(manifestOf('m1').features.text, { offset: 0, dim: 384 });
  assert.deepEqual(JSON.parse(r.stdout).encoders.text, text, '--json prints the encoders');
  // The first file by the branch, the rest by the commit it resolved to; all cached under that commit.
  assert.ok(mimic.requests.includes(`/${REPO_ID}/resolve/main/config.json`), mimic.requests.join('\n'));
  assert.ok(mimic.requests.includes(`/${REPO_ID}/resolve/${MIMIC_COMMIT}/onnx/model.onnx`), mimic.requests.join('\n'));
  const snapshot = path.join(cache, 'hub', `models--${REPO_ID.replace('/', '--')}`, 'snapshots', MIMIC_COMMIT);
  for (const f of files) assert.equal(sha256(path.join(snapshot, f)), sha256(path.join(fixture, f)), f);
  // The fixture reads 32 tokens at most: the examples' descriptions are longer, and the report says how many.
  const truncated = /^(\d+) of 72 descriptions were longer than 32 tokens and were truncated\.$/;
  assert.ok(manifestOf('m1').warnings.some((w: string) => truncated.test(w)), manifestOf('m1').warnings.join('\n'));
  assert.ok(reportOf('m1').run.warnings.some((w: string) => truncated.test(w)));
  assert.match(r.stderr, /^\d+ of 72 descriptions were longer than 32 tokens and were truncated\.$/m);
});

test('with the hub stopped, training and prediction work from the cache', async () => {
  await mimic.stop();
  try {
    const cache = path.join(tmp, 'cache');
    const r = await cli(['train', data, '--text-encoder', 'minilm', '--out', 'm2', ...TRAIN], { HF_ENDPOINT: mimic.url, GENRE_LENS_CACHE: cache });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /fallback/);
    assert.deepEqual(manifestOf('m2').encoders.text, manifestOf('m1').encoders.text);
    const p = await cli(['predict', 'm1', data, '--no-progress', '--offline'], { HF_ENDPOINT: mimic.url, GENRE_LENS_CACHE: cache });
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout.trim().split('\n').length, 73);
  } finally {
    mimic = await startHubMimic(path.join(tmp, 'hub')); // for the tests below (on another port)
  }
});

test('with no hub reachable, train says it uses the bundled fallback and why, and the fallback model predicts', async () => {
  const cache = path.join(tmp, 'cache-unreachable');
  const hub = `http://127.0.0.1:${await closedPort()}`;
  const r = await cli(['train', data, '--out', 'm3', ...TRAIN], { HF_ENDPOINT: hub, GENRE_LENS_CACHE: cache });
  assert.equal(r.code, 0, r.stderr);
  const why = new RegExp(`^warning: Descriptions use the bundled fallback text encoder \\(USE-Lite, 512-d\\) instead of ${REPO_ID} because ` +
    `cannot reach ${hub}/${REPO_ID}/resolve/main/config\\.json \\([^)]+\\); put the files \\(config\\.json, [^)]*\\) in [^\\n]*${REPO_ID}/, ` +
    'or use the bundled encoders \\(--text-encoder use-lite\\)', 'm');
  assert.match(r.stderr, why);
  const manifest = manifestOf('m3');
  assert.deepEqual([manifest.encoders.text.id, manifest.encoders.text.fallback, manifest.features.text.dim], ['use-lite', true, 512]);
  assert.ok(manifest.warnings.some((w: string) => /^Descriptions use the bundled fallback text encoder/.test(w)));
  assert.ok(reportOf('m3').run.warnings.some((w: string) => /^Descriptions use the bundled fallback text encoder/.test(w)));
  // A fallback USE-Lite is USE-Lite: it shares the embedding cache with USE-Lite asked for by name, and predicts.
  const dir = path.join(cache, 'embeddings');
  const asked = EmbeddingCache.open(dir, { ...manifest.encoders.text, fallback: false });
  assert.equal(EmbeddingCache.open(dir, manifest.encoders.text).encoderKey, asked.encoderKey);
  assert.notEqual(asked.encoderKey, EmbeddingCache.open(dir, { ...manifest.encoders.text, version: 'other' }).encoderKey, 'the key tells encoders apart');
  const p = await cli(['predict', 'm3', data, '--no-progress'], { HF_ENDPOINT: hub, GENRE_LENS_CACHE: cache });
  assert.equal(p.code, 0, p.stderr);
  assert.equal(p.stdout.trim().split('\n').length, 73);
});

test('a MiniLM model predicts only with its pinned files: refused, saying what to do, when they cannot be had', async () => {
  const empty = path.join(tmp, 'cache-empty');
  const off = await cli(['predict', 'm1', data, '--no-progress'], { HF_ENDPOINT: mimic.url, GENRE_LENS_CACHE: empty, GENRE_LENS_OFFLINE: '1' });
  assert.equal(off.code, 1);
  assert.match(off.stderr, new RegExp(`trained with the text encoder ${REPO_ID} at revision ${MIMIC_COMMIT}, whose files are not on this machine`));
  assert.match(off.stderr, /Model downloads are off \(GENRE_LENS_OFFLINE=1\): unset it to allow them; then revision [0-9a-f]{40} is fetched from http:\/\/127\.0\.0\.1/);
  assert.match(off.stderr, /put those files \(config\.json, tokenizer\.json, tokenizer_config\.json, onnx\/model\.onnx, with the sha256 listed under encoders\.text\.files/);
  assert.doesNotMatch(off.stderr, /use the bundled encoders/, 'the bundled encoder cannot predict with this model');
  // Other weights in the models folder are not the model's: refused; the very same files there are used, offline.
  const other = path.join(tmp, 'other');
  writeTinyBert(other, { seed: 2 });
  const wrong = await cli(['predict', 'm1', data, '--no-progress', '--models', other, '--offline'], { GENRE_LENS_CACHE: empty });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /sha256 [0-9a-f]{64}, not the expected [0-9a-f]{64}/);
  const same = await cli(['predict', 'm1', data, '--no-progress', '--models', path.join(tmp, 'hub'), '--offline'], { GENRE_LENS_CACHE: empty });
  assert.equal(same.code, 0, same.stderr);
  // With downloads allowed, the pinned revision is fetched by its commit.
  const fetched = await cli(['predict', 'm1', data, '--no-progress'], { HF_ENDPOINT: mimic.url, GENRE_LENS_CACHE: empty });
  assert.equal(fetched.code, 0, fetched.stderr);
  assert.ok(mimic.requests.includes(`/${REPO_ID}/resolve/${MIMIC_COMMIT}/config.json`), mimic.requests.join('\n'));
});

test('training reports encoder downloads as progress: phase downloading, bytes per file', async () => {
  const saved = process.env.GENRE_LENS_OFFLINE;
  delete process.env.GENRE_LENS_OFFLINE;
  try {
    const events: RunProgress[] = [];
    await trainRun({ data, out: path.join(tmp, 'm5'), textEncoder: 'minilm', imageEncoder: 'none', hubUrl: mimic.url, ablation: false,
      cacheDir: path.join(tmp, 'cache-progress'), onProgress: (p) => events.push(p) });
    const model = events.filter((e) => e.phase === 'downloading' && e.detail === 'onnx/model.onnx');
    const bytes = fs.statSync(path.join(fixture, 'onnx/model.onnx')).size;
    assert.ok(model.length > 0, JSON.stringify(events.slice(0, 5)));
    assert.deepEqual([model.at(-1)?.done, model.at(-1)?.total], [bytes, bytes]);
    const phases = [...new Set(events.map((e) => e.phase))];
    assert.ok(phases.indexOf('downloading') < phases.indexOf('encoding text'), phases.join(', '));
  } finally {
    if (saved !== undefined) process.env.GENRE_LENS_OFFLINE = saved;
  }
});
