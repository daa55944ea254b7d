/**
 * Pure: which words an API failure gets (lib/errors.ts). A code with a `serverError.<code>`
 * entry gets that sentence; any other code gets a generic sentence in the reader's language and
 * the code for support, never the server's own text, which is English and written for
 * developers ("出错了：boom" in a Chinese page, issue 11).
 */
import { interpolate } from './format.ts';
import type { MessageKey, Messages } from './zh-CN.ts';

export interface FailureLike {
  status: number;
  code: string;
}

export interface FailureText {
  /** the sentence to show */
  text: string;
  /** the server's code to show in small print, when the sentence is a generic one */
  code: string | null;
}

/** `messages`: the current catalog; `known`: the keys that exist (zh-CN, the source catalog). */
export function failureText(failure: FailureLike, messages: Partial<Messages>, known: Partial<Messages>): FailureText {
  const key = `serverError.${failure.code}`;
  if (Object.prototype.hasOwnProperty.call(known, key)) return { text: messages[key as MessageKey] ?? known[key as MessageKey]!, code: null };
  if (failure.status === 403) return { text: messages['app.error.forbidden'] ?? known['app.error.forbidden']!, code: null };
  const code = /^[a-z0-9_.-]{1,64}$/i.test(failure.code) ? failure.code : null;
  const generic = failure.status >= 500 ? 'app.error.server' : 'app.error.unknown';
  return { text: messages[generic] ?? known[generic]!, code };
}

/** The sentence and its code as one line, for places that show a single text. */
export function failureLine(failure: FailureLike, messages: Partial<Messages>, known: Partial<Messages>): string {
  const { text, code } = failureText(failure, messages, known);
  // the catalog's text carries its own spacing: none before a Chinese full-width bracket
  return code ? `${text}${interpolate(messages['app.error.code'] ?? known['app.error.code']!, { code })}` : text;
}
