/** How pages turn a failed API call into something a person can read. */
import { ApiError } from './api/client.ts';
import { t, tServerError } from './i18n/index.svelte.ts';
import { sessionExpired } from './session.svelte.ts';

/** Call in `catch`: a 401 means the session ended, so the shell sends the user to /login. */
export function noteFailure(error: unknown): unknown {
  if (error instanceof ApiError && error.status === 401) sessionExpired();
  return error;
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** The sentence to show, in the current language (call it from markup so it follows a switch). */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const known = tServerError(error.code);
    if (known) return known;
    if (error.status === 403) return t('app.error.forbidden');
    return t('app.error.generic', { message: error.message });
  }
  return t('app.error.network');
}
