/// <reference types="vite/client" />
/**
 * Registers the service worker (web/src/sw.js, emitted as /sw.js by the build) in built apps
 * only: the dev server has no sw.js and must not serve a stale shell. `import.meta.hot` (set only by
 * the dev server) tells them apart; `import.meta.env.PROD` would not, since a build run from the
 * test runner inherits NODE_ENV=test and reports PROD false.
 */
export function registerServiceWorker(): void {
  if (import.meta.hot || typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  const register = (): void => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
  };
  // After load, so installing (and precaching) never competes with the first render on a slow line.
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
