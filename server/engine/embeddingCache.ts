// One encoder's view of the embedding store (embeddingStore.ts): vectors keyed by encoder identity + sha256 of the input
// (the text, or the poster's bytes), and posters the encoder could not decode, with the reason. Values read back are
// checked (header, length, finite numbers); a bad one is recomputed. Without a usable store it caches in memory only.
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import type { EncoderIdentity } from './encoders/types';
import { EmbeddingStore, envMaxBytes, storeWarning, type StoreOptions } from './embeddingStore';

export interface CachedVector {
  vector: Float32Array;
  /** The input could not be encoded (an undecodable poster): `vector` is empty and `reason` says why. */
  missing: boolean;
  reason?: string | null;
}

const MAGIC = 0xe5;
const HEADER = 8; // magic u8, status u8 (0 vector, 1 undecodable), 2 reserved bytes, u32 dim or reason length
const MAX_REASON = 1000;

/** The 12-byte key of an encoder: every fact that changes its vectors (not `fallback`: a stand-in gives what it gives by name). */
export function encoderKeyOf(identity: EncoderIdentity): Buffer {
  return crypto.createHash('sha256').update(JSON.stringify([identity.id, identity.version, identity.dim,
    identity.weightsSha256, identity.preprocess, ...(identity.files ? [identity.files] : [])])).digest().subarray(0, 12);
}

export function encodeValue(v: CachedVector): Buffer {
  if (v.missing) {
    const reason = Buffer.from((v.reason ?? 'undecodable').slice(0, MAX_REASON), 'utf8');
    const out = Buffer.alloc(HEADER + reason.length);
    out[0] = MAGIC;
    out[1] = 1;
    out.writeUInt32LE(reason.length, 4);
    reason.copy(out, HEADER);
    return out;
  }
  const out = Buffer.alloc(HEADER + 4 * v.vector.length);
  out[0] = MAGIC;
  out.writeUInt32LE(v.vector.length, 4);
  Buffer.from(v.vector.buffer, v.vector.byteOffset, v.vector.byteLength).copy(out, HEADER);
  return out;
}

/** The value, or why it is not one of `dim` finite numbers (or a remembered failure). */
export function decodeValue(b: Buffer, dim: number): CachedVector | string {
  if (b.length < HEADER || b[0] !== MAGIC) return 'no valid header';
  const n = b.readUInt32LE(4);
  if (b[1] === 1) {
    if (n > MAX_REASON * 4 || b.length !== HEADER + n) return 'a reason of the wrong length';
    return { vector: new Float32Array(0), missing: true, reason: b.toString('utf8', HEADER) };
  }
  if (b[1] !== 0) return `status ${b[1]}`;
  if (n !== dim || b.length !== HEADER + 4 * dim) return `${b.length} bytes where a ${dim}-d vector takes ${HEADER + 4 * dim}`;
  const vector = new Float32Array(dim);
  new Uint8Array(vector.buffer).set(b.subarray(HEADER));
  for (let i = 0; i < dim; i++) if (!Number.isFinite(vector[i])) return 'a number that is not finite';
  return { vector, missing: false };
}

export class EmbeddingCache {
  /** Only without a usable store: recently used entries, up to the size cap. */
  private readonly memory = new Map<string, Buffer>();
  private memoryBytes = 0;
  readonly encoderKey: string;
  private readonly prefix: Buffer;
  private readonly described: string;

  private constructor(readonly file: string | null, readonly dim: number, identity: EncoderIdentity,
    private readonly store: EmbeddingStore | null, private readonly maxBytes: number) {
    this.prefix = encoderKeyOf(identity);
    this.encoderKey = this.prefix.toString('hex');
    this.described = JSON.stringify({ kind: identity.kind, id: identity.id, version: identity.version, dim: identity.dim });
  }

  /**
   * The cache of one encoder in the store in `dir` (created on first write); `dir` null keeps it in memory only.
   * `file` is the store's file: the same for every encoder, whose entries `encoderKey` tells apart.
   */
  static open(dir: string | null, identity: EncoderIdentity, options: StoreOptions = {}): EmbeddingCache {
    const store = dir ? EmbeddingStore.at(dir, options) : null;
    return new EmbeddingCache(store?.file ?? (dir && path.resolve(dir)), identity.dim, identity, store,
      store?.maxBytes ?? options.maxBytes ?? envMaxBytes());
  }

  static keyOf(input: string | Uint8Array): string {
    return crypto.createHash('sha256').update(input).digest('hex');
  }

  private fullKey(key: string): Buffer {
    return Buffer.concat([this.prefix, Buffer.from(key, 'hex')]);
  }

  /** Whether the store (not memory) holds the entries. */
  get persistent(): boolean {
    return this.store?.usable === true;
  }

  get(key: string): CachedVector | undefined {
    let raw: Buffer | undefined;
    if (this.persistent) raw = this.store?.get(this.fullKey(key));
    else {
      raw = this.memory.get(key);
      if (raw) {
        this.memory.delete(key); // most recently used last
        this.memory.set(key, raw);
      }
    }
    if (!raw) return undefined;
    const v = decodeValue(raw, this.dim);
    if (typeof v !== 'string') return v;
    storeWarning(`embedding cache ${this.file ?? '(memory)'}: an entry of ${JSON.parse(this.described).id} has ${v}; it is recomputed`);
    return undefined;
  }

  get size(): number {
    return this.persistent && this.store ? this.store.count(this.prefix) : this.memory.size;
  }

  /** Adds entries: to the store (committed in the background; `flush` waits), else to memory. */
  putMany(items: { key: string; value: CachedVector }[]): void {
    for (const { value } of items) {
      if (!value.missing && value.vector.length !== this.dim) throw new RangeError(`cache expects ${this.dim}-d vectors, got ${value.vector.length}`);
    }
    if (this.persistent && this.store) {
      this.store.put(this.prefix, this.described, items.map(({ key, value }) => ({ key: this.fullKey(key), value: encodeValue(value) })));
      return;
    }
    for (const { key, value } of items) {
      const b = encodeValue(value);
      const old = this.memory.get(key);
      if (old) this.memoryBytes -= old.length;
      this.memory.delete(key);
      this.memory.set(key, b);
      this.memoryBytes += b.length;
    }
    for (const [k, b] of this.memory) {
      if (this.memoryBytes <= this.maxBytes) break;
      this.memory.delete(k);
      this.memoryBytes -= b.length;
    }
  }

  /** Waits until this process's writes to the store are committed. */
  async flush(): Promise<void> {
    await this.store?.flush();
  }
}
