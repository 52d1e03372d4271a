// Worker threads for USE-Lite (useLiteWorker.ts), started on first use: each embeds whole batches on its own
// single-threaded tfjs-wasm, so a batch's vectors are the same bytes whichever thread ran it. A worker that cannot
// start or dies hands its batches back to the encoder's own thread, so encoding never fails for want of a worker.
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../workers';

export interface PoolWorkerData { maxChars: number; weightsSha256: string }
export interface PoolRequest { id: number; lengths: Int32Array; values: Int32Array }
export type PoolReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'done'; id: number; data: Float32Array }
  | { type: 'error'; id: number; message: string };

interface Pending { ids: number[][]; resolve(v: Float32Array): void; reject(err: Error): void }
interface Slot { worker: Worker; pending: Map<number, Pending>; dead: boolean }

export class UseLitePool {
  private slots: Slot[] | null = null;
  private nextId = 1;
  private disposed = false;
  /** Batches run on the calling thread one after another. */
  private localChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly size: number,
    private readonly maxChars: number,
    private readonly weightsSha256: string,
    /** Embeds on the calling thread: used when no worker is alive. */
    private readonly local: (ids: number[][]) => Promise<Float32Array>,
    /** Starts one worker (tests substitute failing ones). */
    private readonly spawn: (data: PoolWorkerData) => Worker = (data) =>
      startWorker(path.join(__dirname, 'useLiteWorker.ts'), 'use-lite-worker.js', { workerData: data }),
  ) {}

  /** Row r of the result (512 floats) is ids[r]; runs on the least busy live worker. */
  embed(ids: number[][]): Promise<Float32Array> {
    if (this.disposed) return Promise.reject(new Error('USE-Lite encoder was disposed'));
    const live = this.start().filter((s) => !s.dead);
    if (live.length === 0) return this.runLocal(ids);
    const slot = live.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    const lengths = Int32Array.from(ids, (row) => row.length);
    const values = Int32Array.from(ids.flat());
    return new Promise<Float32Array>((resolve, reject) => {
      slot.pending.set(id, { ids, resolve, reject });
      slot.worker.ref(); // a pending batch keeps the process alive
      slot.worker.postMessage({ id, lengths, values } satisfies PoolRequest, [lengths.buffer, values.buffer]);
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const slots = this.slots ?? [];
    this.slots = [];
    for (const s of slots) this.retire(s);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private start(): Slot[] {
    if (this.slots) return this.slots;
    this.slots = Array.from({ length: this.size }, () => {
      const worker = this.spawn({ maxChars: this.maxChars, weightsSha256: this.weightsSha256 });
      worker.unref(); // an idle pool never keeps the process alive
      const slot: Slot = { worker, pending: new Map(), dead: false };
      worker.on('message', (msg: PoolReply) => {
        if (msg.type === 'failed') this.retire(slot);
        else if (msg.type === 'done' || msg.type === 'error') {
          const p = slot.pending.get(msg.id);
          slot.pending.delete(msg.id);
          if (slot.pending.size === 0) worker.unref();
          if (msg.type === 'done') p?.resolve(msg.data);
          else p?.reject(new Error(`USE-Lite: ${msg.message}`));
        }
      });
      worker.on('error', () => this.retire(slot));
      worker.on('exit', () => this.retire(slot));
      return slot;
    });
    return this.slots;
  }

  private runLocal(ids: number[][]): Promise<Float32Array> {
    const run = this.localChain.then(() => this.local(ids));
    this.localChain = run.catch(() => undefined);
    return run;
  }

  /** Marks the worker dead and reruns its unfinished batches on the calling thread (rejects them once disposed). */
  private retire(slot: Slot): void {
    if (slot.dead) return;
    slot.dead = true;
    for (const p of slot.pending.values()) {
      if (this.disposed) p.reject(new Error('USE-Lite encoder was disposed'));
      else this.runLocal(p.ids).then(p.resolve, p.reject);
    }
    slot.pending.clear();
    void slot.worker.terminate();
  }
}
