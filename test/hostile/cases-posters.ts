// Hostile poster cells: devices, FIFOs, paths and symlinks leading out of the dataset's folder, files that are not
// images, oversized files, and URLs aimed at this machine (loopback by IP, name, 0.0.0.0, decimal form), plus
// redirect loops, endless and trickling responses when private addresses are explicitly allowed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Case, Ctx, loc, POINTER_MAY_CHANGE } from './case';
import { RunResult } from './exec';
import { csvText, mkfifo, movies, Row, sparse, SVG_EVIL, withPosters, write } from './generate';

const POSTER_COLUMNS = ['id', 'title', 'overview', 'genres', 'poster'];
const HOSTILE = 'm03'; // the third row: line 4 of data.csv

/** data.csv (in `sub` of the case folder) with real posters, the row m03's poster cell replaced by `poster`. */
function posterData(dir: string, poster: string, rows: Row[] = movies().slice(0, 8), sub = '.'): void {
  const d = path.join(dir, sub);
  withPosters(d);
  write(d, 'data.csv', csvText(rows.map((r) => (r.id === HOSTILE ? { ...r, poster } : r)), POSTER_COLUMNS));
}

/** The predictions JSON row of m03 must give a poster-missing reason matching `re` (or be null for `re` = null). */
const reason = (re: RegExp | null) => (_d: string, r: RunResult): string | null => {
  let rows: { id: string; posterMissing: string | null }[];
  try {
    rows = JSON.parse(r.stdout) as typeof rows;
  } catch {
    return 'stdout is not the predictions JSON';
  }
  const got = rows.find((x) => x.id === HOSTILE)?.posterMissing ?? null;
  if (re === null) return got === null ? null : `poster not used: ${got}`;
  return got !== null && re.test(got) ? null : `poster reason ${JSON.stringify(got)} does not match ${re}`;
};

const predict = (ctx: Ctx, ...extra: string[]) => ['predict', ctx.posterModel, 'data.csv', '--format', 'json', '--no-progress', ...extra];
const train = () => ['train', 'data.csv', '--image-encoder', 'nsfwjs', '--no-ablation', '--no-progress'];
const noHits = (prefix: string) => (_d: string, _r: RunResult, ctx: Ctx) =>
  ctx.hits(prefix) === 0 ? null : `${ctx.hits(prefix)} request(s) reached the loopback server at ${prefix}`;
const both = (...checks: ((d: string, r: RunResult, ctx: Ctx) => string | null)[]) => (d: string, r: RunResult, ctx: Ctx) =>
  checks.map((c) => c(d, r, ctx)).find((x) => x !== null) ?? null;

const OUTSIDE = /outside|not allowed|refus|confined/i;
const NOT_IMAGE = /not a JPEG|format|not an image|unsupported|unrecogni[sz]ed|svg/i;
const PRIVATE = /private|loopback|local|refus|not allowed|blocked|forbidden/i;
const POSTER_AT = new RegExp(`${loc('data.csv').source}[^\\n]*poster`, 'i');

/** Training cases use all 72 rows (so classifiers train), only the first 8 with posters (few to encode). */
const allRows = () => movies().map((r, i) => (i < 8 ? r : { ...r, poster: '' }));

export const posterCases: Case[] = [
  { name: 'train with a poster that is /dev/zero', files: (d) => posterData(d, '/dev/zero', allRows()), args: train, code: 0, message: POSTER_AT, rules: POINTER_MAY_CHANGE },
  { name: 'train with a poster that is a FIFO', files: (d) => {
    posterData(d, 'posters/pipe.png', allRows());
    mkfifo(path.join(d, 'posters/pipe.png'));
  }, args: train, code: 0, message: POSTER_AT, rules: POINTER_MAY_CHANGE },
  { name: 'train with a poster symlinked to /dev/zero', files: (d) => {
    posterData(d, 'posters/zero.png', allRows());
    fs.symlinkSync('/dev/zero', path.join(d, 'posters/zero.png'));
  }, args: train, code: 0, message: POSTER_AT, rules: POINTER_MAY_CHANGE },
  { name: 'predict: poster path ../../../../etc/hostname', files: (d) => posterData(d, '../../../../../../../etc/hostname'),
    args: (c) => predict(c), code: 0, message: loc('data.csv'), check: reason(/.+/) },
  { name: 'predict: absolute poster path /etc/hostname', files: (d) => posterData(d, '/etc/hostname'),
    args: (c) => predict(c), code: 0, message: OUTSIDE, check: reason(/.+/) },
  { name: 'predict: poster path /proc/self/environ', files: (d) => posterData(d, '/proc/self/environ'),
    args: (c) => predict(c), code: 0, message: OUTSIDE, check: reason(/.+/) },
  { name: 'predict: poster file: URL to /etc/passwd', files: (d) => posterData(d, 'file:///etc/passwd'),
    args: (c) => predict(c), code: 0, message: OUTSIDE, check: reason(/.+/) },
  { name: 'predict: poster symlink escaping the dataset folder', files: (d) => {
    posterData(d, 'posters/escape.png', undefined, 'ds');
    fs.mkdirSync(path.join(d, 'outside'));
    fs.copyFileSync(path.join(d, 'ds/posters/m01.png'), path.join(d, 'outside/real.png'));
    fs.symlinkSync(path.join(d, 'outside/real.png'), path.join(d, 'ds/posters/escape.png'));
  }, args: (c) => ['predict', c.posterModel, 'ds/data.csv', '--format', 'json', '--no-progress'], code: 0, check: reason(OUTSIDE) },
  { name: 'predict: --poster-root allows a folder outside the dataset', files: (d) => {
    posterData(d, '../outside/real.png', undefined, 'ds');
    fs.mkdirSync(path.join(d, 'outside'));
    fs.copyFileSync(path.join(d, 'ds/posters/m01.png'), path.join(d, 'outside/real.png'));
  }, args: (c) => ['predict', c.posterModel, 'ds/data.csv', '--format', 'json', '--no-progress', '--poster-root', 'outside'],
  code: 0, check: reason(null) },
  { name: 'predict: an SVG named .jpg', files: (d) => void (posterData(d, 'posters/evil.jpg'), write(d, 'posters/evil.jpg', SVG_EVIL)),
    args: (c) => predict(c), code: 0, check: both(reason(NOT_IMAGE), noHits('/')) },
  { name: 'predict: a text file named .png', files: (d) => void (posterData(d, 'posters/notes.png'), write(d, 'posters/notes.png', 'hello\n')),
    args: (c) => predict(c), code: 0, check: reason(NOT_IMAGE) },
  { name: 'predict: a directory named .png', files: (d) => void (posterData(d, 'posters/dir.png'), fs.mkdirSync(path.join(d, 'posters/dir.png'))),
    args: (c) => predict(c), code: 0, check: reason(/.+/) },
  { name: 'predict: a 300 MB (sparse) poster file', files: (d) => {
    posterData(d, 'posters/huge.png');
    sparse(path.join(d, 'posters/huge.png'), 300 * 1024 ** 2, fs.readFileSync(path.join(d, 'posters/m01.png')));
  }, args: (c) => predict(c), code: 0, check: reason(/size|large|big|MB|bytes|limit/i) },
  { name: 'predict: poster URL to 127.0.0.1', files: (d, c) => posterData(d, `${c.server}/ip/p.png`),
    args: (c) => predict(c), code: 0, check: both(reason(PRIVATE), noHits('/ip')) },
  { name: 'predict: poster URL to localhost (after DNS)', files: (d, c) => posterData(d, `${c.server.replace('127.0.0.1', 'localhost')}/name/p.png`),
    args: (c) => predict(c), code: 0, check: both(reason(PRIVATE), noHits('/name')) },
  { name: 'predict: poster URL to 0.0.0.0', files: (d, c) => posterData(d, `${c.server.replace('127.0.0.1', '0.0.0.0')}/zero/p.png`),
    args: (c) => predict(c), code: 0, check: both(reason(PRIVATE), noHits('/zero')) },
  { name: 'predict: poster URL to 127.0.0.1 in decimal form', files: (d, c) => posterData(d, `${c.server.replace('127.0.0.1', '2130706433')}/dec/p.png`),
    args: (c) => predict(c), code: 0, check: both(reason(PRIVATE), noHits('/dec')) },
  { name: 'predict: TMDB poster path on a loopback --poster-base-url: used, or refused with a reason',
    files: (d) => posterData(d, '/tmdbpath.png'), args: (c) => predict(c, '--poster-base-url', `${c.server}/base`), code: 0,
    check: (_d, r, c) => (c.hits('/base') >= 1 ? reason(null)(_d, r) : reason(PRIVATE)(_d, r)) },
  { name: '--allow-private-network lets a loopback poster download', files: (d, c) => posterData(d, `${c.server}/allowed/p.png`),
    args: (c) => predict(c, '--allow-private-network'), code: 0,
    check: (_d, r, c) => (c.hits('/allowed') >= 1 ? reason(null)(_d, r) : 'no request reached the server') },
  { name: 'poster URL in a redirect loop (private allowed)', files: (d, c) => posterData(d, `${c.server}/loop/0`),
    args: (c) => predict(c, '--allow-private-network'), code: 0,
    check: both(reason(/redirect/i), (_d, _r, c) => (c.hits('/loop') <= 10 ? null : `${c.hits('/loop')} redirects followed`)) },
  { name: 'poster URL with an endless response (private allowed)', files: (d, c) => posterData(d, `${c.server}/endless/p.png`),
    args: (c) => predict(c, '--allow-private-network'), code: 0, check: reason(/size|large|limit|MB|bytes/i) },
];
