// Reading a dataset file's bytes safely and turning them into text: only regular files (checked before opening, so a
// FIFO or device never blocks us), a size cap, BOMs (UTF-8, UTF-16, UTF-32) honoured, BOM-less UTF-16 recognised, and
// bytes that are not UTF-8 decoded with the legacy encoding chardet detects (iconv-lite), with a located warning.
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import chardet from 'chardet';
import iconv from 'iconv-lite';
import { readBoundedFile } from '../untrustedFiles';
import { DatasetError } from './types';

/** Default cap on a dataset file: V8 strings stop at ~512 M characters, and parsing needs several copies. */
export const DEFAULT_MAX_DATASET_BYTES = 256 * 1024 * 1024;

/** Decoded text, and when it was not plain UTF-8, a note on how it was decoded and where the first odd byte was. */
export interface DecodedText {
  text: string;
  encoding: string;
  /** `offset` (in `text`) of the first byte that is not UTF-8, and the warning to show there. */
  warning?: { offset: number; message: string };
}

const fail = (file: string, message: string) => new DatasetError({ severity: 'error', message, file, line: 1, column: 1 });

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return i === 0 ? `${n} bytes` : `${n.toFixed(1).replace(/\.0$/, '')} ${units[i]}`;
}

/**
 * The bytes of a regular file of at most `maxBytes`. The path is stat'ed first (a FIFO, device or folder is refused
 * without being opened), then opened non-blocking and checked again, so a swap between the two cannot block either.
 */
export async function readDatasetBytes(file: string, maxBytes = DEFAULT_MAX_DATASET_BYTES): Promise<Buffer> {
  const read = await readBoundedFile(file, maxBytes, (s) => s.isFile() && s.size <= maxBytes).catch((e: NodeJS.ErrnoException) => {
    throw fail(file, e.code === 'ENOENT' ? 'file not found' : `cannot read file: ${e.message}`);
  });
  if ('refused' in read) {
    const s = read.refused;
    if (!s.isFile()) throw fail(file, `not a regular file (${kindOf(s)}); give the path of a CSV, JSON or JSONL file`);
    throw fail(file, `the file is ${formatBytes(s.size)}, more than the ${formatBytes(maxBytes)} a dataset may be`);
  }
  if (read.data.length > maxBytes) throw fail(file, `the file is more than the ${formatBytes(maxBytes)} a dataset may be`);
  return read.data;
}

/** Decodes a dataset file's bytes: BOM first, then BOM-less UTF-16, then strict UTF-8, else the detected encoding. */
export function decodeDataset(file: string, bytes: Buffer): DecodedText {
  const bom = bomOf(bytes);
  if (bom?.encoding === 'UTF-8') bytes = bytes.subarray(bom.length); // then checked like any UTF-8
  else if (bom) return { text: iconv.decode(bytes.subarray(bom.length), bom.encoding, { stripBOM: false }), encoding: bom.encoding };
  const utf16 = bomlessUtf16(bytes);
  if (utf16) {
    return { text: iconv.decode(bytes, utf16), encoding: utf16,
      warning: { offset: 0, message: `no byte order mark, but the bytes look like ${utf16}; decoded as ${utf16} — save the file as UTF-8 to be sure` } };
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad < 0) return { text: bytes.toString('utf8'), encoding: 'UTF-8' };

  const sample = bytes.subarray(Math.max(0, bad - 65536), bad + (1 << 20));
  const detected = chardet.detect(sample);
  const byte = `0x${bytes[bad].toString(16).toUpperCase().padStart(2, '0')}`;
  if (!detected || /^utf-?8$/i.test(detected) || !iconv.encodingExists(detected)) {
    const text = bytes.toString('utf8'); // invalid sequences become U+FFFD
    return { text, encoding: 'UTF-8', warning: { offset: bytes.subarray(0, bad).toString('utf8').length,
      message: `invalid UTF-8 (byte ${byte}) and no other encoding recognised; invalid bytes were replaced by U+FFFD — save the file as UTF-8` } };
  }
  return { text: iconv.decode(bytes, detected), encoding: detected, warning: { offset: iconv.decode(bytes.subarray(0, bad), detected).length,
    message: `not UTF-8 (byte ${byte} here); decoded as ${detected} (detected) — save the file as UTF-8 to be sure` } };
}

function bomOf(b: Buffer): { length: number; encoding: string } | undefined {
  const starts = (...xs: number[]) => xs.every((x, i) => b[i] === x);
  if (starts(0xef, 0xbb, 0xbf)) return { length: 3, encoding: 'UTF-8' };
  if (starts(0xff, 0xfe, 0, 0)) return { length: 4, encoding: 'UTF-32LE' };
  if (starts(0, 0, 0xfe, 0xff)) return { length: 4, encoding: 'UTF-32BE' };
  if (starts(0xff, 0xfe)) return { length: 2, encoding: 'UTF-16LE' };
  if (starts(0xfe, 0xff)) return { length: 2, encoding: 'UTF-16BE' };
  return undefined;
}

/** UTF-16 text without a BOM: mostly ASCII, so zero bytes in most odd (LE) or even (BE) places of the first 4 KB. */
function bomlessUtf16(b: Buffer): string | undefined {
  const n = Math.min(b.length, 4096) & ~1;
  if (n < 4) return undefined;
  let even = 0, odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) even++;
    if (b[i + 1] === 0) odd++;
  }
  const pairs = n / 2;
  if (odd > pairs * 0.6 && even < pairs * 0.05) return 'UTF-16LE';
  if (even > pairs * 0.6 && odd < pairs * 0.05) return 'UTF-16BE';
  return undefined;
}

/** Index of the first byte that does not start or continue a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Buffer): number {
  if (isUtf8(b)) return -1; // checked without decoding (a decode would allocate the whole text once more)
  for (let i = 0; i < b.length;) {
    const c = b[i];
    const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > b.length) return i;
    if (len > 1 && !isValidSequence(b, i, len)) return i;
    i += len;
  }
  return -1;
}

function isValidSequence(b: Buffer, i: number, len: number): boolean {
  for (let k = 1; k < len; k++) if ((b[i + k] & 0xc0) !== 0x80) return false;
  const c = b[i], d = b[i + 1];
  if (c === 0xe0 && d < 0xa0) return false; // overlong
  if (c === 0xed && d > 0x9f) return false; // surrogates
  if (c === 0xf0 && d < 0x90) return false; // overlong
  if (c === 0xf4 && d > 0x8f) return false; // above U+10FFFF
  return true;
}
