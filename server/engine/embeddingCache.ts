// On-disk cache of encoder outputs, so a row is encoded once across trainings, evaluations and hovers.
// One append-only file per encoder identity: records of [sha256(input) 32 bytes][missing 1 byte][dim × float32].
// A torn last record (crash mid-append) is ignored on load; the file is never rewritten in place.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EncoderIdentity } from './encoders/types';

export interface CachedVector {
  vector: Float32Array;
  missing: boolean;
}

export class EmbeddingCache {
  private readonly entries = new Map<string, CachedVector>();
  private readonly recordBytes: number;

  private constructor(readonly file: string | null, readonly dim: number) {
    this.recordBytes = 33 + 4 * dim;
  }

  /** Opens (or creates) the cache for one encoder in `dir`; `dir` null keeps it in memory only. */
  static open(dir: string | null, identity: EncoderIdentity): EmbeddingCache {
    // Not `fallback` (a stand-in gives the same vectors as itself asked for by name); every file, when recorded (hub encoders).
    const key = crypto.createHash('sha256').update(JSON.stringify([identity.id, identity.version, identity.dim,
      identity.weightsSha256, identity.preprocess, ...(identity.files ? [identity.files] : [])])).digest('hex').slice(0, 24);
    const file = dir ? path.join(dir, `${identity.kind}-${identity.id.replace(/[^\w.-]+/g, '_')}-${key}.bin`) : null;
    const cache = new EmbeddingCache(file, identity.dim);
    if (file && fs.existsSync(file)) cache.load(fs.readFileSync(file));
    return cache;
  }

  static keyOf(input: string | Uint8Array): string {
    return crypto.createHash('sha256').update(input).digest('hex');
  }

  private load(buf: Buffer): void {
    for (let off = 0; off + this.recordBytes <= buf.length; off += this.recordBytes) {
      const key = buf.subarray(off, off + 32).toString('hex');
      const missing = buf[off + 32] === 1;
      const vector = new Float32Array(this.dim);
      new Uint8Array(vector.buffer).set(buf.subarray(off + 33, off + this.recordBytes));
      this.entries.set(key, { vector, missing });
    }
  }

  get(key: string): CachedVector | undefined {
    return this.entries.get(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Adds entries in memory and appends them to the file in one write. */
  putMany(items: { key: string; value: CachedVector }[]): void {
    const fresh = items.filter((it) => !this.entries.has(it.key));
    if (fresh.length === 0) return;
    const buf = Buffer.alloc(fresh.length * this.recordBytes);
    fresh.forEach(({ key, value }, i) => {
      if (value.vector.length !== this.dim) throw new RangeError(`cache expects ${this.dim}-d vectors, got ${value.vector.length}`);
      this.entries.set(key, value);
      const off = i * this.recordBytes;
      buf.write(key, off, 32, 'hex');
      buf[off + 32] = value.missing ? 1 : 0;
      Buffer.from(value.vector.buffer, value.vector.byteOffset, value.vector.byteLength).copy(buf, off + 33);
    });
    if (this.file) {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      this.truncateTornTail();
      fs.appendFileSync(this.file, buf);
    }
  }

  /** Drops a partial record left by a crash, so appends stay aligned. */
  private truncateTornTail(): void {
    if (!this.file || !fs.existsSync(this.file)) return;
    const size = fs.statSync(this.file).size;
    if (size % this.recordBytes !== 0) fs.truncateSync(this.file, size - (size % this.recordBytes));
  }
}
