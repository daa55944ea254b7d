/* Lectern service worker: keeps the app shell on the device so a repeat visit on a slow line
 * costs only data (the API and media), never the shell again.
 *
 * - index.html (every navigation): network first, with a timeout, falling back to the cached copy,
 *   so a new release reaches users at once and a dead line still opens the app;
 * - /assets/* (hashed, immutable): cache first; the entry chunk and its imports are precached at
 *   install, page chunks (the player, hls.js, English) are kept the first time they are fetched;
 * - /api/* (JSON and media segments) and other origins: never touched, straight to the network.
 *
 * The build (web/sw/plugin.ts) replaces the two placeholders below with the build's version and
 * the precache list, so each release gets its own cache and the old one is dropped on activation.
 */
const VERSION = '__LECTERN_SW_VERSION__';
const PRECACHE = /** @type {string[]} */ (JSON.parse('__LECTERN_SW_PRECACHE__'));
const CACHE = `lectern-shell-${VERSION}`;
const SHELL_KEY = '/index.html';
/** After this long without an answer, a navigation is served from the cache (slow or dead line). */
const NAVIGATION_TIMEOUT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // The shell itself first; a failed asset does not abort the install (it is cached on use).
      try {
        const shell = await fetch('/', { cache: 'no-cache', credentials: 'same-origin' });
        if (shell.ok) await cache.put(SHELL_KEY, shell);
      } catch {
        /* offline at install: the next navigation fills it */
      }
      await Promise.all(PRECACHE.map((url) => cache.add(url).catch(() => undefined)));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith('lectern-shell-') && name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigation(request));
    return;
  }
  if (url.pathname.startsWith('/assets/')) event.respondWith(asset(request));
});

async function navigation(request) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then(async (response) => {
    const type = response.headers.get('content-type') ?? '';
    if (response.ok && type.includes('text/html')) await cache.put(SHELL_KEY, response.clone());
    return response;
  });
  const cached = await cache.match(SHELL_KEY);
  if (!cached) return network; // first visit: nothing to fall back to
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), NAVIGATION_TIMEOUT_MS);
  });
  try {
    const first = await Promise.race([network, timeout]);
    return first ?? cached;
  } catch {
    return cached; // offline
  } finally {
    clearTimeout(timer);
  }
}

async function asset(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') await cache.put(request, response.clone());
  return response;
}
