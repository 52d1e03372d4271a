// `npm run check:package [-- <target>…]`: reads each dist-vsix/*.vsix that `npm run package` wrote and asserts it holds
// exactly its platform's native binaries (by path, and by each binary's header: format and CPU), no sources, tests or
// source maps, and fits its size budget (scripts/packageTargets.mjs); prints each target's size. Exit 1 on any problem.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { distFiles } from './buildEntries.mjs';
import { BUDGET_MIB, OUT_DIR, REPO, TARGETS, allowedBinaryPrefixes, hasOnnxruntime, isPlatformPackage, targetPackages, vsixName } from './packageTargets.mjs';

// yauzl: the zip reader vsce itself uses (a dependency of @vscode/vsce).
const yauzl = createRequire(createRequire(path.join(REPO, 'package.json')).resolve('@vscode/vsce/package.json'))('yauzl');

const BINARY = /\.(node|dll|dylib|exe)$|\.so(\.\d+)*$/;
const FORBIDDEN = [
  [/\.map$/, 'a source map'],
  [/^extension\/(client|server|common|media|test|bench|scripts|\.cache|dist-vsix|test-results|\.genre-lens)\//, 'a source, test or build folder'],
  [/^extension\/node_modules\/.*\.(ts|mts|cts)$/, 'TypeScript source'],
  [/^extension\/node_modules\/(.*\/)?(test|tests|__tests__)\//, 'a dependency\'s tests'],
  [/^extension\/(tsconfig\.json|eslint\.config\.mjs|package-lock\.json)$/, 'build configuration'],
  [/\.vsix$/, 'another VSIX'],
];

/** Entries of a zip: name → { size, read(n) } where read gives the first n uncompressed bytes. */
function readZip(file) {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (err, zip) => {
      if (err) return reject(err);
      const entries = new Map();
      zip.on('entry', (e) => {
        entries.set(e.fileName, { size: e.uncompressedSize, read: (n) => head(zip, e, n) });
        zip.readEntry();
      });
      zip.on('end', () => resolve({ entries, close: () => zip.close() }));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

function head(zip, entry, n) {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) return reject(err);
      const chunks = [];
      let got = 0;
      stream.on('data', (c) => {
        chunks.push(c);
        got += c.length;
        if (got >= n) stream.destroy();
      });
      stream.on('close', () => resolve(Buffer.concat(chunks).subarray(0, n)));
      stream.on('end', () => resolve(Buffer.concat(chunks).subarray(0, n)));
      stream.on('error', (e) => (got >= n ? resolve(Buffer.concat(chunks).subarray(0, n)) : reject(e)));
    });
  });
}

/** The platform a native binary was built for, from its header: `linux-x64`, `darwin-arm64`…, or a description. */
function binaryPlatform(b) {
  const cpu = { 0x3e: 'x64', 0xb7: 'arm64', 0x8664: 'x64', 0xaa64: 'arm64', 0x01000007: 'x64', 0x0100000c: 'arm64' };
  if (b.length >= 20 && b.readUInt32BE(0) === 0x7f454c46) return `linux-${cpu[b.readUInt16LE(18)] ?? `machine ${b.readUInt16LE(18)}`}`;
  if (b.length >= 8 && b.readUInt32LE(0) === 0xfeedfacf) return `darwin-${cpu[b.readUInt32LE(4)] ?? `cputype ${b.readUInt32LE(4)}`}`;
  if (b.length >= 8 && b.readUInt32BE(0) === 0xcafebabe) {
    const archs = [];
    for (let i = 0; i < b.readUInt32BE(4) && 8 + 20 * i + 4 <= b.length; i++) archs.push(cpu[b.readUInt32BE(8 + 20 * i)] ?? '?');
    return `darwin-universal(${archs.join(',')})`;
  }
  if (b.length >= 0x40 && b.readUInt16LE(0) === 0x5a4d) {
    const pe = b.readUInt32LE(0x3c);
    if (pe + 6 <= b.length && b.readUInt32BE(pe) === 0x50450000) return `win32-${cpu[b.readUInt16LE(pe + 4)] ?? `machine ${b.readUInt16LE(pe + 4)}`}`;
    return 'win32-(PE header beyond the first 4 KiB)';
  }
  return 'not a recognised native binary';
}

async function check(target) {
  const file = path.join(OUT_DIR, vsixName(target));
  if (!fs.existsSync(file)) return { problems: [`${path.relative(REPO, file)} is missing: run npm run package first`] };
  const problems = [];
  const notes = [];
  const { entries, close } = await readZip(file);
  try {
    const names = [...entries.keys()];
    const vsixManifest = entries.get('extension.vsixmanifest');
    const manifestText = vsixManifest ? (await vsixManifest.read(vsixManifest.size)).toString('utf8') : '';
    if (!manifestText.includes(`TargetPlatform="${target}"`)) problems.push(`extension.vsixmanifest does not declare TargetPlatform="${target}"`);
    for (const f of ['extension/readme.md', 'extension/changelog.md', 'extension/LICENSE.txt', 'extension/images/icon.png', ...distFiles.map((d) => `extension/${d}`)]) {
      if (!entries.has(f)) problems.push(`${f} is missing`);
    }
    // The README's pictures: absolute URLs once vsce rewrote them (a repository in package.json), else packed beside it.
    const readme = entries.has('extension/readme.md') ? (await entries.get('extension/readme.md').read(1 << 20)).toString('utf8') : '';
    for (const [, link] of readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)[^)]*\)/g)) {
      if (!/^[a-z][\w+.-]*:/i.test(link) && !entries.has(`extension/${path.posix.normalize(link)}`)) problems.push(`README picture ${link} is not in the VSIX`);
    }
    for (const p of targetPackages(target)) {
      const dir = `extension/node_modules/${p.name}/`;
      if (!entries.has(`${dir}package.json`)) problems.push(`${p.name} is missing`);
      else if (!names.some((n) => n.startsWith(dir) && BINARY.test(n))) problems.push(`${p.name} has no native binary`);
    }
    const { os, arch } = TARGETS[target];
    const ortBinding = new RegExp(`^extension/node_modules/onnxruntime-node/bin/napi-v\\d+/${os}/${arch}/onnxruntime_binding\\.node$`);
    if (hasOnnxruntime(target) && !names.some((n) => ortBinding.test(n))) problems.push(`onnxruntime-node's ${os}/${arch} binding is missing`);
    if (!hasOnnxruntime(target)) notes.push(`onnxruntime-node (as installed) ships no ${os}/${arch} binary, so this VSIX has none: `
      + 'MiniLM and ImageNet MobileNetV2 are unavailable there and the bundled USE-Lite and nsfwjs stand in, with a warning');
    const wanted = new Set(targetPackages(target).map((p) => p.name));
    const allowed = allowedBinaryPrefixes(target);
    for (const n of names) {
      for (const [re, what] of FORBIDDEN) if (re.test(n)) problems.push(`${n}: ${what}`);
      const pkg = /^extension\/node_modules\/(@[^/]+\/[^/]+)\//.exec(n)?.[1];
      if (pkg && isPlatformPackage(pkg) && !wanted.has(pkg)) problems.push(`${n}: another platform's package`);
      const ort = /^extension\/node_modules\/onnxruntime-node\/bin\/[^/]+\/([^/]+)\/([^/]+)\//.exec(n);
      if (ort && (ort[1] !== os || ort[2] !== arch)) problems.push(`${n}: onnxruntime-node binary for ${ort[1]}-${ort[2]}`);
      if (!BINARY.test(n)) continue;
      if (!allowed.some((a) => (typeof a === 'string' ? n.startsWith(a) : a.test(n)))) problems.push(`${n}: a native binary outside ${target}'s packages`);
      const built = binaryPlatform(await entries.get(n).read(4096));
      if (built !== target && built !== `darwin-universal(x64,arm64)` && built !== `darwin-universal(arm64,x64)`) {
        problems.push(`${n}: built for ${built}, not ${target}`);
      }
    }
    return { problems, notes, bytes: fs.statSync(file).size, files: names.length, binaries: names.filter((n) => BINARY.test(n)).length };
  } finally {
    close();
  }
}

const targets = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(TARGETS);
let failed = 0;
for (const target of targets) {
  if (!TARGETS[target]) {
    console.error(`check:package: unknown target ${target}; known: ${Object.keys(TARGETS).join(', ')}`);
    process.exit(1);
  }
  const r = await check(target);
  if (r.bytes !== undefined) {
    const mib = r.bytes / 2 ** 20;
    if (mib > BUDGET_MIB[target]) r.problems.push(`${mib.toFixed(1)} MiB is over the ${BUDGET_MIB[target]} MiB budget`);
    console.log(`${r.problems.length ? 'FAIL' : 'ok  '} ${target.padEnd(12)} ${mib.toFixed(1).padStart(5)} MiB (budget ${BUDGET_MIB[target]} MiB)`
      + `, ${r.files} files, ${r.binaries} native binaries`);
  } else console.log(`FAIL ${target}`);
  for (const n of r.notes ?? []) console.log(`     note: ${n}`);
  for (const p of r.problems) console.log(`     ${p}`);
  if (r.problems.length) failed++;
}
if (failed) {
  console.error(`check:package: ${failed} of ${targets.length} VSIX failed`);
  process.exit(1);
}
console.log(`check:package: ${targets.length} VSIX ok`);
