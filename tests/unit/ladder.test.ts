import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PROFILE,
  audioFragmentSeconds,
  chooseFrameRate,
  ffmpegArgs,
  keyframeExpression,
  keyframeTimes,
  planLadder,
  rungSize,
  type LadderInput,
  type LadderPlan,
} from '../../transcoder/ladder.ts';
import { parseProbe, validateProbe, DEFAULT_LIMITS } from '../../transcoder/probe.ts';
import { MediaRejectedError, rejectionFromStderr } from '../../transcoder/errors.ts';
import type { AudioStreamInfo, VideoStreamInfo } from '../../transcoder/probe.ts';
import { ACCEPTED_CONTAINERS, type AcceptedContainer } from '../../transcoder/containers.ts';

const MP4: AcceptedContainer = ACCEPTED_CONTAINERS.find((c) => c.demuxer === 'mov')!;

function video(width: number, height: number, fps = 30, extra: Partial<VideoStreamInfo> = {}): VideoStreamInfo {
  return {
    index: 0,
    codec: 'h264',
    width,
    height,
    displayWidth: width,
    displayHeight: height,
    fps,
    fpsFraction: `${fps}/1`,
    rotation: 0,
    sar: 1,
    interlaced: false,
    ...extra,
  };
}

const audio: AudioStreamInfo = { index: 1, codec: 'aac', channels: 2, sampleRate: 48000 };

function plan(input: Partial<LadderInput>, caps = { fpsMode: true, libwebp: true }): LadderPlan {
  return planLadder({ durationSeconds: 60, container: MP4, ...input }, DEFAULT_PROFILE, caps);
}

/** The options of the output writing `target`. */
function optionsOf(p: LadderPlan, target: string): string[] {
  const output = p.outputs.find((o) => o.target === target);
  if (!output) throw new Error(`no output ${target}`);
  return output.options;
}

function valueAfter(options: string[], flag: string): string | undefined {
  const i = options.indexOf(flag);
  return i >= 0 ? options[i + 1] : undefined;
}

describe('ladder for a 720p lecture', () => {
  const p = plan({ video: video(1280, 720, 30), audio });

  it('keeps every rendition up to the source height with the DESIGN.md sizes, rates and caps', () => {
    expect(p.renditions.map((r) => [r.name, r.width, r.height, r.fps, r.maxrateKbps])).toEqual([
      ['144p', 256, 144, 15, 64],
      ['240p', 426, 240, 15, 120],
      ['360p', 640, 360, 25, 250],
      ['480p', 854, 480, 25, 450],
      ['720p', 1280, 720, 25, 800],
    ]);
  });

  it('decodes once: one input, one filter graph that splits the video for every branch', () => {
    const args = ffmpegArgs(p, '/in/lecture.mp4');
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    expect(args[args.indexOf('-i') + 1]).toBe('/in/lecture.mp4');
    expect(args.filter((a) => a === '-filter_complex')).toHaveLength(1);
    // 5 renditions + slides + poster + thumbnails
    expect(p.filterComplex).toMatch(/^\[0:0\]split=8/);
    for (const r of p.renditions) {
      expect(p.filterComplex).toContain(`[in_r_${r.name}]fps=${r.fpsRate},scale=${r.width}:${r.height}:`);
    }
  });

  it('reads the upload only as the probed container, from the local file, nothing it names', () => {
    const args = ffmpegArgs(p, '/in/lecture.mp4');
    const beforeInput = args.slice(0, args.indexOf('-i'));
    expect(valueAfter(beforeInput, '-protocol_whitelist')).toBe('file');
    expect(valueAfter(beforeInput, '-format_whitelist')).toBe('mov');
    expect(valueAfter(beforeInput, '-f')).toBe('mov');
    expect(valueAfter(beforeInput, '-enable_drefs')).toBe('0');
    expect(p.inputs[0]).toEqual({ source: null, options: ['-protocol_whitelist', 'file', '-format_whitelist', 'mov', '-f', 'mov', '-enable_drefs', '0'] });
    // each container its own demuxer, audio-only as well
    for (const container of ACCEPTED_CONTAINERS) {
      const q = plan({ container, audio });
      expect(valueAfter(q.inputs[0]!.options, '-f'), container.formatName).toBe(container.demuxer);
      expect(valueAfter(q.inputs[0]!.options, '-protocol_whitelist')).toBe('file');
      // the generated poster card is our own lavfi graph, not the upload: it keeps its -f lavfi
      expect(q.inputs[1]).toEqual({ source: 'color=c=0x1e3a5f:s=640x360:d=1', options: ['-f', 'lavfi'] });
    }
  });

  it('gives every rendition capped CRF, x264 keyframes only where forced, and fMP4 HLS', () => {
    for (const r of p.renditions) {
      const o = optionsOf(p, r.playlist);
      expect(valueAfter(o, '-map')).toBe(`[out_${r.name}]`);
      expect(valueAfter(o, '-c:v')).toBe('libx264');
      expect(valueAfter(o, '-crf')).toBe(String(r.crf));
      expect(valueAfter(o, '-maxrate')).toBe(`${r.maxrateKbps}k`);
      expect(valueAfter(o, '-bufsize')).toBe(`${r.bufsizeKbps}k`);
      expect(valueAfter(o, '-x264-params')).toMatch(new RegExp(`^keyint=${Math.ceil(r.fps * 12)}:scenecut=0:open-gop=0:`));
      expect(valueAfter(o, '-force_key_frames')).toBe(keyframeExpression(DEFAULT_PROFILE));
      expect(valueAfter(o, '-hls_segment_type')).toBe('fmp4');
      expect(valueAfter(o, '-hls_playlist_type')).toBe('vod');
      // the muxer's target is the short segment; the forced keyframes decide the real lengths
      expect(valueAfter(o, '-hls_time')).toBe('2');
      expect(valueAfter(o, '-hls_segment_filename')).toBe(`${r.name}/seg-%05d.m4s`);
      expect(o).toContain('-an');
    }
  });

  it('encodes one mono AAC-LC 32 kbit/s audio playlist, shared by all renditions', () => {
    const o = optionsOf(p, 'audio/index.m3u8');
    expect(valueAfter(o, '-map')).toBe('0:1');
    expect(valueAfter(o, '-c:a')).toBe('aac');
    expect(valueAfter(o, '-profile:a')).toBe('aac_low');
    expect(valueAfter(o, '-b:a')).toBe('32k');
    expect(valueAfter(o, '-ac')).toBe('1');
    // 2 s fragments, joined after ffmpeg into the video's schedule (segments.ts)
    expect(valueAfter(o, '-hls_time')).toBe('2');
    expect(p.audio).toMatchObject({ fragmentSeconds: 2, schedule: { startSegments: 3, startSegmentSeconds: 2, segmentSeconds: 6 } });
    expect(o).toContain('-vn');
    expect(p.outputs.filter((out) => out.options.includes('-c:a'))).toHaveLength(1);
  });

  it('adds slides (scene changes, full resolution), a poster and a thumbnail sprite to the same graph', () => {
    expect(p.slides).toMatchObject({ width: 1280, height: 720, extension: 'webp' });
    expect(p.filterComplex).toContain("select='if(eq(n\\,0)\\,1\\,");
    expect(p.filterComplex).toContain('gt(scene\\,0.03)');
    expect(p.filterComplex).toContain('metadata=mode=print:file=slides/frames.txt');
    expect(valueAfter(optionsOf(p, 'slides/slide-%04d.webp'), '-fps_mode')).toBe('vfr');
    expect(p.poster).toMatchObject({ file: 'poster.jpg', from: 'video', width: 640, height: 360 });
    expect(p.thumbs).toMatchObject({ intervalSeconds: 2, count: 30, columns: 10, rows: 4, tileWidth: 160, tileHeight: 90 });
    expect(p.filterComplex).toContain('[in_thumbs]fps=1/2,scale=160:90,setsar=1[out_thumbs]');
  });

  // ffmpeg 5 prints no progress until every output has had its first frame
  it('gives every image output a frame at the start, so progress reports begin at once', () => {
    // thumbnails: one small file each, never a tile filter (it would emit only at the very end)
    expect(p.filterComplex).not.toContain('tile=');
    expect(p.directories).toContain('thumbs-frames');
    expect(valueAfter(optionsOf(p, 'thumbs-frames/thumb-%05d.jpg'), '-map')).toBe('[out_thumbs]');
    // the poster: frame 0 first, then the frame at min(10 s, duration/4) overwrites it
    expect(p.filterComplex).toContain("[in_poster]select='lt(selected_n\\,2)*(eq(selected_n\\,0)+gte(t\\,10.000))'");
    expect(optionsOf(p, 'poster.jpg')).toContain('-update');
  });

  it('tiles the thumbnail frames into the sprite with a second, tiny command', () => {
    const sprite = p.thumbs!.spriteCommand;
    const args = ffmpegArgs(sprite, 'unused');
    expect(args).not.toContain('unused');
    expect(args[args.indexOf('-i') + 1]).toBe('thumbs-frames/thumb-%05d.jpg');
    expect(valueAfter(args, '-vf')).toBe('tile=10x4');
    expect(valueAfter(args, '-frames:v')).toBe('1');
    expect(args.at(-1)).toBe('thumbs.jpg');
  });

  it('uses the global -vsync on ffmpeg builds without -fps_mode (4.x), and JPEG slides without libwebp', () => {
    const old = plan({ video: video(1280, 720, 30), audio }, { fpsMode: false, libwebp: false });
    expect(old.slides?.pattern).toBe('slides/slide-%04d.jpg');
    const o = optionsOf(old, 'slides/slide-%04d.jpg');
    expect(valueAfter(o, '-vsync')).toBe('vfr');
    expect(o).not.toContain('-fps_mode');
    expect(valueAfter(o, '-c:v')).toBe('mjpeg');
  });

  it('passes encoder threads to the big renditions and fewer to the small ones', () => {
    const threaded = planLadder({ durationSeconds: 60, container: MP4, video: video(1280, 720), audio }, { ...DEFAULT_PROFILE, threads: 4 });
    expect(valueAfter(optionsOf(threaded, '720p/index.m3u8'), '-threads')).toBe('4');
    expect(valueAfter(optionsOf(threaded, '144p/index.m3u8'), '-threads')).toBe('2');
    expect(optionsOf(p, '720p/index.m3u8')).not.toContain('-threads');
  });
});

describe('segment boundaries', () => {
  it('starts with three 2-second segments, then 6-second ones', () => {
    expect(keyframeTimes(DEFAULT_PROFILE, 31)).toEqual([0, 2, 4, 6, 12, 18, 24, 30]);
    expect(keyframeExpression(DEFAULT_PROFILE)).toBe('expr:if(lt(n_forced,4),gte(t,n_forced*2-0.001),gte(t,6+(n_forced-3)*6-0.001))');
  });

  it('cuts audio into fragments that every boundary of the schedule is a multiple of', () => {
    expect(audioFragmentSeconds(DEFAULT_PROFILE)).toBe(2);
    expect(audioFragmentSeconds({ startSegments: 2, startSegmentSeconds: 2, segmentSeconds: 5 })).toBe(1);
    expect(audioFragmentSeconds({ startSegments: 4, startSegmentSeconds: 1.5, segmentSeconds: 6 })).toBe(1.5);
    expect(audioFragmentSeconds({ startSegments: 0, startSegmentSeconds: 2, segmentSeconds: 6 })).toBe(6);
    // no divisor of at least half a second: the short length, never a flood of tiny files
    expect(audioFragmentSeconds({ startSegments: 3, startSegmentSeconds: 2, segmentSeconds: 6.3 })).toBe(2);
  });

  it('uses the same expression for every rendition so keyframes align', () => {
    const p = plan({ video: video(1920, 1080, 60), audio });
    const expressions = new Set(p.renditions.map((r) => valueAfter(optionsOf(p, r.playlist), '-force_key_frames')));
    expect(expressions.size).toBe(1);
  });
});

describe('sources of other shapes', () => {
  it('portrait: scales by the short side and keeps the aspect', () => {
    const p = plan({ video: video(1080, 1920, 30), audio });
    expect(p.renditions.map((r) => `${r.width}x${r.height}`)).toEqual(['144x256', '240x426', '360x640', '480x854', '720x1280']);
    expect(p.notes.join(' ')).toMatch(/portrait/);
  });

  it('portrait from a rotated phone recording (rotation applied by ffprobe data)', () => {
    const raw = {
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '12.5' },
      streams: [
        { index: 0, codec_type: 'video', codec_name: 'h264', width: 1920, height: 1080, avg_frame_rate: '30/1', side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] },
        { index: 1, codec_type: 'audio', codec_name: 'aac', channels: 2, sample_rate: '44100' },
      ],
    };
    const probe = parseProbe(raw, 1000);
    expect(probe.video).toMatchObject({ rotation: 90, displayWidth: 1080, displayHeight: 1920 });
    expect(planLadder(probe).renditions[0]).toMatchObject({ width: 144, height: 256 });
    // ffmpeg 4.x says it with a tag instead
    const old = parseProbe({ ...raw, streams: [{ ...raw.streams[0]!, side_data_list: undefined, tags: { rotate: '270' } }] }, 1000);
    expect(old.video).toMatchObject({ rotation: 270, displayWidth: 1080, displayHeight: 1920 });
  });

  it('4:3: keeps the aspect and drops nothing up to the source height', () => {
    const p = plan({ video: video(640, 480, 25), audio });
    expect(p.renditions.map((r) => `${r.name} ${r.width}x${r.height}`)).toEqual(['144p 192x144', '240p 320x240', '360p 480x360', '480p 640x480']);
    expect(p.notes.join(' ')).toMatch(/1 rendition\(s\) taller than the source dropped/);
  });

  it('non-square pixels (PAL DV 720x576, 16:15) are squared', () => {
    const raw = {
      format: { format_name: 'avi', duration: '10' },
      streams: [{ index: 0, codec_type: 'video', codec_name: 'dvvideo', width: 720, height: 576, avg_frame_rate: '25/1', sample_aspect_ratio: '16:15' }],
    };
    const probe = parseProbe({ ...raw, streams: [{ ...raw.streams[0]!, sample_aspect_ratio: '16/15' }] }, 1000);
    expect(probe.video?.displayWidth).toBe(768);
    expect(planLadder(probe).renditions[0]).toMatchObject({ width: 192, height: 144 });
  });

  it('interlaced camcorder footage is deinterlaced once, before the split', () => {
    const p = plan({ video: video(1920, 1080, 25, { interlaced: true }), audio });
    expect(p.filterComplex).toMatch(/^\[0:0\]yadif=mode=send_frame:deint=interlaced,split=8/);
    expect(p.notes.join(' ')).toMatch(/interlaced/);
    expect(plan({ video: video(1920, 1080, 25), audio }).filterComplex).not.toContain('yadif');
    const probe = parseProbe(
      { format: { format_name: 'dv', duration: '5' }, streams: [{ index: 0, codec_type: 'video', width: 720, height: 576, avg_frame_rate: '25/1', field_order: 'bb' }] },
      1000,
    );
    expect(probe.video?.interlaced).toBe(true);
  });

  it('a source smaller than the lowest rung keeps one rendition at its own size', () => {
    const p = plan({ video: video(160, 90, 25), audio });
    expect(p.renditions.map((r) => [r.name, r.width, r.height])).toEqual([['144p', 160, 90]]);
  });

  it('50/60 fps: an even divisor under the cap, so frames drop evenly', () => {
    const p60 = plan({ video: video(1280, 720, 60), audio });
    expect(p60.renditions.map((r) => r.fps)).toEqual([15, 15, 20, 20, 20]);
    expect(p60.renditions.map((r) => r.fpsRate)).toEqual(['60/4', '60/4', '60/3', '60/3', '60/3']);
    const p50 = plan({ video: video(1280, 720, 50), audio });
    expect(p50.renditions.map((r) => r.fps)).toEqual([12.5, 12.5, 25, 25, 25]);
    expect(p60.notes.join(' ')).toMatch(/frame rate capped/);
  });

  it('frame rate choice: own rate when under the cap, else a divisor, else the cap', () => {
    expect(chooseFrameRate('24/1', 24, 25)).toEqual({ fps: 24, rate: '24/1' });
    expect(chooseFrameRate('30000/1001', 29.97, 15)).toEqual({ fps: 30000 / 2002, rate: '30000/2002' });
    expect(chooseFrameRate('30/1', 30, 25)).toEqual({ fps: 25, rate: '25/1' });
    expect(chooseFrameRate('120/1', 120, 25)).toEqual({ fps: 24, rate: '120/5' });
  });

  it('rung sizes are even and keep the display aspect', () => {
    expect(rungSize({ displayWidth: 1920, displayHeight: 1080 }, 240)).toEqual({ width: 426, height: 240 });
    expect(rungSize({ displayWidth: 1366, displayHeight: 768 }, 144)).toEqual({ width: 256, height: 144 });
    expect(rungSize({ displayWidth: 1000, displayHeight: 1000 }, 360)).toEqual({ width: 360, height: 360 });
  });

  it('no audio track: a video-only package, said so', () => {
    const p = plan({ video: video(640, 360, 25) });
    expect(p.audio).toBeUndefined();
    expect(p.outputs.some((o) => o.options.includes('-c:a'))).toBe(false);
    expect(p.notes.join(' ')).toMatch(/no audio track: video-only package/);
  });

  it('audio only: the audio playlist plus a poster, no video renditions', () => {
    const p = plan({ audio });
    expect(p.renditions).toEqual([]);
    expect(p.filterComplex).toBeUndefined();
    expect(p.audio?.playlist).toBe('audio/index.m3u8');
    expect(p.poster.from).toBe('generated');
    expect(p.inputs[1]).toEqual({ source: 'color=c=0x1e3a5f:s=640x360:d=1', options: ['-f', 'lavfi'] });
    expect(valueAfter(optionsOf(p, 'poster.jpg'), '-map')).toBe('1:v');
    const withCover = plan({ audio, coverArtStreamIndex: 2 });
    expect(withCover.poster.from).toBe('cover');
    expect(valueAfter(optionsOf(withCover, 'poster.jpg'), '-map')).toBe('0:2');
  });

  it('very long source: thumbnails thin out to at most 100, segments stay 6 s', () => {
    const p = plan({ durationSeconds: 6 * 3600, video: video(1280, 720, 25), audio });
    expect(p.thumbs).toMatchObject({ intervalSeconds: 216, count: 100, rows: 11 });
    expect(keyframeTimes(DEFAULT_PROFILE, 6 * 3600)).toHaveLength(3 + 3599); // 0, 2, 4, then 6 … 21594
    expect(p.filterComplex).toContain('lt(selected_n\\,1440)');
  });

  it('refuses a probe with nothing to encode', () => {
    expect(() => planLadder({ durationSeconds: 10, container: MP4 })).toThrow(/video or an audio/);
  });
});

describe('validation', () => {
  const good = parseProbe(
    { format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '60' }, streams: [{ index: 0, codec_type: 'video', width: 1280, height: 720, avg_frame_rate: '25/1' }] },
    5_000_000,
  );

  function codeOf(work: () => void): string | undefined {
    try {
      work();
    } catch (err) {
      if (err instanceof MediaRejectedError) return err.code;
      throw err;
    }
    return undefined;
  }

  it('accepts a normal recording', () => {
    expect(codeOf(() => validateProbe(good))).toBeUndefined();
  });

  it('names each problem with its code and a bilingual reason', () => {
    expect(codeOf(() => validateProbe({ ...good, durationSeconds: 7 * 3600 }))).toBe('too_long');
    expect(codeOf(() => validateProbe({ ...good, sizeBytes: DEFAULT_LIMITS.maxUploadBytes + 1 }))).toBe('too_large');
    expect(codeOf(() => validateProbe({ ...good, durationSeconds: 0 }))).toBe('truncated');
    expect(codeOf(() => validateProbe({ ...good, durationSeconds: 0.4 }))).toBe('too_short');
    expect(codeOf(() => validateProbe({ ...good, video: undefined }))).toBe('no_audio_and_no_video');
    expect(codeOf(() => validateProbe({ ...good, video: video(20000, 720) }))).toBe('bad_resolution');
    const err = new MediaRejectedError('not_media');
    expect(err.reason['zh-CN']).toBe('这个文件不是视频或音频文件，请上传 MP4、MOV、MKV 等录像文件。');
    expect(err.message).toBe('This file is not a video or audio recording. Upload an MP4, MOV or MKV recording.');
  });

  it('ignores cover art when looking for video', () => {
    const probe = parseProbe(
      {
        format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '30' },
        streams: [
          { index: 0, codec_type: 'audio', codec_name: 'aac', channels: 1, sample_rate: '44100' },
          { index: 1, codec_type: 'video', codec_name: 'mjpeg', width: 600, height: 600, disposition: { attached_pic: 1 } },
        ],
      },
      100_000,
    );
    expect(probe.video).toBeUndefined();
    expect(probe.coverArtStreamIndex).toBe(1);
  });

  it('reads ffmpeg error output: the file, or something else', () => {
    expect(rejectionFromStderr('[mov,mp4] moov atom not found')).toBe('truncated');
    expect(rejectionFromStderr('x.mp4: Invalid data found when processing input')).toBe('not_media');
    expect(rejectionFromStderr('Decoder (codec hevc) not found for input stream #0:0')).toBe('unsupported_codec');
    expect(rejectionFromStderr('av_interleaved_write_frame(): No space left on device')).toBeNull();
    expect(rejectionFromStderr('Conversion failed!')).toBeNull();
    // the allow-lists of containers.ts
    expect(rejectionFromStderr("[hls @ 0x55] Format not on whitelist 'mov,matroska'\nlecture.mp4: Invalid argument")).toBe('unsupported_format');
    expect(rejectionFromStderr("[tcp @ 0x55] Protocol 'tcp' not on whitelist 'file'!")).toBe('unsupported_format');
  });

  it('refuses a probed container off the allow-list, and keeps the one it accepts', () => {
    const streams = [{ index: 0, codec_type: 'video', codec_name: 'h264', width: 320, height: 240, avg_frame_rate: '25/1' }];
    for (const formatName of ['hls', 'concat', 'image2', 'tty', 'dash', 'srt', undefined]) {
      expect(codeOf(() => parseProbe({ format: { format_name: formatName, duration: '7' }, streams }, 1000)), String(formatName)).toBe('unsupported_format');
    }
    const probe = parseProbe({ format: { format_name: 'matroska,webm', duration: '7' }, streams }, 1000);
    expect(probe.container).toMatchObject({ formatName: 'matroska,webm', demuxer: 'matroska' });
    expect(probe.formatName).toBe('matroska,webm');
    expect(new MediaRejectedError('unsupported_format').reason.en).toMatch(/^This is not a video or audio recording/);
  });
});
