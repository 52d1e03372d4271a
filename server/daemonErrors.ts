// The daemon's last-resort error handling: a promise nobody awaited that fails (e.g. a client that does not implement
// a request the daemon sent it) is logged, never fatal; an uncaught exception is logged and ends the daemon, whose
// state is then unknown. Library glue may not replace these (the LightGBM wasm glue installs handlers that rethrow).
const EVENTS = new Set(['uncaughtException', 'unhandledRejection']);

/** How long an uncaught exception's log line gets to reach the client before the daemon exits. */
const EXIT_DELAY_MS = 200;

const describe = (e: unknown) => (e instanceof Error ? e.stack ?? e.message : String(e));

/**
 * Installs the handlers. `log` reaches the client (the connection's console); stderr gets the same line.
 * `exit` is called once, after an uncaught exception.
 */
export function installProcessGuards(log: (message: string) => void, exit: (code: number) => void = (c) => process.exit(c)): void {
  const say = (message: string) => {
    process.stderr.write(`genre-lens: ${message}\n`);
    try {
      log(message);
    } catch {
      // the connection is gone: stderr has it
    }
  };
  let exiting = false;
  const onRejection = (reason: unknown) => say(`ignored an unexpected error (the daemon keeps running): ${describe(reason)}`);
  const onException = (error: unknown) => {
    say(`stopping after an unexpected error (its state is unknown; the editor restarts it): ${describe(error)}`);
    if (exiting) return;
    exiting = true;
    setTimeout(() => exit(1), EXIT_DELAY_MS); // not unref'd: the process lives until the log line is out
  };
  const ours = new Set<unknown>([onRejection, onException]);
  // Someone else's handler for these events is removed as soon as it is added: a handler that rethrows turns any
  // stray rejection into exit code 7.
  process.on('newListener', (event: string | symbol, listener: unknown) => {
    if (typeof event === 'string' && EVENTS.has(event) && !ours.has(listener)) {
      queueMicrotask(() => process.removeListener(event, listener as (...args: unknown[]) => void));
    }
  });
  for (const event of EVENTS) {
    for (const l of process.listeners(event as 'uncaughtException')) process.removeListener(event, l);
  }
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
}

/** Runs a fire-and-forget message to the client: its failure (the client does not implement it, or is gone) is logged. */
export function quietly(what: string, p: Promise<unknown> | undefined, log: (message: string) => void): void {
  p?.catch((e: unknown) => log(`${what} failed: ${e instanceof Error ? e.message : String(e)}`));
}
