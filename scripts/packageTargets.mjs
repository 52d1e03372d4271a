// The platforms `npm run package` builds a VSIX for, and which native files belong to each: the platform packages
// (sharp's @img/*, lmdb's @lmdb/*, msgpackr's @msgpackr-extract/*) pinned by package-lock.json, and onnxruntime-node's
// bin/napi-v*/<os>/<arch>. Shared by scripts/package.mjs (which fetches and stages them) and scripts/checkPackage.mjs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OUT_DIR = path.join(REPO, 'dist-vsix');

/** vsce target → Node's process.platform / process.arch there. */
export const TARGETS = {
  'linux-x64': { os: 'linux', arch: 'x64' },
  'linux-arm64': { os: 'linux', arch: 'arm64' },
  'darwin-x64': { os: 'darwin', arch: 'x64' },
  'darwin-arm64': { os: 'darwin', arch: 'arm64' },
  'win32-x64': { os: 'win32', arch: 'x64' },
};

/**
 * Size budget per VSIX in MiB: what was measured when the budget was set, plus about 10 %. A VSIX above it fails
 * `npm run check:package`; raise it deliberately (and in the README's "Packaging") when a dependency grows.
 */
export const BUDGET_MIB = {
  'linux-x64': 72, // measured 65.2
  'linux-arm64': 64, // 58.2
  'darwin-x64': 49, // 44.1 (no onnxruntime-node binary exists for it)
  'darwin-arm64': 75, // 68.5
  'win32-x64': 78, // 71.3
};

/** Scopes whose packages are one platform's prebuilt binaries (named …-<os>-<arch>); each is an optional dependency
 * of a package that picks the right one at run time (sharp, lmdb, msgpackr-extract). */
export const PLATFORM_SCOPES = ['@img', '@lmdb', '@msgpackr-extract'];

export const manifest = () => JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
export const vsixName = (target) => `${manifest().name}-${manifest().version}@${target}.vsix`;

/** Is this package (by name) a prebuilt-binary package for some platform? */
export function isPlatformPackage(name) {
  return PLATFORM_SCOPES.some((s) => name.startsWith(`${s}/`)) && /-(linux|linuxmusl|darwin|win32|freebsd|webcontainers)-[a-z0-9]+$/.test(name);
}

/**
 * The platform packages `target` needs, from package-lock.json: for each platform package installed here (for the
 * host), the same package named for `target`, at the version and integrity the lockfile pins. A package with no
 * such variant (sharp has no separate libvips package for win32) is simply absent. Throws when the lockfile lacks one
 * the host has, naming it.
 */
export function targetPackages(target, hostTarget = `${process.platform}-${process.arch}`) {
  if (!TARGETS[target]) throw new Error(`unknown target ${target}; known: ${Object.keys(TARGETS).join(', ')}`);
  const lock = JSON.parse(fs.readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')).packages ?? {};
  const installed = Object.keys(lock).filter((k) => isPlatformPackage(k.replace(/^.*node_modules\//, ''))
    && k.replace(/^.*node_modules\//, '').endsWith(`-${hostTarget}`) && !k.includes('/node_modules/', 'node_modules/'.length));
  if (installed.length === 0) throw new Error(`package-lock.json has no platform packages for the host (${hostTarget}); run npm ci first`);
  const out = [];
  for (const key of installed) {
    const name = key.slice('node_modules/'.length).replace(new RegExp(`-${hostTarget}$`), `-${target}`);
    const entry = lock[`node_modules/${name}`];
    if (!entry) continue; // no such package for this platform (e.g. @img/sharp-libvips-win32-x64)
    if (!entry.version || !entry.integrity) throw new Error(`package-lock.json: node_modules/${name} has no version or integrity`);
    out.push({ name, version: entry.version, integrity: entry.integrity });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Where in the VSIX a target's native binaries may live (prefixes under extension/). */
export function allowedBinaryPrefixes(target) {
  const { os, arch } = TARGETS[target];
  return [
    ...targetPackages(target).map((p) => `extension/node_modules/${p.name}/`),
    new RegExp(`^extension/node_modules/onnxruntime-node/bin/napi-v\\d+/${os}/${arch}/`),
  ];
}

/** The onnxruntime-node binary folders installed here (bin/napi-v*\/<os>/<arch>), as relative paths. */
export function onnxruntimeDirs() {
  const bin = path.join(REPO, 'node_modules', 'onnxruntime-node', 'bin');
  const dirs = [];
  for (const napi of fs.readdirSync(bin)) {
    for (const os of fs.readdirSync(path.join(bin, napi))) {
      for (const arch of fs.readdirSync(path.join(bin, napi, os))) dirs.push(`${napi}/${os}/${arch}`);
    }
  }
  return dirs;
}

/** Does onnxruntime-node (as installed) ship a binary for `target`? (1.30.0 has none for darwin-x64.) */
export function hasOnnxruntime(target) {
  const { os, arch } = TARGETS[target];
  return onnxruntimeDirs().some((d) => d.endsWith(`/${os}/${arch}`));
}
