// Runs the built CLI as a child process for the hostile corpus, with a hang bound (kill after `hangMs`), a memory
// bound (a watchdog reads /proc/<pid>/status and kills past `maxRssKb`) and the child's peak RSS, which a --require
// preload writes on exit from process.resourceUsage() (so no /usr/bin/time is needed on CI).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');
/** The built CLI under test (HOSTILE_CLI runs the corpus against another build, e.g. an older release). */
export const CLI = process.env.HOSTILE_CLI ? path.resolve(process.env.HOSTILE_CLI) : path.join(REPO, 'dist/server/cli.js');
export const HANG_MS = 120_000;
export const MAX_RSS_KB = 2 * 1024 * 1024;

const PRELOAD = `// written by test/hostile/exec.ts: records this process's peak RSS (KB) on exit
const { isMainThread } = require('node:worker_threads');
if (isMainThread && process.env.HOSTILE_RSS_FILE) {
  process.on('exit', () => require('node:fs').writeFileSync(process.env.HOSTILE_RSS_FILE, String(process.resourceUsage().maxRSS)));
}
`;

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak RSS in KB (the preload's report, else the watchdog's highest sample). */
  peakKb: number;
  /** Why the run was stopped by the harness, if it was. */
  killed?: string;
}

/** Writes the preload into `root` and returns its path. */
export function writePreload(root: string): string {
  const file = path.join(root, 'rss-preload.cjs');
  fs.writeFileSync(file, PRELOAD);
  return file;
}

/** VmRSS / VmHWM of a process in KB from /proc (Linux), or 0 when it cannot be read. */
export function procKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export interface RunOptions {
  cwd: string;
  preload: string;
  env?: Record<string, string>;
  stdin?: string;
  hangMs?: number;
  maxRssKb?: number;
}

/** Runs `node <preload> dist/server/cli.js ...args`; never rejects. Output is kept up to 1 MB per stream. */
export function runCli(args: string[], o: RunOptions): Promise<RunResult> {
  const rssFile = path.join(path.dirname(o.preload), `rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const started = Date.now();
  const child = spawn(process.execPath, ['--require', o.preload, CLI, ...args], {
    cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...o.env, HOSTILE_RSS_FILE: rssFile },
  });
  const out: Buffer[] = [], err: Buffer[] = [];
  let outLen = 0, errLen = 0;
  child.stdout.on('data', (b: Buffer) => void (outLen < 1 << 20 && (out.push(b), (outLen += b.length))));
  child.stderr.on('data', (b: Buffer) => void (errLen < 1 << 20 && (err.push(b), (errLen += b.length))));
  child.stdin.on('error', () => undefined);
  child.stdin.end(o.stdin ?? '');
  let killed: string | undefined;
  let sampled = 0;
  const maxKb = o.maxRssKb ?? MAX_RSS_KB;
  const watchdog = setInterval(() => {
    const kb = procKb(child.pid ?? -1, 'VmRSS');
    sampled = Math.max(sampled, kb);
    if (kb > maxKb && !killed) {
      killed = `memory over ${Math.round(maxKb / 1024)} MB (${Math.round(kb / 1024)} MB)`;
      child.kill('SIGKILL');
    }
  }, 200);
  const timer = setTimeout(() => {
    killed = `still running after ${(o.hangMs ?? HANG_MS) / 1000} s (hang)`;
    child.kill('SIGKILL');
  }, o.hangMs ?? HANG_MS);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearInterval(watchdog);
      clearTimeout(timer);
      let peakKb = sampled;
      try {
        peakKb = Math.max(peakKb, Number(fs.readFileSync(rssFile, 'utf8')) || 0);
        fs.rmSync(rssFile, { force: true });
      } catch {
        /* killed before exit: the watchdog's samples stand */
      }
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started, peakKb, killed });
    });
  });
}
