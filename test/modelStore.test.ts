// Tests of the model store and model files as untrusted input: `--out` never replaces what is not a Genre Lens model,
// retention never deletes the current, a pinned or a stray folder, prune's dry run, and damaged or hostile
// manifest.json / current.json / report.json / boosters give errors naming the file. No training: tiny fake models.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { loadLightGBM } from '../server/engine/lightgbm/lightgbm';
import { loadModel, readReport, resolveModelDir } from '../server/engine/modelFiles';
import { checkOutDir, pruneStore, saveToStore, selectModel, writeDirAtomic } from '../server/engine/modelStore';
import { OneVsRestPredictor } from '../server/engine/trainer';

const repo = path.resolve(__dirname, '..');
const NFEAT = 8; // text 4 + image 3 + poster-missing 1
let work: string;
let booster: string;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-store-'));
  const lgb = await loadLightGBM();
  const n = 200;
  const X = Float32Array.from({ length: n * NFEAT }, (_, i) => ((i * 7919) % 101) / 101);
  const ds = lgb.createDataset(X, n, NFEAT, { verbose: -1, min_data_in_leaf: 5 });
  ds.setField('label', Float32Array.from({ length: n }, (_, r) => (X[r * NFEAT] > 0.5 ? 1 : 0)));
  const b = lgb.createBooster(ds, { objective: 'binary', verbose: -1, seed: 1, num_threads: 1 });
  for (let i = 0; i < 5; i++) b.updateOneIter();
  booster = b.saveModelToString();
});

after(() => fs.rmSync(work, { recursive: true, force: true }));

const avg = { precision: 0.5, recall: 0.5, f1: 0.5, support: 3 };
const identity = (kind: string, dim: number) => ({ kind, id: `${kind}-enc`, version: '1', dim, weightsSha256: 'ab', source: 'test',
  preprocess: 'none', fallback: false });
function manifest(over: Record<string, unknown> = {}) {
  return { format: 'genre-lens-model', formatVersion: 1, createdAt: '2024-01-01T00:00:00.000Z',
    genres: [{ name: 'Drama', threshold: 0.4, positives: 12, bestIteration: 5, oofF1: 0.6, booster: 'boosters/00.txt' },
      { name: 'Rare', threshold: 1, positives: 2, bestIteration: 0, oofF1: 0, booster: null }],
    encoders: { text: identity('text', 4), image: identity('image', 3) },
    features: { text: { offset: 0, dim: 4 }, image: { offset: 4, dim: 3 }, posterMissing: 7, total: NFEAT },
    params: { objective: 'binary' }, training: { seed: 42 }, seed: 42,
    dataset: { path: '/x/movies.csv', sha256: 'cd', format: 'csv', columns: { id: null, title: 't', text: 'd', genres: 'g', poster: null },
      rows: 20, trainRows: 16, unlabeledRows: 0 },
    evaluation: { kind: 'split', fraction: 0.2, rows: 4 },
    metrics: { micro: avg, macro: avg, weighted: avg, samples: avg, subsetAccuracy: 0.1, hammingLoss: 0.2 },
    trainingSeconds: 1, warnings: [], ...over };
}
const report = () => ({ formatVersion: 1, run: { warnings: [], posters: {} }, genres: ['Drama', 'Rare'], thresholds: [0.4, 1],
  metrics: { micro: avg, macro: avg, weighted: avg, samples: avg, perLabel: [{ label: 'Drama' }, { label: 'Rare' }], confusion: [] },
  ablation: { both: { micro: avg } }, cooccurrence: [[12, 1], []], prCurves: [[{ threshold: null, precision: 1, recall: 0 }], []] });
const modelFiles = (over: Record<string, unknown> = {}): Record<string, string> => ({
  'manifest.json': JSON.stringify(manifest(over)), 'report.json': JSON.stringify(report()), 'boosters/00.txt': booster });

function writeModel(dir: string, over: Record<string, unknown> = {}): string {
  for (const [rel, text] of Object.entries(modelFiles(over))) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
let seq = 0;
const fresh = (name: string) => fs.mkdtempSync(path.join(work, `${name}-${seq++}-`));
const snapshot = (p: string): string => (fs.statSync(p).isDirectory()
  ? fs.readdirSync(p).sort().map((n) => `${n}:${snapshot(path.join(p, n))}`).join('|') : fs.readFileSync(p, 'base64'));

test('--out refuses files, the dataset, folders that are not models, the cwd, empty folders and links', () => {
  const dir = fresh('out');
  const data = path.join(dir, 'movies.csv');
  fs.writeFileSync(data, 'title,overview,genres\nA,b,Drama\n');
  fs.mkdirSync(path.join(dir, 'posters'));
  fs.writeFileSync(path.join(dir, 'posters', 'a.png'), 'png');
  fs.mkdirSync(path.join(dir, 'empty'));
  const model = writeModel(path.join(dir, 'model'));
  fs.symlinkSync(model, path.join(dir, 'link-to-model'));
  fs.symlinkSync(data, path.join(dir, 'link-to-data'));
  const opts = { protect: [data] };
  const refuses = (out: string, why: RegExp, o: Parameters<typeof checkOutDir>[1] = opts) =>
    assert.throws(() => checkOutDir(out, o), (e: Error) => e.message.startsWith(`--out ${out}: `) && why.test(e.message), out);
  refuses(data, /is .*movies\.csv, which Genre Lens is reading/);
  refuses(dir, /contains .*movies\.csv/);
  refuses(path.join(dir, 'posters'), /folder without manifest\.json.*choose a new folder name/);
  refuses(path.join(dir, 'posters', 'a.png'), /is a file, not a Genre Lens model folder/);
  refuses(path.join(dir, 'empty'), /empty folder/);
  refuses(path.join(dir, 'link-to-model'), /symbolic link/, { overwrite: true });
  refuses(path.join(dir, 'link-to-data'), /is .*movies\.csv/);
  refuses(process.cwd(), /current folder/, { overwrite: true });
  refuses(path.dirname(process.cwd()), /current folder/, { overwrite: true });
  refuses(model, /already holds a Genre Lens model; pass --overwrite/);
  fs.mkdirSync(path.join(dir, 'store', 'models'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'store', 'current.json'), '{"model":"models/x"}');
  refuses(path.join(dir, 'store'), /model store, not a model folder/, { overwrite: true });
  checkOutDir(path.join(dir, 'new-model'), opts);
  checkOutDir(model, { ...opts, overwrite: true });
  fs.writeFileSync(path.join(model, 'notes.txt'), 'mine');
  refuses(model, /also other files \(notes\.txt\)/, { overwrite: true });
});

test('writeDirAtomic replaces only a model folder, only with overwrite, and leaves no temporary folders', () => {
  const dir = fresh('write');
  const user = path.join(dir, 'user');
  fs.mkdirSync(user);
  fs.writeFileSync(path.join(user, 'keep.txt'), 'precious');
  const before = snapshot(dir);
  assert.throws(() => writeDirAtomic(user, modelFiles(), { overwrite: true }), /never replaces what is not its own model/);
  assert.equal(snapshot(dir), before, 'nothing changed');
  const model = path.join(dir, 'model');
  writeDirAtomic(model, modelFiles());
  assert.throws(() => writeDirAtomic(model, modelFiles({ seed: 7 })), /pass --overwrite/);
  writeDirAtomic(model, modelFiles({ seed: 7 }), { overwrite: true });
  assert.equal(loadModel(model).manifest.seed, 7);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['model', 'user']);
});

const stamp = (i: number) => `2024-01-0${i}T00-00-00-000Z-movies.csv`;

test('retention keeps the newest, the previous current, pinned models, and never touches stray folders', () => {
  const store = fresh('store');
  const models = path.join(store, 'models');
  for (let i = 1; i <= 6; i++) writeModel(path.join(models, stamp(i)));
  writeModel(path.join(models, 'my-model')); // a model the user put there: not named by the store
  fs.mkdirSync(path.join(models, 'notes'));
  fs.writeFileSync(path.join(models, 'notes', 'a.txt'), 'mine');
  writeModel(path.join(models, '2024-01-00T00-00-00-000Z-extra.csv'));
  fs.writeFileSync(path.join(models, '2024-01-00T00-00-00-000Z-extra.csv', 'mine.txt'), 'mine'); // store-named, but holds a user file
  selectModel(store, path.join(models, stamp(1))); // pinned
  selectModel(store, path.join(models, stamp(2))); // pinned, and current before the save
  const pointer = JSON.parse(fs.readFileSync(path.join(store, 'current.json'), 'utf8'));
  assert.deepEqual(pointer, { model: `models/${stamp(2)}`, pinned: [`models/${stamp(1)}`, `models/${stamp(2)}`] });
  fs.writeFileSync(path.join(store, 'current.json'), JSON.stringify({ model: `models/${stamp(3)}`, pinned: [`models/${stamp(1)}`] }));

  const dry = pruneStore(store, { keep: 2, dryRun: true });
  assert.deepEqual(dry.deleted.map((d) => path.basename(d)), [stamp(2), stamp(4)]);
  assert.ok(fs.existsSync(path.join(models, stamp(4))), 'a dry run deletes nothing');

  const dir = saveToStore(store, stamp(7), modelFiles(), 2);
  assert.equal(resolveModelDir(store), path.resolve(store, 'models', stamp(7)));
  assert.equal(dir, path.join(store, 'models', stamp(7)));
  const left = fs.readdirSync(models).sort();
  assert.deepEqual(left, ['2024-01-00T00-00-00-000Z-extra.csv', stamp(1), stamp(3), stamp(6), stamp(7), 'my-model', 'notes']);
  assert.equal(fs.readFileSync(path.join(models, 'notes', 'a.txt'), 'utf8'), 'mine');
  const r = pruneStore(store, { keep: 1 });
  assert.deepEqual(r.deleted.map((d) => path.basename(d)), [stamp(3), stamp(6)]);
  assert.deepEqual(r.kept.map((d) => path.basename(d)), [stamp(1), stamp(7)]);
  assert.throws(() => pruneStore(store, { keep: 0 }), /keep must be an integer of at least 1/);
  fs.writeFileSync(path.join(store, 'current.json'), '{"model": ');
  assert.throws(() => pruneStore(store, { keep: 1 }), /current\.json:1:\d+: not valid JSON/);
  assert.throws(() => pruneStore(path.join(store, 'nope'), { keep: 1 }), /nope: not found; expected a Genre Lens model store/);
});

test('selecting a model outside the store copies it in; current.json never points outside the store', () => {
  const store = fresh('select');
  const outside = writeModel(path.join(fresh('elsewhere'), 'my model'));
  const chosen = selectModel(store, outside);
  assert.equal(path.dirname(chosen), path.join(store, 'models'));
  assert.match(path.basename(chosen), /-imported-my_model$/);
  assert.equal(resolveModelDir(store), path.resolve(chosen));
  assert.equal(loadModel(store).model.genres[0].model, booster);
  const pointerFile = path.join(store, 'current.json');
  const bad = (pointer: unknown, why: RegExp) => {
    fs.writeFileSync(pointerFile, JSON.stringify(pointer));
    assert.throws(() => resolveModelDir(store), (e: Error) => e.message.startsWith(pointerFile) && why.test(e.message), JSON.stringify(pointer));
  };
  bad({ model: outside }, /model: expected "models\/<name>"/);
  bad({ model: '../../etc' }, /model: expected "models\/<name>"/);
  bad({ model: 'models/..' }, /model: expected "models\/<name>"/);
  bad({ model: 'models/missing' }, /is not a folder in the store/);
  bad({ model: 42 }, /model: .*expected string/);
  fs.symlinkSync(path.dirname(outside), path.join(store, 'models', 'sneaky'));
  bad({ model: 'models/sneaky' }, /leads outside the store's models folder/);
  assert.throws(() => resolveModelDir(path.join(store, 'nothing')), /nothing: not found; expected a Genre Lens model folder/);
  assert.throws(() => resolveModelDir(outside + '/report.json'), /report\.json: not a folder; expected/);
});

test('damaged manifest.json, report.json and boosters give errors naming the file and the field', async () => {
  const at = (over: Record<string, unknown> = {}) => writeModel(fresh('damaged'), over);
  const m = at();
  const manifestFile = path.join(m, 'manifest.json');
  fs.writeFileSync(manifestFile, JSON.stringify(manifest()).slice(0, 100));
  assert.throws(() => loadModel(m), (e: Error) => new RegExp(`^${esc(manifestFile)}:1:\\d+: not valid JSON`).test(e.message));
  const withThreshold = manifest();
  (withThreshold.genres[0] as Record<string, unknown>).threshold = 'high';
  fs.writeFileSync(manifestFile, JSON.stringify(withThreshold));
  assert.throws(() => loadModel(m), (e: Error) => e.message.startsWith(`${manifestFile}: genres.0.threshold: `) && /expected number/.test(e.message));
  assert.throws(() => loadModel(at({ format: 'other' })), /manifest\.json: format: expected "genre-lens-model"/);
  assert.throws(() => loadModel(at({ formatVersion: 9 })), /formatVersion: model format is newer/);
  const escape = manifest();
  escape.genres[0].booster = '../../etc/passwd';
  assert.throws(() => loadModel(at({ genres: escape.genres })), /genres\.0\.booster: expected "boosters\/NN\.txt"/);
  assert.throws(() => loadModel(at({ features: { ...manifest().features, total: 9 } })), /features\.total: expected text\.dim \+ image\.dim \+ 1/);

  const wide = at();
  fs.writeFileSync(path.join(wide, 'boosters/00.txt'), booster.replace(/^max_feature_idx=\d+$/m, 'max_feature_idx=20'));
  assert.throws(() => loadModel(wide), /boosters\/00\.txt: the booster takes 21 features but manifest\.json features\.total is 8/);
  const garbage = at();
  fs.writeFileSync(path.join(garbage, 'boosters/00.txt'), 'GIF89a garbage');
  assert.throws(() => loadModel(garbage), /boosters\/00\.txt: not a LightGBM model file/);
  const gone = at();
  fs.rmSync(path.join(gone, 'boosters/00.txt'));
  assert.throws(() => loadModel(gone), /boosters\/00\.txt: not found/);
  const linked = at();
  fs.rmSync(path.join(linked, 'boosters/00.txt'));
  fs.symlinkSync(path.join(m, 'boosters/00.txt'), path.join(linked, 'boosters/00.txt'));
  assert.throws(() => loadModel(linked), /boosters\/00\.txt: leads outside the model folder/);

  // Boosters that would hang or mislead LightGBM are refused before it sees them (same-length edits keep tree_sizes right).
  const damaged: [string, RegExp][] = [
    [booster.slice(0, booster.indexOf('Tree=2') + 40), /tree 2: not where tree_sizes says it is/],
    [booster.replace(/^right_child=(.*)$/m, (_, v: string) => `right_child=${v.replace(/-\d/g, '99')}`), /tree 0: node 1 has child 99, which is not a later node/],
    [booster.replace(/^split_feature=(.*)$/m, (_, v: string) => `split_feature=${v.replace(/\d/g, '9')}`), /tree 0: split_feature 9 is outside 0\.\.7/],
    [booster.replace(/^num_leaves=(\d)$/m, 'num_leaves=9'), /tree 0: \d leaf values for 9 leaves/],
    [booster.replace(/^Tree=1$/m, 'Xree=1'), /tree 1: not where tree_sizes says it is/],
  ];
  for (const [text, why] of damaged) {
    const d = at();
    const file = path.join(d, 'boosters/00.txt');
    fs.writeFileSync(file, text);
    assert.throws(() => loadModel(d), (e: Error) => e.message.startsWith(`${file}: `) && why.test(e.message), why.source);
  }
  // What gets past those checks and still fails inside LightGBM — even a WebAssembly trap — is an error naming the file.
  const head = booster.slice(0, booster.indexOf('Tree=0'));
  const loaded = loadModel(at());
  loaded.model.genres[0].model = `${head}Tree=0\nnum_leaves=99999999\nsplit_feature=1\n`;
  await assert.rejects(OneVsRestPredictor.load(loaded.model),
    (e: Error) => e.message.startsWith(`${loaded.model.genres[0].source}: not a usable LightGBM model (`) && e.message.includes('boosters/00.txt'));
  const good = await OneVsRestPredictor.load(loadModel(at()).model);
  assert.equal(good.predictProba(new Float32Array(2 * NFEAT).fill(0.7), 2)[0].length, 2);
  good.dispose();

  const r = at();
  assert.deepEqual(readReport(r).genres, ['Drama', 'Rare']);
  const reportFile = path.join(r, 'report.json');
  fs.writeFileSync(reportFile, '');
  assert.throws(() => readReport(r), (e: Error) => e.message.startsWith(`${reportFile}:1:1: not valid JSON`));
  fs.writeFileSync(reportFile, JSON.stringify({ ...report(), thresholds: [0.5] }));
  assert.throws(() => readReport(r), (e: Error) => e.message.startsWith(`${reportFile}: thresholds: expected 2 thresholds`));
  fs.writeFileSync(reportFile, JSON.stringify({ ...report(), genres: 'Drama' }));
  assert.throws(() => readReport(r), /report\.json: genres: .*expected array/);
});

test('model files must be regular files of bounded size: a FIFO is refused without being opened', () => {
  const m = writeModel(fresh('fifo'));
  const manifestFile = path.join(m, 'manifest.json');
  fs.rmSync(manifestFile);
  execFileSync('mkfifo', [manifestFile]);
  assert.throws(() => loadModel(m), new RegExp(`manifest\\.json: not a regular file`));
  const big = writeModel(fresh('big'));
  fs.truncateSync(path.join(big, 'report.json'), 65 * 1024 * 1024);
  assert.throws(() => readReport(big), /report\.json: 65 MB, more than the 64 MB this file may have/);
});

test('CLI: train --out naming an existing file or folder exits 1 before any work and changes nothing', async () => {
  const dir = fresh('cli');
  const data = path.join(dir, 'movies.csv');
  fs.copyFileSync(path.join(repo, 'examples/movies.csv'), data);
  fs.mkdirSync(path.join(dir, 'posters'));
  fs.writeFileSync(path.join(dir, 'posters', 'a.png'), 'mine');
  const before = snapshot(dir);
  const run = (...args: string[]) => promisify(execFile)(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href,
    path.join(repo, 'server/cli.ts'), ...args], { cwd: dir }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
  for (const out of [data, 'posters']) {
    const r = await run('train', data, '--out', out, '--image-encoder', 'none', '--no-progress');
    assert.equal(r.code, 1, out);
    assert.match(r.stderr, new RegExp(`^genre-lens: --out ${esc(out)}: `), out);
  }
  assert.equal(snapshot(dir), before, 'the dataset and the posters are byte-identical');
  const pruned = await run('prune', '--json');
  assert.equal(pruned.code, 1);
  assert.match(pruned.stderr, /genre-lens: \.genre-lens: not found; expected a Genre Lens model store/);
});
