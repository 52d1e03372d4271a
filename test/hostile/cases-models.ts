// Hostile encoder files: a FIFO, a folder, /dev/zero or a huge sparse file where MiniLM's config.json / model.onnx
// should be (models folder given by --models, or the hub cache under --cache), a refs/main leading outside the cache,
// a damaged cached file, and a FIFO as the cached image model. Each ends with a clear message naming the file, fast.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cachePathFor } from '../../server/engine/encoders/fetchCache';
import { SIDECAR, repoCacheDir } from '../../server/engine/encoders/hubCache';
import { MINILM, MOBILENETV2, weightsFile } from '../../server/engine/encoders/registry';
import { Case } from './case';
import { mkfifo, sparse, tinyCsv, write } from './generate';

const REPO = MINILM.hub!.repo;
const COMMIT = 'feedfacefeedfacefeedfacefeedfacefeedface';
/** Offline (never the internet), into `o`, with a case-local cache. */
const TRAIN = ['train', 'data.csv', '--out', 'o', '--cache', 'cache', '--no-ablation', '--no-progress'];
const MINILM_ARGS = [...TRAIN, '--text-encoder', 'minilm', '--image-encoder', 'none'];
const OFFLINE = { GENRE_LENS_OFFLINE: '1', HF_HUB_OFFLINE: '1' };
const WRITES = { mayAppear: (rel: string) => rel.startsWith('o') || rel.startsWith('cache') };
/** Falls back to USE-Lite (exit 0) with a message naming what is wrong. */
const FALLS_BACK = (says: string) => new RegExp(`${says}[^]*use-lite|use-lite[^]*${says}`, 'i');

/** Small stand-ins for MiniLM's files (never loaded: each case stops at the damaged one). */
const FILES: Record<string, string> = { 'config.json': '{"hidden_size":384}\n', 'tokenizer.json': '{}\n', 'tokenizer_config.json': '{}\n', 'onnx/model.onnx': 'onnx' };

/** A models folder `m` holding MiniLM's files, with `damage` applied to one of them. */
function modelsFolder(d: string, file: string, damage: (f: string) => void): void {
  tinyCsv(d);
  for (const [rel, text] of Object.entries(FILES)) if (rel !== file) write(d, path.join('m', REPO, rel), text);
  damage(path.join(d, 'm', REPO, file));
}

/** A complete hub cache snapshot under `cache/` (refs/main → COMMIT, files, sidecar), with `damage` applied to one file. */
function cachedSnapshot(d: string, file: string, damage: (f: string) => void): string {
  tinyCsv(d);
  const repoDir = repoCacheDir(path.join(d, 'cache'), REPO);
  const snap = path.join(repoDir, 'snapshots', COMMIT);
  write(repoDir, 'refs/main', COMMIT);
  const records = Object.entries(FILES).map(([rel, text]) => {
    write(snap, rel, text);
    return { path: rel, sha256: createHash('sha256').update(text).digest('hex'), bytes: Buffer.byteLength(text) };
  });
  write(snap, SIDECAR, JSON.stringify({ files: records }));
  fs.rmSync(path.join(snap, file));
  damage(path.join(snap, file));
  return snap;
}

const fifo = (f: string) => void mkfifo(f);
const folder = (f: string) => void fs.mkdirSync(f, { recursive: true });
const zero = (f: string) => {
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.symlinkSync('/dev/zero', f);
};

export const modelCases: Case[] = [
  ...([['a FIFO', 'config.json', fifo, 'is a FIFO, not a regular file'],
    ['a folder', 'config.json', folder, 'is a folder, not a regular file'],
    ['a link to /dev/zero', 'tokenizer.json', zero, 'is a character device, not a regular file'],
    ['a 300 MB sparse file', 'onnx/model.onnx', (f: string) => void sparse(f, 300 * 1024 * 1024), 'has 300 MB, more than the 256 MB this file may have'],
    ['a 2 MB sparse file', 'config.json', (f: string) => void sparse(f, 2 * 1024 * 1024), 'has 2 MB, more than the 1 MB this file may have'],
  ] as const).flatMap(([what, file, damage, says]): Case[] => [
    { name: `--models holding ${what} as MiniLM's ${file} falls back with a clear message`,
      files: (d) => modelsFolder(d, file, damage), args: () => [...MINILM_ARGS, '--models', 'm'], env: OFFLINE, code: 0,
      message: FALLS_BACK(`${file.replace(/\./g, '\\.')}: ${says}[^]*models folder`), rules: WRITES },
    { name: `the hub cache holding ${what} as MiniLM's ${file} falls back with a clear message`,
      files: (d) => void cachedSnapshot(d, file, damage), args: () => MINILM_ARGS, env: OFFLINE, code: 0,
      message: FALLS_BACK(`${file.replace(/\./g, '\\.')}: ${says} \\(in the model cache`), rules: WRITES },
  ]),
  { name: 'a hub cache whose refs/main is a FIFO falls back with a clear message',
    files: (d) => void cachedSnapshot(d, 'config.json', (f) => {
      fs.writeFileSync(f, FILES['config.json']);
      const ref = path.join(repoCacheDir(path.join(d, 'cache'), REPO), 'refs/main');
      fs.rmSync(ref);
      mkfifo(ref);
    }), args: () => MINILM_ARGS, env: OFFLINE, code: 0, message: FALLS_BACK('refs/main: is a FIFO'), rules: WRITES },
  { name: 'a hub cache whose refs/main leads outside the cache is not followed',
    files: (d) => {
      cachedSnapshot(d, 'config.json', (f) => fs.writeFileSync(f, FILES['config.json']));
      fs.writeFileSync(path.join(repoCacheDir(path.join(d, 'cache'), REPO), 'refs/main'), '../../../../../etc');
    }, args: () => MINILM_ARGS, env: OFFLINE, code: 0, message: FALLS_BACK(`${REPO} is not in [^]*HF_HUB_OFFLINE`), rules: WRITES },
  { name: 'a damaged cached model.onnx is evicted, and offline the fallback says so',
    files: (d) => {
      const snap = cachedSnapshot(d, 'onnx/model.onnx', (f) => fs.writeFileSync(f, 'onnX'));
      if (!fs.existsSync(path.join(snap, 'onnx/model.onnx'))) throw new Error('setup: no model.onnx');
    }, args: () => MINILM_ARGS, env: OFFLINE, code: 0, message: FALLS_BACK('model\\.onnx no longer matched its recorded sha256 and was removed'),
    rules: { ...WRITES, mayChange: (rel) => /^cache\/.*\/snapshots\/.*(model\.onnx|\.genre-lens-files\.json)$/.test(rel) },
    check: (d) => (fs.readdirSync(path.join(repoCacheDir(path.join(d, 'cache'), REPO), 'snapshots', COMMIT, 'onnx')).length === 0 ? null
      : 'the damaged model.onnx is still in the cache') },
  { name: 'a FIFO as the cached ImageNet model falls back to nsfwjs with a clear message',
    files: (d) => {
      tinyCsv(d);
      mkfifo(cachePathFor(weightsFile(MOBILENETV2).url!, path.join(d, 'cache')));
    }, args: () => [...TRAIN, '--text-encoder', 'use-lite', '--image-encoder', 'mobilenetv2'], env: OFFLINE, code: 0,
    message: /fallback[^]*is a FIFO, not a regular file \(in the download cache/i, rules: WRITES },
];
