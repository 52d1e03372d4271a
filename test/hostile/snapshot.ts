// Hashes a folder tree before and after a hostile case, to prove inputs and previous models are byte-identical
// afterwards. Never opens anything but regular files (FIFOs, devices and symlinks are recorded by type/target),
// and never follows symlinks out of the tree.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Relative path → a fingerprint: sha256 for files, `dir`, `fifo`, `link:<target>`, `other`. */
export type Snapshot = Map<string, string>;

export function snapshot(root: string): Snapshot {
  const out: Snapshot = new Map();
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full);
      const st = fs.lstatSync(full);
      if (st.isSymbolicLink()) out.set(rel, `link:${fs.readlinkSync(full)}`);
      else if (st.isDirectory()) {
        out.set(rel, 'dir');
        walk(full);
      } else if (st.isFile()) out.set(rel, hashFile(full));
      else if (st.isFIFO()) out.set(rel, 'fifo');
      else out.set(rel, 'other');
    }
  };
  walk(root);
  return out;
}

/** sha256 of a file read in chunks (files over 2 GB cannot be read at once). */
function hashFile(file: string): string {
  const hash = crypto.createHash('sha256');
  const buf = Buffer.alloc(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

export interface DiffRules {
  /** Paths that may change or disappear (e.g. `.genre-lens/current.json` after a successful training). */
  mayChange?: (rel: string) => boolean;
  /** Paths that may appear (default: new model folders in the store). */
  mayAppear?: (rel: string) => boolean;
}

export const NEW_MODEL = (rel: string) => /^\.genre-lens\/models\/[^/]+(\/|$)/.test(rel) && !/\/\.[^/]*tmp/.test(rel);

/** Problems, as short texts: changed, removed or unexpected files. */
export function diff(before: Snapshot, after: Snapshot, rules: DiffRules = {}): string[] {
  const mayChange = rules.mayChange ?? (() => false);
  const mayAppear = rules.mayAppear ?? NEW_MODEL;
  const problems: string[] = [];
  for (const [rel, hash] of before) {
    if (mayChange(rel)) continue;
    const now = after.get(rel);
    if (now === undefined) problems.push(`${rel} was removed`);
    else if (now !== hash) problems.push(`${rel} was changed`);
  }
  for (const rel of after.keys()) {
    if (!before.has(rel) && !mayAppear(rel) && !mayChange(rel)) problems.push(`${rel} appeared`);
  }
  return problems.slice(0, 5).concat(problems.length > 5 ? [`… ${problems.length - 5} more`] : []);
}
