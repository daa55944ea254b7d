/**
 * The pure rules of transcode jobs that meet an outage (server/transcoding/outage.ts) and the
 * trainer's sentences (reasons.ts): what counts as "storage or database unreachable", the
 * back-off schedules, and that no sentence can carry an address.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { attemptBackoffSeconds, isDatabaseOutage, isStorageOutage, outageOf, outageRetrySeconds } from '../../server/transcoding/outage.ts';
import { RETRYING_MESSAGE, WAITING_FOR_STORAGE_MESSAGE, interruptedReason, outageReason, retriesExhaustedReason, sourceMissingReason } from '../../server/transcoding/reasons.ts';

/** What the AWS SDK throws when the store refuses the connection (measured against a closed port). */
function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect', address: '127.0.0.1', port: 9, $metadata: { attempts: 3 } });
}
const s3Error = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const ADDRESS = /\b\d{1,3}(\.\d{1,3}){3}\b|localhost|:\d{2,5}\b|https?:\/\/|s3\.|amazonaws|\bat [\w.<>]+ \(/i;

describe('what a storage outage is', () => {
  it('counts unreachable, reset, timed-out, throttled and failing stores', () => {
    expect(isStorageOutage(refused())).toBe(true);
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE']) {
      expect(isStorageOutage(Object.assign(new Error(code), { code }))).toBe(true);
    }
    expect(isStorageOutage(s3Error('ServiceUnavailable', 503))).toBe(true);
    expect(isStorageOutage(s3Error('SlowDown', 503))).toBe(true);
    expect(isStorageOutage(s3Error('InternalError', 500))).toBe(true);
    expect(isStorageOutage(s3Error('TooManyRequests', 429))).toBe(true);
    expect(isStorageOutage(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe(true);
    expect(isStorageOutage(new Error('aborted'))).toBe(true); // the SDK's body stream when the store dies mid-download
    // wrapped: a cause, an AggregateError of both address families
    expect(isStorageOutage(new Error('upload failed', { cause: refused() }))).toBe(true);
    expect(isStorageOutage(new AggregateError([refused(), refused()], 'connect failed'))).toBe(true);
  });

  it('does not count answers about the request: missing keys, refused credentials, bad requests', () => {
    expect(isStorageOutage(s3Error('NoSuchKey', 404))).toBe(false);
    expect(isStorageOutage(s3Error('NoSuchBucket', 404))).toBe(false);
    expect(isStorageOutage(s3Error('AccessDenied', 403))).toBe(false);
    expect(isStorageOutage(s3Error('InvalidArgument', 400))).toBe(false);
    expect(isStorageOutage(Object.assign(new Error('no space'), { code: 'ENOSPC' }))).toBe(false);
    expect(isStorageOutage(new Error('ffmpeg failed'))).toBe(false);
    expect(isStorageOutage(undefined)).toBe(false);
    expect(isStorageOutage('ECONNREFUSED')).toBe(false);
  });

  it('tells a database outage from a storage one, and a step that uses no storage never waits for it', () => {
    const closed = Object.assign(new Error('write CONNECTION_CLOSED 127.0.0.1:5432'), { code: 'CONNECTION_CLOSED' });
    const adminShutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', severity: 'FATAL' });
    expect(isDatabaseOutage(closed)).toBe(true);
    expect(isDatabaseOutage(new Error('Failed query', { cause: adminShutdown }))).toBe(true);
    expect(isDatabaseOutage(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(outageOf(closed, 'database')).toBe('database');
    expect(outageOf(refused(), 'storage')).toBe('storage');
    expect(outageOf(refused(), 'database')).toBe('database'); // the same refusal, from the database
    expect(outageOf(closed, 'storage')).toBeNull();
    expect(outageOf(s3Error('SlowDown', 503), 'database')).toBeNull();
    expect(outageOf(new Error('bad data'), 'storage')).toBeNull();
  });

  it('never throws on odd values (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(typeof isStorageOutage(value)).toBe('boolean');
        expect(typeof isDatabaseOutage(value)).toBe('boolean');
      }),
    );
    const loop: { cause?: unknown } = {};
    loop.cause = loop;
    expect(isStorageOutage(loop)).toBe(false);
  });
});

describe('back-off', () => {
  it('doubles between attempts from 15 s up to 10 minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => attemptBackoffSeconds(n))).toEqual([15, 30, 60, 120, 240, 480, 600, 600]);
    expect(attemptBackoffSeconds(0)).toBe(15);
    expect(attemptBackoffSeconds(3, 1)).toBe(4);
  });

  it('tries a step again during an outage after 5 s, 10 s, 20 s, 40 s, then every minute', () => {
    expect([1, 2, 3, 4, 5, 6, 1000].map((n) => outageRetrySeconds(n))).toEqual([5, 10, 20, 40, 60, 60, 60]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (n) => {
        expect(outageRetrySeconds(n + 1)).toBeGreaterThanOrEqual(outageRetrySeconds(n));
        expect(outageRetrySeconds(n)).toBeLessThanOrEqual(60);
      }),
    );
  });
});

describe('what the trainer reads', () => {
  it('names what to do, in both languages, and never an address', () => {
    const all = [interruptedReason(3), retriesExhaustedReason(5), outageReason(24 * 3600), sourceMissingReason()];
    for (const reason of all) {
      expect(reason.reasonZh).toMatch(/[\u4e00-\u9fff]/);
      expect(reason.reasonEn.length).toBeGreaterThan(40);
      expect(reason.reasonZh).not.toMatch(ADDRESS);
      expect(reason.reasonEn).not.toMatch(ADDRESS);
    }
    for (const reason of all.slice(0, 3)) {
      expect(reason.reasonEn).toContain('Retry transcoding');
      expect(reason.reasonZh).toContain('重新转码');
    }
    expect(sourceMissingReason().reasonEn).toContain('Upload the recording again');
    expect(outageReason(24 * 3600).reasonEn).toContain('24 hours in a row');
    expect(outageReason(24 * 3600).reasonZh).toContain('连续 24 小时');
    expect(outageReason(3600).reasonEn).toContain('for 1 hour in');
    expect(outageReason(3).reasonEn).toContain('for 1 minute in');
    expect(RETRYING_MESSAGE).not.toMatch(ADDRESS);
    expect(WAITING_FOR_STORAGE_MESSAGE).not.toMatch(ADDRESS);
  });
});
