/** The pure parts of shared playlists (server/media/playlists.ts) and the encoding choice. */
import { describe, expect, it } from 'vitest';
import { isMediaPlaylist, resolveUri, rewriteMediaPlaylist, windowOf } from '../../server/media/playlists.ts';
import { chooseEncoding } from '../../server/media/service.ts';

const prefix = 'lectures/L/P/';
const sign = async (key: string) => `https://s3.example/${key}?sig`;

describe('shared playlists', () => {
  it('resolves relative URIs under the signed prefix only', () => {
    expect(resolveUri(`${prefix}360p/index.m3u8`, 'seg-00001.m4s', prefix)).toBe(`${prefix}360p/seg-00001.m4s`);
    expect(resolveUri(`${prefix}audio.m3u8`, 'audio/init.mp4', prefix)).toBe(`${prefix}audio/init.mp4`);
    expect(resolveUri(`${prefix}360p/index.m3u8`, '../audio/seg.m4s', prefix)).toBe(`${prefix}audio/seg.m4s`);
    for (const uri of ['../../P2/seg.m4s', '%2e%2e/%2e%2e/P2/a.m4s', 'https://elsewhere/a.m4s', '/abs.m4s', 'a.m4s?x=1', 'a.m4s#t', 'a%5cb.m4s', '.hidden', '%ZZ']) {
      expect(resolveUri(`${prefix}360p/index.m3u8`, uri, prefix), uri).toBeNull();
    }
  });

  it('rewrites segment lines and EXT-X-MAP, leaving everything else as written', async () => {
    const text = '#EXTM3U\n#EXT-X-KEY:METHOD=NONE,URI="key.bin"\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2,\nseg-1.m4s\n#EXTINF:2,\nhttps://cdn/x.m4s\n#EXT-X-ENDLIST\n';
    expect(isMediaPlaylist(text)).toBe(true);
    expect(isMediaPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n')).toBe(false);
    expect(await rewriteMediaPlaylist(text, `${prefix}360p/index.m3u8`, prefix, sign)).toBe(
      `#EXTM3U\n#EXT-X-KEY:METHOD=NONE,URI="key.bin"\n#EXT-X-MAP:URI="https://s3.example/${prefix}360p/init.mp4?sig"\n#EXTINF:2,\nhttps://s3.example/${prefix}360p/seg-1.m4s?sig\n#EXTINF:2,\nhttps://cdn/x.m4s\n#EXT-X-ENDLIST\n`,
    );
  });

  it('puts every moment of a window in the same window', () => {
    const w = windowOf(1_796_256_000 + 5);
    expect(w).toEqual({ start: 1_796_256_000, end: 1_796_256_000 + 6 * 3600 });
    expect(windowOf(w.end - 1)).toEqual(w);
    expect(windowOf(w.end).start).toBe(w.end);
  });

  it('answers in brotli, else gzip, else identity, honouring q=0', () => {
    expect(chooseEncoding('gzip, deflate, br')).toBe('br');
    expect(chooseEncoding('gzip')).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(chooseEncoding('*')).toBe('gzip');
    expect(chooseEncoding('identity')).toBeNull();
    expect(chooseEncoding(undefined)).toBeNull();
    expect(chooseEncoding('gzip;q=0')).toBeNull();
  });
});
