// Genre cells in the common forms (`A|B`, `A, B`, `A;B`, JSON or Python-repr lists of names or of TMDB
// {id, name} objects, real JSON arrays) parsed to names, with bounds on the cell and each name; then names folded to
// one spelling per genre (case, whitespace, NFKC look-alikes, invisible characters).
import { MAX_JSON_DEPTH, tooDeepAt } from './json';
import { cleanName, quoteText } from './textFold';
import { GenreCount, GenreNormalization } from './types';

/** A genre cell longer than this is not parsed (real ones are well under 1 KB). */
export const MAX_GENRE_LIST_CHARS = 64 * 1024;
/** A genre name longer than this makes its cell invalid (real ones are a few words; every name is saved in the model). */
export const MAX_GENRE_NAME_CHARS = 100;

export type GenreCell =
  | { kind: 'labels'; names: string[] }
  | { kind: 'empty' }
  | { kind: 'invalid'; reason: string };

const EMPTY: GenreCell = { kind: 'empty' };

/** Names come back trimmed but otherwise as written; normaliseGenres folds case, whitespace and look-alikes. */
export function parseGenreCell(value: unknown): GenreCell {
  if (value === null || value === undefined) return EMPTY;
  if (Array.isArray(value)) return fromList(value);
  if (typeof value !== 'string') return { kind: 'invalid', reason: `expected genre names, found ${describe(value)}` };
  if (value.length > MAX_GENRE_LIST_CHARS) {
    return { kind: 'invalid', reason: `genre cell of ${value.length} characters, more than the ${MAX_GENRE_LIST_CHARS} a genre cell may have` };
  }
  const s = value.trim();
  if (s === '') return EMPTY;
  if (s.startsWith('[') || s.startsWith('{')) {
    if (tooDeepAt(s) >= 0) return { kind: 'invalid', reason: `genre list nested more than ${MAX_JSON_DEPTH} levels deep` };
    const list = parseListLiteral(s);
    if (Array.isArray(list)) return fromList(list);
    const what = list === undefined ? 'neither JSON nor a Python list' : `not a list but ${describe(list)}`;
    return { kind: 'invalid', reason: `unreadable genre list ${quoteText(s)} (${what})` };
  }
  const names = s.split(/[|;,]/).map((n) => n.trim()).filter((n) => cleanName(n) !== '');
  if (names.some((n) => /[[\]{}"]/.test(n))) return { kind: 'invalid', reason: `unknown genre format ${quoteText(s)}` };
  return labels(names);
}

/** The names as a cell, unless one is longer than MAX_GENRE_NAME_CHARS. */
function labels(names: string[]): GenreCell {
  const long = names.find((n) => n.length > MAX_GENRE_NAME_CHARS);
  if (long !== undefined) {
    return { kind: 'invalid', reason: `genre name ${quoteText(long, 40)} of ${long.length} characters, more than the ${MAX_GENRE_NAME_CHARS} a genre name may have` };
  }
  return names.length ? { kind: 'labels', names } : EMPTY;
}

function fromList(items: unknown[]): GenreCell {
  const names: string[] = [];
  let chars = 0;
  for (const [i, item] of items.entries()) {
    const name = typeof item === 'string' ? item : isRecord(item) ? item.name : undefined;
    if (typeof name !== 'string') {
      const what = isRecord(item) ? 'an object without a "name" string' : describe(item);
      return { kind: 'invalid', reason: `genre ${i + 1} of the list is ${what}` };
    }
    chars += name.length + 3; // with quotes and a comma, as a list cell would be written
    if (chars > MAX_GENRE_LIST_CHARS) {
      return { kind: 'invalid', reason: `genre list of ${items.length} names, longer than the ${MAX_GENRE_LIST_CHARS} characters a genre cell may have` };
    }
    if (cleanName(name) !== '') names.push(name.trim());
  }
  return labels(names);
}

/** JSON, else a Python repr (`['Action']`, `[{'id': 28, 'name': 'Action'}]`) made JSON by re-quoting its strings. */
function parseListLiteral(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    const json = s.replace(/"(?:[^"\\]|\\.)*"|'((?:[^'\\]|\\.)*)'/g, (m, single?: string) =>
      single === undefined ? m : JSON.stringify(single.replace(/\\(['\\])/g, '$1')));
    try {
      return JSON.parse(json);
    } catch {
      return undefined;
    }
  }
}

/**
 * One spelling per genre, matched case-insensitively after NFKC (full-width letters...), removing invisible characters
 * (zero-width, bidi controls) and collapsing whitespace: the most frequent spelling that needs no such cleaning (ties:
 * first seen), cleaned. Each row's list is mapped to it and de-duplicated; null (unknown) stays null.
 */
export function normaliseGenres(lists: (string[] | null)[]): {
  lists: (string[] | null)[];
  genres: GenreCount[];
  normalizations: GenreNormalization[];
} {
  const spellings = new Map<string, Map<string, number>>(); // folded → spelling as written → count
  lists = lists.map((list) => {
    const kept = list?.filter((name) => cleanName(name) !== ''); // a name of invisible characters only is no name
    return kept?.length ? kept : null;
  });
  for (const name of lists.flat()) {
    if (name === null) continue;
    const folded = cleanName(name).toLowerCase();
    const counts = spellings.get(folded) ?? new Map<string, number>();
    spellings.set(folded, counts.set(name, (counts.get(name) ?? 0) + 1));
  }
  const canonical = new Map<string, string>();
  const normalizations: GenreNormalization[] = [];
  for (const [folded, counts] of spellings) {
    const clean = [...counts].filter(([name]) => name === cleanName(name));
    const to = cleanName((clean.length ? clean : [...counts]).reduce((best, next) => (next[1] > best[1] ? next : best))[0]);
    canonical.set(folded, to);
    for (const [from, count] of counts) if (from !== to) normalizations.push({ from, to, count });
  }
  const out = lists.map((list) => list && [...new Set(list.map((n) => canonical.get(cleanName(n).toLowerCase())!))]);
  const rowCounts = new Map<string, number>();
  for (const name of out.flat()) if (name !== null) rowCounts.set(name, (rowCounts.get(name) ?? 0) + 1);
  const genres = [...rowCounts]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  return { lists: out, genres, normalizations };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
