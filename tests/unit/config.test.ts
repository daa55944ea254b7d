import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

describe('config', () => {
  it('runs embedded with no environment at all', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ mode: 'embedded', port: 3000, seedDemo: true, inProcessWorker: true, databaseUrl: undefined, s3: undefined });
    expect(c.sessionSecretGenerated).toBe(true);
    expect(c.publicUrl).toBe('http://127.0.0.1:3000');
  });

  it('a production start needs a session secret and seeds no demo', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x@db/lectern' })).toThrow(/SESSION_SECRET/);
    const c = loadConfig({ DATABASE_URL: 'postgres://x@db/lectern', SESSION_SECRET: 'a'.repeat(32) });
    expect(c).toMatchObject({ mode: 'production', seedDemo: false, inProcessWorker: false });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT="eighty"/],
    [{ PORT: '70000' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must start with postgres:/],
    [{ PUBLIC_URL: 'not a url' }, /PUBLIC_URL is not a URL/],
    [{ S3_ENDPOINT: 'http://minio:9000' }, /S3_BUCKET/],
    [{ S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k' }, /together/],
    [{ SESSION_SECRET: 'short' }, /at least 32/],
    [{ TRANSCODER_IN_PROCESS: 'maybe' }, /true or false/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ UPLOAD_QUOTA_BYTES: 'lots' }, /UPLOAD_QUOTA_BYTES="lots"/],
    [{ MAX_UPLOAD_BYTES: String(2 * 1024 ** 3), UPLOAD_QUOTA_BYTES: String(1024 ** 3) }, /UPLOAD_QUOTA_BYTES .*MAX_UPLOAD_BYTES/],
    [{ UPLOAD_EXPIRY_DAYS: '0' }, /UPLOAD_EXPIRY_DAYS/],
    [{ SOURCE_RETENTION_DAYS: '-1' }, /SOURCE_RETENTION_DAYS/],
  ])('refuses %o with a one-line message naming it', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env as Record<string, string>);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('reads S3 settings with path-style for custom endpoints', () => {
    const c = loadConfig({ S3_BUCKET: 'lectern', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's' });
    expect(c.s3).toMatchObject({ bucket: 'lectern', forcePathStyle: true, region: 'us-east-1' });
    expect(loadConfig({ S3_BUCKET: 'lectern' }).s3?.forcePathStyle).toBe(false);
    // shared playlists by default; S3_SHARED_PLAYLISTS=false goes back to one 302 per segment
    expect(c.s3?.sharedPlaylists).toBe(true);
    expect(loadConfig({ S3_BUCKET: 'lectern', S3_SHARED_PLAYLISTS: 'false' }).s3?.sharedPlaylists).toBe(false);
    expect(() => loadConfig({ S3_BUCKET: 'lectern', S3_SHARED_PLAYLISTS: 'sometimes' })).toThrow(/S3_SHARED_PLAYLISTS/);
  });

  it('bounds what one trainer may keep in unfinished uploads, and for how long', () => {
    const c = loadConfig({});
    // three recordings of the largest size in flight at once; abandoned ones expire after a week
    expect(c).toMatchObject({ maxUploadBytes: 8 * 1024 ** 3, uploadQuotaBytes: 24 * 1024 ** 3, uploadExpiryDays: 7, sourceRetentionDays: 30 });
    // the default follows MAX_UPLOAD_BYTES; an explicit quota wins
    expect(loadConfig({ MAX_UPLOAD_BYTES: String(1024 ** 3) }).uploadQuotaBytes).toBe(3 * 1024 ** 3);
    expect(loadConfig({ UPLOAD_QUOTA_BYTES: String(10 * 1024 ** 3), UPLOAD_EXPIRY_DAYS: '3', SOURCE_RETENTION_DAYS: '90' })).toMatchObject({
      uploadQuotaBytes: 10 * 1024 ** 3,
      uploadExpiryDays: 3,
      sourceRetentionDays: 90,
    });
  });

  it('marks cookies Secure behind https', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://lectern.example.org/' })).toMatchObject({ secureCookies: true, publicUrl: 'https://lectern.example.org' });
  });
});
