// One training at a time per model store, across processes (CLI and VS Code daemon): `<store>/train.lock`, created with
// 'wx', holds { pid, host, startedAt, by }. Hand-written: a pid check says exactly whether the holder still runs, where
// mtime-heartbeat libraries (proper-lockfile) misjudge a live CLI whose event loop is blocked for minutes by encoding.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const LOCK_FILE = 'train.lock';
/** An unreadable lock file (being written, or damaged) counts as stale only once it is older than this. */
const GARBAGE_AFTER_MS = 60_000;

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  by: string;
}

/** A held lock; `release()` deletes the lock file if it is still the one this holder wrote. */
export interface StoreLock {
  file: string;
  /** Set when a stale lock was taken over: a warning naming it and why it was stale. */
  recovered?: string;
  release(): void;
}

function parseLock(text: string): LockInfo | null {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    const ok = Number.isInteger(v.pid) && typeof v.host === 'string' && typeof v.startedAt === 'string' && typeof v.by === 'string';
    return ok ? (v as LockInfo) : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH'; // EPERM: it exists, owned by another user
  }
}

/** Why the lock file's holder is gone (so the lock may be taken over), or null while it may still be training. */
function staleReason(info: LockInfo | null, mtimeMs: number): string | null {
  if (!info) return Date.now() - mtimeMs > GARBAGE_AFTER_MS ? 'an unreadable lock file older than a minute' : null;
  if (info.host === os.hostname() && !isAlive(info.pid)) return `process ${info.pid} has exited`;
  return null; // alive, or on another host (a shared folder), where its pid says nothing here
}

function readLock(file: string): { text: string; mtimeMs: number } | null {
  try {
    return { text: fs.readFileSync(file, 'utf8'), mtimeMs: fs.statSync(file).mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null; // released meanwhile
    throw e;
  }
}

/**
 * Removes the lock file only if it still holds `text` (what was judged stale): it is first renamed aside — atomic, so
 * two processes recovering the same lock cannot both act on it — and put back if another training took it meanwhile.
 */
function removeIfStill(file: string, text: string): void {
  const aside = `${file}.stale-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // gone already: the next attempt creates it
  }
  try {
    if (fs.readFileSync(aside, 'utf8') !== text) fs.linkSync(aside, file); // not the stale one: give it back (never over a newer lock)
  } catch {
    // a newer lock is in place: that training goes on
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

function heldMessage(store: string, file: string, info: LockInfo | null): string {
  const who = info ? `process ${info.pid} on ${info.host}, started ${info.startedAt} by ${info.by}` : 'a holder whose lock file cannot be read';
  return `${store}: another training is saving into this model store (${who}). Wait for it to finish or cancel it, ` +
    `then train again; if no training is running, delete the lock file ${file}.`;
}

/**
 * Takes the store's training lock, or throws naming the store, the holder and what to do. A lock left by a process
 * that has exited (same host) is taken over, and `recovered` says whose it was. Creates the store folder if needed;
 * `release()` removes it again when this lock created it and it is still empty.
 */
export function lockStore(store: string, by: string): StoreLock {
  const created = !fs.existsSync(store);
  fs.mkdirSync(store, { recursive: true });
  const file = path.join(store, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), by } satisfies LockInfo) + '\n';
  let recovered: string | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx' });
      return { file, recovered, release: () => release(store, file, mine, created) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = readLock(file);
    if (!held) continue; // released meanwhile: try again
    const info = parseLock(held.text);
    const stale = staleReason(info, held.mtimeMs);
    if (!stale) throw new Error(heldMessage(store, file, info));
    recovered = `${file}: took over the training lock left behind (${stale})`;
    removeIfStill(file, held.text);
  }
  throw new Error(`${store}: the training lock ${file} keeps changing; another training is starting — wait for it, then train again.`);
}

/**
 * Deletes the store's lock when it names this process: for a host (the daemon) whose training ran in a worker thread
 * that was terminated before its own release ran (same pid, so the lock would never look stale). Call it only once
 * that training has ended and before another one can start.
 */
export function releaseOrphanedLock(store: string): void {
  const file = path.join(store, LOCK_FILE);
  try {
    const held = readLock(file);
    const info = held && parseLock(held.text);
    if (info && info.pid === process.pid && info.host === os.hostname()) fs.rmSync(file, { force: true });
  } catch {
    // unreadable: leave it to the stale check
  }
}

function release(store: string, file: string, mine: string, created: boolean): void {
  // Never throws: a release must not hide the training's own error.
  try {
    if (fs.readFileSync(file, 'utf8') === mine) fs.rmSync(file); // never another training's lock
  } catch {
    // gone already
  }
  try {
    if (created) fs.rmdirSync(store); // only when empty: nothing was saved
  } catch {
    // not empty: leave it
  }
}
