// Shared plumbing for `npm run bench` (bench/run.ts): where the TMDB data and models are, running a bench child
// process (node + tsx) whose last stdout line is its JSON result, sampling RSS, rounding and temporary folders.
// Children print progress on stderr, which the parent forwards (prefixed) to its own stderr.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export const REPO = path.resolve(__dirname, '..', '..');
export const SHARED = path.resolve(REPO, '..', 'shared');
export const TMDB = path.join(SHARED, 'data', 'tmdb5000');
export const RESULTS = path.join(REPO, 'bench', 'results');

/** Everything a bench child needs to know about the run. */
export interface BenchConfig {
  train: string;
  /** The --eval file: only ever scored against, never used to choose anything. */
  evalFile: string;
  modelsDir: string;
  textEncoder: 'minilm' | 'use-lite';
  seed: number;
  /** Allow encoder downloads (MiniLM from the hub); off by default so nothing waits on a network. */
  allowModelDownloads: boolean;
}

export const round = (x: number, d = 3): number => Number(x.toFixed(d));
export const mb = (bytes: number): number => round(bytes / 2 ** 20, 1);
/** process.resourceUsage().maxRSS is in kilobytes. */
export const maxRssMB = (): number => round(process.resourceUsage().maxRSS / 1024, 1);

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `genre-lens-bench-${prefix}-`));
}

export function rmDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

export interface ChildResult<T> {
  value: T;
  /** Wall time from spawn to exit, seconds (includes node start and tsx compiling the sources). */
  processSeconds: number;
}

/**
 * Runs `node --import tsx <script> ...args` with `env` added; forwards its stderr; resolves with the JSON object on
 * the last non-empty stdout line. Rejects with the child's last stderr lines when it fails.
 */
export function runChild<T>(script: string, args: string[], env: NodeJS.ProcessEnv = {}, label = path.basename(script)): Promise<ChildResult<T>> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, script, ...args],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let errTail = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      errTail = (errTail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) process.stderr.write(`  [${label}] ${line}\n`);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const processSeconds = (performance.now() - t0) / 1000;
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${label} exited with ${code ?? signal}: ${errTail.trim().split('\n').slice(-6).join(' | ')}`));
      try {
        resolve({ value: JSON.parse(last) as T, processSeconds });
      } catch {
        reject(new Error(`${label} printed no JSON result (last line: ${last.slice(0, 200)})`));
      }
    });
  });
}

/** Samples this process's RSS every `everyMs`; `peakBetween` gives the largest sample in a time window (ms since start). */
export class RssSampler {
  readonly samples: { t: number; rss: number }[] = [];
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly t0: number, everyMs = 50) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }
  sample(): number {
    const rss = process.memoryUsage.rss();
    this.samples.push({ t: performance.now() - this.t0, rss });
    return rss;
  }
  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }
}

/** The JSON result a child prints as its last stdout line. */
export function emit(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** Runs a child's main, printing a failure on stderr with exit code 1. */
export function childMain(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}

/** The bench config passed to a child as a JSON argument. */
export function configArg(argv: string[]): BenchConfig {
  const i = argv.indexOf('--config');
  if (i < 0) throw new Error('missing --config <json>');
  return JSON.parse(argv[i + 1]) as BenchConfig;
}

/** Dataset paths of a config, for trainRun / trainingRows. */
export function engineOptionsOf(c: BenchConfig, cacheDir: string) {
  return { data: c.train, evalFile: c.evalFile, modelsDir: c.modelsDir, textEncoder: c.textEncoder,
    imageEncoder: 'mobilenetv2' as const, cacheDir, allowModelDownloads: c.allowModelDownloads, seed: c.seed };
}
