import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'lectern_session';

/**
 * The device cookie of the login limit (OWASP "device cookies", docs/accounts.md): set after a
 * successful login, it says "this browser has logged in as this login before". A try that carries
 * one valid for its login is counted per browser instead of per address and per login, so
 * strangers guessing from elsewhere, or from behind the same NAT, cannot lock the owner out of it.
 * Only sent to the login route.
 */
export const DEVICE_COOKIE = 'lectern_device';
export const DEVICE_COOKIE_PATH = '/api/auth/login';
export const DEVICE_COOKIE_DAYS = 180;
const MAX_AGE_SECONDS = DEVICE_COOKIE_DAYS * 86_400;

/**
 * Distinct from every other use of the session secret (media links sign other strings), so no
 * signature made for one can be replayed as the other.
 */
const PURPOSE = 'lectern device cookie v1';

const mac = (secret: string, login: string, deviceId: string, issuedAt: number) =>
  createHmac('sha256', secret).update(`${PURPOSE}\n${login}\n${deviceId}\n${issuedAt}`).digest('base64url');

/**
 * A new cookie value for `login`: `<device id>.<issued at, Unix seconds>.<HMAC>`. The login is in
 * the signature only, so the cookie does not show whose it is; the random id names the browser in
 * the limit's count.
 */
export function issueDeviceCookie(secret: string, login: string, now = Date.now()): { value: string; maxAgeSeconds: number } {
  const deviceId = randomBytes(16).toString('base64url');
  const issuedAt = Math.floor(now / 1000);
  return { value: `${deviceId}.${issuedAt}.${mac(secret, login, deviceId, issuedAt)}`, maxAgeSeconds: MAX_AGE_SECONDS };
}

/** The browser's device id when `value` is a cookie this server issued for `login` less than 180 days ago; else null. */
export function trustedDeviceId(secret: string, value: string | undefined, login: string, now = Date.now()): string | null {
  if (!value || value.length > 200) return null;
  const parts = value.split('.');
  if (parts.length !== 3) return null;
  const [deviceId, issued, signature] = parts as [string, string, string];
  if (!/^[A-Za-z0-9_-]{22}$/.test(deviceId) || !/^\d{1,12}$/.test(issued)) return null;
  const issuedAt = Number(issued);
  const age = Math.floor(now / 1000) - issuedAt;
  if (age < -60 || age > MAX_AGE_SECONDS) return null; // a minute of clock difference between replicas
  // Compared as text: two base64url spellings of one signature (padding bits) are not both accepted.
  const expected = Buffer.from(mac(secret, login, deviceId, issuedAt));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? deviceId : null;
}
