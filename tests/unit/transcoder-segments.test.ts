import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../../transcoder/ladder.ts';
import { joinedPlaylist, joinFragmentFiles, joinFragments, topLevelBoxes, type Fragment } from '../../transcoder/segments.ts';

const name = (i: number) => `seg-${String(i).padStart(5, '0')}.m4s`;
const fragments = (durations: number[]): Fragment[] => durations.map((duration, i) => ({ uri: name(i), duration }));

/** What ffmpeg 5.1 writes for 20 s of 48 kHz AAC with `-hls_time 2`: cuts at the first 1024-sample frame past each 2 s. */
const TWENTY_SECONDS = [2.005333, 2.005333, 2.005333, 1.984, 2.005333, 2.005333, 2.005333, 1.984, 2.005333, 2.005333, 0.021333];

const round = (values: number[]) => values.map((v) => Math.round(v * 1000) / 1000);

describe('joining audio fragments into the video schedule', () => {
  it('keeps the three 2 s start segments and joins the rest into 6 s ones, named like the first fragments', () => {
    const joined = joinFragments(fragments(TWENTY_SECONDS), DEFAULT_PROFILE, 2);
    expect(joined.map((s) => s.sources)).toEqual([[name(0)], [name(1)], [name(2)], [name(3), name(4), name(5)], [name(6), name(7), name(8)], [name(9), name(10)]]);
    expect(joined.map((s) => s.uri)).toEqual([0, 1, 2, 3, 4, 5].map(name));
    expect(round(joined.map((s) => s.duration))).toEqual([2.005, 2.005, 2.005, 5.995, 5.995, 2.027]);
  });

  it('starts each segment within a frame of the video boundary (0, 2, 4, 6, 12, 18 s)', () => {
    const joined = joinFragments(fragments(TWENTY_SECONDS), DEFAULT_PROFILE, 2);
    const starts = joined.map((_, i) => joined.slice(0, i).reduce((sum, s) => sum + s.duration, 0));
    [0, 2, 4, 6, 12, 18].forEach((boundary, i) => expect(Math.abs(starts[i]! - boundary)).toBeLessThan(0.03));
  });

  it('lets the ~20 ms AAC tail join the segment before it even when it starts on a boundary', () => {
    const joined = joinFragments(fragments([2, 2, 2, 2, 2, 2, 0.021]), DEFAULT_PROFILE, 2);
    expect(round(joined.map((s) => s.duration))).toEqual([2, 2, 2, 6.021]);
  });

  it('a clip shorter than the start segments keeps every fragment as it is', () => {
    const joined = joinFragments(fragments([2.005, 2.005, 1.0]), DEFAULT_PROFILE, 2);
    expect(joined.map((s) => s.sources)).toEqual([[name(0)], [name(1)], [name(2)]]);
  });

  it('follows other schedules: 2 × 2 s then 5 s, from 1 s fragments', () => {
    const schedule = { startSegments: 2, startSegmentSeconds: 2, segmentSeconds: 5 };
    const joined = joinFragments(fragments(Array.from({ length: 14 }, () => 1)), schedule, 1);
    expect(joined.map((s) => s.duration)).toEqual([2, 2, 5, 5]);
  });
});

describe('the rewritten audio playlist', () => {
  const original = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-TARGETDURATION:2',
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-MAP:URI="init.mp4"',
    ...TWENTY_SECONDS.flatMap((d, i) => [`#EXTINF:${d.toFixed(6)},`, name(i)]),
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');

  it('keeps the header, lists the joined segments and raises the target duration to fit them', () => {
    const text = joinedPlaylist(original, joinFragments(fragments(TWENTY_SECONDS), DEFAULT_PROFILE, 2));
    expect(text).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-TARGETDURATION:6',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXT-X-MAP:URI="init.mp4"',
        '#EXTINF:2.005333,',
        name(0),
        '#EXTINF:2.005333,',
        name(1),
        '#EXTINF:2.005333,',
        name(2),
        '#EXTINF:5.994666,',
        name(3),
        '#EXTINF:5.994666,',
        name(4),
        '#EXTINF:2.026666,',
        name(5),
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
  });

  it('refuses a playlist with other per-segment tags or other segments than it was given', () => {
    const joined = joinFragments(fragments(TWENTY_SECONDS), DEFAULT_PROFILE, 2);
    expect(joinedPlaylist(original.replace(`${name(4)}\n`, `${name(4)}\n#EXT-X-DISCONTINUITY\n`), joined)).toBeUndefined();
    expect(joinedPlaylist(original.replace(name(7), 'other.m4s'), joined)).toBeUndefined();
    expect(joinedPlaylist(original, joined.slice(0, 3))).toBeUndefined();
    expect(joinedPlaylist('#EXTM3U\n#EXT-X-ENDLIST\n', joined)).toBeUndefined();
  });
});

function box(type: string, payload: number[] | Buffer): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

/** A box with a 64-bit size (size field 1, then the size after the type). */
function largeBox(type: string, payload: number[]): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(1);
  header.write(type, 4, 'latin1');
  header.writeBigUInt64BE(BigInt(16 + payload.length), 8);
  return Buffer.concat([header, Buffer.from(payload)]);
}

/** A fragment file as ffmpeg's HLS muxer writes it: styp, sidx, moof, mdat. */
const fragmentFile = (n: number) => Buffer.concat([box('styp', [n]), box('sidx', [n, n]), box('moof', [n, n, n]), box('mdat', [n, n, n, n])]);

describe('joining fragment files', () => {
  it('keeps the first styp and every moof + mdat in order, and drops the per-fragment sidx', () => {
    const joined = joinFragmentFiles([fragmentFile(1), fragmentFile(2), fragmentFile(3)]);
    expect(topLevelBoxes(joined).map((b) => b.type)).toEqual(['styp', 'moof', 'mdat', 'moof', 'mdat', 'moof', 'mdat']);
    expect(joined).toEqual(
      Buffer.concat([box('styp', [1]), box('moof', [1, 1, 1]), box('mdat', [1, 1, 1, 1]), box('moof', [2, 2, 2]), box('mdat', [2, 2, 2, 2]), box('moof', [3, 3, 3]), box('mdat', [3, 3, 3, 3])]),
    );
  });

  it('reads 64-bit box sizes', () => {
    const file = Buffer.concat([box('moof', [7]), largeBox('mdat', [1, 2, 3])]);
    expect(joinFragmentFiles([file])).toEqual(file);
  });

  it('refuses a cut-off box and a file that holds no fragment', () => {
    expect(() => joinFragmentFiles([fragmentFile(1), fragmentFile(2).subarray(0, 40)])).toThrow(/box mdat at 30 has size 12, the file ends at 40/);
    expect(() => joinFragmentFiles([fragmentFile(1).subarray(0, 36)])).toThrow(/6 stray bytes at 30/);
    expect(() => joinFragmentFiles([Buffer.concat([box('styp', [1]), box('mdat', [1])])])).toThrow(/no moof/);
  });
});
