import { describe, expect, it } from 'vitest';
import { mustChangeRedirect, passwordPath } from '../../web/src/lib/router.ts';

describe('must-change redirect of the web shell', () => {
  const holder = { passwordChangeRequired: true };
  it('sends a one-time-password holder from any signed-in page to /password, and back afterwards', () => {
    expect(mustChangeRedirect(holder, '/courses', '/courses', false)).toBe('/password');
    expect(mustChangeRedirect(holder, '/admin', '/admin?org=x', false)).toBe('/password?next=%2Fadmin%3Forg%3Dx');
    expect(mustChangeRedirect(holder, '/me', '/me', false)).toBe('/password?next=%2Fme');
  });
  it('leaves the password page itself, public pages and everyone else alone', () => {
    expect(mustChangeRedirect(holder, '/password', '/password?next=%2Fme', false)).toBeNull();
    expect(mustChangeRedirect(holder, '/verify/ABC', '/verify/ABC', true)).toBeNull();
    expect(mustChangeRedirect({ passwordChangeRequired: false }, '/admin', '/admin', false)).toBeNull();
    expect(mustChangeRedirect(null, '/admin', '/admin', false)).toBeNull();
    expect(mustChangeRedirect(undefined, '/admin', '/admin', false)).toBeNull();
  });
  it('never loops through /password or leaves the site', () => {
    expect(passwordPath('/password?next=%2Fme')).toBe('/password');
    expect(passwordPath('//evil.example/x')).toBe('/password');
  });
});
