// CLI option validation: a bad --seed, --eval-fraction, --workers, URL, folder or column name stops the command
// with exit code 1 and a message naming the option, before anything is read or written; trainRun makes the same
// checks for callers that bypass the CLI (the daemon passes settings through).
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from 'commander';
import { integerIn, parseColumnName, parseFraction, parseHttpUrl, parseSeed, parseWorkers, parseWritableDir } from '../server/cliOptions';
import { trainRun } from '../server/engine/run';

const repo = path.resolve(__dirname, '..');
let work: string;
let data: string;
const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'genre-lens-cliopts-'));
  data = path.join(work, 'movies.csv');
  fs.copyFileSync(path.join(repo, 'examples/movies.csv'), data);
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

const exec = promisify(execFile);
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(repo, 'server/cli.ts'), ...args],
      { cwd: work, env: { ...process.env, GENRE_LENS_CACHE: path.join(work, 'cache') } });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const rejected: [string[], RegExp][] = [
  [['--seed', 'abc'], /option '--seed <n>' argument 'abc' is invalid\. expected an integer from 0 to 2147483647/],
  [['--seed', '1.5'], /option '--seed <n>' argument '1\.5' is invalid\. expected an integer/],
  [['--eval-fraction', '-0.5'], /option '--eval-fraction <f>' argument '-0\.5' is invalid\. expected a number greater than 0 and less than 1/],
  [['--eval-fraction', '1'], /option '--eval-fraction <f>' argument '1' is invalid/],
  [['--workers', '0'], /option '--workers <n>' argument '0' is invalid\. expected an integer from 1 to 64/],
  [['--poster-base-url', 'file:///etc'], /option '--poster-base-url <url>' argument 'file:\/\/\/etc' is invalid\. expected an http:\/\/ or https:\/\/ URL/],
  [['--max-genres', '0'], /option '--max-genres <n>' argument '0' is invalid\. expected an integer from 1 to 10000/],
  [['--max-genres', '10001'], /option '--max-genres <n>' argument '10001' is invalid\. expected an integer from 1 to 10000/],
  [['--keep', '0'], /option '--keep <n>' argument '0' is invalid\. expected an integer of at least 1/],
  [['--title-column', ''], /option '--title-column <name>' argument '' is invalid\. expected a column name/],
];

for (const [args, message] of rejected) {
  test(`train ${args.join(' ')}: exit 1, the option named, nothing written`, async () => {
    const before = sha(data);
    const r = await cli('train', data, ...args);
    assert.equal(r.code, 1);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
    assert.equal(sha(data), before, 'the input is unchanged');
    assert.deepEqual(fs.readdirSync(work).sort(), ['movies.csv'], 'no model store, cache or other file was created');
  });
}

test('the parsers accept what they should and say what they expected otherwise', () => {
  assert.equal(parseSeed('0'), 0);
  assert.equal(parseSeed('2147483647'), 2147483647);
  assert.equal(parseWorkers('64'), 64);
  assert.equal(integerIn(1)('5'), 5);
  assert.equal(parseFraction('0.2'), 0.2);
  assert.equal(parseFraction('.5'), 0.5);
  assert.equal(parseHttpUrl('https://image.tmdb.org/t/p/w500'), 'https://image.tmdb.org/t/p/w500');
  assert.equal(parseColumnName('overview'), 'overview');
  for (const bad of ['-1', '2147483648', '1e3', '0x10', '', ' ', 'NaN']) assert.throws(() => parseSeed(bad), InvalidArgumentError, bad);
  assert.throws(() => parseWorkers('65'), /expected an integer from 1 to 64/);
  assert.throws(() => integerIn(1)('0'), /expected an integer of at least 1/);
  for (const bad of ['0', '1', '1.5', 'abc', '', 'Infinity', '0.2x']) assert.throws(() => parseFraction(bad), InvalidArgumentError, bad);
  for (const bad of ['nope', '/posters', 'ftp://host/x', 'javascript:alert(1)']) assert.throws(() => parseHttpUrl(bad), InvalidArgumentError, bad);
  assert.throws(() => parseColumnName('  '), InvalidArgumentError);
});

test('--cache must be a folder, existing or creatable', () => {
  assert.equal(parseWritableDir(path.join(work, 'new', 'cache')), path.join(work, 'new', 'cache'));
  assert.equal(fs.existsSync(path.join(work, 'new')), false, 'checking does not create it');
  assert.throws(() => parseWritableDir(data), /expected a folder; it is a file/);
  assert.throws(() => parseWritableDir(path.join(data, 'sub')), /is not a folder/);
});

test('trainRun refuses an out-of-range seed, evalFraction or worker count before reading anything', async () => {
  const missing = path.join(work, 'missing.csv');
  await assert.rejects(trainRun({ data: missing, seed: Number.NaN }), /^Error: seed must be an integer from 0 to 2147483647, got NaN$/);
  await assert.rejects(trainRun({ data: missing, seed: 1.5 }), /seed must be an integer/);
  await assert.rejects(trainRun({ data: missing, evalFraction: -0.5 }), /evalFraction must be a number greater than 0 and less than 1, got -0\.5/);
  await assert.rejects(trainRun({ data: missing, evalFraction: 1 }), /evalFraction must be/);
  await assert.rejects(trainRun({ data: missing, train: { workers: 0 } }), /workers must be an integer from 1 to 64, got 0/);
  await assert.rejects(trainRun({ data: missing, maxGenres: 0 }), /maxGenres must be an integer from 1 to 10000, got 0/);
  await assert.rejects(trainRun({ data: missing, keep: 2.5 }), /keep must be an integer of at least 1, got 2\.5/);
});
