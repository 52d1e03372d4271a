// End-to-end tests of the engine and the `genre-lens` CLI on the bundled example: every poster form (relative file,
// broken image, missing file, URL on a loopback server, unreachable URL, TMDB path), located warnings, the model
// folder, determinism for a seed, eval and predict, and the CLI's --json contract.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { parseDataset } from '../server/engine/data';
import { evalFile, loadModel, predictFile, stratifiedSplit, trainRun } from '../server/engine/run';
import { needsShared, shared } from './sharedDir';

const repo = path.resolve(__dirname, '..');
const sharedModels = shared('models');
const noOnnx = needsShared('models/mobilenetv2-12-int8.onnx');
const hasOnnx = !noOnnx;
// The ImageNet ONNX model when ../shared is there (CI), else the bundled fallback; what needs ONNX skips without it.
const imageOptions = hasOnnx ? { modelsDir: sharedModels, imageEncoder: 'onnx' as const } : { imageEncoder: 'nsfwjs' as const };
let work: string;
let server: http.Server;
let base: string;
let data: string;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-engine-'));
  fs.cpSync(path.join(repo, 'examples/posters'), path.join(work, 'posters'), { recursive: true });
  server = http.createServer((req, res) => {
    const file = path.join(repo, 'examples', decodeURIComponent(req.url ?? '').replace(/^\/+/, ''));
    if (!file.startsWith(path.join(repo, 'examples')) || !fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'image/png' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The example with some posters replaced by each other form a poster cell can take.
  fs.writeFileSync(path.join(work, 'broken.jpg'), Buffer.from('this is not a JPEG at all'));
  const lines = fs.readFileSync(path.join(repo, 'examples/movies.csv'), 'utf8').split('\n');
  const swap = (id: string, poster: string) => {
    const i = lines.findIndex((l) => l.startsWith(`${id},`));
    lines[i] = lines[i].replace(/,posters\/\w+\.png$/, `,${poster}`);
  };
  swap('m01', 'broken.jpg');
  swap('m02', `${base}/posters/m02.png`);
  swap('m03', 'http://127.0.0.1:9/unreachable.png');
  swap('m04', `/m04.png`); // a TMDB poster_path, resolved against the base URL below
  swap('m05', path.join(work, 'posters/m05.png')); // absolute
  data = path.join(work, 'movies.csv');
  fs.writeFileSync(data, lines.join('\n'));
});

after(() => {
  server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

// The poster server is on 127.0.0.1, which dataset URLs may reach only when allowed.
const common = () => ({ ...imageOptions, cacheDir: path.join(work, 'cache'), dataset: { posterBaseUrl: `${base}/posters` },
  allowPrivateNetwork: true });

test('stratifiedSplit puts every genre with two or more rows on both sides', () => {
  const ds = parseDataset(fs.readFileSync(path.join(repo, 'examples/movies.csv'), 'utf8'), { fileName: 'movies.csv' });
  const rows = ds.rows.filter((r) => r.genres);
  const { train, eval: ev } = stratifiedSplit(rows, 0.2, 1);
  assert.equal(train.length + ev.length, rows.length);
  assert.equal(new Set([...train, ...ev]).size, rows.length);
  for (const g of ds.genres) {
    const inEval = ev.filter((i) => rows[i].genres?.includes(g.name)).length;
    assert.ok(inEval >= 1 && inEval < g.count, `${g.name}: ${inEval} of ${g.count} in eval`);
  }
  assert.deepEqual(stratifiedSplit(rows, 0.2, 1), { train, eval: ev }, 'seeded');
});

test('stratifiedSplit: a genre on a single row does not pin that row to the training side', () => {
  // Every row also carries its own one-off genre; Drama (on all 10) must still reach the evaluation side.
  const rows = Array.from({ length: 10 }, (_, i) => ({ genres: ['Drama', `once-${i}`] })) as unknown as Parameters<typeof stratifiedSplit>[0];
  const { train, eval: ev } = stratifiedSplit(rows, 0.2, 3);
  assert.equal(ev.length, 2, `eval rows: ${ev.join(', ')}`);
  assert.equal(train.length, 8);
});

let first: Awaited<ReturnType<typeof trainRun>>;
test('a training run uses every poster form, warns with file:line:column, and saves a complete model folder', async (t) => {
  if (noOnnx) t.diagnostic(`${noOnnx}: posters are encoded with the bundled nsfwjs fallback`);
  const warnings: string[] = [];
  const phases = new Set<string>();
  first = await trainRun({ ...common(), data, out: path.join(work, 'model-a'), seed: 5, onWarning: (w) => warnings.push(w),
    onProgress: (p) => phases.add(p.phase) });
  const lineOf = (id: string) => fs.readFileSync(data, 'utf8').split('\n').findIndex((l) => l.startsWith(`${id},`)) + 1;
  const located = (id: string, what: RegExp) => warnings.some((w) => w.startsWith(`${data}:${lineOf(id)}:`) && what.test(w));
  assert.ok(located('m01', /broken\.jpg/), warnings.join('\n'));
  assert.ok(located('m03', /unreachable\.png/), warnings.join('\n'));
  assert.ok(!warnings.some((w) => /m02\.png|m04\.png|m05\.png/.test(w)), 'URL, TMDB and absolute posters load');
  // 3 empty poster cells + missing.png + broken + unreachable.
  assert.equal(first.report.run.posters.missingTrain + first.report.run.posters.missingEval, 6);
  assert.deepEqual([...phases], ['reading', 'loading encoders', 'encoding text', 'encoding posters', 'training', 'evaluating', 'saving', 'saved', 'comparing']);
  const dir = first.modelDir;
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.genres.length, 8);
  assert.equal(manifest.encoders.text.id, 'use-lite');
  assert.equal(manifest.encoders.image.fallback, !hasOnnx);
  assert.equal(manifest.features.total, 512 + 1280 + 1);
  assert.match(manifest.dataset.sha256, /^[0-9a-f]{64}$/);
  for (const g of manifest.genres) assert.ok(fs.existsSync(path.join(dir, g.booster)), g.booster);
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
  assert.deepEqual(Object.keys(report.ablation).sort(), ['both', 'poster', 'text']);
  assert.equal(report.ablationStatus, 'done');
  // Each component scored alone, then the blend, whose scores are the model's own.
  assert.deepEqual(report.components.map((c: { name: string }) => c.name), ['lightgbm', 'linear', 'tfidf', 'knn', 'blend']);
  assert.deepEqual(report.components[4].micro, report.metrics.micro);
  assert.equal(manifest.blend.components.reduce((s: number, c: { weight: number }) => s + c.weight, 0).toFixed(6), '1.000000');
  assert.equal(report.metrics.confusion.length, 8);
  assert.equal(report.cooccurrence.length, 8);
  assert.equal(report.prCurves.length, 8);
  assert.ok(report.prCurves.every((c: unknown[]) => c.length > 1));
  assert.ok(first.report.metrics.micro.f1 > 0.3, `micro-F1 ${first.report.metrics.micro.f1}`);
});

test('the same seed gives identical boosters and metrics; the model folder is replaced atomically', async () => {
  const again = await trainRun({ ...common(), data, out: path.join(work, 'model-a'), overwrite: true, seed: 5 });
  assert.deepEqual(again.report.metrics, first.report.metrics);
  const a = loadModel(first.modelDir).model.genres.map((g) => g.model);
  assert.deepEqual(loadModel(again.modelDir).model.genres.map((g) => g.model), a);
  // Every saved file but the report (which records the run's time) is byte-identical: boosters, heads, manifest's blend.
  const files = (dir: string) => ['heads/knn.json', 'heads/linear.json', 'heads/tfidf.json'].map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
  assert.deepEqual(files(again.modelDir), files(first.modelDir));
  assert.deepEqual(again.manifest.blend, first.manifest.blend);
  assert.deepEqual(again.manifest.genres, first.manifest.genres);
  assert.deepEqual(fs.readdirSync(work).filter((n) => n.includes('tmp-')), [], 'no temporary folders left');
});

test('eval and predict with a saved model; an unlabelled file is predicted', async () => {
  const ev = await evalFile(first.modelDir, data, common());
  assert.equal(ev.rows, 72);
  assert.ok(ev.metrics.micro.f1 > first.report.metrics.micro.f1 - 0.2, 'most rows were seen in training');
  const unlabelled = path.join(work, 'new.jsonl');
  // Read with the model's columns; lacking its poster column, the rows are predicted without posters, with a warning
  // (lacking its text column is refused: test/predictColumns.test.ts).
  fs.writeFileSync(unlabelled, '{"title":"Blood Moon Manor","overview":"A cursed mansion where every scream summons the ghost."}\n');
  const warnings: string[] = [];
  const p = await predictFile(first.modelDir, unlabelled, { ...common(), onWarning: (w) => warnings.push(w) });
  assert.ok(warnings.some((w) => /new\.jsonl: no poster column "poster" \(the model in .* was trained with it\)/.test(w)), warnings.join('\n'));
  assert.equal(p.predictions.length, 1);
  assert.equal(p.predictions[0].proba.length, 8);
  assert.equal(p.predictions[0].posterMissing, 'no poster given');
});

test('a model trained with the ONNX image encoder is refused where that encoder is absent', { skip: noOnnx }, async () => {
  await assert.rejects(predictFile(first.modelDir, data, { ...common(), modelsDir: path.join(work, 'nowhere') }),
    /trained with the image encoder .*GENRE_LENS_MODELS/);
});

const exec = promisify(execFile);
const cli = (...args: string[]) => exec(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(repo, 'server/cli.ts'), ...args],
  { cwd: work, env: { ...process.env, GENRE_LENS_CACHE: path.join(work, 'cache'), ...(hasOnnx ? { GENRE_LENS_MODELS: sharedModels } : {}) }, maxBuffer: 1 << 26 });

test('CLI: train --json prints the metrics contract and saves into .genre-lens/; eval and predict work on it', async () => {
  const { stdout } = await cli('train', data, '--json', '--no-ablation', '--seed', '5', '--poster-base-url', `${base}/posters`, '--allow-private-network',
    ...(hasOnnx ? [] : ['--image-encoder', 'nsfwjs']));
  const out = JSON.parse(stdout);
  for (const k of ['micro', 'macro', 'weighted', 'samples']) {
    for (const m of ['precision', 'recall', 'f1']) assert.equal(typeof out.metrics[k][m], 'number', `metrics.${k}.${m}`);
  }
  assert.equal(typeof out.metrics.subsetAccuracy, 'number');
  assert.equal(typeof out.metrics.hammingLoss, 'number');
  assert.equal(Object.keys(out.metrics.perGenre).length, 8);
  assert.deepEqual(Object.keys(out.metrics.perGenre.Horror).sort(), ['f1', 'precision', 'recall', 'support', 'threshold']);
  assert.ok(fs.existsSync(path.join(work, '.genre-lens/current.json')));
  assert.ok(out.model.startsWith(path.join(work, '.genre-lens/models')));

  const ev = JSON.parse((await cli('eval', '.genre-lens', data, '--json')).stdout);
  assert.equal(ev.rows, 72);
  assert.equal(ev.model, out.model, 'the store resolves to the model just trained');
  assert.ok(ev.metrics.micro.f1 > 0 && ev.metrics.micro.f1 <= 1);
  const csv = (await cli('predict', '.genre-lens', data)).stdout.trim().split('\n');
  assert.equal(csv.length, 73);
  assert.match(csv[0], /^id,title,line,predicted_genres,p_Action,/);
  await assert.rejects(cli('predict', '.genre-lens', data, '--out', data), /is the input file/);
  const bad = await cli('train', path.join(work, 'missing.csv')).catch((e: { stderr: string; code: number }) => e);
  assert.equal((bad as { code: number }).code, 1);
  assert.match((bad as { stderr: string }).stderr, /missing\.csv:1:1: file not found/);
});
