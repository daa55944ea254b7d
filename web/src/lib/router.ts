/**
 * Pure path routing: patterns like `/courses/:courseId` matched against a pathname. No DOM here,
 * so unit tests run it in Node; the reactive side is navigation.svelte.ts.
 */

export type Params = Record<string, string>;

interface Compiled {
  regex: RegExp;
  keys: string[];
}

const cache = new Map<string, Compiled>();

function compile(pattern: string): Compiled {
  let compiled = cache.get(pattern);
  if (!compiled) {
    const keys: string[] = [];
    const source = pattern
      .split('/')
      .map((part) => {
        if (part.startsWith(':')) {
          keys.push(part.slice(1));
          return '([^/]+)';
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    // A trailing slash is tolerated: /courses/ is /courses.
    compiled = { regex: new RegExp(`^${source === '/' ? '' : source}/?$`), keys };
    cache.set(pattern, compiled);
  }
  return compiled;
}

/** The parameters of `pathname` under `pattern`, or null when it does not match. */
export function matchPath(pattern: string, pathname: string): Params | null {
  const { regex, keys } = compile(pattern);
  const found = regex.exec(pathname);
  if (!found) return null;
  const params: Params = {};
  for (const [index, key] of keys.entries()) {
    const raw = found[index + 1] ?? '';
    try {
      params[key] = decodeURIComponent(raw);
    } catch {
      return null; // a malformed escape is no match, not a crash
    }
  }
  return params;
}

/**
 * Where to go after login: only a same-site path (never `//evil.example` or a full URL), and
 * never back to /login itself.
 */
export function safeNext(next: string | null | undefined, fallback = '/courses'): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  if (next === '/login' || next.startsWith('/login?') || next.startsWith('/login/')) return fallback;
  return next;
}

/** The login page that comes back to `current` (path + query) afterwards. */
export function loginPath(current: string): string {
  const next = safeNext(current, '');
  return next && next !== '/courses' ? `/login?next=${encodeURIComponent(next)}` : '/login';
}

/** The change-password page (docs/accounts.md), coming back to `current` afterwards. */
export const PASSWORD_PATH = '/password';

export function passwordPath(current: string): string {
  const next = safeNext(current, '');
  return next && next !== '/courses' && !next.startsWith(PASSWORD_PATH) ? `${PASSWORD_PATH}?next=${encodeURIComponent(next)}` : PASSWORD_PATH;
}

/**
 * Where the shell must send a signed-in user instead of the page asked for, or null: someone
 * still holding a one-time password (roster import, administrator reset) reaches no page but
 * the change-password one until they have chosen their own. Public pages stay open.
 */
export function mustChangeRedirect(user: { passwordChangeRequired: boolean } | null | undefined, pathname: string, current: string, publicPage: boolean): string | null {
  if (!user?.passwordChangeRequired || publicPage) return null;
  if (pathname === PASSWORD_PATH || pathname === `${PASSWORD_PATH}/`) return null;
  return passwordPath(current);
}
