// Tests for the store's training lock: a second training into the same store fails with a message naming the holder
// (in-process and from the CLI) and leaves the first one's model intact; locks left by exited processes or damaged
// long ago are taken over; a fresh or foreign one is not; --out takes no lock.
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { loadModel, trainRun, type TrainRunOptions } from '../server/engine/run';
import { LOCK_FILE, lockStore } from '../server/engine/storeLock';

const repo = path.resolve(__dirname, '..');
const data = path.join(repo, 'examples/movies.csv');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-lock-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));
let n = 0;
const newStore = () => path.join(work, `store-${++n}`);
const options = (o: Partial<TrainRunOptions>): TrainRunOptions => ({ data, imageEncoder: 'none', ablation: false, cacheDir: path.join(work, 'cache'),
  train: { workers: 2, maxRounds: 30, patience: 10 }, ...o });

/** A lock file as another process would have written it. */
function plantLock(store: string, lock: { pid: number; host?: string }, ageMs = 0): string {
  fs.mkdirSync(store, { recursive: true });
  const file = path.join(store, LOCK_FILE);
  fs.writeFileSync(file, JSON.stringify({ host: os.hostname(), startedAt: '2030-01-02T03:04:05.000Z', by: 'genre-lens train (CLI)', ...lock }));
  if (ageMs) fs.utimesSync(file, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));
  return file;
}

/** The pid of a process that has exited. */
function exitedPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

test('a second training into the same store fails naming the holder, and the first one saves its model', async () => {
  const store = newStore();
  const first = trainRun(options({ store, lockedBy: 'VS Code daemon' }));
  // The lock is taken before trainRun's first await, so the second training finds it.
  const lockFile = path.join(store, LOCK_FILE);
  await assert.rejects(trainRun(options({ store })), (e: Error) => {
    assert.ok(e.message.startsWith(`${store}: another training is saving into this model store`), e.message);
    assert.match(e.message, new RegExp(`process ${process.pid} on .+, started \\d{4}-\\d\\d-\\d\\dT.+ by VS Code daemon`));
    assert.match(e.message, /Wait for it to finish or cancel it/);
    assert.ok(e.message.includes(`if no training is running, delete the lock file ${lockFile}`), e.message);
    return true;
  });
  const r = await first;
  assert.equal(loadModel(store).dir, r.modelDir, 'the store points at the first training\'s model');
  assert.equal(r.manifest.genres.length, 8);
  assert.ok(!fs.existsSync(lockFile), 'released after the training');
});

test('a lock left by a process that has exited is taken over, with a warning', async () => {
  const store = newStore();
  const pid = exitedPid();
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `pid ${pid} has exited`);
  const file = plantLock(store, { pid });
  const warnings: string[] = [];
  const r = await trainRun(options({ store, onWarning: (w) => warnings.push(w) }));
  assert.ok(fs.existsSync(path.join(r.modelDir, 'manifest.json')));
  assert.ok(warnings.includes(`${file}: took over the training lock left behind (process ${pid} has exited)`), warnings.join('\n'));
  assert.ok(!fs.existsSync(file));
});

test('a live holder, a holder on another host and a fresh unreadable lock are respected; an old unreadable one is not', () => {
  const live = plantLock(newStore(), { pid: process.pid });
  assert.throws(() => lockStore(path.dirname(live), 'test'), /another training is saving into this model store \(process \d+ on /);
  assert.ok(fs.existsSync(live), 'a refused lock leaves the holder\'s file alone');

  const foreign = plantLock(newStore(), { pid: exitedPid(), host: 'some-other-host' });
  assert.throws(() => lockStore(path.dirname(foreign), 'test'), /on some-other-host/);

  const store = newStore();
  fs.mkdirSync(store);
  fs.writeFileSync(path.join(store, LOCK_FILE), '{"pid": 12'); // being written, or damaged
  assert.throws(() => lockStore(store, 'test'), /a holder whose lock file cannot be read/);
  const old = new Date(Date.now() - 5 * 60_000);
  fs.utimesSync(path.join(store, LOCK_FILE), old, old);
  const lock = lockStore(store, 'test');
  assert.match(lock.recovered ?? '', /an unreadable lock file older than a minute/);
  assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(lock.file, 'utf8'))).sort(), ['by', 'host', 'pid', 'startedAt']);
  lock.release();
  assert.ok(!fs.existsSync(lock.file));
});

test('release removes only its own lock, and the store folder only when it made it and nothing was saved', () => {
  const store = newStore();
  const lock = lockStore(store, 'test');
  fs.writeFileSync(lock.file, JSON.stringify({ pid: 1, host: 'x', startedAt: 'now', by: 'another' })); // taken over meanwhile
  lock.release();
  assert.ok(fs.existsSync(lock.file), "another holder's lock stays");
  fs.rmSync(lock.file);
  lockStore(store, 'test').release(); // the store existed already: it stays
  assert.ok(fs.existsSync(store));
  const fresh = newStore();
  lockStore(fresh, 'test').release();
  assert.ok(!fs.existsSync(fresh), 'a store folder made only for the lock is removed again');
});

test('a training with --out takes no lock', async () => {
  const store = newStore();
  const held = lockStore(store, 'test');
  const r = await trainRun(options({ store, out: path.join(work, 'out-model') }));
  assert.equal(r.modelDir, path.join(work, 'out-model'));
  assert.ok(fs.existsSync(held.file), 'the store lock was not touched');
  held.release();
});

const exec = promisify(execFile);
test('CLI: genre-lens train into a locked store exits 1 with the message', async () => {
  const cwd = path.join(work, 'cli');
  const file = plantLock(path.join(cwd, '.genre-lens'), { pid: process.pid });
  const r = await exec(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(repo, 'server/cli.ts'), 'train', data,
    '--image-encoder', 'none', '--no-progress'], { cwd, env: { ...process.env, GENRE_LENS_CACHE: path.join(work, 'cache') } })
    .then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`another training is saving into this model store \\(process ${process.pid} on .+, started 2030-01-02T03:04:05.000Z by genre-lens train \\(CLI\\)\\)`));
  assert.ok(r.stderr.includes(`delete the lock file ${file}`), r.stderr);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), [LOCK_FILE], 'nothing else written');
});
