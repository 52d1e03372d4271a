// The request thread's side of the parse thread (parseWorker.ts): one long-lived thread started on first use, sent one
// parse at a time (a queued parse whose document changed again is dropped unsent). A parse running longer than
// PARSE_TIMEOUT_MS or a thread that dies fails that parse only, with an error naming it; the next parse starts a new one.
// Hand-made like predictClient.ts rather than piscina: one thread, one task at a time and a queue that drops stale
// parses is a few lines, while a pool's abort (terminating a worker) and its queue would still need that dropping.
import * as path from 'node:path';
import { SHARE_ENV, type Worker } from 'node:worker_threads';
import type { ParseOptions } from './engine/data';
import type { ModelColumns } from './engine/modelColumns';
import { startWorker } from './engine/workers';
import { issueAtStart, type ParseOutcome } from './documentParse';
import type { ParseReply, ParseRequest, ParseWorkerData } from './parseWorker';

/** A parse that runs longer is stopped: 5× the ~11 s a document at MAX_HOVER_CHARS (64 Mi characters) takes here. */
export const PARSE_TIMEOUT_MS = 60_000;
/** The thread's heap: parsing a document at MAX_HOVER_CHARS peaks at ~950 MB as JSON (~620 MB as CSV), its text included. */
export const PARSE_HEAP_MB = 1536;

interface Job {
  request: ParseRequest;
  /** null: dropped before it was sent. */
  resolve(outcome: ParseOutcome | null): void;
}

/** A parse asked for: its outcome, and `drop` to take it off the queue if it has not been sent yet. */
export interface PendingParse {
  result: Promise<ParseOutcome | null>;
  drop(): void;
}

/** A parse that failed for `why`: no rows, an error at the document's start. */
const failure = (request: ParseRequest, why: string): ParseOutcome =>
  ({ dataset: null, error: issueAtStart(request.options.fileName, `${why}; it gets no hovers until it is edited`) });

export class ParseClient {
  private worker: Worker | null = null;
  private running: { job: Job; timer: NodeJS.Timeout } | null = null;
  /** A timed-out thread being terminated. */
  private stopping: Worker | null = null;
  private readonly queue: Job[] = [];
  private nextId = 1;
  /** For tests: parses sent to the thread, threads started. */
  readonly counters = { sent: 0, threads: 0 };

  constructor(private readonly o: { timeoutMs?: number } & ParseWorkerData = {}) {}

  parse(text: string, options: ParseOptions, model: ModelColumns | null): PendingParse {
    let job!: Job;
    const result = new Promise<ParseOutcome | null>((resolve) => {
      job = { request: { id: this.nextId++, text, options, model }, resolve };
    });
    this.queue.push(job);
    this.next();
    return {
      result,
      drop: () => {
        const i = this.queue.indexOf(job);
        if (i < 0) return; // running or done: its outcome comes (and is only dropped from the cache)
        this.queue.splice(i, 1);
        job.resolve(null);
      },
    };
  }

  /** Stops the thread (a parse in flight fails); the next parse starts a new one. */
  async terminate(): Promise<void> {
    await this.worker?.terminate();
  }

  private next(): void {
    // A timed-out thread is terminated before the next parse starts a new one: two threads never coexist.
    const job = !this.running && !this.stopping && this.queue.shift();
    if (!job) return;
    const { request } = job;
    const limit = this.o.timeoutMs ?? PARSE_TIMEOUT_MS;
    let worker: Worker;
    try {
      worker = this.thread();
      this.running = { job, timer: setTimeout(() => this.timedOut(worker, job, limit), limit) };
      worker.ref(); // while a parse runs (unref'd when idle, so the thread never keeps a process alive)
      this.counters.sent++;
      worker.postMessage(request);
    } catch (e) { // a thread that cannot start, or a request that cannot be sent: this parse fails, the next is tried
      if (this.running) this.finish(failure(request, `it could not be sent to the parse thread (${e instanceof Error ? e.message : String(e)})`));
      else job.resolve(failure(request, `the parse thread could not start (${e instanceof Error ? e.message : String(e)})`));
      this.next();
    }
  }

  /** The parse ran longer than `limit` ms: it fails now; the thread is terminated, and its exit starts the next parse. */
  private timedOut(worker: Worker, job: Job, limit: number): void {
    if (this.running?.job !== job) return;
    this.stopping = worker;
    this.finish(failure(job.request, `reading it took more than ${Math.round(limit / 1000)} s: it was stopped`));
    void worker.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(path.join(__dirname, 'parseWorker.ts'), 'parse-worker.js', {
      env: SHARE_ENV, // $GENRE_LENS_POSTER_ROOTS as the request thread sees it
      workerData: { testHooks: this.o.testHooks === true } satisfies ParseWorkerData,
      resourceLimits: { maxOldGenerationSizeMb: PARSE_HEAP_MB },
    });
    this.counters.threads++;
    worker.on('message', (r: ParseReply) => {
      if (this.running?.job.request.id !== r.id) return;
      this.finish(r.outcome);
      worker.unref();
      this.next();
    });
    worker.on('error', (e) => this.failed(worker, `the parse thread failed while reading it (${e.message})`));
    worker.on('exit', (code) => this.failed(worker, `the parse thread stopped while reading it (exit code ${code})`));
    this.worker = worker;
    return worker;
  }

  /** The thread `worker` is gone or stopped: the parse it was running fails, queued parses go to a new thread. */
  private failed(worker: Worker, why: string): void {
    if (this.stopping === worker) this.stopping = null; // the timed-out thread has exited (its parse already failed)
    if (this.worker !== worker) return this.next();
    this.worker = null;
    if (this.running) this.finish(failure(this.running.job.request, why));
    this.next();
  }

  private finish(outcome: ParseOutcome): void {
    const { job, timer } = this.running!;
    clearTimeout(timer);
    this.running = null;
    job.resolve(outcome);
  }
}
