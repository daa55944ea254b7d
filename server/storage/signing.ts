/**
 * Prefix-scoped signed media paths: `/api/media/<exp>/<sig>/<key…>`.
 *
 * HLS playlists name their segments by relative URL, so a signature per object cannot work: the
 * browser resolves `360p/seg3.m4s` against the playlist's own URL and sends no new signature.
 * Instead one signature covers a whole folder (a published package, `lectures/<id>/<pkg>/`), and
 * every key under that folder is readable with it, so relative URLs keep resolving under the same
 * signed path. The folder is not written into the URL separately: the verifier tries each folder
 * the key lies in (and the key itself, for single-object links) — a handful of HMACs.
 *
 * sig = base64url(HMAC-SHA256(secret, "lectern-media-v1\n" + prefix + "\n" + exp)); the label keeps
 * these signatures apart from anything else signed with the same secret (session cookies).
 * Pure: no I/O.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { keyProblem } from './keys.ts';

export const MEDIA_BASE_PATH = '/api/media';
const LABEL = 'lectern-media-v1';
/** More folders than any real key has; bounds the work an attacker can cause per request. */
const MAX_SEGMENTS = 32;

/** Media links live at least this long… */
export const MEDIA_LINK_LIFETIME_SECONDS = 6 * 3600;
/** …and their expiry is rounded up to this window, so the same link is handed out for hours and
 *  browser, service-worker and CDN caches keep hitting. */
export const MEDIA_LINK_WINDOW_SECONDS = 6 * 3600;

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** An expiry at least `minLifetime` seconds away, rounded up to a multiple of `window`. */
export function expiryFor(now: number, minLifetime = MEDIA_LINK_LIFETIME_SECONDS, window = MEDIA_LINK_WINDOW_SECONDS): number {
  return Math.ceil((now + minLifetime) / window) * window;
}

function signature(secret: string, prefix: string, exp: number): Buffer {
  return createHmac('sha256', secret).update(`${LABEL}\n${prefix}\n${exp}`).digest();
}

export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/**
 * The signed path for `prefix`: a folder (ending in '/') → the base that every key under it is
 * appended to; a key → that one object's path.
 */
export function signPrefix(secret: string, prefix: string, exp: number): string {
  const folder = prefix.endsWith('/');
  const problem = keyProblem(folder ? prefix.slice(0, -1) : prefix);
  if (problem) throw new Error(`cannot sign ${JSON.stringify(prefix)}: ${problem}`);
  if (!Number.isSafeInteger(exp) || exp <= 0) throw new Error(`cannot sign with expiry ${exp}`);
  const sig = signature(secret, prefix, exp).toString('base64url');
  return `${MEDIA_BASE_PATH}/${exp}/${sig}/${encodeKeyPath(prefix)}`;
}

/** The prefixes a signature for `key` may have been made for: each enclosing folder, then the key. */
export function candidatePrefixes(key: string): string[] {
  const segments = key.split('/');
  const prefixes: string[] = [];
  for (let i = 1; i < segments.length; i++) prefixes.push(`${segments.slice(0, i).join('/')}/`);
  prefixes.push(key);
  return prefixes;
}

export type VerifyResult = { ok: true; prefix: string } | { ok: false; error: 'bad_signature' | 'expired' };

/**
 * Checks a request for `key` (already URL-decoded) against the `<exp>/<sig>` of its path.
 * The signature is checked before the expiry, so a tampered `exp` reads as a bad signature.
 */
export function verify(secret: string, exp: string, sig: string, key: string, now = nowSeconds()): VerifyResult {
  const bad = { ok: false, error: 'bad_signature' } as const;
  if (!/^[1-9]\d{0,14}$/.test(exp) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return bad;
  if (keyProblem(key) !== null) return bad;
  const prefixes = candidatePrefixes(key);
  if (prefixes.length > MAX_SEGMENTS) return bad;
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== 32) return bad;
  const expiry = Number(exp);
  for (const prefix of prefixes) {
    if (timingSafeEqual(signature(secret, prefix, expiry), given)) {
      return expiry > now ? { ok: true, prefix } : { ok: false, error: 'expired' };
    }
  }
  return bad;
}
