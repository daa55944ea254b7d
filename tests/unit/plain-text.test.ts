/**
 * The text rule of titles, names, logins and summaries (server/http/plain-text.ts): which
 * characters a field refuses, so that no stored text can break a CSV row, a log line or the
 * order in which a name is displayed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { refusedCharacter, refusedCharacterMessage } from '../../server/http/plain-text.ts';

const C0 = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i));
const C1 = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i));
const BIDI = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069'];
const OTHERS = ['\u007F', '\u2028', '\u2029', '\uD800', '\uDFFF'];
const REFUSED_EVERYWHERE = [...C0.filter((c) => c !== '\n' && c !== '\r'), ...C1, ...BIDI, ...OTHERS];

/** Text a person may type: Chinese, Latin, digits, punctuation (full-width too), spaces, emoji. */
const typed = fc.string({
  unit: fc.oneof(
    fc.constantFrom(...'李明三台县律师事务所合同纠纷实务（第二讲）·—“”《》、。，：abcXYZ019 -_.,;:!?\'"()[]&@=+#/\\€'),
    fc.constantFrom('😀', '👩‍⚖️', '\u200D', '\uFE0F', '\u200E', '\u00A0', '\uFEFF'),
  ),
});

describe('a single-line field (title, name, login, plan name, query)', () => {
  it('takes what people type', () => {
    for (const fine of ['李明', '合同纠纷实务（第二讲）', 'Contract law: part 2', '=1+1', "O'Brien", '👩‍⚖️ 律师', '']) {
      expect(refusedCharacter(fine, 'line'), fine).toBeNull();
    }
    fc.assert(fc.property(typed, (text) => refusedCharacter(text, 'line') === null));
  });

  it('refuses every C0 control (newlines and tabs too), DEL, C1, line/paragraph separators, bidi overrides and lone surrogates', () => {
    for (const bad of [...C0, ...REFUSED_EVERYWHERE]) {
      expect(refusedCharacter(`李${bad}明`, 'line'), `U+${bad.charCodeAt(0).toString(16)}`).toMatchObject({ index: 1, codePoint: bad.charCodeAt(0) });
    }
  });

  it('names the first refused character and where it is, anywhere in the text', () => {
    expect(refusedCharacter('ab\r=1+1', 'line')).toEqual({ index: 2, codePoint: 0x0d, label: 'U+000D' });
    expect(refusedCharacter('\u202Eevil', 'line')).toEqual({ index: 0, codePoint: 0x202e, label: 'U+202E' });
    fc.assert(
      fc.property(typed, fc.constantFrom(...C0, ...REFUSED_EVERYWHERE), typed, (before, bad, after) => {
        const found = refusedCharacter(before + bad + after, 'line');
        return found !== null && found.index === before.length && found.codePoint === bad.charCodeAt(0);
      }),
    );
  });
});

describe('a multi-line field (course summary)', () => {
  it('takes LF and CR LF line breaks', () => {
    expect(refusedCharacter('第一段\n第二段\r\n第三段\n\n', 'multiline')).toBeNull();
    fc.assert(fc.property(fc.array(typed), fc.constantFrom('\n', '\r\n'), (lines, newline) => refusedCharacter(lines.join(newline), 'multiline') === null));
  });

  it('refuses a lone CR (a row break in spreadsheets), tabs and every other control or override', () => {
    expect(refusedCharacter('a\rb', 'multiline')).toMatchObject({ index: 1, label: 'U+000D' });
    expect(refusedCharacter('a\n\r', 'multiline')).toMatchObject({ index: 2, label: 'U+000D' });
    expect(refusedCharacter('a\r\r\nb', 'multiline')).toMatchObject({ index: 1, label: 'U+000D' });
    for (const bad of REFUSED_EVERYWHERE) expect(refusedCharacter(`第一段\n${bad}`, 'multiline'), `U+${bad.charCodeAt(0).toString(16)}`).toMatchObject({ index: 4 });
  });
});

describe('the message', () => {
  it('names the field, the character and its position, and says what to do', () => {
    const message = refusedCharacterMessage('The field "title"', refusedCharacter('ab\r=1+1', 'line')!);
    expect(message).toBe('The field "title" contains a control character (U+000D) at position 3; remove it (control characters, line separators and text-direction overrides are not allowed).');
    expect(refusedCharacterMessage('The name', refusedCharacter('\u0000', 'line')!)).toContain('the NUL character (U+0000)');
    expect(refusedCharacterMessage('The name', refusedCharacter('x\u202E', 'line')!)).toContain('an invisible formatting character (U+202E) at position 2');
  });
});
