// Preloaded (--require) into the daemon a test starts: in worker threads, the job worker's `./engine/run` becomes
// test/fakeEngine/run.ts, whose training plays the engine's save-then-compare flow with a comparison the test releases.
// Nothing else is redirected (the prediction thread, LightGBM workers and the language-server thread are untouched).
import Module from 'node:module';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';

const jobWorker = path.resolve(__dirname, '../../server/jobWorker.ts');
const fake = path.resolve(__dirname, 'run.ts');
type Resolve = (request: string, parent: { filename?: string } | undefined, ...rest: unknown[]) => string;
const M = Module as unknown as { _resolveFilename: Resolve };

if (!isMainThread) {
  const original = M._resolveFilename;
  M._resolveFilename = function (this: unknown, request, parent, ...rest) {
    if (request === './engine/run' && parent?.filename === jobWorker) return fake;
    return original.call(this, request, parent, ...rest);
  };
}
