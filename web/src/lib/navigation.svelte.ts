/**
 * The reactive location of the history-API router. `here` is read by the shell and pages;
 * `navigate()` pushes a new entry; plain `<a href="/…">` links are intercepted once, in the
 * shell, so pages need no special link component.
 */

interface Location {
  pathname: string;
  search: string;
}

function read(): Location {
  return { pathname: window.location.pathname, search: window.location.search };
}

let current = $state.raw<Location>(read());

export const here = {
  get pathname(): string {
    return current.pathname;
  },
  get search(): string {
    return current.search;
  },
  /** path + query, e.g. for /login?next= */
  get path(): string {
    return current.pathname + current.search;
  },
  get query(): URLSearchParams {
    // A read-only parse of the reactive `current`; nothing mutates it.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    return new URLSearchParams(current.search);
  },
};

/** Called after each pushed navigation (the shell moves focus to the page). */
let onPush: (() => void) | undefined;
export function afterPush(callback: () => void): void {
  onPush = callback;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local parse, not state
  const url = new URL(to, window.location.href);
  if (url.origin !== window.location.origin) {
    window.location.assign(url.href);
    return;
  }
  const target = url.pathname + url.search + url.hash;
  if (options.replace) {
    window.history.replaceState(null, '', target);
  } else {
    if (target === current.pathname + current.search + window.location.hash) return;
    window.history.pushState(null, '', target);
  }
  current = read();
  if (!options.replace) {
    window.scrollTo(0, 0);
    onPush?.();
  }
}

window.addEventListener('popstate', () => {
  current = read();
});

/** Turns clicks on same-origin links into router navigations (not /api/…, downloads, new tabs). */
export function interceptLinks(root: HTMLElement | Document): () => void {
  const onClick = (event: MouseEvent): void => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || !anchor.href) return;
    if (anchor.target && anchor.target !== '_self') return;
    if (anchor.hasAttribute('download') || anchor.getAttribute('rel')?.includes('external')) return;
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local parse, not state
    const url = new URL(anchor.href);
    if (url.origin !== window.location.origin || url.pathname.startsWith('/api/')) return;
    // An in-page anchor (#main): the browser scrolls and focuses it by itself.
    if (url.hash && url.pathname === current.pathname && url.search === current.search) return;
    event.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  };
  root.addEventListener('click', onClick as EventListener);
  return () => root.removeEventListener('click', onClick as EventListener);
}
