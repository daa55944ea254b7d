/**
 * Pure: the rules a new password must meet (docs/accounts.md). No I/O, so every rule is pinned
 * down by tests/unit/password-rules.test.ts. The current password is checked before these run.
 */

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 200;

export type PasswordProblem = 'password_too_short' | 'password_is_login' | 'password_is_license_no' | 'password_unchanged';

const MESSAGES: Record<PasswordProblem, string> = {
  password_too_short: `The new password must have at least ${MIN_PASSWORD_LENGTH} characters.`,
  password_is_login: 'The new password must not be your login.',
  password_is_license_no: 'The new password must not be your licence number.',
  password_unchanged: 'The new password must differ from the current one.',
};

export function passwordProblemMessage(problem: PasswordProblem): string {
  return MESSAGES[problem];
}

/** Characters as a person counts them (an emoji or a CJK character is one). */
const length = (text: string) => [...text].length;

/** Compared without case and surrounding spaces: "Zhang123 " is still the login "zhang123". */
const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * The first rule the new password breaks, or null when it is acceptable. The licence number is
 * the login of imported lawyers and is printed on their practice certificate: anyone who knows
 * the person knows it, so it can never be the password.
 */
export function passwordProblem(account: { login: string; licenseNo: string | null }, currentPassword: string, newPassword: string): PasswordProblem | null {
  if (length(newPassword) < MIN_PASSWORD_LENGTH) return 'password_too_short';
  if (same(newPassword, account.login)) return 'password_is_login';
  if (account.licenseNo && same(newPassword, account.licenseNo)) return 'password_is_license_no';
  if (newPassword === currentPassword) return 'password_unchanged';
  return null;
}
