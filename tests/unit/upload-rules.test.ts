import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ERRORS } from '@tus/utils';
import { checkQuota, formatBytes, quotaExceededMessage } from '../../server/uploads/quota.ts';
import { tusErrorAnswer } from '../../server/uploads/tus-errors.ts';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const limits = { maxUploadBytes: 8 * GiB };

describe('upload quota', () => {
  it('fits exactly when reserved + requested is at most the quota', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 45 }), fc.nat({ max: 2 ** 45 }), fc.nat({ max: 2 ** 46 }), (reservedBytes, requestedBytes, quotaBytes) => {
        const verdict = checkQuota({ reservedBytes, requestedBytes, quotaBytes });
        expect(verdict.kind === 'fits').toBe(reservedBytes + requestedBytes <= quotaBytes);
        if (verdict.kind === 'exceeded') {
          expect(verdict).toMatchObject({ reservedBytes, requestedBytes, quotaBytes, availableBytes: Math.max(0, quotaBytes - reservedBytes) });
        }
      }),
    );
  });

  it('tells the trainer what is reserved, what the file needs, and how to make room', () => {
    const verdict = checkQuota({ reservedBytes: 20 * GiB, requestedBytes: 6 * GiB, quotaBytes: 24 * GiB });
    expect(verdict.kind).toBe('exceeded');
    if (verdict.kind !== 'exceeded') return;
    const message = quotaExceededMessage(verdict, 7);
    expect(message).toContain('20.0 GiB');
    expect(message).toContain('24.0 GiB');
    expect(message).toContain('6.0 GiB');
    expect(message).toContain('7 days');
    expect(message).toMatch(/cancel/i);
    expect(quotaExceededMessage(verdict, 1)).toContain('1 day ');
  });

  it('formats sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1023)).toBe('1023 bytes');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(4 * MiB)).toBe('4.0 MiB');
    expect(formatBytes(1.5 * GiB)).toBe('1.5 GiB');
    expect(formatBytes(240 * GiB)).toBe('240 GiB');
  });
});

describe('tus error answers', () => {
  const expected: Record<keyof typeof ERRORS, [number, string]> = {
    MISSING_OFFSET: [400, 'invalid_upload_headers'],
    INVALID_CONTENT_TYPE: [400, 'invalid_upload_headers'],
    ABORTED: [400, 'upload_interrupted'],
    INVALID_TERMINATION: [400, 'upload_finished'],
    ERR_LOCK_TIMEOUT: [423, 'upload_busy'],
    FILE_NOT_FOUND: [404, 'not_found'],
    INVALID_OFFSET: [409, 'upload_offset_mismatch'],
    FILE_NO_LONGER_EXISTS: [410, 'upload_expired'],
    ERR_SIZE_EXCEEDED: [413, 'upload_too_large'],
    ERR_MAX_SIZE_EXCEEDED: [413, 'upload_too_large'],
    INVALID_LENGTH: [400, 'upload_length_required'],
    INVALID_METADATA: [400, 'invalid_metadata'],
    UNKNOWN_ERROR: [500, 'upload_failed'],
    FILE_WRITE_ERROR: [500, 'upload_failed'],
    UNSUPPORTED_CONCATENATION_EXTENSION: [400, 'upload_concat_unsupported'],
    UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION: [400, 'upload_length_required'],
    UNSUPPORTED_EXPIRATION_EXTENSION: [500, 'upload_failed'],
  };

  it.each(Object.keys(ERRORS) as (keyof typeof ERRORS)[])('maps @tus/server %s to a stable code', (name) => {
    const { status_code, body } = ERRORS[name];
    const answer = tusErrorAnswer(status_code, body, limits);
    expect([answer.status, answer.code]).toEqual(expected[name]);
    expect(answer.message).not.toContain('\n');
    expect(answer.message.length).toBeGreaterThan(10);
  });

  it('maps the answers @tus/server writes before any handler runs', () => {
    expect(tusErrorAnswer(412, 'Tus-Resumable Required\n', limits)).toMatchObject({ status: 412, code: 'tus_resumable_required' });
    const invalid = tusErrorAnswer(400, 'Invalid upload-offset upload-length\n', limits);
    expect(invalid).toMatchObject({ status: 400, code: 'invalid_upload_headers' });
    expect(invalid.message).toContain('Upload-Offset, Upload-Length');
    expect(tusErrorAnswer(404, 'Not found\n', limits)).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('names the size limit when a file is too large', () => {
    expect(tusErrorAnswer(413, ERRORS.ERR_MAX_SIZE_EXCEEDED.body, limits).message).toContain('8.0 GiB');
  });

  it('passes our own JSON answers through and never repeats an unknown body (it may carry internals)', () => {
    const own = JSON.stringify({ error: 'upload_quota_exceeded', message: 'Your unfinished uploads already reserve 4.0 MiB.' });
    expect(tusErrorAnswer(413, own, limits)).toEqual({ status: 413, code: 'upload_quota_exceeded', message: 'Your unfinished uploads already reserve 4.0 MiB.' });
    const isJson = (text: string) => {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    };
    fc.assert(
      fc.property(fc.integer({ min: 400, max: 599 }), fc.string({ minLength: 12 }), (status, body) => {
        fc.pre(!body.startsWith('Invalid ') && !isJson(body) && !Object.values(ERRORS).some((e) => e.body === body));
        for (const text of [body, `${ERRORS.UNKNOWN_ERROR.body}${body}`]) {
          const answer = tusErrorAnswer(status, text, limits);
          expect(answer.code).toMatch(/^[a-z_]+$/);
          expect(answer.message).not.toContain(body);
          expect(answer.status).toBeGreaterThanOrEqual(400);
        }
      }),
    );
  });
});
