/**
 * Pure: which characters a stored text field refuses. Titles, names, logins, plan names and
 * search queries are one line; course summaries may hold line breaks (LF or CR LF). Neither may
 * hold a character that changes what a reader sees elsewhere:
 *
 * - C0 controls (U+0000–U+001F) and DEL: NUL is refused by PostgreSQL itself (a 500 before),
 *   a lone CR or LF ends a row in spreadsheets ("x\r=1+1" became a formula row, issue 7), a tab
 *   starts a formula in some of them, and the rest only corrupt logs and terminals;
 * - C1 controls (U+0080–U+009F): terminal escapes, never typed;
 * - U+2028 / U+2029 line and paragraph separators: line breaks to some readers only;
 * - bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they make
 *   a name display in another order than it is stored ("Trojan Source"); Chinese and English
 *   text never needs them, and the implicit marks U+200E/U+200F stay allowed;
 * - lone surrogates: not Unicode text; the database would store U+FFFD instead.
 *
 * Defined once: the JSON schemas (server/http/schemas.ts PlainText, MultilineText, checked by
 * server/http/validation.ts) and the roster rows (server/roster/validate.ts) use it.
 */

/** A one-line field, or one that may hold LF and CR LF line breaks. */
export type TextKind = 'line' | 'multiline';

/** The first character a field refuses: where it is (UTF-16 index) and which it is. */
export interface RefusedCharacter {
  index: number;
  codePoint: number;
  /** e.g. "U+000D" */
  label: string;
}

const NEVER = '\\u0000-\\u0009\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069';
const REFUSED: Record<TextKind, RegExp> = {
  line: new RegExp(`[${NEVER}\\n\\r]|\\p{Cs}`, 'u'),
  multiline: new RegExp(`[${NEVER}]|\\r(?!\\n)|\\p{Cs}`, 'u'),
};

/** null when the text is fine for a field of this kind, else the first character it refuses. */
export function refusedCharacter(text: string, kind: TextKind): RefusedCharacter | null {
  const found = REFUSED[kind].exec(text);
  if (!found) return null;
  const codePoint = found[0].codePointAt(0)!;
  return { index: found.index, codePoint, label: `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}` };
}

/** The sentence a person can act on, for a field (or a roster column) holding such a character. */
export function refusedCharacterMessage(field: string, refused: RefusedCharacter): string {
  const c = refused.codePoint;
  const what = c === 0 ? 'the NUL character' : c < 0x20 || (c >= 0x7f && c <= 0x9f) ? 'a control character' : c >= 0xd800 && c <= 0xdfff ? 'a broken character (half of a surrogate pair)' : 'an invisible formatting character';
  return `${field} contains ${what} (${refused.label}) at position ${refused.index + 1}; remove it (control characters, line separators and text-direction overrides are not allowed).`;
}
