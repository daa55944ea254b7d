/** LRS_* settings (server/config.ts) and what each LRS answer means for the outbox (server/lrs/client.ts). */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { backoffSeconds, classify } from '../../server/lrs/client.ts';

const base = { LRS_ENDPOINT: 'https://lrs.example.cn/data/xAPI/', LRS_USERNAME: 'key', LRS_PASSWORD: 's3cret-pass' };

describe('LRS configuration', () => {
  it('is off without LRS_ENDPOINT and on with endpoint, key and secret', () => {
    expect(loadConfig({}).lrs).toBeUndefined();
    expect(loadConfig(base).lrs).toMatchObject({ endpoint: 'https://lrs.example.cn/data/xAPI', username: 'key', password: 's3cret-pass', batchSize: 50, settleMinutes: 60 });
    expect(loadConfig({ ...base, LRS_ENDPOINT: 'https://lrs.example.cn/xapi/statements' }).lrs!.endpoint).toBe('https://lrs.example.cn/xapi');
  });

  it.each([
    [{ ...base, LRS_PASSWORD: '' }, /LRS_USERNAME and LRS_PASSWORD/],
    [{ LRS_USERNAME: 'key', LRS_PASSWORD: 'x' }, /LRS_ENDPOINT is not/],
    [{ ...base, LRS_ENDPOINT: 'https://key:s3cret-pass@lrs.example.cn/xapi' }, /must not carry a user name or password/],
    [{ ...base, LRS_ENDPOINT: 'ftp://lrs.example.cn/xapi' }, /must start with http:/],
    [{ ...base, LRS_ENDPOINT: 'https://lrs.example.cn/xapi?x=1' }, /without \?query/],
    [{ ...base, LRS_USERNAME: 'a:b' }, /must not contain ":"/],
    [{ ...base, LRS_BATCH_SIZE: '0' }, /LRS_BATCH_SIZE/],
  ])('refuses a bad setting with one line that never shows the password (%#)', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env as Record<string, string>);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('s3cret-pass');
  });
});

describe('LRS answers', () => {
  it('sends, retries, splits or fails by status', () => {
    expect(classify(200, null, 5)).toEqual({ kind: 'sent' });
    expect(classify(204, null, 1)).toEqual({ kind: 'sent' });
    expect(classify(409, null, 1)).toEqual({ kind: 'sent' });
    expect(classify(409, null, 3).kind).toBe('split');
    expect(classify(400, null, 3).kind).toBe('split');
    expect(classify(400, null, 1)).toEqual({ kind: 'fail', code: 'lrs_rejected', detail: 'HTTP 400' });
    expect(classify(401, null, 3)).toEqual({ kind: 'fail', code: 'lrs_unauthorized', detail: 'HTTP 401' });
    expect(classify(403, null, 1).kind).toBe('fail');
    expect(classify(404, null, 1)).toMatchObject({ kind: 'fail', code: 'lrs_not_found' });
    expect(classify(503, null, 3)).toMatchObject({ kind: 'retry', code: 'lrs_unavailable' });
    expect(classify(429, '120', 3)).toEqual({ kind: 'retry', code: 'lrs_rate_limited', detail: 'HTTP 429', retryAfterSeconds: 120 });
    expect(classify(429, 'Wed, 21 Oct 2015 07:28:00 GMT', 3)).toEqual({ kind: 'retry', code: 'lrs_rate_limited', detail: 'HTTP 429' });
  });

  it('backs off doubling, at most an hour', () => {
    expect([1, 2, 3, 4].map((n) => backoffSeconds(30, n))).toEqual([30, 60, 120, 240]);
    expect(backoffSeconds(30, 50)).toBe(3600);
    expect(backoffSeconds(0, 9)).toBe(0);
  });
});
