import { describe, expect, it } from 'vitest';
import { MIN_PASSWORD_LENGTH, passwordProblem, passwordProblemMessage } from '../../server/users/password-rules.ts';
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

  it('not the licence number (the login of imported lawyers is checked first)', () => {
    expect(passwordProblem(lawyer, 'old-password', '15107202110000009')).toBe('password_is_login');
    expect(passwordProblem({ login: 'li-ming', licenseNo: '15107202110000009' }, 'old-password', '15107202110000009')).toBe('password_is_license_no');
  });

  it('not the current password', () => {
    expect(passwordProblem(staff, 'same-password', 'same-password')).toBe('password_unchanged');
    expect(passwordProblem(staff, 'same-password', 'Same-password')).toBeNull();
  });

  it('every problem has a sentence a person can act on', () => {
    for (const code of ['password_too_short', 'password_is_login', 'password_is_license_no', 'password_unchanged'] as const) {
      expect(passwordProblemMessage(code)).toMatch(/^The new password must/);
    }
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
