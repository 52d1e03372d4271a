// Hostile dataset files: deep JSON / JSONL, UTF-16 and Latin-1 text, NUL bytes, line-ending mixes, broken quoting,
// empty / header-only / directory / FIFO / device inputs, huge cells and lines, duplicate columns, and label sets
// that cannot be trained (thousands of genres, one genre everywhere, only rare genres); huge or look-alike genre names,
// a huge description, invisible-character leakage, an all-evaluation split, labels used as input.
import * as fs from 'node:fs';
import * as path from 'node:path';
import iconv from 'iconv-lite';
import { Case, loc, POINTER_MAY_CHANGE } from './case';
import { RunResult } from './exec';
import { csvText, deep, jsonlText, manyGenres, mkfifo, movies, PNG_1x1, Row, tinyCsv, write } from './generate';

const TRAIN = ['--image-encoder', 'none', '--no-ablation', '--no-progress'];
const train = (file = 'data.csv', ...extra: string[]) => () => ['train', file, ...TRAIN, ...extra];
const predict = (file = 'data.csv') => () => ['predict', '.genre-lens', file, '--format', 'json', '--no-progress'];

const TITLE = 'Amélie à l’Été — Ünïcödé';
const LATIN1_TITLE = 'Amélie à la fête, Été';
const titled = (t: string): Row[] => movies().map((r, i) => (i === 0 ? { ...r, title: t } : r));

/** The predictions JSON must hold `n` rows, and (when given) a row titled `title`. */
const predicted = (n: number, title?: string) => (_d: string, r: RunResult): string | null => {
  let rows: { title: string }[];
  try {
    rows = JSON.parse(r.stdout) as typeof rows;
  } catch {
    return 'stdout is not the predictions JSON';
  }
  if (rows.length !== n) return `${rows.length} predictions, expected ${n}`;
  return title === undefined || rows.some((x) => x.title === title) ? null : `no row titled ${JSON.stringify(title)} (mis-decoded?)`;
};

/** On failure the message must be located in `file`; success is fine too (a bound, not a behaviour). */
const locatedIfFailed = (file: string) => (_d: string, r: RunResult): string | null =>
  r.code === 0 || loc(file).test(r.stderr) ? null : `exit ${r.code} without a located message`;

const newestModelBytes = (d: string, file = 'report.json'): number => {
  const models = path.join(d, '.genre-lens/models');
  const name = fs.readdirSync(models).filter((n) => !n.startsWith('.')).sort().at(-1)!;
  return fs.statSync(path.join(models, name, file)).size;
};

/** Invisible / bidi characters a terminal would not show (output must escape them). */
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/;
const LOOKALIKES: Record<string, string> = { Drama: 'Dr\u200Bama', Comedy: '\u202EComedy\u202C', Horror: 'Ｈｏｒｒｏｒ' };

const utf16be = (s: string) => {
  const le = Buffer.from(s, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
  return le;
};

export const dataCases: Case[] = [
  { name: 'JSON nested 100000 arrays deep', files: (d) => void write(d, 'data.json', deep(100_000)), args: train('data.json'),
    code: 1, message: loc('data.json') },
  { name: 'JSON nested 100000 objects deep', files: (d) => void write(d, 'data.json', deep(100_000, '{"a":', '}', '1')),
    args: train('data.json'), code: 1, message: loc('data.json') },
  { name: 'JSON array whose genre cell is nested 100000 deep', files: (d) =>
    void write(d, 'data.json', `[{"title":"x","overview":"A story.","genres":${deep(100_000)}}]`),
  args: train('data.json'), code: 1, message: loc('data.json') },
  { name: 'JSONL with one line nested 100000 deep: only that line skipped', files: (d) => {
    const lines = jsonlText(movies()).split('\n');
    lines.splice(2, 0, `{"title":"deep","overview":"x","genres":${deep(100_000)}}`);
    write(d, 'data.jsonl', lines.join('\n'));
  }, args: predict('data.jsonl'), code: 0, message: /data\.jsonl:3:\d+/, check: predicted(72) },
  { name: 'JSON: a top-level object', files: (d) => void write(d, 'data.json', '{"title": "x"}'), args: train('data.json'),
    code: 1, message: loc('data.json') },
  { name: 'JSON: garbage after the array', files: (d) => void write(d, 'data.json', '[{"title":"x","overview":"y","genres":"Drama"}] trailing'),
    args: train('data.json'), code: 1, message: loc('data.json') },
  { name: 'CSV genre cell nested 200000 deep', files: (d) => void write(d, 'data.csv',
    csvText(movies().map((r, i) => (i === 3 ? { ...r, genres: deep(200_000) } : r)))),
  args: predict(), code: 0, message: /data\.csv:5:\d+/, check: predicted(72) },
  { name: 'UTF-16 LE with BOM', files: (d) => void write(d, 'data.csv', Buffer.concat([Buffer.from([0xff, 0xfe]),
    Buffer.from(csvText(titled(TITLE)), 'utf16le')])), args: predict(), code: 0, check: predicted(72, TITLE) },
  { name: 'UTF-16 BE with BOM', files: (d) => void write(d, 'data.csv', Buffer.concat([Buffer.from([0xfe, 0xff]),
    utf16be(csvText(titled(TITLE)))])), args: predict(), code: 0, check: predicted(72, TITLE) },
  { name: 'UTF-16 LE JSONL with BOM', files: (d) => void write(d, 'data.jsonl', Buffer.concat([Buffer.from([0xff, 0xfe]),
    Buffer.from(jsonlText(titled(TITLE)), 'utf16le')])), args: predict('data.jsonl'), code: 0, check: predicted(72, TITLE) },
  { name: 'Latin-1 text is decoded with a warning naming the encoding', files: (d) =>
    void write(d, 'data.csv', iconv.encode(csvText(titled(LATIN1_TITLE)), 'latin1')),
  args: predict(), code: 0, message: /ISO-8859|latin|windows-125/i, check: predicted(72, LATIN1_TITLE) },
  { name: 'UTF-8 with BOM and CRLF', files: (d) => void write(d, 'data.csv', '\uFEFF' + csvText(titled(TITLE), undefined, '\r\n')),
    args: predict(), code: 0, check: predicted(72, TITLE) },
  { name: 'CR-only line endings', files: (d) => void write(d, 'data.csv', csvText(movies(), undefined, '\r')),
    args: predict(), code: 0, check: predicted(72) },
  { name: 'mixed CRLF / CR / LF line endings', files: (d) => {
    const lines = csvText(movies()).split('\n');
    write(d, 'data.csv', lines.map((l, i) => l + (i === lines.length - 1 ? '' : ['\r\n', '\r', '\n'][i % 3])).join(''));
  }, args: predict(), code: 0, check: predicted(72) },
  { name: 'NUL bytes in a cell are reported with their location', files: (d) =>
    void write(d, 'data.csv', csvText(movies().map((r, i) => (i === 4 ? { ...r, overview: 'bad\u0000\u0000bytes' } : r)))),
  args: predict(), code: 'any', message: /data\.csv:6:\d+[^\n]*(NUL|null byte|\\0|\\u0000|zero byte)/i },
  { name: 'a PNG named data.csv', files: (d) => void write(d, 'data.csv', PNG_1x1), args: train(), code: 1, message: /data\.csv/ },
  { name: 'unclosed quote', files: (d) => void write(d, 'data.csv', csvText(movies().slice(0, 5)) + 'x,"never closed,\nmore\n'),
    args: train(), code: 1, message: /data\.csv:7:\d+[^\n]*unclosed/i },
  { name: 'empty file', files: (d) => void write(d, 'data.csv', ''), args: train(), code: 1, message: /data\.csv:1:1[^\n]*empty/i },
  { name: 'whitespace-only file', files: (d) => void write(d, 'data.csv', ' \n\n\t\r\n'), args: train(), code: 1, message: /data\.csv[^\n]*empty/i },
  { name: 'BOM-only file', files: (d) => void write(d, 'data.csv', '\uFEFF'), args: train(), code: 1, message: /data\.csv[^\n]*empty/i },
  { name: 'header only', files: (d) => void write(d, 'data.csv', 'id,title,overview,genres\n'), args: train(), code: 1,
    message: /data\.csv[^\n]*(no (data )?rows?|no row)/i },
  { name: 'dataset is a directory', files: (d) => void fs.mkdirSync(path.join(d, 'data.csv')), args: train(), code: 1,
    message: /data\.csv[^\n]*(director|not a (regular )?file)/i },
  { name: 'dataset is a FIFO', files: (d) => void mkfifo(path.join(d, 'data.csv')), args: train(), code: 1,
    message: /data\.csv[^\n]*(FIFO|not a (regular )?file|regular)/i },
  { name: 'dataset is a symlink to /dev/zero', files: (d) => fs.symlinkSync('/dev/zero', path.join(d, 'data.csv')), args: train(), code: 1,
    message: /data\.csv[^\n]*(device|not a (regular )?file|regular|large|size)/i },
  { name: 'dataset is missing', files: () => undefined, args: train('nope.csv'), code: 1, message: /nope\.csv[^\n]*not found/i },
  { name: 'a 40 MB single cell', files: (d) => void write(d, 'data.csv',
    csvText(movies().map((r, i) => (i === 5 ? { ...r, overview: 'word '.repeat(8 << 20) } : r)))),
  args: predict(), code: 'any', check: locatedIfFailed('data.csv') },
  { name: 'a header line of 200000 columns', files: (d) => {
    const extra = Array.from({ length: 200_000 }, (_, i) => `c${i}`).join(',');
    write(d, 'data.csv', `id,title,overview,genres,${extra}\n` + csvText(movies()).split('\n').slice(1).join('\n'));
  }, args: predict(), code: 'any', check: locatedIfFailed('data.csv') },
  { name: 'a 30 MB line of unquoted text', files: (d) => void write(d, 'data.csv', 'id,title,overview,genres\n' + 'x'.repeat(30 << 20) + '\n'),
    args: train(), code: 'any', check: locatedIfFailed('data.csv') },
  { name: 'duplicate column names', files: (d) =>
    void write(d, 'data.csv', csvText(movies().map((r) => ({ ...r, dup: 'Western' })), ['id', 'title', 'overview', 'genres', 'dup'])
      .replace(/^id,title,overview,genres,dup/, 'id,title,overview,genres,Genres')),
  args: predict(), code: 0, message: /data\.csv:1:\d+[^\n]*duplicate/i, check: predicted(72) },
  { name: 'thousands of distinct genres are refused with the count and --max-genres', files: (d) =>
    void write(d, 'data.csv', csvText(manyGenres(2000, 10))), args: train(), code: 1,
  message: /genres[^]*\d{4,}[^]*--max-genres|--max-genres[^]*\d{4,}/i },
  { name: 'every row has the same genre', files: (d) => void write(d, 'data.csv', csvText(movies().map((r) => ({ ...r, genres: 'Drama' })))),
    args: train(), code: 1, message: /Drama/, absent: /scale_pos_weight/ },
  { name: 'only rare genres (2 rows each): no classifier can be trained', files: (d) =>
    void write(d, 'data.csv', csvText(movies().map((r, i) => ({ ...r, genres: `Rare${i >> 1}` })))),
  args: train('data.csv', '--max-genres', '1000'), code: 1, message: /classifier|could not be trained|cannot be trained|untrain/i },
  { name: 'hundreds of rare genres keep report.json small', files: (d) => {
    write(d, 'data.csv', csvText(movies().map((r, i) => ({ ...r, genres: `${r.genres}|Rare${i}a|Rare${i}b|Rare${i}c` }))));
    write(d, 'eval.csv', csvText(movies().map((r) => ({ ...r, overview: `${r.overview} (held out)` }))));
  }, args: train('data.csv', '--max-genres', '500', '--eval', 'eval.csv'), code: 0, message: /Rare/, rules: POINTER_MAY_CHANGE,
  check: (d) => (newestModelBytes(d) < 1 << 20 ? null : `report.json is ${newestModelBytes(d)} bytes`) },
  { name: '1.5 MB genre names are refused per row, and the saved manifest stays small', files: (d) =>
    void write(d, 'data.csv', csvText(movies().map((r, i) => (i % 3 === 0 ? { ...r, genres: `Horror|${'A'.repeat(1_500_000)}` } : r)))),
  args: train(), code: 0, message: /data\.csv:2:\d+[^\n]*genre cell of 1500007 characters/, rules: POINTER_MAY_CHANGE,
  check: (d) => (newestModelBytes(d, 'manifest.json') < 1 << 20 ? null : `manifest.json is ${newestModelBytes(d, 'manifest.json')} bytes`) },
  { name: 'a genre cell of a million 9s is not a genre name', files: (d) =>
    void write(d, 'data.csv', csvText(movies().map((r, i) => (i === 3 ? { ...r, genres: '9'.repeat(1_000_000) } : r)))),
  args: predict(), code: 0, message: /data\.csv:5:\d+[^\n]*genre cell of 1000000 characters/, check: predicted(72) },
  { name: 'a genre name of 300 characters is refused with its length', files: (d) =>
    void write(d, 'data.csv', csvText(movies().map((r, i) => (i === 2 ? { ...r, genres: `Drama|${'Long'.repeat(75)}` } : r)))),
  args: predict(), code: 0, message: /data\.csv:4:\d+[^\n]*genre name[^\n]*of 300 characters/, check: predicted(72) },
  { name: 'a 100 MB description in JSONL is cut to its first 20000 characters', files: (d) => {
    const lines = jsonlText(movies()).split('\n');
    lines[5] = JSON.stringify({ title: 'big', overview: 'word '.repeat(20_000_000), genres: 'Drama' });
    write(d, 'data.jsonl', lines.join('\n'));
  }, args: train('data.jsonl'), code: 0, rules: POINTER_MAY_CHANGE,
  message: /data\.jsonl:6:\d+[^\n]*99999999 characters long; only its first 20000 are used/ },
  { name: 'zero-width, bidi and full-width genre spellings are one genre, and printed escaped', files: (d) =>
    void write(d, 'data.csv', csvText(movies().map((r, i) => (i % 2 ? r : { ...r,
      genres: r.genres.split('|').map((g) => LOOKALIKES[g] ?? g).join('|') })))),
  args: train(), code: 0, rules: POINTER_MAY_CHANGE, absent: INVISIBLE,
  check: (_d, r) => (/Ｈｏｒｒｏｒ|Dr.ama/.test(r.stdout + r.stderr) ? 'a look-alike spelling is still its own genre' : null) },
  { name: 'an --eval file whose titles end in U+200B is the training data (leakage)', files: (d) => {
    tinyCsv(d);
    write(d, 'eval.csv', csvText(movies().map((r) => ({ ...r, title: `${r.title}\u200B` }))));
  }, args: train('data.csv', '--eval', 'eval.csv'), code: 1, message: /shares 72 rows[^]*--allow-eval-overlap/ },
  { name: '--eval-fraction 0.9999999 leaves no training rows: refused naming the option', files: (d) => void tinyCsv(d),
    args: train('data.csv', '--eval-fraction', '0.9999999'), code: 1, message: /--eval-fraction[^\n]*72 evaluation rows, 0 training rows/,
    absent: /saved: +\(/ },
  { name: 'the genres column as the text column is refused naming both options', files: (d) => void tinyCsv(d),
    args: train('data.csv', '--text-column', 'genres', '--genres-column', 'genres'), code: 1,
    message: /genres column "genres" is also the text column[^\n]*--genres-column and --text-column/ },
];

