// The file `predict --out` writes: only a new file in an existing folder. Checked before any work (so a wrong path
// fails at once, naming --out), and written with 'wx' as the final guard against anything that appeared meanwhile.
import * as fs from 'node:fs';
import * as path from 'node:path';

function kindOf(st: fs.Stats): string {
  return st.isSymbolicLink() ? 'a symbolic link' : st.isDirectory() ? 'a folder' : st.isFile() ? 'a file' : st.isFIFO() ? 'a FIFO'
    : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file';
}

const never = (option: string) => `Genre Lens never writes over anything: choose a new file name, or leave out ${option} to print to stdout`;

/** Throws unless nothing at all is at `out` (not even a dangling symbolic link) and its folder exists. */
export function checkNewFile(option: string, out: string): void {
  const fail = (what: string) => new Error(`${option} ${out}: ${what}`);
  if (!out.trim()) throw fail('expected a file name');
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(out);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENAMETOOLONG') throw fail('the name is too long for this file system; choose a shorter one');
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fail(`cannot be checked (${code ?? String(e)}); choose another path`);
  }
  if (st) throw fail(`already exists (${kindOf(st)}). ${never(option)}.`);
  const dir = path.dirname(out);
  let parent: fs.Stats | undefined;
  try {
    parent = fs.statSync(dir);
  } catch {
    throw fail(`the folder ${dir} does not exist; create it first, or choose a file in an existing folder`);
  }
  if (!parent.isDirectory()) throw fail(`${dir} is ${kindOf(parent)}, not a folder; choose a file in an existing folder`);
}

/** Writes `text` as the new file `out` ('wx': never over anything); errors name the option. */
export function writeNewFile(option: string, out: string, text: string): void {
  let fd: number;
  try {
    fd = fs.openSync(out, 'wx');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new Error(`${option} ${out}: appeared while Genre Lens was working; nothing was written. ${never(option)}.`);
    checkNewFile(option, out); // names what is wrong with the path, if it can
    throw new Error(`${option} ${out}: cannot be written (${code ?? String(e)}); choose another path`);
  }
  try {
    fs.writeFileSync(fd, text);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(out, { force: true }); // the file Genre Lens just created, never another
    throw new Error(`${option} ${out}: writing failed (${(e as NodeJS.ErrnoException).code ?? String(e)}); nothing was kept`);
  }
  fs.closeSync(fd);
}
