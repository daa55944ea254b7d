/**
 * Password hashing with scrypt (memory-hard, built into Node: no native add-on to install).
 * Format: scrypt$N$r$p$salt$hash (base64url), so parameters can be raised later.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const N = 2 ** 15; // 32 MiB with r = 8
const R = 8;
const P = 1;
const KEYLEN = 32;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const maxmem = (n: number, r: number) => 128 * n * r * 2;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, KEYLEN, { N, r: R, p: P, maxmem: maxmem(N, R) });
  return ['scrypt', N, R, P, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/**
 * scrypt cost for one-time passwords only: N=2^12 (4 MiB, about 1/16 of the work). A one-time
 * password is 12 characters from the CSPRNG (31^12 ≈ 2^59): an attacker holding the hash cannot
 * search that space at any scrypt cost, so the memory-hard cost that protects chosen passwords
 * buys nothing here, while it made a 20,000-lawyer roster import take about an hour on 2 cores.
 * The person must replace it at the first login (users.password_change_required), and their own
 * password is hashed at the full cost. Measured in docs/benchmarks.md ("Roster import and logins").
 */
const ONE_TIME_N = 2 ** 12;

export async function hashOneTimePassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, KEYLEN, { N: ONE_TIME_N, r: R, p: P, maxmem: maxmem(ONE_TIME_N, R) });
  return ['scrypt', ONE_TIME_N, R, P, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  // Always spend the same work, even for unknown users, so timing does not reveal which part was wrong.
  const parts = (stored ?? DUMMY).split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: maxmem(Number(n), Number(r)),
  });
  return stored !== null && actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A one-time password an administrator hands over (roster import, reset): 12 characters of an
 * alphabet without 0/O/1/l look-alikes (31^12 ≈ 2^59), easy to read out over the phone.
 */
export function oneTimePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  // 256 is not a multiple of 31; rejection sampling keeps every character equally likely.
  const out: string[] = [];
  while (out.length < 12) {
    for (const b of randomBytes(16)) {
      if (b < 248 && out.length < 12) out.push(alphabet[b % alphabet.length]!);
    }
  }
  return out.join('');
}

const DUMMY = `scrypt$${N}$${R}$${P}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEYLEN).toString('base64url')}`;
