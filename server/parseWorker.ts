// The daemon's parse thread: reads open documents too large to parse on the request thread (documentParse.ts), one
// request at a time, and answers with plain data (parseClient.ts sends the requests, stops a parse that runs too long
// and starts a new thread after a crash).
import { parentPort, workerData } from 'node:worker_threads';
import type { ParseOptions } from './engine/data';
import type { ModelColumns } from './engine/modelColumns';
import { type ParseOutcome, parseDocumentText } from './documentParse';

export interface ParseRequest {
  id: number;
  text: string;
  options: ParseOptions;
  model: ModelColumns | null;
}

export interface ParseReply {
  id: number;
  outcome: ParseOutcome;
}

/** What the thread is started with. `testHooks` (tests only): a text starting with TEST_EXIT ends the thread, one
 * starting with TEST_HANG never answers — how tests make a crash and a parse that runs too long. */
export interface ParseWorkerData {
  testHooks?: boolean;
}
export const TEST_EXIT = '#genre-lens-test:exit\n';
export const TEST_HANG = '#genre-lens-test:hang\n';

const port = parentPort;
if (port) {
  const hooks = (workerData as ParseWorkerData | undefined)?.testHooks === true;
  port.on('message', (m: ParseRequest) => {
    if (hooks && m.text.startsWith(TEST_EXIT)) process.exit(3);
    if (hooks && m.text.startsWith(TEST_HANG)) return;
    port.postMessage({ id: m.id, outcome: parseDocumentText(m.text, m.options, m.model) } satisfies ParseReply);
  });
}
