/**
 * Pure: the rules a new password must meet (docs/accounts.md). No I/O, so every rule is pinned
 * down by tests/unit/password-rules.test.ts. The current password is checked before these run.
 */

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 200;

export type PasswordProblem =
  | 'password_blank'
  | 'password_too_short'
  | 'password_is_login'
  | 'password_is_license_no'
  | 'password_too_common'
  | 'password_unchanged';

const MESSAGES: Record<PasswordProblem, string> = {
  password_blank: 'The new password must contain visible characters, not only spaces or invisible ones.',
  password_too_short: `The new password must have at least ${MIN_PASSWORD_LENGTH} characters.`,
  password_is_login: 'The new password must not be your login.',
  password_is_license_no: 'The new password must not be your licence number.',
  password_too_common: 'The new password must not be one of the passwords guessed first, such as 12345678, password or one character repeated.',
  password_unchanged: 'The new password must differ from the current one.',
};

export function passwordProblemMessage(problem: PasswordProblem): string {
  return MESSAGES[problem];
}

/**
 * What guessers try first (leaked-password lists, and the pinyin favourites of Chinese users),
 * already in the form `guessable` compares: folded to lower case, without spaces. Only the
 * top of those lists, on purpose: the login limit (docs/accounts.md) leaves a guesser about 10
 * tries a minute, so what matters is that the first tries never hit. The demo password is here
 * because it is printed in the README.
 */
export const COMMONEST_PASSWORDS: readonly string[] = [
  '12345678', '123456789', '1234567890', '0123456789', '87654321', '12341234', '11223344', '12344321', '123123123',
  'password', 'password1', 'password12', 'password123', 'passw0rd', 'p@ssw0rd', 'p@ssword',
  'qwertyui', 'qwertyuiop', 'qwerty123', 'asdfghjk', 'asdfghjkl', 'zxcvbnm123', '1qaz2wsx', '1q2w3e4r', 'qwer1234',
  'abcd1234', 'abc12345', 'a1234567', 'aa123456', 'a12345678', 'iloveyou', 'admin123', 'administrator',
  'woaini1314', 'woaini520', '5201314520', 'lectern-demo',
];
const COMMONEST = new Set(COMMONEST_PASSWORDS);

/**
 * Characters that show nothing: controls, format characters (zero-width space and joiners, BOM,
 * soft hyphen, text-direction marks), Unicode's "default ignorable" ones (Hangul fillers,
 * variation selectors) and the blank Braille pattern, which fonts draw as a space.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/gu;
/** Characters that show as space, the CJK ideographic space included. */
const SPACE = /[\s\p{Zs}]/gu;

/** The password as it looks: without what cannot be seen, and with full-width forms made plain (ｐ → p). */
const looks = (text: string) => text.normalize('NFKC').replace(INVISIBLE, '');

/** Characters as a person counts them (an emoji or a CJK character is one; an invisible one is none). */
const length = (text: string) => [...looks(text)].length;

/** The form two texts are compared in when one must not be the other: no case, no spaces, nothing invisible. */
const folded = (text: string) => looks(text).replace(SPACE, '').toLowerCase();

/** "Zhang123 ", "zhang 123" and "zhang\u200b123" are all still the login "zhang123". */
const same = (a: string, b: string) => folded(a) === folded(b);

/** One character repeated, as it is seen: "aaaaaaaa", "1111 1111", "㊱㊱㊱㊱㊱㊱㊱㊱" (not "36" repeated). */
const repeated = (text: string) => new Set(text.replace(INVISIBLE, '').replace(SPACE, '').toLowerCase()).size <= 1;

/** Among the commonest passwords, or one character repeated. */
const guessable = (text: string) => COMMONEST.has(folded(text)) || repeated(text) || repeated(looks(text));

/**
 * The first rule the new password breaks, or null when it is acceptable. The licence number is
 * the login of imported lawyers and is printed on their practice certificate: anyone who knows
 * the person knows it, so it can never be the password. What cannot be seen does not count: a
 * password padded with zero-width characters is the short or common one a person sees.
 */
export function passwordProblem(account: { login: string; licenseNo: string | null }, currentPassword: string, newPassword: string): PasswordProblem | null {
  if (folded(newPassword) === '') return 'password_blank';
  if (length(newPassword) < MIN_PASSWORD_LENGTH) return 'password_too_short';
  if (same(newPassword, account.login)) return 'password_is_login';
  if (account.licenseNo && same(newPassword, account.licenseNo)) return 'password_is_license_no';
  // "the same as now" says more to the person than "too common" when both are true (the
  // demo password, or a weak one chosen before these rules existed)
  if (looks(newPassword) === looks(currentPassword)) return 'password_unchanged';
  if (guessable(newPassword)) return 'password_too_common';
  return null;
}
