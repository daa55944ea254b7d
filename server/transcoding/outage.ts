/**
 * Pure rules for transcode jobs that meet an outage (docs/jobs-and-uploads.md, "Jobs"):
 * which errors mean "storage or database unreachable, wait and try again" rather than "this
 * attempt failed", and how long to wait between tries.
 *
 * - An outage (connection refused/reset, timeouts, DNS, S3 5xx and throttling, a database that
 *   is restarting) is waited out inside the job, step by step, without spending an attempt, for
 *   at most OUTAGE_LIMIT_SECONDS in a row.
 * - Any other error that is not about the file spends an attempt; the next attempt starts after
 *   an exponential back-off (15 s, 30 s, 1 min, 2 min, …, at most 10 min).
 */
import { databaseErrorMeaning } from '../http/database-errors.ts';

/** Attempts a job gets for errors that are neither the file's fault nor an outage (and crashes). */
export const DEFAULT_MAX_ATTEMPTS = 5;
/** The longest a job waits in a row for storage (or the database) to come back. */
export const OUTAGE_LIMIT_SECONDS = 24 * 3600;

/** Back-off before the next attempt after attempt `attempt` (1-based) failed: 15 s · 2^(n−1), ≤ 10 min. */
export function attemptBackoffSeconds(attempt: number, baseSeconds = 15, capSeconds = 600): number {
  const n = Math.max(1, Math.floor(attempt));
  return Math.min(capSeconds, baseSeconds * 2 ** Math.min(n - 1, 30));
}

/** Pause before try `tryNumber` (1-based) of a step during an outage: 5 s · 2^(n−1), ≤ 60 s. */
export function outageRetrySeconds(tryNumber: number, baseSeconds = 5, capSeconds = 60): number {
  const n = Math.max(1, Math.floor(tryNumber));
  return Math.min(capSeconds, baseSeconds * 2 ** Math.min(n - 1, 30));
}

/** Node's and undici's socket failures, and stale network mounts: the line, not the request. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOTCONN',
  'ESTALE',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** S3 error names (AWS, MinIO, OSS, s3rver) that say "busy or down, try later". */
const S3_TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'NetworkingError',
]);

interface ErrorLike {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
  errors?: unknown;
}

function* chain(error: unknown): Generator<ErrorLike> {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.size < 12) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const like = e as ErrorLike;
    yield like;
    queue.push(like.cause);
    // AggregateError (happy-eyeballs connects try IPv4 and IPv6)
    if (Array.isArray(like.errors)) queue.push(...(like.errors as unknown[]));
  }
}

/** True when a storage call failed because the store is unreachable, busy or failing (5xx, 429). */
export function isStorageOutage(error: unknown): boolean {
  for (const e of chain(error)) {
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
    if (typeof e.name === 'string' && S3_TRANSIENT_NAMES.has(e.name)) return true;
    const status = e.$metadata?.httpStatusCode;
    if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
    if (e.$retryable) return true;
    // the SDK's body stream when the store dies mid-download
    if (e.message === 'aborted' || e.message === 'socket hang up') return true;
  }
  return false;
}

/** True when a database call failed because the database is unreachable or not taking us. */
export function isDatabaseOutage(error: unknown): boolean {
  return databaseErrorMeaning(error) === 'unavailable';
}

export type OutageKind = 'storage' | 'database';

/**
 * The outage an error of a step shows, if any. A step talks to one of them (a storage step, the
 * source download or the package upload, makes no database call), which is how a refused
 * connection is told apart: the same ECONNREFUSED means either, depending on who was asked.
 */
export function outageOf(error: unknown, uses: OutageKind): OutageKind | null {
  if (uses === 'storage') return isStorageOutage(error) ? 'storage' : null;
  return isDatabaseOutage(error) ? 'database' : null;
}
