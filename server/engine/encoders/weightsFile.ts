// Reading a model-weights file (the ONNX image model in a models folder, a downloaded file in the cache) as untrusted
// input: only a regular file, checked before it is opened and again once open (O_NONBLOCK, so a FIFO swapped in
// cannot hang), and never more than a size cap, so /dev/zero or a FIFO named like the model cannot exhaust memory.
import { constants as fsConstants, promises as fs, type Stats } from 'node:fs';

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
  const st = await fs.stat(file).catch(() => null);
  if (!st) return null;
  if (!st.isFile()) throw fail(`is ${kindOf(st)}, not a regular file`);
  if (st.size > maxBytes) throw fail(`has ${sizeText(st.size)}, more than the ${sizeText(maxBytes)} this file may have`);
  const handle = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const now = await handle.stat();
    if (!now.isFile() || now.size > maxBytes) throw fail('changed while being read');
    const buf = Buffer.alloc(now.size + 1);
    let got = 0;
    for (let n = -1; n !== 0 && got < buf.length; got += n) ({ bytesRead: n } = await handle.read(buf, got, buf.length - got, got));
    if (got > now.size) throw fail('changed while being read');
    return buf.subarray(0, got);
  } finally {
    await handle.close();
  }
}
