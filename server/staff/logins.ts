/**
 * Pure: what a staff login may be. Letters, digits and . _ @ - (2–100), as admin:create has
 * always taken, and not digits only: imported lawyers log in with their 17-digit licence number
 * (执业证号), so a staff account holding such a login would block that lawyer's roster import.
 */
export type LoginProblem = 'login_shape' | 'login_digits_only';

export function loginProblem(login: string): LoginProblem | null {
  if (!/^[A-Za-z0-9._@-]{2,100}$/.test(login)) return 'login_shape';
  if (/^[0-9]+$/.test(login)) return 'login_digits_only';
  return null;
}

export const LOGIN_PROBLEM_MESSAGES: Record<LoginProblem, string> = {
  login_shape: 'A login is 2 to 100 letters, digits or . _ @ - (no spaces, no Chinese characters).',
  login_digits_only: 'A staff login must contain a letter: logins of digits only are lawyers’ licence numbers.',
};
