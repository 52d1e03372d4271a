// Train/eval leakage: `train --eval` naming the training file, a byte-identical copy, or a file sharing rows with it
// by content is refused with the count before any encoder loads; --allow-eval-overlap trains anyway and records the
// overlap in the manifest, the report and a warning.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { rowContentKey } from '../server/engine/leakage';
import { trainRun } from '../server/engine/run';

const repo = path.resolve(__dirname, '..');
const source = path.join(repo, 'examples/movies.csv');
let work: string;
let data: string;

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-overlap-'));
  data = path.join(work, 'movies.csv');
  fs.copyFileSync(source, data);
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

const exec = promisify(execFile);
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(repo, 'server/cli.ts'), ...args],
      { cwd: work, env: { ...process.env, GENRE_LENS_CACHE: path.join(work, 'cache') }, maxBuffer: 1 << 26 });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

test('rows are compared by title and description, trimmed, whitespace-collapsed and case-folded', () => {
  const key = (title: string, text: string) => rowContentKey({ title, text });
  assert.equal(key('  The  Matrix ', 'A hacker\n learns the truth.'), key('the matrix', 'A HACKER learns the truth.'));
  assert.notEqual(key('The Matrix', 'A hacker learns the truth.'), key('The Matrix', 'A hacker learns the lie.'));
  assert.notEqual(key('ab', 'c'), key('a', 'bc'));
  assert.equal(key(' ', ''), null, 'a row with no content matches nothing');
});

test('--eval naming the training file is refused with the count, before encoders load', async () => {
  const phases: string[] = [];
  await assert.rejects(trainRun({ data, evalFile: data, imageEncoder: 'none', cacheDir: null, onProgress: (p) => phases.push(p.phase) }),
    /the evaluation file .*movies\.csv is the training file \(72 shared rows\), so its metrics would be optimistic\. .*--allow-eval-overlap/);
  assert.ok(!phases.includes('loading encoders'), `phases: ${phases.join(', ')}`);
});

test('a byte-identical copy counts as the training file', async () => {
  const copy = path.join(work, 'copy.csv');
  fs.copyFileSync(data, copy);
  await assert.rejects(trainRun({ data, evalFile: copy, imageEncoder: 'none', cacheDir: null }), /is the training file \(72 shared rows\)/);
});

test('a file sharing 3 rows by content (whitespace and case aside) is refused with "3 rows"', async () => {
  const lines = fs.readFileSync(data, 'utf8').trimEnd().split('\n');
  const shouted = lines[3].replace(/^(m\d+),([^,]+),"/, (_m, id: string, title: string) => `x${id},${title.toUpperCase()},"  `);
  assert.notEqual(shouted, lines[3]);
  const fresh = ['n1,Brand New Film,"A story nobody has told before, about a lighthouse keeper.",Drama,',
    'n2,Another New Film,"Two rival chefs open restaurants on the same street.",Comedy,'];
  const evalFile = path.join(work, 'eval.csv');
  fs.writeFileSync(evalFile, [lines[0], lines[1], lines[2], shouted, ...fresh].join('\n') + '\n');
  await assert.rejects(trainRun({ data, evalFile, imageEncoder: 'none', cacheDir: null }),
    /the evaluation file .*eval\.csv shares 3 rows with the training file \(same title and description\)/);
});

test('CLI: refused with exit 1; --allow-eval-overlap trains and records the overlap', async () => {
  const refused = await cli('train', data, '--eval', data, '--image-encoder', 'none', '--no-ablation', '--out', path.join(work, 'refused'));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^genre-lens: the evaluation file .* is the training file \(72 shared rows\)/m);
  assert.equal(fs.existsSync(path.join(work, 'refused')), false);

  const out = path.join(work, 'model');
  const r = await cli('train', data, '--eval', data, '--allow-eval-overlap', '--image-encoder', 'none', '--no-ablation', '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { warnings: string[] };
  assert.ok(json.warnings.some((w) => /is the training file \(72 shared rows\); the evaluation metrics are optimistic/.test(w)), json.warnings.join('\n'));
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.evaluation.overlap, { rows: 72, sameFile: true });
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  assert.deepEqual(report.run.evaluation.overlap, { rows: 72, sameFile: true });
});
