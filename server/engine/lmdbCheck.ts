// Checks an LMDB file (the layout of lmdb-js 3.x: 24-byte page headers, node offsets relative to them) before it is
// memory-mapped: LMDB trusts its file, and a garbage, truncated or forged one makes it read out of bounds and crash
// the process. This walks the newest meta page's trees with plain reads: every page where it says, every pointer in range.
// (The free list's page numbers are not checked: lmdb-js 3 stores them in a format of its own.)
import * as fs from 'node:fs';

const MAGIC = 0xbeefc0de;
const HDR = 24; // pgno u64, txnid u64, pad u16, flags u16, lower u16, upper u16 (or overflow page count u32)
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;
const P_META = 0x08;
const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const MAX_DEPTH = 32;

class Corrupt extends Error {}

interface DbRecord { depth: number; root: bigint }

const u64 = (b: Buffer, off: number): number => Number(b.readBigUInt64LE(off));

function dbRecord(b: Buffer, off: number): DbRecord {
  return { depth: b.readUInt16LE(off + 6), root: b.readBigUInt64LE(off + 40) };
}

/** Reads `n` bytes at `pos`, or fails when the file is shorter. */
function readAt(fd: number, pos: number, n: number): Buffer {
  const buf = Buffer.alloc(n);
  if (fs.readSync(fd, buf, 0, n, pos) !== n) throw new Corrupt(`short read at byte ${pos}`);
  return buf;
}

class Walker {
  readonly live = new Set<number>();

  constructor(private readonly fd: number, private readonly ps: number, private readonly lastPg: number) {}

  private page(pgno: number, flag: number): Buffer {
    if (!Number.isSafeInteger(pgno) || pgno < 2 || pgno > this.lastPg) throw new Corrupt(`page ${pgno} out of range`);
    if (this.live.has(pgno)) throw new Corrupt(`page ${pgno} referenced twice`);
    this.live.add(pgno);
    const p = readAt(this.fd, pgno * this.ps, this.ps);
    if (u64(p, 0) !== pgno) throw new Corrupt(`page ${pgno} says it is page ${u64(p, 0)}`);
    if ((p.readUInt16LE(18) & (P_BRANCH | P_LEAF | P_OVERFLOW | P_META)) !== flag) throw new Corrupt(`page ${pgno} has flags ${p.readUInt16LE(18)}`);
    return p;
  }

  /** An overflow run of a big value: its first page's header, and every page of the run in range. */
  private overflow(pgno: number, size: number): Buffer {
    const pages = Math.floor((HDR - 1 + size) / this.ps) + 1;
    const head = this.page(pgno, P_OVERFLOW);
    if (head.readUInt32LE(20) !== pages) throw new Corrupt(`overflow page ${pgno} spans ${head.readUInt32LE(20)} pages, not ${pages}`);
    if (pgno + pages - 1 > this.lastPg) throw new Corrupt(`overflow pages ${pgno}+${pages} out of range`);
    for (let i = 1; i < pages; i++) {
      if (this.live.has(pgno + i)) throw new Corrupt(`page ${pgno + i} referenced twice`);
      this.live.add(pgno + i);
    }
    return head;
  }

  /** Walks a tree; `kind` says what its leaf values are. */
  tree(db: DbRecord, kind: 'main' | 'free' | 'data'): void {
    if (db.root === 0xffffffffffffffffn) return;
    if (db.depth < 1 || db.depth > MAX_DEPTH) throw new Corrupt(`tree depth ${db.depth}`);
    this.node(Number(db.root), db.depth, kind);
  }

  private node(pgno: number, depth: number, kind: 'main' | 'free' | 'data'): void {
    const leaf = depth === 1;
    const p = this.page(pgno, leaf ? P_LEAF : P_BRANCH);
    const lower = p.readUInt16LE(20);
    const upper = p.readUInt16LE(22);
    if (lower % 2 !== 0 || lower > upper || upper > this.ps - HDR) throw new Corrupt(`page ${pgno} bounds ${lower}/${upper}`);
    const n = lower >> 1;
    if (!leaf && n < 1) throw new Corrupt(`branch page ${pgno} is empty`);
    for (let i = 0; i < n; i++) {
      const off = p.readUInt16LE(HDR + 2 * i) + HDR;
      if (off < HDR + upper || off + 8 > this.ps) throw new Corrupt(`page ${pgno} node ${i} at ${off}`);
      const lo = p.readUInt16LE(off);
      const hi = p.readUInt16LE(off + 2);
      const flags = p.readUInt16LE(off + 4);
      const ksize = p.readUInt16LE(off + 6);
      const data = off + 8 + ksize;
      if (data > this.ps) throw new Corrupt(`page ${pgno} node ${i} key overruns the page`);
      if (!leaf) {
        this.node(lo + hi * 0x10000 + flags * 0x100000000, depth - 1, kind);
        continue;
      }
      const size = lo + hi * 0x10000;
      if (flags & ~(F_BIGDATA | F_SUBDATA)) throw new Corrupt(`page ${pgno} node ${i} flags ${flags}`);
      let value: Buffer | null;
      if (flags & F_BIGDATA) {
        if (data + 8 > this.ps) throw new Corrupt(`page ${pgno} node ${i} overruns the page`);
        const head = this.overflow(u64(p, data), size);
        value = kind === 'main' ? Buffer.concat([head.subarray(HDR), readAt(this.fd, u64(p, data) * this.ps + this.ps, Math.max(0, size - (this.ps - HDR)))]).subarray(0, size) : null;
      } else {
        if (data + size > this.ps) throw new Corrupt(`page ${pgno} node ${i} value overruns the page`);
        value = p.subarray(data, data + size);
      }
      if (flags & F_SUBDATA) {
        if (kind !== 'main' || size !== 48 || !value) throw new Corrupt(`page ${pgno} node ${i}: a database record where none belongs`);
        this.tree(dbRecord(value, 0), 'data');
      }
    }
  }
}

function metaOf(b: Buffer, ps: number | null) {
  if (b.readUInt32LE(HDR) !== MAGIC || b.readUInt32LE(HDR + 4) !== 2) return null;
  const pageSize = ps ?? b.readUInt32LE(0x30);
  return { pageSize, free: dbRecord(b, 0x30), main: dbRecord(b, 0x60), lastPg: u64(b, 0x90), txnid: u64(b, 0x98) };
}

/** The newest meta page of an LMDB file, or why the headers are not LMDB's. */
function newestMeta(fd: number): ReturnType<typeof metaOf> | string {
  const m0 = metaOf(readAt(fd, 0, 0xa0), null);
  if (!m0 || ![512, 1024, 2048, 4096, 8192, 16384, 32768, 65536].includes(m0.pageSize)) return 'is not an LMDB file (bad header)';
  const m1 = metaOf(readAt(fd, m0.pageSize, 0xa0), m0.pageSize);
  if (!m1) return 'is not an LMDB file (bad second header)';
  return m1.txnid > m0.txnid ? m1 : m0;
}

/**
 * Why `file` is not a sound LMDB file, or null (also when it is absent or empty: LMDB creates it). Never throws.
 * Another process may commit while the tree is walked (reusing pages the walk is reading): damage is only reported
 * when the newest transaction is still the one walked, else the walk starts again (a few times).
 */
export function lmdbFileProblem(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? null : `cannot be read (${code ?? (e as Error).message})`;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return 'is not a regular file';
    if (fs.fstatSync(fd).size === 0) return null;
    for (let attempt = 0; ; attempt++) {
      const meta = newestMeta(fd);
      if (typeof meta === 'string' || meta === null) return meta ?? 'is not an LMDB file (bad header)';
      const size = fs.fstatSync(fd).size; // after the headers: a writer only appends pages before it writes a header
      if (!Number.isSafeInteger(meta.lastPg) || (meta.lastPg + 1) * meta.pageSize > size) {
        return `is truncated: ${size} bytes, its header needs ${(meta.lastPg + 1) * meta.pageSize}`;
      }
      try {
        const walk = new Walker(fd, meta.pageSize, meta.lastPg);
        walk.tree(meta.free, 'free');
        walk.tree(meta.main, 'main');
        return null;
      } catch (e) {
        const now = newestMeta(fd);
        const moved = typeof now === 'object' && now !== null && now.txnid !== meta.txnid;
        if (!(e instanceof Corrupt) || !moved || attempt >= 4) throw e;
      }
    }
  } catch (e) {
    return e instanceof Corrupt ? `is damaged: ${e.message}` : `cannot be checked (${(e as Error).message})`;
  } finally {
    fs.closeSync(fd);
  }
}
