/**
 * The reactive translator. `t('key', {param})` reads the current catalog through runes state,
 * so every component that calls it re-renders when the language changes. zh-CN is bundled
 * with the shell; English is a separate chunk fetched only by those who pick it.
 */
import zhCN, { type MessageKey, type Messages } from './zh-CN.ts';
import { interpolate, type ParamsArg } from './format.ts';
import { failureLine, failureText, type FailureLike, type FailureText } from './error-text.ts';

export type Locale = 'zh-CN' | 'en';
export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];
const STORAGE_KEY = 'lectern.locale';

let locale = $state.raw<Locale>('zh-CN');
/** the whole zh-CN catalog once the staff pages' part is loaded (registerStaffCatalog) */
let zhAll: Partial<Messages> = zhCN;
let messages = $state.raw<Partial<Messages>>(zhCN);

/**
 * The staff pages bring their zh-CN strings with them (lib/i18n/staff.ts, imported by those pages
 * before they render); English is always whole.
 */
export function registerStaffCatalog(strings: Partial<Messages>): void {
  if (zhAll !== zhCN) return;
  zhAll = { ...zhCN, ...strings };
  if (locale === 'zh-CN') messages = zhAll;
}

export function t<K extends MessageKey>(key: K, ...args: ParamsArg<K>): string {
  const template = messages[key] ?? zhAll[key] ?? key;
  return interpolate(template, args[0] as Record<string, string | number> | undefined);
}

/** Names of codes that come from the server (categories, statuses); an unknown code shows as is. */
export type CodePrefix = 'category' | 'audience' | 'courseStatus' | 'lectureStatus' | 'orgKind';
export function tCode(prefix: CodePrefix, code: string): string {
  const key = `${prefix}.${code}`;
  return Object.prototype.hasOwnProperty.call(zhCN, key) ? (messages[key as MessageKey] ?? code) : code;
}

/**
 * The catalog's sentence for a server error code (`serverError.<code>`); a code without one gets
 * the generic sentence and the code, never the server's English text (error-text.ts).
 */
export function tServerError(code: string): string {
  return failureLine({ status: 400, code }, messages, zhAll);
}

/**
 * An API failure in the current language: the code's own sentence, or a generic one with the
 * code for support; never the server's message text (error-text.ts).
 */
export function tFailure(failure: FailureLike): FailureText {
  return failureText(failure, messages, zhAll);
}

/** tFailure as one line (the code, if any, after the sentence). */
export function tFailureLine(failure: FailureLike): string {
  return failureLine(failure, messages, zhAll);
}

export function currentLocale(): Locale {
  return locale;
}

function isLocale(value: unknown): value is Locale {
  return value === 'zh-CN' || value === 'en';
}

async function catalogFor(next: Locale): Promise<Partial<Messages>> {
  return next === 'en' ? (await import('./en.ts')).default : zhAll;
}

function apply(next: Locale, catalog: Partial<Messages>): void {
  messages = catalog;
  locale = next;
  document.documentElement.lang = next;
}

/** Switches language, remembers it on this device, and sets <html lang>. */
export async function setLocale(next: Locale): Promise<void> {
  const catalog = await catalogFor(next);
  apply(next, catalog);
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Private mode or storage full: the choice lasts for this page only.
  }
}

/** Called once before mounting: zh-CN unless this device chose otherwise. */
export async function initLocale(): Promise<void> {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    stored = null;
  }
  const next: Locale = isLocale(stored) ? stored : 'zh-CN';
  try {
    apply(next, await catalogFor(next));
  } catch {
    apply('zh-CN', zhCN); // the English chunk did not arrive: Chinese is always there
  }
}
