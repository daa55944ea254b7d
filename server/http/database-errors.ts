/**
 * What a database error means for the person who sent the request. The app's error handler
 * asks this before it answers 500, so a lost connection is a 503 the client can retry, a unique
 * violation that input checks could not foresee (two identical requests at once) is a 409, and a
 * character PostgreSQL cannot store is a 400 — never a 500 with a driver's words in it.
 *
 * Both drivers put the SQLSTATE in `code` (postgres.js' PostgresError, PGlite's DatabaseError);
 * postgres.js names its own connection failures in `code` too (CONNECTION_CLOSED, …); drizzle
 * wraps either in an error whose `cause` is the driver's.
 */
export type DatabaseErrorMeaning = 'unavailable' | 'conflict' | 'invalid_text';

/** postgres.js' own codes and Node's socket errors: the connection, not the statement, failed. */
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is going away or not taking us: class 08 (connection exception),
 * 57P01–57P03 (terminated by an administrator, crash shutdown, cannot connect now), 53300 (too
 * many connections), 3D000 (the database is gone) and 55000 when it came as FATAL (the database
 * does not accept connections).
 */
function isUnavailableState(code: string, severity: string | undefined): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300' || code === '3D000' || severity === 'FATAL';
}

export function databaseErrorMeaning(error: unknown): DatabaseErrorMeaning | null {
  for (let e = error as { code?: unknown; severity?: unknown; cause?: unknown } | undefined, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (!code) continue;
    if (CONNECTION_CODES.has(code)) return 'unavailable';
    if (!/^[0-9A-Z]{5}$/.test(code)) continue;
    if (isUnavailableState(code, typeof e.severity === 'string' ? e.severity : undefined)) return 'unavailable';
    if (code === '23505') return 'conflict';
    // 22021: invalid byte sequence (NUL in text); 22P05: untranslatable character (\u0000 in jsonb)
    if (code === '22021' || code === '22P05') return 'invalid_text';
  }
  return null;
}
