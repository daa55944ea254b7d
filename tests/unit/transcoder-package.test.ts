import { describe, expect, it } from 'vitest';
import { avcCodecString, parseFramesLog, parseMediaPlaylist, thumbnailsVtt } from '../../transcoder/package.ts';

describe('package helpers', () => {
  it('reads segment durations and URIs from a media playlist', () => {
    const text = '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2.000000,\nseg-00000.m4s\n#EXTINF:6.016000,\nseg-00001.m4s\n#EXT-X-ENDLIST\n';
    expect(parseMediaPlaylist(text).segments).toEqual([
      { uri: 'seg-00000.m4s', duration: 2 },
      { uri: 'seg-00001.m4s', duration: 6.016 },
    ]);
  });

  it('builds the RFC 6381 codec string from the avcC box', () => {
    const box = Buffer.concat([Buffer.from([0, 0, 0, 20]), Buffer.from('avcC', 'latin1'), Buffer.from([1, 0x64, 0x00, 0x1f, 0xff])]);
    expect(avcCodecString(Buffer.concat([Buffer.alloc(40), box]))).toBe('avc1.64001f');
  });

  it('reads still time stamps from the metadata filter log', () => {
    const log = 'frame:0    pts:0       pts_time:0\nlavfi.scene_score=0.000000\nframe:1    pts:40      pts_time:20\nlavfi.scene_score=0.064294\n';
    expect(parseFramesLog(log)).toEqual([0, 20]);
  });

  it('indexes the thumbnail sprite with WebVTT #xywh cues up to the duration', () => {
    const vtt = thumbnailsVtt({ sprite: 'thumbs.jpg', intervalSeconds: 10, columns: 10, tileWidth: 160, tileHeight: 90 }, 115);
    expect(vtt.startsWith('WEBVTT\n')).toBe(true);
    expect(vtt).toContain('00:00:00.000 --> 00:00:10.000\nthumbs.jpg#xywh=0,0,160,90');
    expect(vtt).toContain('00:01:40.000 --> 00:01:50.000\nthumbs.jpg#xywh=0,90,160,90');
    expect(vtt).toContain('00:01:50.000 --> 00:01:55.000\nthumbs.jpg#xywh=160,90,160,90');
    expect(vtt.match(/-->/g)).toHaveLength(12);
  });
});
