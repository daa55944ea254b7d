/**
 * The transcoder with real ffmpeg on generated media: package contents, shapes of sources, each
 * bad-input case with its reason, the CLI, and the ffmpeg 4.x build shipped on npm.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaRejectedError, REJECTION_REASONS, type MediaRejectionCode } from '../../transcoder/errors.ts';
import { npmFfmpegTools, resolveFfmpegTools } from '../../transcoder/ffmpeg.ts';
import { parseMediaPlaylist, type PackageSummary } from '../../transcoder/package.ts';
import { transcodeToDirectory, type TranscodeOptions } from '../../transcoder/pipeline.ts';
import { MediaWorkspace, ffmpeg } from '../helpers/media.ts';

let media: MediaWorkspace;
let outCount = 0;

beforeAll(async () => {
  media = await MediaWorkspace.create('lectern-transcode-test-');
});

afterAll(async () => {
  await media?.dispose();
});

function freshOut(): string {
  outCount += 1;
  return media.file(`out-${outCount}`);
}

async function transcode(input: string, options: TranscodeOptions = {}): Promise<{ dir: string; summary: PackageSummary }> {
  const dir = freshOut();
  return { dir, summary: await transcodeToDirectory(input, dir, options) };
}

/** The attributes of each EXT-X-STREAM-INF line, with the URI that follows it. */
function variants(master: string): { attributes: Record<string, string>; uri: string }[] {
  const lines = master.split('\n');
  const out: { attributes: Record<string, string>; uri: string }[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('#EXT-X-STREAM-INF:')) return;
    const attributes: Record<string, string> = {};
    for (const m of line.slice(18).matchAll(/([A-Z-]+)=("[^"]*"|[^,]*)/g)) attributes[m[1]!] = m[2]!.replace(/^"|"$/g, '');
    out.push({ attributes, uri: lines[i + 1]! });
  });
  return out;
}

/** Width and height from a baseline/progressive JPEG's SOF marker. */
function jpegSize(data: Buffer): { width: number; height: number } {
  let at = 2;
  while (at + 9 < data.length) {
    const marker = data[at + 1]!;
    const length = data.readUInt16BE(at + 2);
    if (marker >= 0xc0 && marker <= 0xc2) return { height: data.readUInt16BE(at + 5), width: data.readUInt16BE(at + 7) };
    at += 2 + length;
  }
  throw new Error('no SOF marker');
}

async function rejectionOf(work: Promise<unknown>): Promise<MediaRejectedError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof MediaRejectedError) return err;
    throw err;
  }
  throw new Error('expected a MediaRejectedError');
}

/** Segment lengths of the audio and of the lowest video playlist, and where each segment starts. */
async function segmentLayout(dir: string): Promise<{ audio: number[]; video: number[]; audioStarts: number[]; videoStarts: number[] }> {
  const durations = async (playlist: string) => parseMediaPlaylist(await readFile(path.join(dir, playlist), 'utf8')).segments.map((s) => s.duration);
  const starts = (list: number[]) => list.map((_, i) => list.slice(0, i).reduce((sum, d) => sum + d, 0));
  const audio = await durations('audio/index.m3u8');
  const video = await durations('144p/index.m3u8');
  return { audio, video, audioStarts: starts(audio), videoStarts: starts(video) };
}

/**
 * A 20 s clip: three 2 s segments, then 6 s ones, in the audio as in the video (the audio is cut
 * into 2 s fragments and joined afterwards), each audio segment starting within one AAC frame
 * (21 ms) of its video segment; the short tail of the audio is part of the last segment.
 */
async function expectAudioOnTheVideoSchedule(dir: string): Promise<void> {
  const { audio, video, audioStarts, videoStarts } = await segmentLayout(dir);
  expect(audio.map((d) => Math.round(d))).toEqual([2, 2, 2, 6, 6, 2]);
  for (const d of audio.slice(0, 5)) expect(Math.abs(d - Math.round(d))).toBeLessThan(0.03);
  expect(video.map((d) => Math.round(d))).toEqual([2, 2, 2, 6, 6, 2]);
  audioStarts.forEach((t, i) => expect(Math.abs(t - videoStarts[i]!)).toBeLessThan(0.03));
  const playlist = await readFile(path.join(dir, 'audio/index.m3u8'), 'utf8');
  expect(playlist).toContain('#EXT-X-TARGETDURATION:6');
  // the joined-away fragments are gone: the folder holds exactly what the playlist lists
  const files = (await readdir(path.join(dir, 'audio'))).filter((f) => f.endsWith('.m4s')).sort();
  expect(files).toEqual(parseMediaPlaylist(playlist).segments.map((s) => s.uri).sort());
  expect((await readdir(path.join(dir, 'audio'))).filter((f) => f.endsWith('.joining'))).toEqual([]);
}

describe('a 720p lecture clip', () => {
  let dir: string;
  let summary: PackageSummary;
  const progress: number[] = [];

  beforeAll(async () => {
    const clip = await media.video({ seconds: 10, width: 1280, height: 720, fps: 25, slideSeconds: 4, noise: 4 });
    ({ dir, summary } = await transcode(clip, { onProgress: (p) => progress.push(p) }));
  });

  it('writes the whole package, master.m3u8 last in the file list', async () => {
    for (const file of summary.files) expect(existsSync(path.join(dir, file)), file).toBe(true);
    expect(summary.files.at(-1)).toBe('master.m3u8');
    for (const file of ['audio.m3u8', 'poster.jpg', 'slides.json', 'thumbs.jpg', 'thumbs.vtt']) expect(summary.files).toContain(file);
    expect(summary.files).not.toContain('slides/frames.txt');
    expect(summary.hasVideo && summary.hasAudio).toBe(true);
    expect(summary.durationSeconds).toBeGreaterThan(9.5);
    expect(summary.durationSeconds).toBeLessThan(10.6);
  });

  it('lists every rendition up to 720p with measured bandwidths under the caps', async () => {
    const master = await readFile(path.join(dir, 'master.m3u8'), 'utf8');
    expect(master).toContain('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="zh",NAME="中文",DEFAULT=YES');
    expect(master).toContain('URI="audio/index.m3u8"');
    const list = variants(master);
    expect(list.map((v) => v.attributes.RESOLUTION)).toEqual(['256x144', '426x240', '640x360', '854x480', '1280x720']);
    const caps = [64, 120, 250, 450, 800];
    list.forEach((v, i) => {
      const r = summary.renditions[i]!;
      expect(v.uri).toBe(r.playlist);
      expect(Number(v.attributes.BANDWIDTH)).toBe(r.bandwidth);
      expect(Number(v.attributes['AVERAGE-BANDWIDTH'])).toBe(r.averageBandwidth);
      expect(r.averageBandwidth).toBeLessThanOrEqual(r.bandwidth);
      // caps are ceilings on the video; a short first segment may hold a keyframe burst within the VBV buffer
      expect(r.videoAverageBitsPerSecond).toBeLessThan(caps[i]! * 1000);
      expect(r.videoPeakBitsPerSecond).toBeLessThan(caps[i]! * 1000 * 1.6);
      expect(r.bandwidth).toBe(r.videoPeakBitsPerSecond + summary.audio!.bandwidth);
      // the profile x264 actually used (Main when no High tool is on), read from the stream
      expect(v.attributes.CODECS).toMatch(/^avc1\.(42|4d|64)[0-9a-f]{4},mp4a\.40\.2$/);
      // 25 fps source: every other frame for the 15 fps cap
      expect(v.attributes['FRAME-RATE']).toBe(i < 2 ? '12.500' : '25.000');
      expect(v.attributes.AUDIO).toBe('audio');
    });
  });

  it('cuts short segments first, then 6-second ones, at the same times in every rendition', async () => {
    const cuts: number[][] = [];
    for (const r of summary.renditions) {
      const { segments } = parseMediaPlaylist(await readFile(path.join(dir, r.playlist), 'utf8'));
      cuts.push(segments.map((s) => Math.round(s.duration * 10) / 10));
    }
    expect(cuts[0]!.slice(0, 4)).toEqual([2, 2, 2, 4]);
    for (const c of cuts) expect(c).toEqual(cuts[0]);
    // the audio follows: its first segment is 2 s of sound, not 6
    const { audio, audioStarts, videoStarts } = await segmentLayout(dir);
    expect(audio.map((d) => Math.round(d))).toEqual([2, 2, 2, 4]);
    audioStarts.forEach((t, i) => expect(Math.abs(t - videoStarts[i]!)).toBeLessThan(0.03));
  });

  it('starts the audio with 2 s segments, then 6 s ones at the video boundaries (20 s clip)', async () => {
    const { dir: dir20 } = await transcode(await media.video({ seconds: 20, width: 320, height: 180, slideSeconds: 4 }));
    await expectAudioOnTheVideoSchedule(dir20);
  });

  it('has an audio playlist that plays alone: mono AAC at about 32 kbit/s', async () => {
    const audio = await readFile(path.join(dir, 'audio.m3u8'), 'utf8');
    expect(audio).toContain('#EXT-X-MAP:URI="audio/init.mp4"');
    const { segments } = parseMediaPlaylist(audio);
    expect(segments.length).toBeGreaterThan(0);
    for (const s of segments) expect(existsSync(path.join(dir, s.uri))).toBe(true);
    expect(summary.audio).toMatchObject({ channels: 1, codecs: 'mp4a.40.2' });
    expect(summary.audio!.averageBandwidth).toBeLessThan(40_000);
  });

  it('makes a slide still at t=0 and at slide changes, with an index', async () => {
    const slides = JSON.parse(await readFile(path.join(dir, 'slides.json'), 'utf8')) as { t: number; src: string; width: number; height: number }[];
    expect(slides.length).toBeGreaterThanOrEqual(2);
    expect(slides[0]!.t).toBe(0);
    expect(slides.map((s) => s.t)).toEqual([...slides.map((s) => s.t)].sort((a, b) => a - b));
    // the clip changes slides every 4 s
    expect(slides.some((s) => Math.abs(s.t - 4) <= 1)).toBe(true);
    for (const s of slides) {
      expect(s).toMatchObject({ width: 1280, height: 720 });
      expect((await stat(path.join(dir, s.src))).size).toBeGreaterThan(1000);
    }
    expect(summary.slides).toBe(slides.length);
  });

  it('has a poster and a thumbnail sprite indexed by WebVTT', async () => {
    expect((await stat(path.join(dir, 'poster.jpg'))).size).toBeGreaterThan(1000);
    const vtt = await readFile(path.join(dir, 'thumbs.vtt'), 'utf8');
    expect(vtt.startsWith('WEBVTT')).toBe(true);
    expect(vtt).toContain('00:00:00.000 --> 00:00:02.000\nthumbs.jpg#xywh=0,0,160,90');
    expect(vtt.match(/#xywh=/g)!.length).toBe(Math.ceil(summary.durationSeconds / 2));
    // 5 thumbnails (+1 spare) in 10 columns of 160×90, tiled after the encode from separate frames
    expect(jpegSize(await readFile(path.join(dir, 'thumbs.jpg')))).toEqual({ width: 1600, height: 90 });
    expect(summary.files.some((f) => f.startsWith('thumbs-frames'))).toBe(false);
    expect(existsSync(path.join(dir, 'thumbs-frames'))).toBe(false);
  });

  it('reported progress from 0 to 100', () => {
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(100);
    expect(progress.some((p) => p > 0 && p < 100)).toBe(true);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });
});

describe('progress while ffmpeg runs', () => {
  // ffmpeg 5 prints no progress until every output has had a frame: a sprite or poster written
  // only late in the encode used to hold the trainer's progress bar at 0 until the very end
  it('advances steadily through the encode, with every output of the package', async () => {
    const clip = await media.video({ seconds: 24, width: 1280, height: 720, fps: 25, slideSeconds: 8, noise: 4 });
    const reports: { percent: number; settled: boolean }[] = [];
    let settled = false;
    const work = transcode(clip, { onProgress: (percent) => reports.push({ percent, settled }) }).finally(() => {
      settled = true;
    });
    const { summary } = await work;
    expect(summary.files).toEqual(expect.arrayContaining(['poster.jpg', 'thumbs.jpg', 'thumbs.vtt', 'slides.json']));
    const percents = reports.map((r) => r.percent);
    expect(reports.every((r) => !r.settled)).toBe(true);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    const intermediate = new Set(percents.filter((p) => p > 5 && p < 95));
    expect(intermediate.size, `progress reported: ${percents.join(', ')}`).toBeGreaterThanOrEqual(3);
    expect(percents.at(-1)).toBe(100);
  });
});

describe('sources of other shapes', () => {
  it('portrait: renditions sized by the short side', async () => {
    const { summary } = await transcode(await media.video({ seconds: 3, width: 640, height: 360, portrait: true }));
    expect(summary.renditions.map((r) => `${r.width}x${r.height}`)).toEqual(['144x256', '240x426', '360x640']);
  });

  it('4:3: aspect kept, 480p is the top', async () => {
    const { summary } = await transcode(await media.video({ seconds: 3, width: 640, height: 480 }));
    expect(summary.renditions.map((r) => `${r.name} ${r.width}x${r.height}`)).toEqual(['144p 192x144', '240p 320x240', '360p 480x360', '480p 640x480']);
  });

  it('60 fps: capped with an even divisor', async () => {
    const { summary } = await transcode(await media.video({ seconds: 3, width: 640, height: 360, fps: 60 }));
    expect(summary.renditions.map((r) => r.fps)).toEqual([15, 15, 20]);
  });

  it('audio only: audio + poster package', async () => {
    const { dir, summary } = await transcode(await media.audioOnly(4));
    expect(summary).toMatchObject({ hasVideo: false, hasAudio: true, renditions: [], slides: 0, poster: 'poster.jpg', thumbnails: null });
    expect(summary.files).toEqual(expect.arrayContaining(['audio.m3u8', 'audio/index.m3u8', 'poster.jpg']));
    expect(summary.files.at(-1)).toBe('master.m3u8');
    expect(await readFile(path.join(dir, 'master.m3u8'), 'utf8')).toContain('CODECS="mp4a.40.2"\naudio/index.m3u8');
  });

  it('no audio track: video-only package without an audio group', async () => {
    const { dir, summary } = await transcode(await media.videoOnly({ seconds: 3, width: 320, height: 180 }));
    expect(summary).toMatchObject({ hasVideo: true, hasAudio: false, audio: null });
    expect(summary.notes.join(' ')).toMatch(/video-only/);
    const master = await readFile(path.join(dir, 'master.m3u8'), 'utf8');
    expect(master).not.toContain('EXT-X-MEDIA');
    expect(master).toContain('CODECS="avc1.');
    expect(summary.files).not.toContain('audio.m3u8');
  });
});

describe('cancelling', () => {
  it('stops ffmpeg when the signal aborts, and leaves no master playlist', async () => {
    const clip = await media.video({ seconds: 8, width: 640, height: 360 });
    const controller = new AbortController();
    const dir = freshOut();
    const reason = new Error('lease lost');
    const work = transcodeToDirectory(clip, dir, {
      signal: controller.signal,
      onProgress: (percent) => {
        // mid-run: at the first progress report, or half a second after ffmpeg starts
        if (percent === 0) setTimeout(() => controller.abort(reason), 500);
        else if (percent < 100) controller.abort(reason);
      },
    });
    await expect(work).rejects.toBe(reason);
    expect(existsSync(path.join(dir, 'master.m3u8'))).toBe(false);
  });
});

/** A picture, not a recording: ffprobe opens it (png_pipe), the allow-list does not take it. */
async function screenshotAsMp4(): Promise<string> {
  const out = media.file('screenshot.mp4');
  await ffmpeg(['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:d=1', '-frames:v', '1', '-c:v', 'png', '-f', 'image2', out]);
  return out;
}

/** The captions a trainer exported next to the recording, uploaded instead of it. */
async function subtitleFile(): Promise<string> {
  const out = media.file('lecture-captions.srt');
  await writeFile(out, '1\n00:00:00,000 --> 00:00:02,000\n合同纠纷\n\n2\n00:00:02,000 --> 00:00:04,000\n劳动争议\n');
  return out;
}

describe('unusable input ends with a reason a trainer can act on', () => {
  const cases: [string, () => Promise<string>, MediaRejectionCode, TranscodeOptions?][] = [
    ['a text file renamed .mp4', () => media.textAsMp4(), 'not_media'],
    ['a zero-byte file', () => media.zeroBytes(), 'empty_file'],
    ['an mp4 cut in half (index lost)', () => media.truncatedMp4(), 'truncated'],
    ['a fast-start mp4 cut in half (data lost)', () => media.truncatedFastStartMp4(), 'truncated'],
    ['a file with only subtitles', () => media.subtitlesOnly(), 'no_audio_and_no_video'],
    ['a screenshot (PNG) renamed .mp4', () => screenshotAsMp4(), 'unsupported_format'],
    ['subtitles alone (.srt)', () => subtitleFile(), 'unsupported_format'],
    ['a recording longer than the limit', () => media.video({ seconds: 3, width: 320, height: 180 }), 'too_long', { limits: { maxDurationSeconds: 2 } }],
    ['a file larger than the upload limit', () => media.video({ seconds: 2, width: 320, height: 180 }), 'too_large', { limits: { maxBytes: 2048 } }],
  ];

  for (const [what, make, code, options] of cases) {
    it(`${what} → ${code}`, async () => {
      const err = await rejectionOf(transcode(await make(), options));
      expect(err.code).toBe(code);
      expect(err.reason).toEqual(REJECTION_REASONS[code]);
      expect(err.message).toBe(REJECTION_REASONS[code].en);
    });
  }

  it('says it in words, in both languages', async () => {
    const err = await rejectionOf(transcode(await media.textAsMp4()));
    expect(err.reason['zh-CN']).toBe('这个文件不是视频或音频文件，请上传 MP4、MOV、MKV 等录像文件。');
    expect(err.reason.en).toBe('This file is not a video or audio recording. Upload an MP4, MOV or MKV recording.');
    const cut = await rejectionOf(transcode(await media.truncatedMp4()));
    expect(cut.reason['zh-CN']).toContain('不完整');
    expect(cut.reason.en).toContain('incomplete');
  });
});

describe('the command line', () => {
  const cli = path.resolve(import.meta.dirname, '../../transcoder/cli.ts');
  const tsx = path.resolve(import.meta.dirname, '../../node_modules/.bin/tsx');

  function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(tsx, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('prints one JSON summary line and exits 0', async () => {
    const out = freshOut();
    const result = await runCli([await media.video({ seconds: 3, width: 320, height: 180 }), out]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]!) as PackageSummary;
    expect(summary.files.at(-1)).toBe('master.m3u8');
    expect(summary.renditions.map((r) => r.name)).toEqual(['144p']);
    expect(existsSync(path.join(out, 'master.m3u8'))).toBe(true);
  });

  it('exits non-zero with a one-line reason and no stack trace for an unusable file', async () => {
    const result = await runCli([await media.textAsMp4(), freshOut()]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^not_media: This file is not a video or audio recording\./);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the ffmpeg 4.x build shipped on npm', () => {
  const npm = npmFfmpegTools();
  const system = resolveFfmpegTools();

  it('makes the same kind of package', async (ctx) => {
    if (!npm) {
      console.log('skipped: @ffmpeg-installer/@ffprobe-installer binaries are not installed');
      ctx.skip();
      return;
    }
    // Without ffmpeg on PATH the whole file already ran on the npm build; this case still holds.
    if (npm.ffmpegPath === system.ffmpegPath) console.log('[transcode] no ffmpeg on PATH: the npm build is the one every test used');
    const { dir, summary } = await transcode(await media.video({ seconds: 8, width: 640, height: 360, slideSeconds: 4 }), { tools: npm });
    expect(summary.renditions.map((r) => r.name)).toEqual(['144p', '240p', '360p']);
    expect(summary.slides).toBeGreaterThanOrEqual(2);
    expect(summary.thumbnails).not.toBeNull();
    expect(jpegSize(await readFile(path.join(dir, 'thumbs.jpg')))).toEqual({ width: 1600, height: 90 });
    expect(existsSync(path.join(dir, 'thumbs-frames'))).toBe(false);
    const slideFiles = await readdir(path.join(dir, 'slides'));
    expect(slideFiles.filter((f) => f.startsWith('slide-'))).toHaveLength(summary.slides);
    const { segments } = parseMediaPlaylist(await readFile(path.join(dir, '144p/index.m3u8'), 'utf8'));
    expect(segments.map((s) => Math.round(s.duration))).toEqual([2, 2, 2, 2]);
    const err = await rejectionOf(transcode(await media.truncatedMp4(), { tools: npm }));
    expect(err.code).toBe('truncated');
  });

  it('starts the audio with 2 s segments, then 6 s ones at the video boundaries (20 s clip)', async (ctx) => {
    if (!npm) {
      console.log('skipped: @ffmpeg-installer/@ffprobe-installer binaries are not installed');
      ctx.skip();
      return;
    }
    const { dir } = await transcode(await media.video({ seconds: 20, width: 320, height: 180, slideSeconds: 4 }), { tools: npm });
    await expectAudioOnTheVideoSchedule(dir);
  });
});
