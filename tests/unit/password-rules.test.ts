import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMONEST_PASSWORDS, MIN_PASSWORD_LENGTH, passwordProblem, passwordProblemMessage, type PasswordProblem } from '../../server/users/password-rules.ts';
import { oneTimePassword } from '../../server/auth/password.ts';

const lawyer = { login: '15107202110000009', licenseNo: '15107202110000009' };
const staff = { login: 'admin-sc', licenseNo: null };

describe('new password rules', () => {
  it('at least 8 characters, counted as a person counts them', () => {
    expect(MIN_PASSWORD_LENGTH).toBe(8);
    expect(passwordProblem(staff, 'old-password', 'short12')).toBe('password_too_short');
    expect(passwordProblem(staff, 'old-password', 'long1234')).toBeNull();
    // seven CJK characters are seven, not 21 bytes
    expect(passwordProblem(staff, 'old-password', '律师培训平台好')).toBe('password_too_short');
    expect(passwordProblem(staff, 'old-password', '律师培训平台好的')).toBeNull();
  });

  it('not the login, whatever the case or surrounding spaces', () => {
    expect(passwordProblem({ login: 'zhangsan123', licenseNo: null }, 'old-password', 'ZhangSan123 ')).toBe('password_is_login');
  });

  it('not the login or the current password with spaces or invisible characters slipped in', () => {
    expect(passwordProblem({ login: 'zhangsan123', licenseNo: null }, 'old-password', 'zhang san\u200B123')).toBe('password_is_login');
    expect(passwordProblem(lawyer, 'old-password', '１５１０７２０２１１００００００９')).toBe('password_is_login'); // full-width digits
    expect(passwordProblem(staff, 'same-password', 'same-\u200Dpassword')).toBe('password_unchanged');
  });

  it('not the licence number (the login of imported lawyers is checked first)', () => {
    expect(passwordProblem(lawyer, 'old-password', '15107202110000009')).toBe('password_is_login');
    expect(passwordProblem({ login: 'li-ming', licenseNo: '15107202110000009' }, 'old-password', '15107202110000009')).toBe('password_is_license_no');
  });

  it('not the current password', () => {
    expect(passwordProblem(staff, 'same-password', 'same-password')).toBe('password_unchanged');
    expect(passwordProblem(staff, 'same-password', 'Same-password')).toBeNull();
  });

  it('every problem has a sentence a person can act on', () => {
    const codes: PasswordProblem[] = ['password_blank', 'password_too_short', 'password_is_login', 'password_is_license_no', 'password_too_common', 'password_unchanged'];
    for (const code of codes) expect(passwordProblemMessage(code)).toMatch(/^The new password must/);
  });
});

/** Characters that show nothing: zero-width space, joiners, BOM, soft hyphen, word joiner, Hangul fillers, Braille blank. */
const INVISIBLE = ['\u200B', '\u200C', '\u200D', '\uFEFF', '\u00AD', '\u2060', '\u3164', '\uFFA0', '\u2800', '\u180E'];
/** Characters that show as space: space, tab, no-break space, ideographic (CJK) space, em space, narrow no-break space. */
const SPACES = [' ', '\t', '\u00A0', '\u3000', '\u2003', '\u202F'];

describe('blank-looking and commonest passwords', () => {
  it('refuses the commonest passwords, whatever the case, width or spacing', () => {
    for (const common of ['12345678', 'password', 'Password', 'PASSWORD1', '１２３４５６７８', 'ｐａｓｓｗｏｒｄ', 'pass word', '1234 5678', 'qwertyuiop', 'woaini1314', 'lectern-demo']) {
      expect(passwordProblem(staff, 'old-password', common), common).toBe('password_too_common');
    }
    expect(COMMONEST_PASSWORDS.length).toBeLessThan(50); // a short list of what is guessed first, not a dictionary
  });

  it('refuses one character repeated, spaces or invisible characters between them included', () => {
    for (const repeated of ['aaaaaaaa', '11111111', '88888888', '........', '哈哈哈哈哈哈哈哈', 'a a a a a', 'x\u200Bx\u200Bx\u200Bx\u200Bxxxx']) {
      expect(passwordProblem(staff, 'old-password', repeated), JSON.stringify(repeated)).toBe('password_too_common');
    }
  });

  it('refuses passwords with nothing visible in them', () => {
    for (const blank of [' '.repeat(8), '\t'.repeat(8), '\u3000'.repeat(8), '\u200B'.repeat(12), '\u2800'.repeat(8), ' \u200B\u00A0\uFEFF\u3164 \u2060 \u200D ']) {
      expect(passwordProblem(staff, 'old-password', blank), JSON.stringify(blank)).toBe('password_blank');
    }
  });

  it('invisible characters do not count toward the length', () => {
    expect(passwordProblem(staff, 'old-password', `abc4567${'\u200B'.repeat(10)}`)).toBe('password_too_short');
    expect(passwordProblem(staff, 'old-password', `abc45678${'\u200B'}`)).toBeNull();
  });

  it('keeps accepting ordinary passphrases and generated passwords', () => {
    for (const fine of ['correct horse battery', '律师培训平台好的', 'feng-qi-2027', 'a-new-password', 'Password is long enough', '12345678a!']) {
      expect(passwordProblem(staff, 'old-password', fine), fine).toBeNull();
    }
    for (let i = 0; i < 100; i++) expect(passwordProblem(staff, 'old-password', oneTimePassword())).toBeNull();
  });

  const invisible = fc.constantFrom(...INVISIBLE);
  const space = fc.constantFrom(...SPACES);

  it('property: a string of only spaces and invisible characters is blank', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(invisible, space), { minLength: 1, maxLength: 40 }), (parts) => {
        expect(passwordProblem(staff, 'old-password', parts.join(''))).toBe('password_blank');
      }),
    );
  });

  it('property: one visible character, repeated and padded with spaces or invisible characters, is refused', () => {
    const visible = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }).filter((c) => /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(c));
    fc.assert(
      fc.property(visible, fc.integer({ min: 8, max: 30 }), fc.array(fc.oneof(invisible, space), { maxLength: 10 }), (c, n, padding) => {
        const password = padding.reduce((text, pad, i) => text.slice(0, i) + pad + text.slice(i), c.repeat(n));
        expect(passwordProblem(staff, 'old-password', password)).not.toBeNull();
      }),
    );
  });

  it('property: a common password stays refused under case changes and inserted invisible characters', () => {
    fc.assert(
      fc.property(fc.constantFrom(...COMMONEST_PASSWORDS), fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), fc.array(fc.tuple(fc.nat(), invisible), { maxLength: 5 }), (common, upper, inserts) => {
        let password = [...common].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join('');
        for (const [at, ch] of inserts) {
          const i = at % (password.length + 1);
          password = password.slice(0, i) + ch + password.slice(i);
        }
        expect(passwordProblem(staff, 'old-password', password)).toBe('password_too_common');
      }),
    );
  });

  it('property: adding invisible characters never turns a refused password into an accepted one', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.array(invisible, { minLength: 1, maxLength: 12 }), (base, extra) => {
        fc.pre(passwordProblem(staff, 'old-password', base) !== null);
        expect(passwordProblem(staff, 'old-password', base + extra.join(''))).not.toBeNull();
      }),
    );
  });
});

describe('one-time passwords', () => {
  it('12 characters without look-alikes, different every time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = oneTimePassword();
      expect(p).toMatch(/^[a-hjkmnp-z2-9]{12}$/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });
});
