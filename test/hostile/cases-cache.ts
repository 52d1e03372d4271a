// Hostile cases for the embedding store (<cache>/embeddings/embeddings.mdb): garbage, a truncated or overwritten file,
// a folder, FIFO or symlink where the store should be, values of the wrong size, a bad size cap — a run bypasses the
// store with a warning or rebuilds the entries, never crashes — and `cache info|clear` never touch anything else.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open } from 'lmdb';
import { Case, Ctx, POINTER_MAY_CHANGE } from './case';
import { mkfifo, tinyCsv, write } from './generate';
import { NEW_MODEL } from './snapshot';

const STORE = 'cache/embeddings/embeddings.mdb';
const train = (_c: Ctx, d: string) => ['train', 'data.csv', '--image-encoder', 'none', '--no-ablation', '--no-progress', '--cache', path.join(d, 'cache')];
const cacheCmd = (...a: string[]) => (_c: Ctx, d: string) => ['cache', ...a, '--cache', path.join(d, 'cache')];
/** The run may add a model, the store's own files and encoder files in the case's cache. */
const TRAINED = { ...POINTER_MAY_CHANGE,
  mayAppear: (rel: string) => NEW_MODEL(rel) || rel === '.genre-lens' || rel.startsWith('.genre-lens/') || rel.startsWith('cache/') };
const BYPASSED = /embedding cache not used/;

/** A case folder with the dataset and the cache's embeddings folder; `store` is made by `make`. */
const setup = (make: (storeFile: string, dir: string, ctx: Ctx) => void) => (dir: string, ctx: Ctx) => {
  tinyCsv(dir);
  fs.mkdirSync(path.join(dir, 'cache/embeddings'), { recursive: true });
  make(path.join(dir, STORE), dir, ctx);
};

/** The seed runs' store (a sound one, written by the CLI), copied. */
const seedStore = (ctx: Ctx) => fs.readFileSync(path.join(ctx.cache, 'embeddings/embeddings.mdb'));

/** A new store holding the seed store's keys (read in one LMDB snapshot, as other cases may be writing it), every value `value`. */
function rewriteValues(file: string, ctx: Ctx, value: Buffer): void {
  const binary = { encoding: 'binary', keyEncoding: 'binary' } as const;
  const src = open({ path: path.join(ctx.cache, 'embeddings/embeddings.mdb'), noSubdir: true, maxDbs: 8, readOnly: true });
  const keys = [...src.openDB('vectors', binary).getKeys()];
  const env = open({ path: file, noSubdir: true, maxDbs: 8 });
  const db = env.openDB('vectors', binary);
  env.transactionSync(() => {
    for (const key of keys) db.putSync(key, value);
  });
  void env.close();
  void src.close();
}

const header = (status: number, n: number, total: number) => {
  const b = Buffer.alloc(total);
  b[0] = 0xe5;
  b[1] = status;
  b.writeUInt32LE(n, 4);
  return b;
};

export const cacheCases: Case[] = [
  { name: 'embedding store: a garbage file', files: setup((f) => write(path.dirname(f), 'embeddings.mdb', Buffer.alloc(64 * 1024, 0x37))),
    args: train, code: 0, message: /embedding cache not used[^\n]*not an LMDB file/, rules: TRAINED, store: false },
  { name: 'embedding store: a truncated copy of a real store', files: setup((f, _d, c) => fs.writeFileSync(f, seedStore(c).subarray(0, 3 * 4096))),
    args: train, code: 0, message: /embedding cache not used[^\n]*truncated/, rules: TRAINED, store: false },
  { name: 'embedding store: a real store with its pages overwritten', files: setup((f, _d, c) => {
    const b = Buffer.from(seedStore(c));
    b.fill(0x5a, 2 * 4096);
    fs.writeFileSync(f, b);
  }), args: train, code: 0, message: /embedding cache not used[^\n]*damaged/, rules: TRAINED, store: false },
  { name: 'embedding store: a folder in its place', files: setup((f) => fs.mkdirSync(f)),
    args: train, code: 0, message: /embedding cache not used[^\n]*a folder/, rules: TRAINED, store: false },
  { name: 'embedding store: a FIFO in its place', files: setup((f) => mkfifo(f)),
    args: train, code: 0, message: /embedding cache not used[^\n]*a FIFO/, rules: TRAINED, store: false },
  { name: 'embedding store: a FIFO as its lock file', files: setup((f) => mkfifo(`${f}-lock`)),
    args: train, code: 0, message: /embedding cache not used[^\n]*a FIFO/, rules: TRAINED, store: false },
  { name: 'embedding store: a symlink to the user\'s file', files: setup((f, d) => fs.symlinkSync(write(d, 'precious.txt', 'mine\n'), f)),
    args: train, code: 0, message: /embedding cache not used[^\n]*symbolic link/, rules: TRAINED, store: false },
  { name: 'embedding store: the embeddings folder is a file', files: (d) => void (tinyCsv(d), write(d, 'cache/embeddings', 'not a folder\n')),
    args: train, code: 0, message: BYPASSED, rules: TRAINED, store: false },
  { name: 'embedding store: values of the wrong size are recomputed', files: setup((f, _d, c) => rewriteValues(f, c, header(0, 512, 8 + 4 * 100))),
    args: train, code: 0, message: /bytes where a \d+-d vector takes/, rules: { ...TRAINED, mayChange: (r) => r === '.genre-lens/current.json' || r.startsWith('cache/') }, store: false },
  { name: 'embedding store: values with a forged header are recomputed', files: setup((f, _d, c) => rewriteValues(f, c, header(1, 1e9, 40))),
    args: train, code: 0, message: /reason of the wrong length/, rules: { ...TRAINED, mayChange: (r) => r === '.genre-lens/current.json' || r.startsWith('cache/') }, store: false },
  { name: 'GENRE_LENS_CACHE_MAX_MB is not a number', files: setup(() => undefined), args: train, env: { GENRE_LENS_CACHE_MAX_MB: 'lots' },
    code: 0, message: /GENRE_LENS_CACHE_MAX_MB="lots" is not a positive number/, rules: TRAINED, store: false },
  { name: 'a tiny GENRE_LENS_CACHE_MAX_MB evicts and still trains', files: setup(() => undefined), args: train, env: { GENRE_LENS_CACHE_MAX_MB: '0.02' },
    code: 0, rules: TRAINED, store: false },
  { name: 'cache info on a garbage store says it is not usable', files: setup((f) => write(path.dirname(f), 'embeddings.mdb', 'garbage\n')),
    args: cacheCmd('info'), code: 0, message: /not usable[^\n]*(not an LMDB file|damaged|truncated)/, store: false },
  { name: 'cache clear leaves a folder named like the store and the user\'s files', files: setup((f, d) => {
    fs.mkdirSync(f);
    write(d, 'cache/embeddings/notes.txt', 'mine\n');
    write(d, 'cache/embeddings/text-mine.bin', 'mine\n');
  }), args: cacheCmd('clear'), code: 1, message: /left [^\n]*embeddings\.mdb: a folder/, store: false },
  { name: 'cache clear empties the store and removes old .bin files, nothing else', files: setup((f, d, c) => {
    fs.writeFileSync(f, seedStore(c));
    write(d, `cache/embeddings/text-use-lite-${'0'.repeat(24)}.bin`, Buffer.alloc(33 + 2048));
    write(d, 'cache/embeddings/keep.bin', 'mine\n');
    write(d, 'cache/posters/p.png', 'poster\n');
  }), args: cacheCmd('clear'), code: 0, message: /emptied [^\n]*embeddings\.mdb[^]*removed [^\n]*text-use-lite-0+\.bin/,
  rules: { mayChange: (r) => /^cache\/embeddings\/(embeddings\.mdb(-lock)?|text-use-lite-0+\.bin)$/.test(r), mayAppear: (r) => r === `${STORE}-lock` },
  check: (d) => (fs.existsSync(path.join(d, STORE)) ? null : 'the emptied store was removed'), store: false },
];
