// `npm run test:hostile`: builds the hostile corpus (test/hostile/cases-*.ts) in a fresh temp folder, runs every case
// against the built CLI (two at a time) and then the daemon cases, and prints one line per case and, last,
// `N passed, M failed` (exit code 1 when M > 0). HOSTILE_KEEP=1 keeps the temp folder; HOSTILE_ONLY=<regex> filters.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Case, CRASH, Ctx } from './case';
import { cacheCases } from './cases-cache';
import { dataCases } from './cases-data';
import { headCases } from './cases-heads';
import { modelCases } from './cases-models';
import { optionCases } from './cases-options';
import { posterCases } from './cases-posters';
import { storeCases } from './cases-store';
import { trainingCases } from './cases-training';
import { daemonCases, Outcome } from './daemon';
import { CLI, MAX_RSS_KB, REPO, runCli, writePreload } from './exec';
import { csvText, tinyCsv, withPosters, write } from './generate';
import { diff, snapshot } from './snapshot';

for (const v of ['GENRE_LENS_ALLOW_PRIVATE_NETWORK', 'GENRE_LENS_POSTER_ROOTS', 'GENRE_LENS_MODELS']) delete process.env[v];
// No encoder downloads from the internet (the bundled encoders stand in, with their warning), unless asked for.
process.env.GENRE_LENS_OFFLINE ??= '1';

/** A loopback server that counts requests by path: /loop/N redirects to /loop/N+1, /endless/* never ends, else a PNG. */
function startServer(): Promise<{ url: string; hits: (prefix: string) => number; close: () => void }> {
  const seen: string[] = [];
  const png = fs.readFileSync(path.join(REPO, 'examples/posters/m01.png'));
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    seen.push(url);
    const loop = /^\/loop\/(\d+)/.exec(url);
    if (loop) return void res.writeHead(302, { location: `/loop/${Number(loop[1]) + 1}` }).end();
    if (url.startsWith('/endless')) {
      res.writeHead(200, { 'content-type': 'image/png' });
      const chunk = Buffer.alloc(1 << 16);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', pump);
      return pump();
    }
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    resolve({ url: `http://127.0.0.1:${port}`, hits: (p) => seen.filter((u) => u.startsWith(p)).length,
      close: () => void (server.closeAllConnections(), server.close()) });
  }));
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 60);
const clip = (s: string) => JSON.stringify(s.trim().replace(/\s+/g, ' ').slice(-200));

async function runCase(c: Case, i: number, ctx: Ctx): Promise<Outcome> {
  const dir = path.join(ctx.root, 'cases', `${String(i).padStart(3, '0')}-${slug(c.name)}`);
  fs.mkdirSync(dir, { recursive: true });
  try {
    if (c.store !== false) fs.cpSync(ctx.seedStore, path.join(dir, '.genre-lens'), { recursive: true });
    c.files(dir, ctx);
  } catch (e) {
    return { name: c.name, problem: `setup failed: ${(e as Error).message}` };
  }
  const before = snapshot(dir);
  const r = await runCli(c.args(ctx, dir), { cwd: dir, preload: ctx.preload, env: { GENRE_LENS_CACHE: ctx.cache, ...c.env } });
  const problems: string[] = [];
  const text = `${r.stderr}\n${r.stdout}`;
  if (r.killed) problems.push(r.killed);
  else if (r.signal) problems.push(`crashed with ${r.signal}`);
  else if (c.code === 'any' ? r.code !== 0 && r.code !== 1 : r.code !== c.code) problems.push(`exit code ${r.code}, expected ${c.code}`);
  if (r.peakKb > MAX_RSS_KB) problems.push(`peak RSS ${Math.round(r.peakKb / 1024)} MB`);
  if (c.message && !c.message.test(text)) problems.push(`message does not match ${c.message}`);
  if (CRASH.test(r.stderr)) problems.push(`raw crash text: ${CRASH.exec(r.stderr)![0].trim()}`);
  if (c.absent?.test(text)) problems.push(`says ${c.absent.exec(text)![0]}`);
  problems.push(...diff(before, snapshot(dir), c.rules));
  if (!r.killed) {
    try {
      const extra = c.check?.(dir, r, ctx);
      if (extra) problems.push(extra);
    } catch (e) {
      problems.push(`check threw: ${(e as Error).message}`);
    }
  }
  const took = `${(r.ms / 1000).toFixed(1)} s, ${Math.round(r.peakKb / 1024)} MB`;
  return { name: `${c.name} (${took})`, problem: problems.length ? `${problems.join('; ')} — stderr: ${clip(r.stderr)}` : null };
}

/** Trains the seed models once: a text-only store for the CLI cases, a poster model for poster and daemon cases. */
async function seed(ctx: Ctx, ws: string): Promise<string | null> {
  const textDir = path.dirname(ctx.seedStore);
  tinyCsv(textDir);
  write(ws, 'data.csv', csvText(withPosters(ws), ['id', 'title', 'overview', 'genres', 'poster']));
  const opts = (cwd: string) => ({ cwd, preload: ctx.preload, env: { GENRE_LENS_CACHE: ctx.cache } });
  const [a, b] = await Promise.all([
    runCli(['train', 'data.csv', '--image-encoder', 'none', '--no-ablation', '--no-progress'], opts(textDir)),
    runCli(['train', 'data.csv', '--image-encoder', 'nsfwjs', '--no-ablation', '--no-progress'], opts(ws)),
  ]);
  for (const r of [a, b]) if (r.code !== 0) return `seeding a model failed (exit ${r.code}${r.killed ? `, ${r.killed}` : ''}): ${clip(r.stderr)}`;
  const { model } = JSON.parse(fs.readFileSync(path.join(ws, '.genre-lens/current.json'), 'utf8')) as { model: string };
  ctx.posterModel = path.resolve(ws, '.genre-lens', model);
  return null;
}

async function main(): Promise<number> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-hostile-'));
  const server = await startServer();
  const ctx: Ctx = { root, preload: writePreload(root), cache: path.join(root, 'cache'), seedStore: path.join(root, 'seed/.genre-lens'),
    posterModel: '', server: server.url, hits: server.hits };
  const only = process.env.HOSTILE_ONLY ? new RegExp(process.env.HOSTILE_ONLY, 'i') : null;
  const cases = [...storeCases, ...posterCases, ...dataCases, ...optionCases, ...modelCases, ...cacheCases, ...headCases, ...trainingCases].filter((c) => !only || only.test(c.name));
  const outcomes: Outcome[] = [];
  const report = (o: Outcome) => {
    outcomes.push(o);
    process.stdout.write(o.problem ? `FAIL ${o.name}: ${o.problem}\n` : `ok   ${o.name}\n`);
  };
  try {
    const ws = path.join(root, 'daemon');
    const seeded = await seed(ctx, ws);
    if (seeded) report({ name: 'seed models', problem: seeded });
    else {
      let next = 0;
      const worker = async () => {
        while (next < cases.length) {
          const i = next++;
          report(await runCase(cases[i], i, ctx).catch((e: Error) => ({ name: cases[i].name, problem: `runner error: ${e.message}` })));
        }
      };
      await Promise.all([worker(), worker()]);
      if (!only || only.test('daemon')) (await daemonCases(ctx, ws)).forEach(report);
    }
  } finally {
    server.close();
    if (process.env.HOSTILE_KEEP !== '1') fs.rmSync(root, { recursive: true, force: true });
    else process.stdout.write(`kept ${root}\n`);
  }
  const failed = outcomes.filter((o) => o.problem).length;
  process.stdout.write(`${outcomes.length - failed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

main().then((code) => (process.exitCode = code), (e: Error) => {
  process.stdout.write(`FAIL runner: ${e.message}\n0 passed, 1 failed\n`);
  process.exitCode = 1;
});
