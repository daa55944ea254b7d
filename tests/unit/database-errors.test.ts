import { describe, expect, it } from 'vitest';
import { databaseErrorMeaning } from '../../server/http/database-errors.ts';

const wrapped = (cause: object) => Object.assign(new Error('Failed query: select 1'), { cause });

describe('databaseErrorMeaning', () => {
  it('a lost or refused connection is "unavailable", also when drizzle wraps it', () => {
    expect(databaseErrorMeaning(wrapped({ code: 'CONNECTION_CLOSED' }))).toBe('unavailable');
    expect(databaseErrorMeaning({ code: 'ECONNREFUSED' })).toBe('unavailable');
    expect(databaseErrorMeaning(wrapped({ code: '57P01', severity: 'FATAL' }))).toBe('unavailable');
    expect(databaseErrorMeaning({ code: '55000', severity: 'FATAL' })).toBe('unavailable');
    expect(databaseErrorMeaning({ code: '08006' })).toBe('unavailable');
    expect(databaseErrorMeaning({ code: '53300' })).toBe('unavailable');
  });

  it('a unique violation is a conflict, NUL in text is invalid text', () => {
    expect(databaseErrorMeaning(wrapped({ code: '23505', severity: 'ERROR' }))).toBe('conflict');
    expect(databaseErrorMeaning(wrapped({ code: '22021', severity: 'ERROR' }))).toBe('invalid_text');
    expect(databaseErrorMeaning({ code: '22P05' })).toBe('invalid_text');
  });

  it('anything else is not a database condition the client can act on', () => {
    expect(databaseErrorMeaning(new Error('boom'))).toBeNull();
    expect(databaseErrorMeaning({ code: '42P01', severity: 'ERROR' })).toBeNull(); // a missing table is our bug: 500
    expect(databaseErrorMeaning({ code: '55000', severity: 'ERROR' })).toBeNull();
    expect(databaseErrorMeaning({ code: 'FST_ERR_VALIDATION' })).toBeNull();
    expect(databaseErrorMeaning(null)).toBeNull();
    const loop: { code?: string; cause?: unknown } = {};
    loop.cause = loop;
    expect(databaseErrorMeaning(loop)).toBeNull();
  });
});
