// Files named by untrusted input (a dataset, a poster cell, a models folder): whether a path stays inside a folder,
// and the one way such a file is read — only when the caller accepts what is there, checked before opening (a FIFO or
// device is never opened) and again on the open handle (O_NONBLOCK: a FIFO swapped in meanwhile cannot block), bounded.
import { constants, promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';

/** True when `inner` is `outer` or inside it (both absolute, already resolved; compared lexically). */
export function isInside(outer: string, inner: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

export type BoundedRead =
  /** What `accept` refused: the stat before opening, or of the open handle. */
  | { refused: Stats }
  /** The bytes, up to the end of the file but never more than `maxBytes + 1` (so a caller sees a file over its cap). */
  | { data: Buffer; stat: Stats };

/**
 * Reads `file` when `accept` approves its stat, both before opening and once open; file-system errors (ENOENT...)
 * are thrown as they are. The buffer starts at the stated size plus a byte and grows only if the file does, so a
 * file is never held twice and a file that lies about its size (/proc) is still bounded by `maxBytes`.
 */
export async function readBoundedFile(file: string, maxBytes: number, accept: (st: Stats) => boolean): Promise<BoundedRead> {
  const before = await fs.stat(file);
  if (!accept(before)) return { refused: before };
  const handle = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stat = await handle.stat();
    if (!accept(stat)) return { refused: stat };
    const limit = maxBytes + 1;
    let buf = Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1);
    let total = 0;
    while (total < limit) {
      if (total === buf.length) {
        const grown = Buffer.allocUnsafe(Math.min(total * 2, limit));
        buf.copy(grown);
        buf = grown;
      }
      const { bytesRead } = await handle.read(buf, total, buf.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    return { data: buf.subarray(0, total), stat };
  } finally {
    await handle.close();
  }
}
