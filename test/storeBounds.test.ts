// Bounds on what Genre Lens reads and writes around its store (red-team round 2): the ONNX model and cached downloads
// only as regular files under a size cap, prune never deleting through a symbolic link, --out checked up front
// (an ancestor that is a file, a name too long, predict --out that exists), bounded store names, and the folder
// environment variables validated with messages naming them. No training: tiny fake model folders.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkEnvFolders, parsePositiveInt } from '../server/cliOptions';
import { checkNewFile, writeNewFile } from '../server/cliOutput';
import { cachePathFor, fetchToCache } from '../server/engine/encoders/fetchCache';
import { locateOnnxModel, MOBILENETV2_INT8_FILE } from '../server/engine/encoders/onnxImage';
import { readWeightsFile } from '../server/engine/encoders/weightsFile';
import { STORE_MODEL_NAME } from '../server/engine/modelRetention';
import { checkOutDir, pruneStore, saveToStore, storeModelName, writeDirAtomic } from '../server/engine/modelStore';

let work: string;
let n = 0;
/** A new empty folder for one test. */
const fresh = () => {
  const d = path.join(work, `t${n++}`);
  fs.mkdirSync(d);
  return d;
};
const MODEL = { 'manifest.json': '{"format":"genre-lens-model"}\n' };
const writeModel = (dir: string) => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'manifest.json'), MODEL['manifest.json']);
};
const mkfifo = (file: string) => execFileSync('mkfifo', [file]);
/** A store folder with `count` saved models (oldest first) and current.json naming the newest. */
function storeWith(dir: string, count: number): string[] {
  const names = Array.from({ length: count }, (_, i) => `2020-01-0${i + 1}T00-00-00-000Z-x.csv`);
  names.forEach((m) => writeModel(path.join(dir, 'models', m)));
  fs.writeFileSync(path.join(dir, 'current.json'), JSON.stringify({ model: `models/${names.at(-1)}` }));
  return names;
}

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-bounds-'));
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

test('readWeightsFile: a regular file is read, a missing one is null', async () => {
  const d = fresh();
  fs.writeFileSync(path.join(d, 'w.bin'), 'weights');
  assert.equal((await readWeightsFile(path.join(d, 'w.bin'), 100))?.toString(), 'weights');
  assert.equal(await readWeightsFile(path.join(d, 'none.bin'), 100), null);
});

test('readWeightsFile: /dev/zero, a FIFO, a folder and an oversized file are refused unread, naming the file', async () => {
  const d = fresh();
  fs.symlinkSync('/dev/zero', path.join(d, 'zero'));
  mkfifo(path.join(d, 'fifo'));
  fs.writeFileSync(path.join(d, 'big'), Buffer.alloc(101));
  await assert.rejects(readWeightsFile(path.join(d, 'zero'), 100, '; hint'), /zero: is a character device, not a regular file; hint$/);
  await assert.rejects(readWeightsFile(path.join(d, 'fifo'), 100), /fifo: is a FIFO, not a regular file/);
  await assert.rejects(readWeightsFile(d, 100), /is a folder, not a regular file/);
  await assert.rejects(readWeightsFile(path.join(d, 'big'), 100), /big: has 101 bytes, more than the 100 bytes this file may have/);
});

test('locateOnnxModel: a models folder whose model file is /dev/zero fails naming the file and --models', async () => {
  const d = fresh();
  fs.symlinkSync('/dev/zero', path.join(d, MOBILENETV2_INT8_FILE));
  await assert.rejects(locateOnnxModel({ modelsDir: d }),
    new RegExp(`${MOBILENETV2_INT8_FILE.replace(/\./g, '\\.')}: is a character device[^]*--models`));
});

test('fetchToCache: a FIFO or an oversized file planted in the cache is refused, not read', async () => {
  const cacheDir = fresh();
  const url = 'http://example.invalid/model.onnx';
  mkfifo(cachePathFor(url, cacheDir));
  await assert.rejects(fetchToCache(url, { cacheDir, offline: true }), /is a FIFO, not a regular file \(in the download cache/);
  const big = 'http://example.invalid/big.onnx';
  fs.writeFileSync(cachePathFor(big, cacheDir), Buffer.alloc(50));
  await assert.rejects(fetchToCache(big, { cacheDir, offline: true, maxBytes: 10 }), /has 50 bytes, more than the 10 bytes/);
});

test('pruneStore refuses a store that is a symbolic link and deletes nothing', () => {
  const d = fresh();
  const names = storeWith(path.join(d, 'real'), 3);
  fs.symlinkSync('real', path.join(d, 'store'));
  assert.throws(() => pruneStore(path.join(d, 'store'), { keep: 1 }), /store: is a symbolic link; old models are never deleted through a link/);
  assert.deepEqual(fs.readdirSync(path.join(d, 'real/models')).sort(), names);
});

test('pruneStore refuses a models/ folder that is a symbolic link and deletes nothing', () => {
  const d = fresh();
  const names = storeWith(path.join(d, 'store'), 3);
  fs.renameSync(path.join(d, 'store/models'), path.join(d, 'elsewhere'));
  fs.symlinkSync('../elsewhere', path.join(d, 'store/models'));
  assert.throws(() => pruneStore(path.join(d, 'store'), { keep: 1 }), /models: is a symbolic link, not the store's models folder/);
  assert.deepEqual(fs.readdirSync(path.join(d, 'elsewhere')).sort(), names);
});

test('pruneStore never deletes a linked model folder, and still deletes real old ones', () => {
  const d = fresh();
  const names = storeWith(path.join(d, 'store'), 3);
  writeModel(path.join(d, 'outside'));
  fs.symlinkSync(path.join(d, 'outside'), path.join(d, 'store/models/2019-01-01T00-00-00-000Z-link.csv'));
  const r = pruneStore(path.join(d, 'store'), { keep: 1 });
  assert.deepEqual(r.deleted.map((p) => path.basename(p)), names.slice(0, 2));
  assert.ok(fs.existsSync(path.join(d, 'outside/manifest.json')), 'the folder behind the link is untouched');
});

test('pruneStore on a data file says it is a file, not a model store', () => {
  const d = fresh();
  fs.writeFileSync(path.join(d, 'movies.csv'), 'a,b\n');
  assert.throws(() => pruneStore(path.join(d, 'movies.csv'), { keep: 1 }), /movies\.csv: is a file, not a Genre Lens model store/);
});

test('checkOutDir refuses up front an --out under a file, under a dangling link, or with a name over 255 bytes', () => {
  const d = fresh();
  fs.writeFileSync(path.join(d, 'movies.csv'), 'a,b\n');
  fs.symlinkSync('nowhere', path.join(d, 'dangling'));
  assert.throws(() => checkOutDir(path.join(d, 'movies.csv/sub')), /--out .*movies\.csv\/sub: .*movies\.csv is a file, not a folder/);
  assert.throws(() => checkOutDir(path.join(d, 'movies.csv/a/b')), /movies\.csv is a file, not a folder/);
  assert.throws(() => checkOutDir(path.join(d, 'dangling/sub')), /dangling is a symbolic link that leads nowhere, not a folder/);
  assert.throws(() => checkOutDir(path.join(d, 'x'.repeat(256))), /is longer than the 255 bytes a file name may have/);
  assert.doesNotThrow(() => checkOutDir(path.join(d, 'new/deeper/model')));
});

test('writeDirAtomic writes a model under a 250-byte name (its temporary sibling has a short name)', () => {
  const d = fresh();
  const out = path.join(d, 'm'.repeat(250));
  writeDirAtomic(out, MODEL);
  assert.deepEqual(fs.readdirSync(d), ['m'.repeat(250)]);
  writeDirAtomic(out, MODEL, { overwrite: true });
  assert.deepEqual(fs.readdirSync(d), ['m'.repeat(250)], 'no temporary folder left behind');
});

test('storeModelName cuts a long data file name to 60 characters, keeps its extension, and matches the retention name', () => {
  const at = '2026-12-01T10:46:30.115Z';
  const long = storeModelName(at, `/data/${'a'.repeat(250)}.csv`);
  assert.equal(long, `2026-12-01T10-46-30-115Z-${'a'.repeat(56)}.csv`);
  assert.match(long, STORE_MODEL_NAME);
  assert.equal(storeModelName(at, 'movies.csv'), '2026-12-01T10-46-30-115Z-movies.csv');
  assert.match(storeModelName(at, `x.${'e'.repeat(300)}`), /^2026-12-01T10-46-30-115Z-x\.e{58}$/);
  assert.match(storeModelName(at, 'Été 2024 (final).json'), STORE_MODEL_NAME);
  const d = fresh();
  const saved = saveToStore(path.join(d, '.genre-lens'), long, MODEL);
  assert.ok(fs.existsSync(path.join(saved, 'manifest.json')));
});

test('checkNewFile refuses anything that exists (even a dangling link), a missing folder and a file as folder', () => {
  const d = fresh();
  const at = (p: string) => path.join(d, p);
  fs.writeFileSync(at('keep.csv'), 'precious\n');
  fs.symlinkSync('nowhere.csv', at('dangling.csv'));
  mkfifo(at('fifo'));
  fs.mkdirSync(at('sub'));
  assert.throws(() => checkNewFile('--out', at('keep.csv')), /--out .*keep\.csv: already exists \(a file\)\. Genre Lens never writes over anything/);
  assert.throws(() => checkNewFile('--out', at('dangling.csv')), /already exists \(a symbolic link\)/);
  assert.throws(() => checkNewFile('--out', at('fifo')), /already exists \(a FIFO\)/);
  assert.throws(() => checkNewFile('--out', at('sub')), /already exists \(a folder\)/);
  assert.throws(() => checkNewFile('--out', '/dev/null'), /already exists \(a device\)/);
  assert.throws(() => checkNewFile('--out', at('no/such/p.csv')), /the folder .*no\/such does not exist; create it first/);
  assert.throws(() => checkNewFile('--out', at('keep.csv/p.csv')), /keep\.csv is a file, not a folder/);
  assert.doesNotThrow(() => checkNewFile('--out', at('new.csv')));
  assert.equal(fs.readFileSync(at('keep.csv'), 'utf8'), 'precious\n');
});

test('writeNewFile writes a new file, and a file that appeared meanwhile gives a message naming the option', () => {
  const d = fresh();
  writeNewFile('--out', path.join(d, 'p.csv'), 'a,b\n');
  assert.equal(fs.readFileSync(path.join(d, 'p.csv'), 'utf8'), 'a,b\n');
  assert.throws(() => writeNewFile('--out', path.join(d, 'p.csv'), 'other'), /--out .*p\.csv: appeared while Genre Lens was working; nothing was written/);
  assert.equal(fs.readFileSync(path.join(d, 'p.csv'), 'utf8'), 'a,b\n');
});

test('checkEnvFolders names the variable that points nowhere useful, and skips one an option overrides', () => {
  const d = fresh();
  const all = { models: true, cache: true };
  assert.throws(() => checkEnvFolders(all, { GENRE_LENS_CACHE: '/dev/null' }), /^Error: GENRE_LENS_CACHE=\/dev\/null: expected a folder; it is a file\. .*--cache <dir>\.$/);
  assert.throws(() => checkEnvFolders(all, { GENRE_LENS_MODELS: path.join(d, 'none') }), /GENRE_LENS_MODELS=.*none: expected an existing folder; it does not exist\. .*--models <dir>/);
  assert.throws(() => checkEnvFolders(all, { GENRE_LENS_POSTER_ROOTS: [d, path.join(d, 'gone')].join(path.delimiter) }), /GENRE_LENS_POSTER_ROOTS=.*gone: expected an existing folder/);
  assert.doesNotThrow(() => checkEnvFolders({ models: false, cache: false }, { GENRE_LENS_CACHE: '/dev/null', GENRE_LENS_MODELS: path.join(d, 'none') }));
  assert.doesNotThrow(() => checkEnvFolders(all, { GENRE_LENS_CACHE: path.join(d, 'new-cache'), GENRE_LENS_MODELS: d, GENRE_LENS_POSTER_ROOTS: d }));
});

test('--keep beyond the safe integers names the allowed range', () => {
  assert.throws(() => parsePositiveInt('99999999999999999999999'), /expected an integer of at least 1 \(and at most 9007199254740991\)/);
  assert.equal(parsePositiveInt('9007199254740991'), 9007199254740991);
});
