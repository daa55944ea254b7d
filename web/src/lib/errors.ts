/** How pages turn a failed API call into something a person can read. */
import { ApiError } from './api/client.ts';
import { t, tFailure, tFailureLine } from './i18n/index.svelte.ts';
import type { FailureText } from './i18n/error-text.ts';
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
  // never error.message: the server writes it in English, for developers
  if (error instanceof ApiError) return tFailureLine(error);
  return t('app.error.network');
}

/** errorText in two parts, for places that print the code of a generic sentence in small print. */
export function errorParts(error: unknown): FailureText {
  if (error instanceof ApiError) return tFailure(error);
  return { text: t('app.error.network'), code: null };
}
