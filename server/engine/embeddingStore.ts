// The embedding store: one LMDB file (`<cache>/embeddings/embeddings.mdb`, lmdb-js over N-API) shared by every process
// and thread that encodes — the daemon's threads and CLI runs at once, LMDB's one writer at a time — with a size cap and
// least-recently-used eviction. A store that is not a sound regular file is bypassed with a warning, never opened.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { lmdbFileProblem } from './lmdbCheck';

export const STORE_FILE = 'embeddings.mdb';
export const LOCK_FILE = `${STORE_FILE}-lock`;
/** The default size cap (MB); $GENRE_LENS_CACHE_MAX_MB overrides it. */
export const DEFAULT_MAX_MB = 1024;
/** Reads refresh an entry's access time when it is older than this (minutes): warm runs write nothing. */
const TOUCH_EVERY_MIN = 60;
/** Eviction frees down to this share of the cap, so it does not run on every write. */
const EVICT_TO = 0.9;

type Bin = Database<Buffer, Buffer>;
export interface StoreOptions {
  /** Size cap in bytes (default: $GENRE_LENS_CACHE_MAX_MB, else DEFAULT_MAX_MB). */
  maxBytes?: number;
  /** Minutes since the epoch, for access times (tests move it). */
  clock?: () => number;
}

let warnSink: (m: string) => void = (m) => void process.stderr.write(`warning: ${m}\n`);
const warned = new Set<string>();
/** Where store warnings go (default stderr, `warning: …`); each distinct warning once per process. */
export function setStoreWarningSink(sink: (m: string) => void): void {
  warnSink = sink;
}
export function storeWarning(m: string): void {
  if (warned.has(m)) return;
  warned.add(m);
  warnSink(m);
}

/** The size cap from $GENRE_LENS_CACHE_MAX_MB (a positive number of MB), else the default (with a warning when it is not one). */
export function envMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.GENRE_LENS_CACHE_MAX_MB;
  if (raw === undefined || raw.trim() === '') return DEFAULT_MAX_MB * 1e6;
  const mb = Number(raw);
  if (Number.isFinite(mb) && mb > 0) return mb * 1e6;
  storeWarning(`GENRE_LENS_CACHE_MAX_MB=${JSON.stringify(raw.slice(0, 40))} is not a positive number of MB; the embedding cache keeps its default cap of ${DEFAULT_MAX_MB} MB`);
  return DEFAULT_MAX_MB * 1e6;
}

const KIND: [(s: fs.Stats) => boolean, string][] = [[(s) => s.isDirectory(), 'a folder'], [(s) => s.isSymbolicLink(), 'a symbolic link'],
  [(s) => s.isFIFO(), 'a FIFO'], [(s) => s.isSocket(), 'a socket'], [(s) => s.isCharacterDevice() || s.isBlockDevice(), 'a device']];
export const kindOf = (s: fs.Stats) => KIND.find(([is]) => is(s))?.[1] ?? 'not a regular file';

/** Why the store in `dir` cannot be used, or null (also when it does not exist yet). Never throws. */
export function storeProblem(dir: string): string | null {
  try {
    const d = fs.statSync(dir, { throwIfNoEntry: false });
    if (d && !d.isDirectory()) return `${dir} is ${kindOf(d)}, not a folder`;
    for (const name of [STORE_FILE, LOCK_FILE]) {
      const file = path.join(dir, name);
      const s = fs.lstatSync(file, { throwIfNoEntry: false });
      if (!s) continue;
      if (!s.isFile()) return `${file} is ${kindOf(s)}, not the store's file`;
      if (s.nlink > 1) return `${file} has other names (hard links), so it may be someone else's file`;
    }
    const problem = lmdbFileProblem(path.join(dir, STORE_FILE));
    return problem && `${path.join(dir, STORE_FILE)} ${problem}`;
  } catch (e) {
    return `${dir}: ${(e as Error).message}`;
  }
}

/** What one entry costs on disk (LMDB: values over ~half a page take whole overflow pages), plus its access time. */
export function entryFootprint(keyLen: number, valueLen: number, pageSize: number): number {
  const node = 8 + keyLen + valueLen;
  const value = node + 2 <= (pageSize - 24) / 2 ? node + 2 : 8 + keyLen + 8 + 2 + Math.ceil((valueLen + 24) / pageSize) * pageSize;
  return value + 8 + keyLen + 4 + 2;
}

const BYTES = Buffer.from('bytes');

/** One open store, shared in a process by every EmbeddingCache on it. */
export class EmbeddingStore {
  private static readonly open = new Map<string, EmbeddingStore>();
  private env: RootDatabase | null = null;
  private vectors!: Bin;
  private access!: Bin;
  private encoders!: Bin;
  private meta!: Bin;
  pageSize = 4096;
  /** Why the store is not used (set once something fails), or null. */
  problem: string | null = null;
  private pending = new Map<string, { key: Buffer; value: Buffer; enc: Buffer; identity: string }>();
  private touches = new Map<string, Buffer>();
  private scheduled = false;
  private inflight = new Set<Promise<void>>();
  private overlay = new Map<string, Buffer>();

  private constructor(readonly dir: string, public maxBytes: number, private clock: () => number) {}

  get file(): string {
    return path.join(this.dir, STORE_FILE);
  }

  /** The store in `dir`, opened once per process; unusable ones report `problem`. Explicit options apply to the shared store. */
  static at(dir: string, options: StoreOptions = {}): EmbeddingStore {
    const id = path.resolve(dir);
    let s = EmbeddingStore.open.get(id);
    if (!s || s.closed) {
      s = new EmbeddingStore(id, options.maxBytes ?? envMaxBytes(), options.clock ?? (() => Math.floor(Date.now() / 60_000)));
      s.start();
      EmbeddingStore.open.set(id, s);
    } else {
      if (options.maxBytes !== undefined) s.maxBytes = options.maxBytes;
      if (options.clock) s.clock = options.clock;
    }
    return s;
  }

  private closed = false;

  private start(): void {
    const problem = storeProblem(this.dir);
    if (problem) return this.fail(problem);
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      const env = open({ path: this.file, noSubdir: true, maxDbs: 8, encoding: 'binary', keyEncoding: 'binary' }) as RootDatabase;
      this.env = env;
      const db = (name: string) => env.openDB(name, { encoding: 'binary', keyEncoding: 'binary' }) as unknown as Bin;
      [this.vectors, this.access, this.encoders, this.meta] = [db('vectors'), db('access'), db('encoders'), db('meta')];
      this.pageSize = (env.getStats() as { pageSize: number }).pageSize;
    } catch (e) {
      this.fail(`${this.file} cannot be opened: ${(e as Error).message}`);
    }
  }

  /** Stops using the store for the rest of the process, with one warning. */
  fail(problem: string): void {
    if (this.problem) return;
    this.problem = problem;
    storeWarning(`embedding cache not used: ${problem}. Embeddings are recomputed; \`genre-lens cache clear\` resets the cache.`);
    this.pending.clear();
    this.touches.clear();
  }

  get usable(): boolean {
    return this.problem === null && this.env !== null;
  }

  /** The raw value under `key` (pending writes included), refreshing its access time when stale. */
  get(key: Buffer): Buffer | undefined {
    if (!this.usable) return undefined;
    const hex = key.toString('hex');
    const mine = this.pending.get(hex)?.value ?? this.overlay.get(hex);
    if (mine) return mine;
    try {
      const v = this.vectors.getBinary(key);
      if (!v) return undefined;
      const t = this.access.getBinaryFast(key);
      if (!t || t.length !== 4 || t.readUInt32LE(0) + TOUCH_EVERY_MIN <= this.clock()) {
        this.touches.set(hex, Buffer.from(key));
        this.schedule();
      }
      return v; // getBinary copies out of the map
    } catch (e) {
      this.fail(`${this.file} cannot be read: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** Entries whose key starts with `prefix` (an encoder's). */
  count(prefix: Buffer): number {
    if (!this.usable) return 0;
    try {
      return this.vectors.getKeysCount({ start: prefix, end: nextPrefix(prefix) });
    } catch (e) {
      this.fail(`${this.file} cannot be read: ${(e as Error).message}`);
      return 0;
    }
  }

  /** Queues writes (committed in the background, in one transaction per event-loop turn; `flush` waits for them). */
  put(enc: Buffer, identity: string, items: { key: Buffer; value: Buffer }[]): void {
    if (!this.usable) return;
    for (const { key, value } of items) this.pending.set(key.toString('hex'), { key, value, enc, identity });
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || !this.usable) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.commit();
    });
  }

  private commit(): void {
    if (!this.usable || !this.env || (this.pending.size === 0 && this.touches.size === 0)) return;
    const puts = [...this.pending.values()];
    const touches = [...this.touches.values()];
    this.pending.clear();
    this.touches.clear();
    for (const p of puts) this.overlay.set(p.key.toString('hex'), p.value);
    const done = this.env.transaction(() => this.write(puts, touches)).then(() => undefined, (e: Error) => {
      this.fail(`${this.file} cannot be written: ${e.message}`);
    }).finally(() => {
      for (const p of puts) if (this.overlay.get(p.key.toString('hex')) === p.value) this.overlay.delete(p.key.toString('hex'));
      this.inflight.delete(done);
    });
    this.inflight.add(done);
  }

  /** Inside the write transaction: entries, access times, the byte count, then eviction beyond the cap. */
  private write(puts: { key: Buffer; value: Buffer; enc: Buffer; identity: string }[], touches: Buffer[]): void {
    const now = Buffer.alloc(4);
    now.writeUInt32LE(this.clock() >>> 0);
    const counted = this.meta.getBinary(BYTES);
    let bytes = counted && counted.length === 8 ? counted.readDoubleLE(0) : 0;
    for (const { key, value, enc, identity } of puts) {
      const old = this.vectors.getBinary(key);
      if (old) bytes -= entryFootprint(key.length, old.length, this.pageSize);
      this.vectors.putSync(key, value);
      this.access.putSync(key, now);
      bytes += entryFootprint(key.length, value.length, this.pageSize);
      if (!this.encoders.getBinary(enc)) this.encoders.putSync(enc, Buffer.from(identity));
    }
    for (const key of touches) if (this.vectors.doesExist(key)) this.access.putSync(key, now);
    if (bytes > this.maxBytes) bytes = this.evict(bytes);
    const out = Buffer.alloc(8);
    out.writeDoubleLE(Math.max(0, bytes));
    this.meta.putSync(BYTES, out);
  }

  /** Removes the least recently used entries (oldest access time, then key order) until under EVICT_TO of the cap. */
  private evict(bytes: number): number {
    const all: { key: Buffer; t: number }[] = [];
    for (const { key, value } of this.access.getRange({})) all.push({ key: Buffer.from(key), t: value.length === 4 ? value.readUInt32LE(0) : 0 });
    all.sort((a, b) => a.t - b.t || Buffer.compare(a.key, b.key));
    for (const { key } of all) {
      if (bytes <= this.maxBytes * EVICT_TO) break;
      const v = this.vectors.getBinary(key);
      if (v) bytes -= entryFootprint(key.length, v.length, this.pageSize);
      this.vectors.removeSync(key);
      this.access.removeSync(key);
    }
    return bytes;
  }

  /** Waits until every queued write and access time is committed. */
  async flush(): Promise<void> {
    while (this.scheduled || this.inflight.size > 0 || (this.usable && (this.pending.size > 0 || this.touches.size > 0))) {
      if (!this.scheduled && this.inflight.size === 0) this.commit();
      await Promise.all([...this.inflight, new Promise((r) => setImmediate(r))]);
    }
  }

  /** Flushes and closes; a later `at` opens the store again. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    const env = this.env;
    this.env = null;
    await env?.close();
  }

  /** Closes the store this process opened in `dir`, if any (before its files are removed). */
  static async closeAt(dir: string): Promise<void> {
    const s = EmbeddingStore.open.get(path.resolve(dir));
    EmbeddingStore.open.delete(path.resolve(dir));
    await s?.close();
  }

  /** Every entry as [key, value length, first bytes], and the encoders' recorded identities (for `cache info`). */
  scan(each: (key: Buffer, value: Buffer) => void): Map<string, string> {
    const names = new Map<string, string>();
    if (!this.usable) return names;
    for (const { key, value } of this.vectors.getRange({})) each(key, value);
    for (const { key, value } of this.encoders.getRange({})) names.set(Buffer.from(key).toString('hex'), Buffer.from(value).toString('utf8'));
    return names;
  }

  /** The byte count the store keeps (estimated disk use of its entries). */
  get bytes(): number {
    const b = this.usable ? this.meta.getBinary(BYTES) : undefined;
    return b && b.length === 8 ? b.readDoubleLE(0) : 0;
  }

  /** Empties every table in one transaction (processes using the store see it empty at once). */
  clearAll(): void {
    if (!this.usable || !this.env) return;
    this.env.transactionSync(() => {
      for (const db of [this.vectors, this.access, this.encoders, this.meta]) db.clearSync();
    });
  }
}

function nextPrefix(prefix: Buffer): Buffer {
  const out = Buffer.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] < 255) {
      out[i]++;
      return out.subarray(0, i + 1);
    }
  }
  return Buffer.alloc(prefix.length + 1, 255);
}
