import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { candidatePrefixes, expiryFor, MEDIA_BASE_PATH, signPrefix, verify } from '../../server/storage/signing.ts';
import { contentTypeFor, keyProblem, parseRangeHeader } from '../../server/storage/keys.ts';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const now = 1_780_000_000;
const exp = now + 3600;

/** Splits a signed path into what the media route sees: exp, sig and the decoded key. */
function parts(path: string): { exp: string; sig: string; key: string } {
  expect(path.startsWith(`${MEDIA_BASE_PATH}/`)).toBe(true);
  const [e = '', s = '', ...rest] = path.slice(MEDIA_BASE_PATH.length + 1).split('/');
  return { exp: e, sig: s, key: rest.map(decodeURIComponent).join('/') };
}

describe('signPrefix / verify', () => {
  const base = signPrefix(secret, 'lectures/L1/P1/', exp);

  it('covers every key under the signed folder, at any depth', () => {
    for (const rel of ['master.m3u8', '360p/seg3.m4s', 'slides/0001.webp']) {
      const { exp: e, sig, key } = parts(base + rel);
      expect(verify(secret, e, sig, key, now)).toEqual({ ok: true, prefix: 'lectures/L1/P1/' });
    }
  });

  it('rejects a key outside the prefix, a sibling package, and a name that only starts like it', () => {
    const { exp: e, sig } = parts(base);
    for (const key of ['lectures/L1/P2/master.m3u8', 'lectures/L1/P1x/master.m3u8', 'lectures/L1/master.m3u8', 'sources/L1/S1/original']) {
      expect(verify(secret, e, sig, key, now)).toEqual({ ok: false, error: 'bad_signature' });
    }
  });

  it("rejects '..' and '.' traversal, absolute keys, backslashes and empty segments", () => {
    const { exp: e, sig } = parts(base);
    for (const key of ['lectures/L1/P1/../P2/master.m3u8', 'lectures/L1/P1/../../../etc/passwd', 'lectures/L1/P1/./a', '/lectures/L1/P1/a', 'lectures/L1/P1/a\\b', 'lectures/L1/P1//a', 'lectures/L1/P1/']) {
      expect(verify(secret, e, sig, key, now)).toEqual({ ok: false, error: 'bad_signature' });
    }
  });

  it('rejects an expired link as expired, and a link whose expiry was edited as a bad signature', () => {
    const { exp: e, sig, key } = parts(base + 'master.m3u8');
    expect(verify(secret, e, sig, key, exp)).toEqual({ ok: false, error: 'expired' });
    expect(verify(secret, e, sig, key, exp + 1)).toEqual({ ok: false, error: 'expired' });
    expect(verify(secret, String(exp + 86400), sig, key, now)).toEqual({ ok: false, error: 'bad_signature' });
    expect(verify(secret, `0${exp}`, sig, key, now)).toEqual({ ok: false, error: 'bad_signature' });
  });

  it('rejects a wrong signature, another secret, and malformed parts', () => {
    const { exp: e, sig, key } = parts(base + 'master.m3u8');
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(verify(secret, e, flipped, key, now).ok).toBe(false);
    expect(verify('another-secret-that-is-long-enough-012345', e, sig, key, now).ok).toBe(false);
    expect(verify(secret, e, sig.slice(1), key, now).ok).toBe(false);
    expect(verify(secret, 'soon', sig, key, now).ok).toBe(false);
    expect(verify(secret, e, `${sig.slice(0, 42)}!`, key, now).ok).toBe(false);
  });

  it('a single-object link grants that key only', () => {
    const one = signPrefix(secret, 'lectures/L1/P1/poster.jpg', exp);
    const { exp: e, sig, key } = parts(one);
    expect(verify(secret, e, sig, key, now)).toEqual({ ok: true, prefix: 'lectures/L1/P1/poster.jpg' });
    expect(verify(secret, e, sig, 'lectures/L1/P1/poster.jpg2', now).ok).toBe(false);
    expect(verify(secret, e, sig, 'lectures/L1/P1/poster.jpg/x', now).ok).toBe(false);
  });

  it('refuses to sign an invalid prefix', () => {
    expect(() => signPrefix(secret, '../x/', exp)).toThrow(/cannot sign/);
    expect(() => signPrefix(secret, '', exp)).toThrow(/cannot sign/);
  });

  it('any signed folder verifies for any valid key under it and for no key outside (property)', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,11}$/);
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.array(segment, { minLength: 1, maxLength: 3 }), segment, (folder, rel, other) => {
        const prefix = `${folder.join('/')}/`;
        const signed = parts(signPrefix(secret, prefix, exp) + rel.join('/'));
        expect(verify(secret, signed.exp, signed.sig, signed.key, now)).toEqual({ ok: true, prefix });
        const outside = `${folder.slice(0, -1).concat(`${folder.at(-1)}${other}`).join('/')}/${rel.join('/')}`;
        expect(verify(secret, signed.exp, signed.sig, outside, now).ok).toBe(false);
      }),
    );
  });

  it('lists the enclosing folders of a key, then the key', () => {
    expect(candidatePrefixes('a/b/c.m4s')).toEqual(['a/', 'a/b/', 'a/b/c.m4s']);
  });
});

describe('expiryFor', () => {
  it('lives at least the asked time, rounded up to the window, and is stable within a window', () => {
    const window = 6 * 3600;
    const start = Math.ceil(now / window) * window; // a window boundary
    for (const t of [start, start + 1, start + window - 1]) {
      const e = expiryFor(t, window, window);
      expect(e % window).toBe(0);
      expect(e - t).toBeGreaterThanOrEqual(window);
      expect(e - t).toBeLessThan(2 * window);
    }
    expect(expiryFor(start + 1)).toBe(expiryFor(start + window - 1));
  });
});

describe('keys', () => {
  it('accepts the layout keys and names the problem with bad ones', () => {
    expect(keyProblem('sources/L1/S1/original')).toBeNull();
    expect(keyProblem('lectures/L1/P1/360p/seg_00001.m4s')).toBeNull();
    expect(keyProblem('a/../b')).toMatch(/\.\./);
    expect(keyProblem('/abs')).toMatch(/relative/);
    expect(keyProblem('a\\b')).toMatch(/backslash/);
    expect(keyProblem('')).toMatch(/empty/);
    expect(keyProblem('a/.hidden')).toMatch(/start with "\."/);
    expect(keyProblem('a\u0000b')).toMatch(/control/);
    expect(keyProblem('x'.repeat(1025))).toMatch(/longer/);
  });

  it('knows the content types of a package', () => {
    expect(contentTypeFor('a/master.m3u8')).toBe('application/vnd.apple.mpegurl');
    expect(contentTypeFor('a/360p/seg1.m4s')).toBe('video/iso.segment');
    expect(contentTypeFor('a/audio/init.mp4')).toBe('video/mp4');
    expect(contentTypeFor('a/audio.m4a')).toBe('audio/mp4');
    expect(contentTypeFor('a/poster.JPG')).toBe('image/jpeg');
    expect(contentTypeFor('a/slides/1.webp')).toBe('image/webp');
    expect(contentTypeFor('a/thumbs.vtt')).toMatch(/^text\/vtt/);
    expect(contentTypeFor('a/slides.json')).toMatch(/^application\/json/);
    expect(contentTypeFor('sources/x/original')).toBe('application/octet-stream');
  });

  it('parses Range headers as RFC 9110 says', () => {
    expect(parseRangeHeader(undefined, 100)).toBeNull();
    expect(parseRangeHeader('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRangeHeader('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRangeHeader('bytes=90-500', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRangeHeader('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRangeHeader('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRangeHeader('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=0-1,5-6', 100)).toBeNull(); // multiple ranges: whole object
    expect(parseRangeHeader('bytes=9-2', 100)).toBeNull();
    expect(parseRangeHeader('items=0-1', 100)).toBeNull();
  });
});
