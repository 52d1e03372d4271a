// `npm run package [-- <target>…]`: builds dist/ once, then one VSIX per platform into dist-vsix/ with
// `vsce package --target`, each holding only that platform's native binaries (see scripts/packageTargets.mjs and the
// README's "Packaging"). Other platforms' packages are fetched with `npm pack`, checked against package-lock.json.
import { execFileSync, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { OUT_DIR, REPO, TARGETS, isPlatformPackage, manifest, onnxruntimeDirs, targetPackages, vsixName } from './packageTargets.mjs';

const CACHE = path.join(REPO, '.cache', 'platform-packages');
// Top-level entries never staged: vsce would skip or .vscodeignore would drop them anyway.
const NOT_STAGED = new Set(['node_modules', '.git', '.vscodeignore', '.cache', 'dist-vsix', 'test-results', '.genre-lens']);

// vsce turns the README's relative links (its pictures in docs/screenshots/) into the repository's URLs; while
// package.json names no repository it would refuse them, so they stay relative and the pictures are packed.
const readmeLinkArgs = manifest().repository ? [] : ['--allow-missing-repository', '--no-rewrite-relative-links'];

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, ...opts });
  if (r.error) fail(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return r;
}

/** The production dependency folders, as vsce would list them (`npm list` exits 1 on this project's optional-peer
 * warnings while printing the complete list; an empty list is an error). */
function productionDeps() {
  const r = run('npm', ['list', '--production', '--parseable', '--depth=99999', '--loglevel=error']);
  const dirs = r.stdout.split(/\r?\n/).filter((d) => path.isAbsolute(d));
  if ((r.status !== 0 && r.status !== 1) || dirs.length < 2) fail(`npm list --production failed (exit ${r.status}):\n${r.stderr}`);
  return dirs.slice(1).map((d) => path.relative(path.join(REPO, 'node_modules'), d).split(path.sep).join('/'));
}

/** The package extracted into .cache/platform-packages/<name>@<version>, fetched with `npm pack` and its sha512
 * checked against the lockfile's integrity the first time. */
function fetchPackage({ name, version, integrity }) {
  const dir = path.join(CACHE, `${name.replace('/', '+')}@${version}`);
  if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-pack-'));
  try {
    const r = run('npm', ['pack', `${name}@${version}`, '--pack-destination', tmp, '--json', '--loglevel=error']);
    if (r.status !== 0) fail(`npm pack ${name}@${version} failed (exit ${r.status}):\n${r.stderr}`);
    const tgz = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) fail(`npm pack ${name}@${version} wrote no tarball`);
    const bytes = fs.readFileSync(path.join(tmp, tgz));
    const got = `sha512-${crypto.createHash('sha512').update(bytes).digest('base64')}`;
    if (got !== integrity) fail(`${name}@${version}: tarball integrity ${got} differs from package-lock.json's ${integrity}`);
    const staging = `${dir}.partial`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(tmp, tgz), '-C', staging, '--strip-components=1']);
    fs.renameSync(staging, dir);
    console.log(`  fetched ${name}@${version} (${(bytes.length / 2 ** 20).toFixed(1)} MiB)`);
    return dir;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** .vscodeignore for `target`: the project's, with onnxruntime-node's bin/ rules replaced by "every other platform". */
function ignoreFor(target) {
  const { os: tos, arch } = TARGETS[target];
  const base = fs.readFileSync(path.join(REPO, '.vscodeignore'), 'utf8').split('\n')
    .filter((l) => !l.startsWith('node_modules/onnxruntime-node/bin/'));
  const others = onnxruntimeDirs().filter((d) => !d.endsWith(`/${tos}/${arch}`)).map((d) => `node_modules/onnxruntime-node/bin/${d}/**`);
  return [...base, `# ${target}: every other platform's onnxruntime-node binaries`, ...others, ''].join('\n');
}

/**
 * A folder vsce packages for `target`: the project's top-level files as symlinks, a node_modules of symlinks to the
 * installed packages minus the host's platform packages plus the target's, and the dependency list vsce will read.
 */
function stage(target, deps, root) {
  for (const e of fs.readdirSync(REPO)) if (!NOT_STAGED.has(e)) fs.symlinkSync(path.join(REPO, e), path.join(root, e));
  fs.writeFileSync(path.join(root, '.vscodeignore'), ignoreFor(target));
  const nm = path.join(root, 'node_modules');
  const list = [root];
  for (const dep of deps) {
    const name = dep.split('/node_modules/')[0];
    if (isPlatformPackage(name)) {
      if (dep !== name) fail(`nested platform package ${dep} is not supported`);
      continue;
    }
    const link = path.join(nm, name);
    if (!fs.existsSync(link)) {
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(fs.realpathSync(path.join(REPO, 'node_modules', name)), link);
    }
    list.push(path.join(nm, dep));
  }
  const wanted = targetPackages(target);
  for (const p of wanted) {
    const link = path.join(nm, p.name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(fetchPackage(p), link);
    list.push(link);
  }
  return { wanted, list };
}

/** An `npm` first on vsce's PATH: `npm list` prints the staged dependency list, anything else runs the real npm. */
function npmShim(dir, depsFile) {
  const real = run('sh', ['-c', 'command -v npm']).stdout.trim();
  if (!real) fail('npm is not on PATH');
  fs.writeFileSync(path.join(dir, 'npm'), `#!/bin/sh\nif [ "$1" = list ]; then exec cat "${depsFile}"; fi\nexec "${real}" "$@"\n`, { mode: 0o755 });
}

const targets = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(TARGETS);
for (const t of targets) if (!TARGETS[t]) fail(`unknown target ${t}; known: ${Object.keys(TARGETS).join(', ')}`);
if (process.platform === 'win32') fail('packaging runs on Linux or macOS (it stages with symlinks and a shell shim)');

const started = Date.now();
console.log('package: building dist/');
if (run(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' }).status !== 0) fail('npm run build failed');
const deps = productionDeps();
const vsce = createRequire(path.join(REPO, 'package.json')).resolve('@vscode/vsce/vsce');
fs.mkdirSync(OUT_DIR, { recursive: true });
for (const target of targets) {
  const t0 = Date.now();
  console.log(`package: ${target}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `genre-lens-${target}-`));
  const root = path.join(work, 'extension');
  const shim = path.join(work, 'npm-shim');
  try {
    fs.mkdirSync(root);
    fs.mkdirSync(shim);
    const { wanted, list } = stage(target, deps, root);
    fs.writeFileSync(path.join(work, 'deps.txt'), `${list.join('\n')}\n`);
    npmShim(shim, path.join(work, 'deps.txt'));
    const out = path.join(OUT_DIR, vsixName(target));
    const r = run(process.execPath, [vsce, 'package', '--target', target, '--no-yarn', '--follow-symlinks', ...readmeLinkArgs, '-o', out],
      { cwd: root, env: { ...process.env, PATH: `${shim}${path.delimiter}${process.env.PATH ?? ''}` } });
    if (r.status !== 0) fail(`vsce package --target ${target} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    const mib = fs.statSync(out).size / 2 ** 20;
    console.log(`  ${path.relative(REPO, out)}: ${mib.toFixed(1)} MiB with ${wanted.map((p) => p.name).join(', ')}`
      + ` (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true }); // removes the symlinks, never what they point to
  }
}
console.log(`package: ${targets.length} VSIX in ${path.relative(REPO, OUT_DIR)}/ (${((Date.now() - started) / 1000).toFixed(0)} s); check with npm run check:package`);
