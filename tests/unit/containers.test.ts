/**
 * The allow-list of probed containers and the input options that keep ffmpeg/ffprobe from opening
 * anything an uploaded file names (transcoder/containers.ts).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ACCEPTED_CONTAINERS,
  INPUT_PROTOCOLS,
  judgeContainer,
  probeInputOptions,
  sourceInputOptions,
  type AcceptedContainer,
} from '../../transcoder/containers.ts';

function valueAfter(options: string[], flag: string): string | undefined {
  const i = options.indexOf(flag);
  return i >= 0 ? options[i + 1] : undefined;
}

function accepted(formatName: string): AcceptedContainer {
  const verdict = judgeContainer(formatName);
  if (verdict.kind !== 'accepted') throw new Error(`${formatName} was refused`);
  return verdict.container;
}

describe('which probed containers are recordings', () => {
  it('accepts what phones, cameras, screen and audio recorders write, by ffprobe format_name', () => {
    const expected: [string, string][] = [
      ['mov,mp4,m4a,3gp,3g2,mj2', 'mov'],
      ['matroska,webm', 'matroska'],
      ['avi', 'avi'],
      ['flv', 'flv'],
      ['mpegts', 'mpegts'],
      ['mpeg', 'mpeg'],
      ['asf', 'asf'],
      ['dv', 'dv'],
      ['mp3', 'mp3'],
      ['wav', 'wav'],
      ['ogg', 'ogg'],
      ['flac', 'flac'],
      ['aac', 'aac'],
      ['amr', 'amr'],
      ['aiff', 'aiff'],
      ['caf', 'caf'],
    ];
    for (const [formatName, demuxer] of expected) expect(accepted(formatName).demuxer, formatName).toBe(demuxer);
    expect(ACCEPTED_CONTAINERS.map((c) => c.formatName).sort()).toEqual(expected.map(([name]) => name).sort());
  });

  it('refuses playlists, scripts, pictures, text, subtitles, generated and raw streams', () => {
    for (const formatName of [
      'hls',
      'applehttp',
      'dash',
      'concat',
      'image2',
      'png_pipe',
      'jpeg_pipe',
      'gif',
      'tty',
      'lavfi',
      'srt',
      'webvtt',
      'ass',
      'data',
      'ffmetadata',
      'subviewer',
      'h264',
      'hevc',
      'mpegvideo',
      'rtsp',
      'sdp',
      'bin',
      'unknown',
      '',
      // parts or mixtures of accepted names are not the name ffprobe gives the accepted demuxer
      'mov',
      'mp4',
      'webm',
      'matroska',
      'mov,mp4,m4a,3gp,3g2,mj2,hls',
      'hls,mov,mp4,m4a,3gp,3g2,mj2',
      ' mp3',
      'MP3',
    ]) {
      expect(judgeContainer(formatName), formatName).toEqual({ kind: 'refused', formatName });
    }
  });

  it('accepts exactly the listed names, and nothing else (any string)', () => {
    const listed = new Set(ACCEPTED_CONTAINERS.map((c) => c.formatName));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom(...listed), fc.array(fc.constantFrom('mov', 'mp4', 'hls', 'concat', 'webm', 'matroska', 'mp3')).map((a) => a.join(','))), (formatName) => {
        const verdict = judgeContainer(formatName);
        expect(verdict.kind === 'accepted').toBe(listed.has(formatName));
        if (verdict.kind === 'accepted') expect(verdict.container.formatName).toBe(formatName);
      }),
    );
  });

  it('names each demuxer by one of its own names, without commas (what -f takes)', () => {
    for (const c of ACCEPTED_CONTAINERS) {
      expect(c.demuxer).toMatch(/^[a-z0-9_]+$/);
      expect(c.formatName.split(',')).toContain(c.demuxer);
      expect(c.madeBy.length).toBeGreaterThan(5);
    }
    // one demuxer name cannot stand for two entries of the list
    const elements = ACCEPTED_CONTAINERS.flatMap((c) => c.formatName.split(','));
    expect(new Set(elements).size).toBe(elements.length);
  });
});

describe('input options: nothing an uploaded file names is opened', () => {
  it('ffprobe: local files only, and libavformat itself refuses any demuxer not on the list', () => {
    const options = probeInputOptions();
    expect(valueAfter(options, '-protocol_whitelist')).toBe('file');
    expect(INPUT_PROTOCOLS).toBe('file');
    const whitelist = valueAfter(options, '-format_whitelist')!.split(',');
    expect(whitelist.sort()).toEqual(ACCEPTED_CONTAINERS.map((c) => c.demuxer).sort());
    for (const refused of ['hls', 'concat', 'image2', 'dash', 'lavfi', 'tty', 'srt', 'data']) expect(whitelist).not.toContain(refused);
    // ffprobe learns the container; it is not told one
    expect(options).not.toContain('-f');
  });

  it('ffmpeg: the probed demuxer forced, the only one allowed, local files only', () => {
    for (const c of ACCEPTED_CONTAINERS) {
      const options = sourceInputOptions(c);
      expect(valueAfter(options, '-f'), c.formatName).toBe(c.demuxer);
      expect(valueAfter(options, '-format_whitelist')).toBe(c.demuxer);
      expect(valueAfter(options, '-protocol_whitelist')).toBe('file');
    }
  });

  it('mov/mp4: external data references stay off (enable_drefs 0)', () => {
    const mov = accepted('mov,mp4,m4a,3gp,3g2,mj2');
    expect(valueAfter(sourceInputOptions(mov), '-enable_drefs')).toBe('0');
    // a private option of one demuxer is an error for the others: only mov gets it
    for (const c of ACCEPTED_CONTAINERS.filter((x) => x.demuxer !== 'mov')) expect(sourceInputOptions(c)).not.toContain('-enable_drefs');
  });
});
