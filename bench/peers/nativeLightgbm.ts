// Peer for `npm run bench` (ovrWallVsNativeCli): the native LightGBM command-line program, built from the same C++
// source as our wasm build (scripts/build-lightgbm-native.sh), training one booster per genre on the same float32
// feature matrix: written as exact round-trip TSV, converted once to LightGBM's binary dataset (untimed), one copy per genre with the label block replaced.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Params } from '../../server/engine/lightgbm/lightgbm';
import { REPO } from '../lib/common';

export const cliArgs = (p: Params): string[] => Object.entries(p).map(([k, v]) => `${k}=${String(v)}`);

/** Builds (once; the script skips an existing binary) and returns the binary's path, or why it cannot. */
export function buildNative(): { bin: string } | { error: string } {
  try {
    const out = execFileSync('bash', [path.join(REPO, 'scripts/build-lightgbm-native.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const bin = out.trim().split('\n').pop() as string;
    if (!fs.existsSync(bin)) return { error: `build script printed ${bin}, which does not exist` };
    return { bin };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return { error: `scripts/build-lightgbm-native.sh failed (needs cmake, g++): ${(err.stderr ?? err.message).trim().split('\n').slice(-3).join(' | ')}` };
  }
}

export function runCli(bin: string, args: string[]): string {
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`lightgbm ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Runs one process asynchronously (for the two-process native arrangement). */
export function runCliAsync(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += String(d)));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`lightgbm failed (${code}): ${err}`))));
  });
}

/** Rows as TSV, label first, each float32 as JS's shortest round-trip text (checked), so the CLI reads the same doubles. */
function writeTsv(file: string, X: Float32Array, nrow: number, ncol: number, labels: Uint8Array): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (let r = 0; r < nrow; r += 200) {
      const lines: string[] = [];
      for (let i = r; i < Math.min(nrow, r + 200); i++) {
        const parts = new Array<string>(ncol + 1);
        parts[0] = String(labels[i]);
        for (let j = 0; j < ncol; j++) {
          const v = X[i * ncol + j];
          const s = String(v);
          if (Math.fround(Number(s)) !== v) throw new Error(`value ${s} does not round-trip`);
          parts[j + 1] = s;
        }
        lines.push(parts.join('\t'));
      }
      fs.writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The binary dataset with its label block (found by content, exactly once) replaced. */
function withLabels(template: Buffer, templateLabels: Float32Array, labels: Float32Array): Buffer {
  const needle = Buffer.from(templateLabels.buffer, templateLabels.byteOffset, templateLabels.byteLength);
  const at = template.indexOf(needle);
  if (at < 0 || template.indexOf(needle, at + 1) >= 0) throw new Error('label block not found exactly once in the binary dataset');
  const out = Buffer.from(template);
  Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength).copy(out, at);
  return out;
}

export interface NativeData {
  /** One binary dataset per job, in job order. */
  files: string[];
  tsvSeconds: number;
  saveBinarySeconds: number;
  binaryMB: number;
}

/** Writes the matrix once as TSV, converts it to a binary dataset with `datasetParams`, and copies it per label column. */
export function prepareNativeData(bin: string, dir: string, X: Float32Array, nrow: number, ncol: number, labels: Uint8Array[],
  datasetParams: Params): NativeData {
  const tsv = path.join(dir, 'train.tsv');
  let t = performance.now();
  writeTsv(tsv, X, nrow, ncol, labels[0]);
  const tsvSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  runCli(bin, ['task=save_binary', `data=${tsv}`, ...cliArgs({ ...datasetParams, header: false, label_column: 0, precise_float_parser: true }), 'num_threads=2']);
  const saveBinarySeconds = (performance.now() - t) / 1000;
  const template = fs.readFileSync(`${tsv}.bin`);
  fs.rmSync(tsv);
  fs.rmSync(`${tsv}.bin`);
  const first = Float32Array.from(labels[0]);
  const files = labels.map((l, k) => {
    const f = path.join(dir, `genre-${k}.bin`);
    fs.writeFileSync(f, k === 0 ? template : withLabels(template, first, Float32Array.from(l)));
    return f;
  });
  return { files, tsvSeconds, saveBinarySeconds, binaryMB: Number((template.length / 2 ** 20).toFixed(1)) };
}

export interface NativeJob {
  file: string;
  params: Params;
  model: string;
}

/** The jobs one after the other, each one `lightgbm task=train` process with num_threads=2 (OpenMP). */
export function runSequential(bin: string, jobs: NativeJob[]): number {
  const t = performance.now();
  for (const j of jobs) runCli(bin, ['task=train', `data=${j.file}`, `output_model=${j.model}`, ...cliArgs({ ...j.params, num_threads: 2 })]);
  return (performance.now() - t) / 1000;
}

/** The jobs as two single-threaded processes at a time pulling from one queue: our worker pool's arrangement. */
export async function runTwoLanes(bin: string, jobs: NativeJob[]): Promise<number> {
  const t = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const j = jobs[next++];
      await runCliAsync(bin, ['task=train', `data=${j.file}`, `output_model=${j.model}`, ...cliArgs({ ...j.params, num_threads: 1 })]);
    }
  };
  await Promise.all([lane(), lane()]);
  return (performance.now() - t) / 1000;
}

/** The model text without its `parameters:` … `end of parameters` section (which lists num_threads etc.). */
export function stripParameters(model: string): string {
  return model.replace(/\nparameters:\n[\s\S]*?\nend of parameters\n/, '\n');
}
