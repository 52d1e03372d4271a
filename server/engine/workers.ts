// Starts a worker thread from its bundled file (dist/server/<name>.js) or, when running from TypeScript sources
// (tests, `tsx`), from its .ts source through tsx's require hook.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker, WorkerOptions } from 'node:worker_threads';

/** `sourceFile` is the worker's .ts path; `bundleName` its file name beside the running bundle. */
export function startWorker(sourceFile: string, bundleName: string, options: WorkerOptions = {}): Worker {
  if (__filename.endsWith('.ts') && fs.existsSync(sourceFile)) {
    const tsx = JSON.stringify(require.resolve('tsx/cjs'));
    return new Worker(`require(${tsx}); require(${JSON.stringify(sourceFile)});`, { ...options, eval: true });
  }
  return new Worker(path.join(__dirname, bundleName), options);
}
