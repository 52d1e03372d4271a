// End-to-end harness: installs this platform's VSIX from `npm run package` (building it when stale) into an isolated
// code-server (a real VS Code in the browser), starts code-server on a free loopback port with a temp workspace, and drives it with Debian's
// chromium through playwright-core. code-server and chromium live outside the project (scripts/setup-e2e.sh); without
// them the tests skip, except under CI=true, where they fail naming what is missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { shared } from '../sharedDir';

export const REPO = path.resolve(__dirname, '../..');
export const RESULTS = path.join(REPO, 'test-results', 'e2e');
/** Generous waits on conditions, never on the clock alone. */
export const UI_WAIT = 120_000;
export const TRAIN_WAIT = 20 * 60_000;

const isExecutable = (p: string) => {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

export function findChromium(): string | undefined {
  const env = process.env.GENRE_LENS_CHROMIUM;
  if (env) return isExecutable(env) ? env : undefined;
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(isExecutable) ?? onPath('chromium');
}

export function findCodeServer(): string | undefined {
  const env = process.env.GENRE_LENS_CODE_SERVER;
  if (env) return isExecutable(env) ? env : undefined;
  const home = process.env.GENRE_LENS_E2E_HOME ?? path.join(os.homedir(), '.cache', 'genre-lens-e2e');
  const installed = path.join(home, 'code-server', 'node_modules', '.bin', 'code-server');
  return isExecutable(installed) ? installed : onPath('code-server');
}

/** `name` is resolvable from the project (a devDependency `npm ci` installs). */
const installed = (name: string) => {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
};

/** Why the end-to-end tests cannot run here (what is missing and how to install it), or null when all is there. */
export function missingTools(): string | null {
  const notExecutable = (v: string) => `${v}=${process.env[v]} is not an executable file`;
  const missing = [
    !findChromium() && `chromium (${process.env.GENRE_LENS_CHROMIUM ? notExecutable('GENRE_LENS_CHROMIUM') : 'apt-get install chromium'})`,
    !findCodeServer() && `code-server 4.100.3 (${process.env.GENRE_LENS_CODE_SERVER ? notExecutable('GENRE_LENS_CODE_SERVER')
      : `not in ${process.env.GENRE_LENS_E2E_HOME ?? '~/.cache/genre-lens-e2e'}/code-server nor on PATH`})`,
    !installed('@vscode/vsce/vsce') && '@vscode/vsce, which packages the VSIX (npm ci)',
    !installed('esbuild') && 'esbuild, which builds dist/ (npm ci)',
  ].filter(Boolean);
  return missing.length ? `end-to-end prerequisites missing: ${missing.join('; ')}. Run scripts/setup-e2e.sh (and npm ci) to install them` : null;
}

/** CI=true (or 1): a missing prerequisite fails the end-to-end tests, so a CI run cannot pass without running them. */
export const E2E_REQUIRED = /^(true|1|yes)$/i.test(process.env.CI ?? '');

/** Skips the test for `reason` — or, under CI=true, fails it with that reason. */
export function skipOrFail(t: TestContext, reason: string): void {
  if (E2E_REQUIRED) throw new Error(`CI=true, so the end-to-end tests must run: ${reason}`);
  t.skip(reason);
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? REPO, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout + r.stderr;
}

/** Where the sources a VSIX is built from live: a VSIX older than any file here is stale. */
const PACKAGE_INPUTS = ['client', 'server', 'common', 'media', 'walkthrough', 'images', 'examples', 'docs', 'package.json',
  'package-lock.json', '.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE', 'scripts/build.mjs', 'scripts/buildEntries.mjs',
  'scripts/package.mjs', 'scripts/packageTargets.mjs'];

function newestMtime(p: string): number {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  return fs.readdirSync(p).reduce((m, e) => Math.max(m, newestMtime(path.join(p, e))), st.mtimeMs);
}

/**
 * The VSIX for this machine's platform (linux-x64 in CI) that `npm run package` wrote to
 * dist-vsix/genre-lens-<version>@<target>.vsix — the one users install. When it is missing or older than a source
 * file (or dist/ is missing), it is built first with `node scripts/package.mjs <target>`, which rebuilds dist/ too.
 */
export function packageExtension(): { vsix: string; bytes: number; log: string } {
  const { name, version } = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };
  const target = `${process.platform}-${process.arch}`;
  const vsix = path.join(REPO, 'dist-vsix', `${name}-${version}@${target}.vsix`);
  const built = fs.statSync(vsix, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const fresh = built > 0 && fs.existsSync(path.join(REPO, 'dist', 'server', 'cli.js'))
    && PACKAGE_INPUTS.every((p) => newestMtime(path.join(REPO, p)) <= built);
  const log = fresh ? `using ${path.relative(REPO, vsix)} from npm run package\n`
    : run(process.execPath, ['scripts/package.mjs', target]);
  return { vsix, bytes: fs.statSync(vsix).size, log };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  url: string;
  workspace: string;
  userDataDir: string;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Starts code-server with everything isolated in `root` (HOME, user data, extensions, cache), the VSIX installed
 * and `settings` as the user settings, opening `workspace`.
 */
export async function startCodeServer(opts: { bin: string; root: string; vsix: string; workspace: string; settings: Record<string, unknown>; logFile: string }): Promise<CodeServer> {
  const { bin, root, vsix, workspace, settings, logFile } = opts;
  const home = path.join(root, 'home');
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  const cache = path.join(root, 'genre-lens-cache');
  for (const d of [home, extensionsDir, cache, path.join(userDataDir, 'User')]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const models = shared('models');
  const env: NodeJS.ProcessEnv = {
    ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'), GENRE_LENS_CACHE: cache,
  };
  delete env.GENRE_LENS_MODELS;
  if (fs.existsSync(models)) env.GENRE_LENS_MODELS = models;
  for (const k of Object.keys(env)) if (k.startsWith('VSCODE_') || k.startsWith('npm_')) delete env[k];
  const common = ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  const installLog = run(bin, [...common, '--install-extension', vsix], { env, cwd: root });
  fs.writeFileSync(logFile, `$ code-server --install-extension ${vsix}\n${installLog}\n`);
  const port = await freePort();
  const args = [...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened', workspace];
  const out = fs.openSync(logFile, 'a');
  fs.writeSync(out, `$ code-server ${args.join(' ')}\n`);
  // Its own process group, so stop() ends code-server and everything it started (extension host, the daemon).
  const child: ChildProcess = spawn(bin, args, { cwd: workspace, env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited: string | null = null;
  child.on('exit', (code, signal) => (exited = `code-server exited (${code ?? signal}); see ${logFile}`));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exited) throw new Error(exited);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url: `${url}/?folder=${encodeURIComponent(workspace)}`, workspace, userDataDir, logFile,
    stop: async () => {
      if (exited || child.pid === undefined) return;
      const gone = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  // playwright gives the browser a fresh temporary profile (--user-data-dir) and removes it on close.
  return chromium.launch({
    executablePath, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** The user settings every end-to-end workbench starts with (a suite adds its own): dark, quiet, offline, no minimap. */
const BASE_SETTINGS: Record<string, unknown> = {
  'workbench.colorTheme': 'Default Dark Modern', 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'editor.minimap.enabled': false,
  'extensions.autoUpdate': false, 'extensions.autoCheckUpdates': false, 'extensions.ignoreRecommendations': true,
};

/** What openWorkbench started, filled in as it goes, so closeWorkbench ends it even after a failed start. */
export interface Workbench { root: string; server?: CodeServer; browser?: Browser }

/** The start the end-to-end suites share: the VSIX packaged into a fresh temp folder, a workspace of `moviesCsv` as movies.csv and
 * the example posters (`moviesCsv: null`: an empty workspace) and whatever `prepare` puts there, code-server on it (BASE_SETTINGS +
 * `settings`; log RESULTS/`logName`), chromium showing its explorer. */
export async function openWorkbench(wb: Workbench, opts: { tmpPrefix: string; moviesCsv: string | Buffer | null; logName: string;
  settings: Record<string, unknown>; prepare?: (workspace: string) => void; viewport?: { width: number; height: number } }): Promise<Page> {
  wb.root = fs.mkdtempSync(path.join(os.tmpdir(), opts.tmpPrefix));
  const pkg = packageExtension();
  console.log(`# packaged ${path.basename(pkg.vsix)}: ${(pkg.bytes / 2 ** 20).toFixed(1)} MiB`);
  const workspace = path.join(wb.root, 'workspace');
  fs.mkdirSync(workspace);
  if (opts.moviesCsv !== null) {
    fs.writeFileSync(path.join(workspace, 'movies.csv'), opts.moviesCsv);
    fs.cpSync(path.join(REPO, 'examples', 'posters'), path.join(workspace, 'posters'), { recursive: true });
  }
  opts.prepare?.(workspace);
  wb.server = await startCodeServer({ bin: findCodeServer()!, root: wb.root, vsix: pkg.vsix, workspace,
    logFile: path.join(RESULTS, opts.logName), settings: { ...BASE_SETTINGS, ...opts.settings } });
  wb.browser = await launchChromium(findChromium()!);
  const page = await wb.browser.newPage({ viewport: opts.viewport ?? { width: 1440, height: 900 } });
  await page.goto(wb.server.url);
  await page.locator('.monaco-workbench').waitFor({ timeout: UI_WAIT });
  await (opts.moviesCsv === null ? page.locator('.explorer-folders-view')
    : page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'movies.csv' }).first()).waitFor({ timeout: UI_WAIT });
  return page;
}

/** Closes the browser and code-server, and removes the temp folder unless `keep` (a failed run keeps it for a look). */
export async function closeWorkbench(wb: Workbench, keep: boolean): Promise<void> {
  await wb.browser?.close().catch(() => undefined);
  await wb.server?.stop();
  if (wb.root && !keep) fs.rmSync(wb.root, { recursive: true, force: true });
  else if (wb.root) console.log(`# kept ${wb.root} (code-server user data and logs) for a look`);
}

/** The visible quick-input (command palette / quick pick) widget. */
export const quickInput = (page: Page): Locator => page.locator('.quick-input-widget:visible');

/**
 * F1, type the command's title, run it. The palette lists the commands known when it opens, and an extension's
 * contributions arrive some seconds after the workbench shows: reopen it until the command is there.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  const box = quickInput(page);
  const input = box.locator('input.input');
  const row = box.locator('.monaco-list-row', { hasText: title }).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    await input.waitFor({ timeout: UI_WAIT });
    try { // the palette can close again before it is typed in (an editor opening takes the focus): then try again
      await input.fill(`>${title}`, { timeout: 10_000 });
      await row.waitFor({ timeout: 10_000 });
      break;
    } catch (e) {
      if (attempt >= 20) throw e;
      await page.keyboard.press('Escape');
      await box.waitFor({ state: 'hidden', timeout: UI_WAIT });
    }
  }
  await row.click();
}

/** Waits for a quick pick titled like `title` and picks its row containing `label`. */
export async function pickQuickItem(page: Page, label: string, title?: string | RegExp): Promise<void> {
  const box = quickInput(page);
  if (title) await box.locator('.quick-input-title', { hasText: title }).waitFor({ timeout: UI_WAIT });
  const row = box.locator('.monaco-list-row', { hasText: label }).first();
  await row.waitFor({ timeout: UI_WAIT });
  await row.click();
}

/** The Genre Lens status-bar item. */
export const statusItem = (page: Page): Locator => page.locator('.statusbar-item', { hasText: /Genre:/ });

/** The document inside the report webview (webview host iframe → its active frame). */
export const reportFrame = (page: Page): FrameLocator =>
  page.frameLocator('iframe.webview.ready').first().frameLocator('iframe#active-frame');
