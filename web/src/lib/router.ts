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
 * Where to go after login (`?next=`): only a path on this site, never back to /login itself;
 * anything else is `fallback`. Checking the text was not enough: the URL parser drops tab, CR and
 * LF, so "/\t/evil.example" (from `next=/%09/evil.example`) became "//evil.example", another
 * host (issue 7). So the text must be a plain path — one leading slash, no control character or
 * backslash — and it is parsed as navigate() will parse it: same origin, a path that does not
 * start with "//" ("/.//evil" parses to "//evil"), and the parsed path, query and hash are what
 * is answered, so the next parse cannot read anything else into it.
 */
export function safeNext(next: string | null | undefined, fallback = '/courses', origin = currentOrigin()): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || /[\u0000-\u001f\u007f\\]/.test(next)) return fallback;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return fallback;
  }
  if (url.origin !== origin || url.pathname.startsWith('//')) return fallback;
  if (url.pathname === '/login' || url.pathname.startsWith('/login/')) return fallback;
  return url.pathname + url.search + url.hash;
}

/** The page's origin in the browser; a placeholder where there is none (unit tests in Node). */
function currentOrigin(): string {
  return typeof location === 'undefined' ? 'http://localhost' : location.origin;
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
