// Dataset text that a terminal or a comparison could be fooled by: invisible format characters (zero-width, bidi
// controls), look-alike compatibility forms (full-width letters) and control characters. Folding for matching, and
// visible escapes for quoting dataset text inside messages.

/** Characters that render as nothing: format characters (\p{Cf}: zero-width, bidi controls, BOM) and other ignorables. */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
const CONTROL = /\p{Cc}/gu;

/** NFKC (full-width → ASCII, ligatures...), invisible characters removed; case and whitespace kept. */
export function foldInvisible(s: string): string {
  return s.normalize('NFKC').replace(INVISIBLE, '');
}

/** A genre name as it should be spelled: NFKC, whitespace runs as one space, no invisible or control characters. */
export function cleanName(s: string): string {
  return foldInvisible(s).replace(/\s+/g, ' ').replace(CONTROL, '').trim();
}

/** `s` with control, format and line/paragraph separator characters written as `\u202E`-style escapes. */
export function visible(s: string): string {
  return s.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu, (c) => {
    const hex = c.codePointAt(0)!.toString(16).toUpperCase();
    return hex.length > 4 ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`;
  });
}

/** Dataset text quoted for a message: at most `max` characters, in double quotes, with invisible characters escaped. */
export function quoteText(s: string, max = 60): string {
  return visible(JSON.stringify(s.length > max ? `${s.slice(0, max - 3)}...` : s));
}
