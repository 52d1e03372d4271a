// Reading a model-weights file (the ONNX image model in a models folder, a downloaded file in the cache) as untrusted
// input: only a regular file, checked before it is opened and again once open (O_NONBLOCK, so a FIFO swapped in
// cannot hang), and never more than a size cap, so /dev/zero or a FIFO named like the model cannot exhaust memory.
import type { Stats } from 'node:fs';
import { readBoundedFile } from '../untrustedFiles';

const MB = 1024 * 1024;
const sizeText = (n: number) => (n < MB ? `${n} bytes` : `${(n / MB).toFixed(0)} MB`);

function kindOf(st: Stats): string {
  return st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() ? 'a character device'
    : st.isBlockDevice() ? 'a block device' : st.isSocket() ? 'a socket' : 'of another kind';
}

/**
 * The bytes of `file`, or null when nothing is there. Throws `<file>: <what is wrong><hint>` when it is not a regular
 * file (a folder, FIFO, device, socket) or has more than `maxBytes`; `hint` says where the path came from.
 */
export async function readWeightsFile(file: string, maxBytes: number, hint = ''): Promise<Buffer | null> {
  const fail = (what: string) => new Error(`${file}: ${what}${hint}`);
  const read = await readBoundedFile(file, maxBytes, (st) => st.isFile() && st.size <= maxBytes).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null; // nothing there
    throw e;
  });
  if (!read) return null;
  if ('refused' in read) {
    const st = read.refused;
    if (!st.isFile()) throw fail(`is ${kindOf(st)}, not a regular file`);
    throw fail(`has ${sizeText(st.size)}, more than the ${sizeText(maxBytes)} this file may have`);
  }
  if (read.data.length > read.stat.size) throw fail('changed while being read');
  return read.data;
}
