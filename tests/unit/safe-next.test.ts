/**
 * Where the login (and change-password) page goes afterwards: `next` from the query string
 * (issue 7, finding 5). `/login?next=/%09/evil.example` left the site: the URL parser drops tab,
 * CR and LF, so "/\t/evil.example" became "//evil.example", another host.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { safeNext } from '../../web/src/lib/router.ts';

const ORIGIN = 'https://lectern.example.cn';
/** What LoginPage does: read `next` from the page's query string. */
const fromQuery = (query: string) => safeNext(new URLSearchParams(query).get('next'), '/courses', ORIGIN);
/** Where navigate() (web/src/lib/navigation.svelte.ts) would really go with that path. */
const landsOn = (path: string) => new URL(path, `${ORIGIN}/login?next=x`);

describe('safeNext', () => {
  it('refuses the issue’s ways off the site', () => {
    const bad = ['/%09/evil.example', '/%0d%0a/evil.example', '/%0a/evil.example', '/%0d/evil.example', '/%5Cevil.example', '%2F%2Fevil.example', '/%09%09/evil.example', '%09//evil.example'];
    for (const query of bad) expect(fromQuery(`next=${query}`), query).toBe('/courses');
    for (const next of ['/\tevil', '/\t/evil.example', '/\r\n/evil', '/\n/evil', '//evil', '/\\evil', '\\\\evil', 'https://evil', 'http://evil.example/x', 'javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' //evil', '\t//evil', 'data:text/html,x', '/.//evil', '/./\\evil']) {
      expect(safeNext(next, '/courses', ORIGIN), JSON.stringify(next)).toBe('/courses');
    }
  });

  it('keeps same-site paths with their query and hash', () => {
    expect(safeNext('/admin', '/courses', ORIGIN)).toBe('/admin');
    expect(safeNext('/courses?q=刑事&page=2', '/courses', ORIGIN)).toBe('/courses?q=%E5%88%91%E4%BA%8B&page=2');
    expect(landsOn(safeNext('/courses?q=刑事&page=2', '/courses', ORIGIN)).searchParams.get('q')).toBe('刑事');
    expect(safeNext('/lectures/3f0c?t=1#notes', '/courses', ORIGIN)).toBe('/lectures/3f0c?t=1#notes');
    expect(fromQuery(`next=${encodeURIComponent('/admin?org=x&year=2027')}`)).toBe('/admin?org=x&year=2027');
    // a full URL of the site itself is not a path: refused like any other
    expect(safeNext(`${ORIGIN}/admin`, '/courses', ORIGIN)).toBe('/courses');
  });

  it('never goes back to /login, and missing or empty is the default', () => {
    for (const next of [null, undefined, '', '/login', '/login?next=/x', '/login/', '/login#x']) expect(safeNext(next, '/courses', ORIGIN), String(next)).toBe('/courses');
    expect(safeNext('/loginhelp', '/courses', ORIGIN)).toBe('/loginhelp');
    expect(safeNext('//evil', '', ORIGIN)).toBe('');
  });

  it('whatever the text, the answer is the default or a path on this site that stays on it', () => {
    const risky = fc.constantFrom('/', '\\', '\t', '\r', '\n', ' ', '%09', '%2F', '%5C', '.', ':', '@', '?', '#', 'evil.example', 'javascript:', 'https:', '\u0000', '\u3000', '／');
    const text = fc.string({ unit: fc.oneof(risky, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 10 });
    // most of what matters happens right after the first slash
    const next = fc.tuple(fc.constantFrom('', '/', '/\t', '/\r\n', '/.', '/x/..'), text).map(([start, rest]) => start + rest);
    fc.assert(
      fc.property(next, (next) => {
        const answer = safeNext(next, '/courses', ORIGIN);
        expect(answer.startsWith('/') && !answer.startsWith('//')).toBe(true);
        // navigate() parses the answer again against the current page: still this site
        expect(landsOn(answer).origin).toBe(ORIGIN);
        // and the answer is already what the browser would show (a second pass changes nothing)
        expect(safeNext(answer, '/courses', ORIGIN)).toBe(answer);
      }),
      { numRuns: 2000 },
    );
  });
});
