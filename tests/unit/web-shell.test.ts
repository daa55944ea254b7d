/**
 * Pure parts of the web shell: path matching and the post-login redirect guard, message
 * interpolation, the two catalogs agreeing on keys and parameters, the API client's query
 * strings and the test client's cookie jar.
 */
import { describe, expect, test } from 'vitest';
import { loginPath, matchPath, safeNext } from '../../web/src/lib/router.ts';
import { interpolate } from '../../web/src/lib/i18n/format.ts';
import zhCNShell from '../../web/src/lib/i18n/zh-CN.ts';
import zhCNStaff from '../../web/src/lib/i18n/zh-CN-staff.ts';

/** the whole zh-CN catalog: the shell's part and the staff pages' part */
const zhCN = { ...zhCNShell, ...zhCNStaff };
import en from '../../web/src/lib/i18n/en.ts';
import { queryString } from '../../web/src/lib/api/client.ts';
import { AUDIENCE_CODES, CATEGORY_CODES } from '../../web/src/lib/api/types.ts';
import { CookieJar } from '../helpers/http.ts';

describe('path matching', () => {
  test('static and parameter segments, with a tolerated trailing slash', () => {
    expect(matchPath('/courses', '/courses')).toEqual({});
    expect(matchPath('/courses', '/courses/')).toEqual({});
    expect(matchPath('/courses', '/coursesx')).toBeNull();
    expect(matchPath('/courses/:courseId', '/courses/abc-123')).toEqual({ courseId: 'abc-123' });
    expect(matchPath('/courses/:courseId', '/courses')).toBeNull();
    expect(matchPath('/courses/:courseId', '/courses/a/b')).toBeNull();
    expect(matchPath('/', '/')).toEqual({});
    expect(matchPath('/', '/x')).toBeNull();
  });

  test('parameters are decoded, and a malformed escape is no match rather than a crash', () => {
    expect(matchPath('/verify/:code', '/verify/%E8%AF%81-1')).toEqual({ code: '证-1' });
    expect(matchPath('/verify/:code', '/verify/%E8%AF')).toBeNull();
  });
});

describe('where login sends the user next', () => {
  test('only same-site paths, never /login itself', () => {
    expect(safeNext('/admin')).toBe('/admin');
    expect(safeNext('/courses?q=刑事&page=2')).toBe('/courses?q=%E5%88%91%E4%BA%8B&page=2'); // the parsed form, as the browser shows it
    for (const bad of [null, '', 'https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/login', '/login?next=/x']) {
      expect(safeNext(bad)).toBe('/courses');
    }
  });

  test('the login link carries the current path unless it is the default', () => {
    expect(loginPath('/admin')).toBe('/login?next=%2Fadmin');
    expect(loginPath('/courses/1?x=2')).toBe('/login?next=%2Fcourses%2F1%3Fx%3D2');
    expect(loginPath('/courses')).toBe('/login');
  });
});

describe('message catalogs', () => {
  const params = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

  test('interpolation fills known names and leaves unknown ones visible', () => {
    expect(interpolate('共 {total} 门课程', { total: 3 })).toBe('共 3 门课程');
    expect(interpolate('{a} and {b}', { a: 'x' })).toBe('x and {b}');
    expect(interpolate('no params')).toBe('no params');
  });

  test('the staff pages\' strings are not bundled with the shell, and no key is in both parts', () => {
    const shellKeys = Object.keys(zhCNShell);
    expect(shellKeys.filter((k) => /^(admin|audit|teach|evidence)\./.test(k))).toEqual([]);
    expect(Object.keys(zhCNStaff).filter((k) => Object.hasOwn(zhCNShell, k))).toEqual([]);
  });

  test('English has every zh-CN key, with the same parameters, and no empty text', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
    for (const [key, text] of Object.entries(zhCN)) {
      const english = (en as Record<string, string>)[key] ?? '';
      expect(text.trim(), key).not.toBe('');
      expect(english.trim(), key).not.toBe('');
      expect(params(english), key).toEqual(params(text));
    }
  });

  test('every category and audience code has a name', () => {
    for (const code of CATEGORY_CODES) expect(Object.hasOwn(zhCN, `category.${code}`), code).toBe(true);
    for (const code of AUDIENCE_CODES) expect(Object.hasOwn(zhCN, `audience.${code}`), code).toBe(true);
  });
});

describe('API client helpers', () => {
  test('query strings leave out empty values and encode the rest', () => {
    expect(queryString({ q: '', category: undefined, page: 1, pageSize: 20 })).toBe('?page=1&pageSize=20');
    expect(queryString({ q: '劳动 合同' })).toBe('?q=%E5%8A%B3%E5%8A%A8+%E5%90%88%E5%90%8C');
    expect(queryString({})).toBe('');
  });

  test('the cookie jar keeps name=value, replaces, and drops expired cookies', () => {
    const jar = new CookieJar();
    jar.store(new Headers([
      ['set-cookie', 'lectern_session=abc; Path=/; HttpOnly; SameSite=Lax'],
      ['set-cookie', 'other=1; Max-Age=60'],
    ]));
    expect(jar.header()).toBe('lectern_session=abc; other=1');
    jar.store(new Headers([['set-cookie', 'lectern_session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT']]));
    jar.store(new Headers([['set-cookie', 'other=2; Max-Age=60']]));
    expect(jar.header()).toBe('other=2');
    jar.store(new Headers([['set-cookie', 'other=2; Max-Age=0']]));
    expect(jar.header()).toBeUndefined();
  });
});
