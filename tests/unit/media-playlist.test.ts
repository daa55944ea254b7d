import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferedAhead, gapAhead, parseMediaPlaylist, segmentAt, splitCodecs } from '../../web/src/lib/player/media-playlist.ts';

/** a rendition's playlist as the transcoder writes it (docs/transcoding.md) */
const RENDITION = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-TARGETDURATION:6',
  '#EXT-X-MEDIA-SEQUENCE:0',
  '#EXT-X-PLAYLIST-TYPE:VOD',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-MAP:URI="init.mp4"',
  '#EXTINF:2.000000,',
  'seg-00000.m4s',
  '#EXTINF:2.000000,',
  'seg-00001.m4s',
  '#EXTINF:6.000000,',
  'seg-00002.m4s',
  '#EXTINF:0.300000,',
  'seg-00003.m4s',
  '#EXT-X-ENDLIST',
  '',
].join('\n');

describe('parseMediaPlaylist', () => {
  it('reads the init segment, each segment’s URL and place, and the duration', () => {
    const playlist = parseMediaPlaylist(RENDITION, 'https://lectern.test/api/media/t/144p/index.m3u8')!;
    expect(playlist.init).toBe('https://lectern.test/api/media/t/144p/init.mp4');
    expect(playlist.segments.map((s) => [s.url.replace('https://lectern.test/api/media/t/144p/', ''), s.start, s.duration])).toEqual([
      ['seg-00000.m4s', 0, 2],
      ['seg-00001.m4s', 2, 2],
      ['seg-00002.m4s', 4, 6],
      ['seg-00003.m4s', 10, 0.3],
    ]);
    expect(playlist.duration).toBeCloseTo(10.3);
  });

  it('keeps absolute (signed) segment URLs as they are', () => {
    const signed = RENDITION.replace('seg-00001.m4s', 'https://store.test/b/seg-00001.m4s?X-Amz-Signature=ab');
    expect(parseMediaPlaylist(signed, 'https://lectern.test/p/index.m3u8')!.segments[1]!.url).toBe('https://store.test/b/seg-00001.m4s?X-Amz-Signature=ab');
  });

  it('answers null for what the package player does not play (hls.js then does)', () => {
    const base = 'https://lectern.test/p/index.m3u8';
    expect(parseMediaPlaylist(RENDITION.replace('#EXT-X-ENDLIST', ''), base)).toBeNull(); // live
    expect(parseMediaPlaylist(RENDITION.replace('#EXT-X-MAP:URI="init.mp4"\n', ''), base)).toBeNull(); // MPEG-TS
    expect(parseMediaPlaylist(RENDITION.replace('#EXTINF:6.000000,', '#EXT-X-DISCONTINUITY\n#EXTINF:6.000000,'), base)).toBeNull();
    expect(parseMediaPlaylist(RENDITION.replace('#EXT-X-MAP:URI="init.mp4"', '#EXT-X-KEY:METHOD=AES-128,URI="k"\n#EXT-X-MAP:URI="init.mp4"'), base)).toBeNull();
    expect(parseMediaPlaylist(RENDITION.replace('#EXTINF:2.000000,\nseg-00000.m4s', '#EXT-X-BYTERANGE:100@0\n#EXTINF:2.000000,\nseg-00000.m4s'), base)).toBeNull();
    expect(parseMediaPlaylist('<html>', base)).toBeNull();
    expect(parseMediaPlaylist(RENDITION.replace('#EXTINF:2.000000,\nseg-00000.m4s', 'seg-00000.m4s'), base)).toBeNull(); // a URI without its EXTINF
  });
});

describe('segmentAt', () => {
  const { segments } = parseMediaPlaylist(RENDITION, 'https://lectern.test/p/index.m3u8')!;

  it('finds the segment that holds a time, clamped at both ends', () => {
    expect(segmentAt(segments, -1)).toBe(0);
    expect(segmentAt(segments, 0)).toBe(0);
    expect(segmentAt(segments, 1.99)).toBe(0);
    expect(segmentAt(segments, 2)).toBe(1);
    expect(segmentAt(segments, 9.9)).toBe(2);
    expect(segmentAt(segments, 10.1)).toBe(3);
    expect(segmentAt(segments, 99)).toBe(3);
  });

  it('agrees with a linear search for any time', () => {
    fc.assert(
      fc.property(fc.double({ min: -5, max: 20, noNaN: true }), (time) => {
        let expected = 0;
        segments.forEach((segment, index) => {
          if (segment.start <= time + 1e-3) expected = index;
        });
        expect(segmentAt(segments, time)).toBe(expected);
      }),
    );
  });
});

describe('buffer lookups', () => {
  it('counts the buffer ahead through holes of a few ms, not through real holes', () => {
    expect(bufferedAhead([[0.08, 6]], 0)).toBeCloseTo(6); // a first sample a little late
    expect(bufferedAhead([[0, 2], [2.004, 4], [10, 12]], 1)).toBeCloseTo(3);
    expect(bufferedAhead([[0, 2]], 3)).toBe(0);
    expect(bufferedAhead([], 0)).toBe(0);
  });

  it('finds a hole the playhead cannot cross by itself', () => {
    expect(gapAhead([[0.08, 6]], 0)).toBe(0.08);
    expect(gapAhead([[0, 2], [2.3, 6]], 2)).toBe(2.3);
    expect(gapAhead([[0, 6]], 2)).toBeNull(); // playable
    expect(gapAhead([[5, 6]], 2)).toBeNull(); // too far: that is a seek's business
  });

  it('splits CODECS into the video and the audio codec', () => {
    expect(splitCodecs('avc1.4d400b,mp4a.40.2')).toEqual({ video: 'avc1.4d400b', audio: 'mp4a.40.2' });
    expect(splitCodecs('mp4a.40.2')).toEqual({ video: null, audio: 'mp4a.40.2' });
    expect(splitCodecs(undefined)).toEqual({ video: null, audio: null });
  });
});
