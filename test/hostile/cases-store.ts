// Hostile cases about what Genre Lens writes and deletes, and model files as untrusted input: --out aimed at the
// user's files, --overwrite, store retention and prune never losing the current model, and damaged manifest.json,
// current.json and boosters, pointers and booster paths leading outside their folders.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Case, POINTER_MAY_CHANGE } from './case';
import { copyModel, mkfifo, sparse, tinyCsv, withPosters, write } from './generate';

const TRAIN = ['--image-encoder', 'none', '--no-ablation', '--no-progress'];
const REFUSED = /not a Genre Lens model|refus|exists|already|will not|won't|never|choose|reading/i;

/** The current model folder of the case's store copy (`.genre-lens`). */
export function currentModel(dir: string): string {
  const { model } = JSON.parse(fs.readFileSync(path.join(dir, '.genre-lens/current.json'), 'utf8')) as { model: string };
  return path.resolve(dir, '.genre-lens', model);
}

/** Extra models in the case's store, named as the store names them but newer, so the current one is the oldest. */
function addNewerModels(dir: string, n: number): void {
  const cur = currentModel(dir);
  for (let i = 1; i <= n; i++) copyModel(cur, path.join(dir, '.genre-lens/models', `2999-01-01T00-00-0${i}-000Z-data.csv`));
}

function editManifest(dir: string, edit: (m: Record<string, unknown>) => void): void {
  const file = path.join(currentModel(dir), 'manifest.json');
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(m);
  fs.writeFileSync(file, JSON.stringify(m, null, 2));
}

const firstBooster = (dir: string) => {
  const b = path.join(currentModel(dir), 'boosters');
  return path.join(b, fs.readdirSync(b).sort()[0]);
};

const currentSurvives = (dir: string) =>
  fs.existsSync(path.join(currentModel(dir), 'manifest.json')) ? null : 'the current model was deleted';

const predict = () => ['predict', '.genre-lens', 'data.csv', '--no-progress'];
const inModel = (re: RegExp) => (rel: string) => rel.startsWith('.genre-lens/models/2999-') || re.test(rel);

export const storeCases: Case[] = [
  { name: 'train --out names the dataset file', files: (d) => void tinyCsv(d), args: () => ['train', 'data.csv', '--out', 'data.csv', ...TRAIN],
    code: 1, message: new RegExp(`data\\.csv[^]*(${REFUSED.source})`, 'i') },
  { name: 'train --out names a folder of posters', files: (d) => void (withPosters(d), tinyCsv(d)),
    args: () => ['train', 'data.csv', '--out', 'posters', ...TRAIN], code: 1, message: /posters/ },
  { name: 'train --out . (the working folder)', files: (d) => void tinyCsv(d), args: () => ['train', 'data.csv', '--out', '.', ...TRAIN],
    code: 1, message: REFUSED },
  { name: 'train --out "$PWD" (absolute working folder)', files: (d) => void tinyCsv(d),
    args: (_c, d) => ['train', 'data.csv', '--out', d, ...TRAIN], code: 1, message: REFUSED },
  { name: 'train --out the folder holding the dataset', files: (d) => void tinyCsv(path.join(d, 'sub')),
    args: () => ['train', 'sub/data.csv', '--out', 'sub', ...TRAIN], code: 1, message: /sub/ },
  { name: 'train --out an empty file', files: (d) => void (tinyCsv(d), write(d, 'notes.txt', '')),
    args: () => ['train', 'data.csv', '--out', 'notes.txt', ...TRAIN], code: 1, message: /notes\.txt/ },
  { name: 'train --out an existing model without --overwrite',
    files: (d) => void (tinyCsv(d), copyModel(currentModel(d), path.join(d, 'mymodel'))),
    args: () => ['train', 'data.csv', '--out', 'mymodel', ...TRAIN], code: 1, message: /--overwrite/ },
  { name: 'train --out an existing model with --overwrite replaces only it',
    files: (d) => void (tinyCsv(d), copyModel(currentModel(d), path.join(d, 'mymodel'))),
    args: () => ['train', 'data.csv', '--out', 'mymodel', '--overwrite', ...TRAIN], code: 0,
    rules: { mayChange: (rel) => rel.startsWith('mymodel') } },
  { name: 'train --out a new folder works', files: (d) => void tinyCsv(d),
    args: () => ['train', 'data.csv', '--out', 'new/model', ...TRAIN], code: 0,
    rules: { mayAppear: (rel) => rel.startsWith('new') },
    check: (d) => (fs.existsSync(path.join(d, 'new/model/manifest.json')) ? null : 'no manifest.json in new/model') },
  { name: 'train into the store never deletes the current model (--keep 1)',
    files: (d) => void (tinyCsv(d), addNewerModels(d, 3)),
    args: () => ['train', 'data.csv', '--keep', '1', ...TRAIN], code: 0,
    rules: { mayChange: inModel(/^\.genre-lens\/current\.json$/) }, check: currentSurvives },
  { name: 'train into the store with default retention keeps the current model',
    files: (d) => void (tinyCsv(d), addNewerModels(d, 6)),
    args: () => ['train', 'data.csv', ...TRAIN], code: 0,
    rules: { mayChange: inModel(/^\.genre-lens\/current\.json$/) }, check: currentSurvives },
  { name: 'prune --dry-run deletes nothing', files: (d) => addNewerModels(d, 3),
    args: () => ['prune', '.genre-lens', '--keep', '1', '--dry-run'], code: 0, message: /2999-01-01T00-00-0[12]/ },
  { name: 'prune --keep 1 keeps the current model', files: (d) => addNewerModels(d, 3),
    args: () => ['prune', '.genre-lens', '--keep', '1'], code: 0, rules: { mayChange: inModel(/^$/) }, check: currentSurvives },
  { name: 'prune --keep 0 is refused', files: (d) => addNewerModels(d, 2), args: () => ['prune', '.genre-lens', '--keep', '0'],
    code: 1, message: /--keep/ },
  { name: 'prune on a folder that is not a model store', files: (d) => void withPosters(d), args: () => ['prune', 'posters'],
    code: 1, message: /posters/ },
  { name: 'prune through a store that is a symbolic link deletes nothing', files: (d) => {
    addNewerModels(d, 3);
    fs.renameSync(path.join(d, '.genre-lens'), path.join(d, 'realstore'));
    fs.symlinkSync('realstore', path.join(d, '.genre-lens'));
  }, args: () => ['prune', '--keep', '1'], code: 1, message: /\.genre-lens: is a symbolic link/ },
  { name: 'prune through a models/ folder that is a symbolic link deletes nothing', files: (d) => {
    addNewerModels(d, 3);
    fs.renameSync(path.join(d, '.genre-lens/models'), path.join(d, 'elsewhere'));
    fs.symlinkSync('../elsewhere', path.join(d, '.genre-lens/models'));
  }, args: () => ['prune', '--keep', '1'], code: 1, message: /models: is a symbolic link/ },
  { name: 'prune on a data file says it is a file', files: (d) => void tinyCsv(d), args: () => ['prune', 'data.csv'],
    code: 1, message: /data\.csv: is a file, not a Genre Lens model store/ },
  { name: 'train --out under a file is refused before any work', files: (d) => void tinyCsv(d),
    args: () => ['train', 'data.csv', '--out', 'data.csv/sub', ...TRAIN], code: 1, message: /--out data\.csv\/sub: data\.csv is a file, not a folder/,
    absent: /EEXIST|Evaluated on/ },
  { name: 'train --out with a 256-byte name is refused before any work', files: (d) => void tinyCsv(d),
    args: () => ['train', 'data.csv', '--out', 'm'.repeat(256), ...TRAIN], code: 1, message: /--out m+: the name "m+…" is longer than the 255 bytes/,
    absent: /ENAMETOOLONG|Evaluated on/ },
  { name: 'train --out with a 250-byte name works', files: (d) => void tinyCsv(d),
    args: () => ['train', 'data.csv', '--out', 'm'.repeat(250), ...TRAIN], code: 0, rules: { mayAppear: (rel) => rel.startsWith('mmm') },
    check: (d) => (fs.existsSync(path.join(d, 'm'.repeat(250), 'manifest.json')) ? null : 'no model in the 250-byte folder') },
  { name: 'train on a data file with a 250-byte name saves a short store name', files: (d) => void tinyCsv(d, `${'a'.repeat(246)}.csv`),
    args: () => ['train', `${'a'.repeat(246)}.csv`, ...TRAIN], code: 0, rules: POINTER_MAY_CHANGE, absent: /ENAMETOOLONG/,
    check: (d) => (path.basename(currentModel(d)).length <= 90 ? null : `store name of ${path.basename(currentModel(d)).length} characters`) },
  // ---- the ONNX image model file as untrusted input: read only when it is a regular file under the size cap
  ...([['a link to /dev/zero', (f: string) => fs.symlinkSync('/dev/zero', f), /character device/],
    ['a FIFO', (f: string) => void mkfifo(f), /FIFO/],
    ['a 300 MB sparse file', (f: string) => void sparse(f, 300 * 1024 * 1024), /more than the 200 MB/]] as const).map(([what, make, says]): Case => ({
    name: `--models holding ${what} as the ONNX model falls back with a warning`, files: (d) => {
      tinyCsv(d);
      fs.mkdirSync(path.join(d, 'm'));
      make(path.join(d, 'm/mobilenetv2-12-int8.onnx'));
    }, args: () => ['train', 'data.csv', '--models', 'm', '--no-ablation', '--no-progress', '--out', 'o'], code: 0,
    message: new RegExp(`fallback[^]*mobilenetv2-12-int8\\.onnx: [^]*${says.source}[^]*--models`),
    rules: { mayAppear: (rel) => rel.startsWith('o') } })),
  // ---- damaged or hostile model files
  { name: 'truncated manifest.json', files: (d) => {
    tinyCsv(d);
    const f = path.join(currentModel(d), 'manifest.json');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').slice(0, 200));
  }, args: predict, code: 1, message: /manifest\.json/ },
  { name: 'manifest.json with a wrong field type', files: (d) => {
    tinyCsv(d);
    editManifest(d, (m) => (m.genres = 'lots'));
  }, args: predict, code: 1, message: /manifest\.json[^]*genres|genres[^]*manifest\.json/ },
  { name: 'manifest.json with a negative feature count', files: (d) => {
    tinyCsv(d);
    editManifest(d, (m) => (m.features = { ...(m.features as object), total: -5 }));
  }, args: predict, code: 1, message: /manifest\.json/ },
  { name: 'manifest.json of binary garbage', files: (d) => {
    tinyCsv(d);
    fs.writeFileSync(path.join(currentModel(d), 'manifest.json'), Buffer.from([0xff, 0xfe, 0, 1, 2, 0x80, 0x7b]));
  }, args: predict, code: 1, message: /manifest\.json/ },
  { name: 'manifest.json from a newer Genre Lens', files: (d) => {
    tinyCsv(d);
    editManifest(d, (m) => (m.formatVersion = 99));
  }, args: predict, code: 1, message: /newer/ },
  { name: 'damaged current.json', files: (d) => {
    tinyCsv(d);
    fs.writeFileSync(path.join(d, '.genre-lens/current.json'), '{"model": ');
  }, args: predict, code: 1, message: /current\.json/ },
  { name: 'current.json with a number for the model', files: (d) => {
    tinyCsv(d);
    fs.writeFileSync(path.join(d, '.genre-lens/current.json'), '{"model": 42}');
  }, args: predict, code: 1, message: /current\.json/ },
  { name: 'current.json pointing outside the store', files: (d) => {
    tinyCsv(d);
    copyModel(currentModel(d), path.join(d, 'elsewhere'));
    fs.writeFileSync(path.join(d, '.genre-lens/current.json'), JSON.stringify({ model: '../elsewhere' }));
  }, args: predict, code: 1, message: /current\.json[^]*(outside|inside|store)/i },
  { name: 'booster path leading outside the model', files: (d) => {
    tinyCsv(d);
    editManifest(d, (m) => ((m.genres as { booster: string | null }[]).find((g) => g.booster)!.booster = '../../../data.csv'));
  }, args: predict, code: 1, message: /booster[^]*(outside|inside)|(outside|inside)[^]*booster/i },
  { name: 'booster of garbage text', files: (d) => {
    tinyCsv(d);
    fs.writeFileSync(firstBooster(d), 'tree\nnum_leaves=\u0000\u0001zz\n'.repeat(50));
  }, args: predict, code: 1, message: /boosters\/\d\d\.txt/ },
  { name: 'truncated booster', files: (d) => {
    tinyCsv(d);
    const f = firstBooster(d);
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').slice(0, Math.floor(fs.statSync(f).size / 2)));
  }, args: predict, code: 1, message: /boosters\/\d\d\.txt/ },
  { name: 'missing booster file', files: (d) => {
    tinyCsv(d);
    fs.rmSync(firstBooster(d));
  }, args: predict, code: 1, message: /boosters\/\d\d\.txt/ },
  { name: 'model path is a data file', files: (d) => void tinyCsv(d), args: () => ['predict', 'data.csv', 'data.csv', '--no-progress'],
    code: 1, message: /data\.csv[^]*(model|manifest)/i },
];

