/**
 * PURE: probe result + profile → the renditions and the exact ffmpeg arguments. No I/O here, so
 * unit tests can check every argument without running ffmpeg.
 *
 * One ffmpeg process, one decode: the source video is `split` once and each branch gets its own
 * `fps` + `scale` and its own x264 encoder and HLS muxer; the slides, poster and thumbnail sprite
 * are more branches of the same graph. Audio is encoded once into its own HLS playlist that every
 * video rendition shares (EXT-X-MEDIA group) and that also plays alone.
 *
 * Progress: ffmpeg 5.x prints no `-progress` report at all until EVERY output has written its
 * header, i.e. received its first frame. So each image output gets a frame at the very start: the
 * thumbnails are written one small file each (assembled into the sprite afterwards by a tiny
 * second command, `thumbs.spriteCommand`), and the poster writes the first frame before it is
 * overwritten by the real poster frame. A `tile` filter in the graph would emit only at the end.
 *
 * Segment boundaries: every HLS muxer gets -hls_time equal to the SHORT segment length, and the
 * encoders are only allowed keyframes at forced times (0, 2, 4, 6, 12, 18, … s). The muxer cuts at
 * the first keyframe past a cumulative target, so each forced keyframe starts a segment: short
 * segments first (the first frame arrives fast), then ~6 s ones, aligned across renditions. This
 * works the same on ffmpeg 4.x and 5.x (-hls_init_time would apply to every segment of a VOD list).
 * Audio has no keyframes to steer the muxer with: it is cut into fragments of the common divisor
 * of both lengths (`audioFragmentSeconds`), and segments.ts joins those after the start segments
 * at the same boundaries once ffmpeg is done.
 */
import type { AudioStreamInfo, ProbeResult, VideoStreamInfo } from './probe.ts';
import { sourceInputOptions } from './containers.ts';

export interface RungSpec {
  /** playlist folder and label, e.g. "144p" */
  name: string;
  /** the picture's short side: height for landscape, width for portrait */
  shortSide: number;
  maxFps: number;
  /** the ceiling (x264 VBV maxrate); capped CRF spends far less on a still slide */
  maxrateKbps: number;
  crf: number;
  preset: string;
  /** x264 settings on top of the preset for this rung */
  x264Params?: string;
}

export interface LadderProfile {
  rungs: RungSpec[];
  audioKbps: number;
  /** steady-state segment length */
  segmentSeconds: number;
  /** length of the first few segments */
  startSegmentSeconds: number;
  startSegments: number;
  /** VBV buffer as seconds of maxrate: small keeps each segment close to the cap */
  bufferSeconds: number;
  /** x264 `-tune`, or undefined */
  tune?: string;
  /** extra x264 params appended after the keyframe ones, e.g. "aq-mode=1" */
  x264Params?: string;
  /** swscale flags for the ladder sizes */
  scaleFlags: string;
  /** encoder threads per rendition; 0 lets ffmpeg/x264 decide */
  threads: number;
  slides: {
    enabled: boolean;
    /** frames per second examined for picture changes */
    sampleFps: number;
    /** ffmpeg scene score (0–1) above which a new still is taken */
    sceneThreshold: number;
    minGapSeconds: number;
    /** stills larger than this (long side) are scaled down */
    maxLongSide: number;
    format: 'webp' | 'jpeg';
  };
  thumbs: { enabled: boolean; tileLongSide: number; maxCount: number; minIntervalSeconds: number; columns: number };
  poster: { longSide: number; atSeconds: number };
}

/**
 * x264 on top of `-preset veryfast`, chosen with bench/transcode.ts on a noisy 720p lecture: the
 * macroblock tree (needs a short lookahead) makes a still slide nearly free after its keyframe,
 * which is what saves the bits; the rest of veryfast's analysis (sub-pixel refinement, B-frames,
 * trellis, partitions, weighted prediction) bought a few percent of size at three times the CPU, and
 * adaptive quantisation spent bits on camera noise. Same CPU as `ultrafast`, a fifth of its size.
 */
export const LECTURE_X264_PARAMS =
  'rc-lookahead=5:subme=0:me=dia:trellis=0:ref=1:mixed-refs=0:bframes=0:partitions=none:8x8dct=0:weightp=0:aq-mode=0';

/** The ladder of DESIGN.md "Transcoding". The caps are ceilings; CRF decides what a still slide costs. */
export const DEFAULT_RUNGS: RungSpec[] = [
  { name: '144p', shortSide: 144, maxFps: 15, maxrateKbps: 64, crf: 28, preset: 'veryfast', x264Params: LECTURE_X264_PARAMS },
  { name: '240p', shortSide: 240, maxFps: 15, maxrateKbps: 120, crf: 28, preset: 'veryfast', x264Params: LECTURE_X264_PARAMS },
  { name: '360p', shortSide: 360, maxFps: 25, maxrateKbps: 250, crf: 28, preset: 'veryfast', x264Params: LECTURE_X264_PARAMS },
  { name: '480p', shortSide: 480, maxFps: 25, maxrateKbps: 450, crf: 28, preset: 'veryfast', x264Params: LECTURE_X264_PARAMS },
  { name: '720p', shortSide: 720, maxFps: 25, maxrateKbps: 800, crf: 28, preset: 'veryfast', x264Params: LECTURE_X264_PARAMS },
];

export const DEFAULT_PROFILE: LadderProfile = {
  rungs: DEFAULT_RUNGS,
  audioKbps: 32,
  segmentSeconds: 6,
  startSegmentSeconds: 2,
  startSegments: 3,
  bufferSeconds: 1,
  tune: undefined,
  x264Params: undefined,
  // box averaging: sharp enough for slide text when shrinking, and a third cheaper than bicubic
  scaleFlags: 'area',
  threads: 0,
  slides: { enabled: true, sampleFps: 2, sceneThreshold: 0.03, minGapSeconds: 3, maxLongSide: 1920, format: 'webp' },
  thumbs: { enabled: true, tileLongSide: 160, maxCount: 100, minIntervalSeconds: 2, columns: 10 },
  poster: { longSide: 640, atSeconds: 10 },
};

/** The segment lengths: `startSegments` of `startSegmentSeconds`, then `segmentSeconds` each. */
export type SegmentSchedule = Pick<LadderProfile, 'segmentSeconds' | 'startSegmentSeconds' | 'startSegments'>;

/** What the ffmpeg build can do (from ffmpeg.ts capabilities). */
export interface LadderCapabilities {
  fpsMode: boolean;
  libwebp: boolean;
}

export type LadderInput = Pick<ProbeResult, 'durationSeconds' | 'video' | 'audio' | 'coverArtStreamIndex' | 'container'>;

export interface PlannedRendition {
  name: string;
  width: number;
  height: number;
  fps: number;
  /** the fps filter's rate, exact (e.g. "30000/2002") */
  fpsRate: string;
  maxrateKbps: number;
  bufsizeKbps: number;
  crf: number;
  preset: string;
  x264Params?: string;
  /** relative to the package folder */
  playlist: string;
  dir: string;
}

export interface PlannedAudio {
  playlist: string;
  dir: string;
  bitrateKbps: number;
  channels: 1;
  sampleRate: number;
  /** ffmpeg's `-hls_time` for the audio: the fragments it writes, joined afterwards into `schedule` */
  fragmentSeconds: number;
  /** the video's segment lengths, which the joined audio segments follow */
  schedule: SegmentSchedule;
}

export interface PlannedSlides {
  dir: string;
  /** ffmpeg image2 pattern, relative to the package folder */
  pattern: string;
  extension: 'webp' | 'jpg';
  /** the metadata filter writes one `pts_time` per still here */
  framesLog: string;
  width: number;
  height: number;
}

/** Everything of one ffmpeg command line except the binary; an input `source: null` is the upload. */
export interface FfmpegCommand {
  /** options before the first -i (global ones) */
  globalOptions: string[];
  inputs: FfmpegInput[];
  filterComplex?: string;
  outputs: FfmpegOutput[];
}

export interface PlannedThumbs {
  sprite: string;
  vtt: string;
  /** the graph writes each thumbnail here (one small JPEG per interval); removed once the sprite exists */
  framesDir: string;
  framesPattern: string;
  /** tiles the frames into `sprite`; runs after the main command, in the package folder */
  spriteCommand: FfmpegCommand;
  intervalSeconds: number;
  count: number;
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
}

export interface FfmpegInput {
  /** null: the uploaded source file */
  source: string | null;
  options: string[];
}

export interface FfmpegOutput {
  target: string;
  options: string[];
}

export interface LadderPlan extends FfmpegCommand {
  durationSeconds: number;
  renditions: PlannedRendition[];
  audio?: PlannedAudio;
  slides?: PlannedSlides;
  thumbs?: PlannedThumbs;
  poster: { file: string; from: 'video' | 'cover' | 'generated'; width: number; height: number };
  /** folders ffmpeg expects to exist */
  directories: string[];
  /** forced keyframe times (= segment boundaries), as the expression yields them */
  keyframeExpression?: string;
  /** why the package looks the way it does ("no audio track: video-only package") */
  notes: string[];
}

const even = (value: number): number => Math.max(2, Math.round(value / 2) * 2);

function parseRate(fraction: string, fallback: number): { num: number; den: number } {
  const [n, d] = fraction.split('/').map(Number);
  if (n && d && Number.isFinite(n) && Number.isFinite(d) && n > 0 && d > 0) return { num: n, den: d };
  if (n && Number.isFinite(n) && n > 0 && d === undefined) return { num: n, den: 1 };
  return { num: Math.round(fallback * 1000), den: 1000 };
}

/**
 * The frame rate for a cap: the source's own when it fits; else an even divisor of it (60 → 20,
 * 50 → 25, 30 → 15) so frames are dropped evenly, unless that falls below 3/4 of the cap, in which
 * case the cap itself (30 → 25 drops one frame in six, which a slide or a speaker does not show).
 */
export function chooseFrameRate(sourceFraction: string, sourceFps: number, cap: number): { fps: number; rate: string } {
  const { num, den } = parseRate(sourceFraction, sourceFps);
  const source = num / den;
  if (source <= cap + 0.01) return { fps: source, rate: `${num}/${den}` };
  const divisor = Math.ceil(source / cap - 0.001);
  const divided = source / divisor;
  if (divided >= cap * 0.75) return { fps: divided, rate: `${num}/${den * divisor}` };
  return { fps: cap, rate: `${cap}/1` };
}

/** Output size for a rung, keeping the display aspect; portrait scales by its short side (width). */
export function rungSize(video: Pick<VideoStreamInfo, 'displayWidth' | 'displayHeight'>, shortSide: number): { width: number; height: number } {
  const { displayWidth: w, displayHeight: h } = video;
  if (w >= h) {
    const height = even(Math.min(shortSide, h));
    return { width: even((height * w) / h), height };
  }
  const width = even(Math.min(shortSide, w));
  return { width, height: even((width * h) / w) };
}

function fitLongSide(w: number, h: number, longSide: number): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(w, h));
  return { width: even(w * scale), height: even(h * scale) };
}

/** The forced-keyframe expression: `startSegments` keyframes every `startSegmentSeconds`, then every `segmentSeconds`. */
export function keyframeExpression(profile: SegmentSchedule): string {
  const { startSegments: n0, startSegmentSeconds: s0, segmentSeconds: s } = profile;
  const warmup = n0 * s0;
  // a millisecond of slack: frame times like 5.9999 must still count as 6
  return `expr:if(lt(n_forced,${n0 + 1}),gte(t,n_forced*${s0}-0.001),gte(t,${warmup}+(n_forced-${n0})*${s}-0.001))`;
}

/** The segment boundaries the expression produces for a duration (for tests and documentation). */
export function keyframeTimes(profile: SegmentSchedule, durationSeconds: number): number[] {
  const times: number[] = [];
  for (let n = 0; ; n++) {
    const t = n <= profile.startSegments ? n * profile.startSegmentSeconds : profile.startSegments * profile.startSegmentSeconds + (n - profile.startSegments) * profile.segmentSeconds;
    if (t >= durationSeconds) return times;
    times.push(t);
  }
}

/** Shortest fragment we cut audio into: the schedule's lengths in milliseconds have a common divisor at least this big. */
const MIN_FRAGMENT_MS = 500;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The audio `-hls_time`: every segment boundary of the schedule is a multiple of it, so each
 * boundary is also a fragment boundary (2 s and 6 s → 2 s). Never under half a second; a schedule
 * whose lengths have no such divisor (2 s and 6.3 s) gets the short length, and its later audio
 * boundaries may then sit up to half a fragment away from the video's.
 */
export function audioFragmentSeconds(schedule: SegmentSchedule): number {
  const steady = Math.round(schedule.segmentSeconds * 1000);
  if (schedule.startSegments <= 0) return steady / 1000;
  const start = Math.round(schedule.startSegmentSeconds * 1000);
  const common = gcd(steady, start);
  return (common >= MIN_FRAGMENT_MS ? common : start) / 1000;
}

/** Encoder threads: big renditions get more, the small ones one each, so five encoders share the cores. */
function threadsFor(rendition: { width: number; height: number }, profileThreads: number): number {
  if (profileThreads <= 0) return 0;
  const pixels = rendition.width * rendition.height;
  if (pixels >= 640 * 360) return profileThreads;
  return Math.max(1, Math.min(2, Math.floor(profileThreads / 2)));
}

function planRenditions(video: VideoStreamInfo, profile: LadderProfile): PlannedRendition[] {
  const sourceShort = Math.min(video.displayWidth, video.displayHeight);
  const rungs = [...profile.rungs].sort((a, b) => a.shortSide - b.shortSide);
  // taller than the source: dropped, except the lowest, which every source keeps
  const kept = rungs.filter((rung, i) => i === 0 || rung.shortSide <= sourceShort);
  return kept.map((rung) => {
    const { width, height } = rungSize(video, rung.shortSide);
    const { fps, rate } = chooseFrameRate(video.fpsFraction, video.fps, rung.maxFps);
    return {
      name: rung.name,
      width,
      height,
      fps,
      fpsRate: rate,
      maxrateKbps: rung.maxrateKbps,
      bufsizeKbps: Math.round(rung.maxrateKbps * profile.bufferSeconds),
      crf: rung.crf,
      preset: rung.preset,
      x264Params: rung.x264Params,
      dir: rung.name,
      playlist: `${rung.name}/index.m3u8`,
    };
  });
}

function hlsOptions(profile: LadderProfile, dir: string, hlsTime: number): string[] {
  return [
    '-f', 'hls',
    '-hls_time', String(hlsTime),
    '-hls_playlist_type', 'vod',
    '-hls_segment_type', 'fmp4',
    '-hls_fmp4_init_filename', 'init.mp4',
    '-hls_segment_filename', `${dir}/seg-%05d.m4s`,
    '-hls_flags', 'independent_segments',
  ];
}

/** `-fps_mode vfr` where it exists, else the global `-vsync vfr`: image outputs must not duplicate frames. */
function imageSync(caps: LadderCapabilities): string[] {
  return caps.fpsMode ? ['-fps_mode', 'vfr'] : ['-vsync', 'vfr'];
}

export function planLadder(probe: LadderInput, profile: LadderProfile = DEFAULT_PROFILE, caps: LadderCapabilities = { fpsMode: true, libwebp: true }): LadderPlan {
  const notes: string[] = [];
  const video = probe.video;
  const audio: AudioStreamInfo | undefined = probe.audio;
  if (!video && !audio) throw new Error('planLadder needs a video or an audio stream');

  const globalOptions = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-progress', 'pipe:2', '-nostats'];
  // the upload: read only as the container the probe found, and only from the local file (containers.ts)
  const inputs: FfmpegInput[] = [{ source: null, options: sourceInputOptions(probe.container) }];
  const outputs: FfmpegOutput[] = [];
  const directories: string[] = [];
  const chains: string[] = [];

  let renditions: PlannedRendition[] = [];
  let slides: PlannedSlides | undefined;
  let thumbs: PlannedThumbs | undefined;
  let poster: LadderPlan['poster'];
  let expression: string | undefined;

  if (video) {
    renditions = planRenditions(video, profile);
    const dropped = profile.rungs.length - renditions.length;
    if (dropped > 0) notes.push(`source is ${video.displayWidth}x${video.displayHeight}: ${dropped} rendition(s) taller than the source dropped`);
    if (video.displayHeight > video.displayWidth) notes.push('portrait source: renditions sized by their short side (width)');
    if (video.fps > Math.max(...profile.rungs.map((r) => r.maxFps)) + 0.01) notes.push(`source at ${video.fps.toFixed(2)} fps: frame rate capped per rendition`);

    const branches: string[] = renditions.map((r) => `r_${r.name}`);
    const slidesOn = profile.slides.enabled;
    const thumbsOn = profile.thumbs.enabled;
    if (slidesOn) branches.push('slides');
    branches.push('poster');
    if (thumbsOn) branches.push('thumbs');

    // rotation is applied by ffmpeg's autorotate before the graph; setsar=1 squares the pixels.
    // Fields are woven into frames once, before the split: scaled fields would comb.
    const deinterlace = video.interlaced ? 'yadif=mode=send_frame:deint=interlaced,' : '';
    if (video.interlaced) notes.push('interlaced source: deinterlaced (yadif) before scaling');
    chains.push(`[0:${video.index}]${deinterlace}split=${branches.length}${branches.map((b) => `[in_${b}]`).join('')}`);
    expression = keyframeExpression(profile);

    for (const r of renditions) {
      chains.push(`[in_r_${r.name}]fps=${r.fpsRate},scale=${r.width}:${r.height}:flags=${profile.scaleFlags},setsar=1,format=yuv420p[out_${r.name}]`);
      directories.push(r.dir);
      // keyint above the longest segment: x264 never adds a keyframe the schedule did not ask for
      const keyint = Math.ceil(r.fps * profile.segmentSeconds * 2);
      const params = [`keyint=${keyint}`, 'scenecut=0', 'open-gop=0', ...(r.x264Params ? [r.x264Params] : []), ...(profile.x264Params ? [profile.x264Params] : [])].join(':');
      const threads = threadsFor(r, profile.threads);
      outputs.push({
        target: r.playlist,
        options: [
          '-map', `[out_${r.name}]`,
          '-an',
          '-c:v', 'libx264',
          '-preset', r.preset,
          ...(profile.tune ? ['-tune', profile.tune] : []),
          '-profile:v', 'high',
          '-crf', String(r.crf),
          '-maxrate', `${r.maxrateKbps}k`,
          '-bufsize', `${r.bufsizeKbps}k`,
          '-x264-params', params,
          '-forced-idr', '1',
          '-force_key_frames', expression,
          ...(threads > 0 ? ['-threads', String(threads)] : []),
          '-max_muxing_queue_size', '4096',
          ...hlsOptions(profile, r.dir, profile.startSegmentSeconds),
        ],
      });
    }

    if (slidesOn) {
      const size = fitLongSide(video.displayWidth, video.displayHeight, profile.slides.maxLongSide);
      const webp = profile.slides.format === 'webp' && caps.libwebp;
      const extension = webp ? 'webp' : 'jpg';
      slides = { dir: 'slides', pattern: `slides/slide-%04d.${extension}`, extension, framesLog: 'slides/frames.txt', width: size.width, height: size.height };
      directories.push('slides');
      const { sampleFps, sceneThreshold, minGapSeconds } = profile.slides;
      // a camera-only recording keeps "changing": bound the stills to one per 15 s on average
      const maxStills = Math.max(20, Math.ceil(probe.durationSeconds / 15));
      // sampled at a low rate: cheap, and a slide change shows as one big jump between samples
      chains.push(
        `[in_slides]fps=${sampleFps},select='if(eq(n\\,0)\\,1\\,lt(selected_n\\,${maxStills})*gt(scene\\,${sceneThreshold})*gte(t-prev_selected_t\\,${minGapSeconds}))',` +
          `scale=${size.width}:${size.height}:flags=lanczos,setsar=1,format=yuv420p,metadata=mode=print:file=${slides.framesLog}[out_slides]`,
      );
      outputs.push({
        target: slides.pattern,
        options: ['-map', '[out_slides]', '-an', ...imageSync(caps), ...(webp ? ['-c:v', 'libwebp', '-quality', '80'] : ['-c:v', 'mjpeg', '-q:v', '3'])],
      });
    }

    const posterSize = fitLongSide(video.displayWidth, video.displayHeight, profile.poster.longSide);
    const at = Math.min(profile.poster.atSeconds, probe.durationSeconds * 0.25);
    poster = { file: 'poster.jpg', from: 'video', ...posterSize };
    // the first frame, then the first at or after `at`, which overwrites it (-update 1): an output
    // still waiting for its first frame holds back ffmpeg 5's progress reports until it gets one
    chains.push(`[in_poster]select='lt(selected_n\\,2)*(eq(selected_n\\,0)+gte(t\\,${at.toFixed(3)}))',scale=${posterSize.width}:${posterSize.height},setsar=1[out_poster]`);
    outputs.push({ target: poster.file, options: ['-map', '[out_poster]', '-an', ...imageSync(caps), '-c:v', 'mjpeg', '-q:v', '4', '-update', '1'] });

    if (thumbsOn) {
      const { tileLongSide, maxCount, minIntervalSeconds, columns } = profile.thumbs;
      const tile = fitLongSide(video.displayWidth, video.displayHeight, tileLongSide);
      const intervalSeconds = Math.max(minIntervalSeconds, Math.ceil(probe.durationSeconds / maxCount));
      const count = Math.max(1, Math.ceil(probe.durationSeconds / intervalSeconds));
      // room for one frame more than expected (the fps filter may round up): the sprite keeps them all
      const rows = Math.ceil((count + 1) / columns);
      const framesDir = 'thumbs-frames';
      const framesPattern = `${framesDir}/thumb-%05d.jpg`;
      thumbs = {
        sprite: 'thumbs.jpg',
        vtt: 'thumbs.vtt',
        framesDir,
        framesPattern,
        spriteCommand: spriteCommand(framesPattern, 'thumbs.jpg', columns, rows),
        intervalSeconds,
        count,
        columns,
        rows,
        tileWidth: tile.width,
        tileHeight: tile.height,
      };
      directories.push(framesDir);
      // one file per thumbnail, written as the encode passes it (see the header: progress)
      chains.push(`[in_thumbs]fps=1/${intervalSeconds},scale=${tile.width}:${tile.height},setsar=1[out_thumbs]`);
      // near-lossless: these are encoded once more into the sprite
      outputs.push({ target: framesPattern, options: ['-map', '[out_thumbs]', '-an', ...imageSync(caps), '-c:v', 'mjpeg', '-q:v', '2'] });
    }
  } else {
    notes.push('audio-only source: audio + poster package, no video renditions');
    if (probe.coverArtStreamIndex !== undefined) {
      poster = { file: 'poster.jpg', from: 'cover', width: 0, height: 0 };
      outputs.push({
        target: poster.file,
        options: ['-map', `0:${probe.coverArtStreamIndex}`, '-an', '-frames:v', '1', '-vf', `scale='min(${profile.poster.longSide},iw)':-2`, '-c:v', 'mjpeg', '-q:v', '4', '-update', '1'],
      });
    } else {
      // a plain card: the player shows it while the audio plays
      const size = { width: profile.poster.longSide, height: even((profile.poster.longSide * 9) / 16) };
      poster = { file: 'poster.jpg', from: 'generated', ...size };
      inputs.push({ source: `color=c=0x1e3a5f:s=${size.width}x${size.height}:d=1`, options: ['-f', 'lavfi'] });
      outputs.push({ target: poster.file, options: ['-map', '1:v', '-frames:v', '1', '-c:v', 'mjpeg', '-q:v', '4', '-update', '1'] });
    }
  }

  let plannedAudio: PlannedAudio | undefined;
  if (audio) {
    const sampleRate = Math.min(48000, audio.sampleRate || 48000);
    const { segmentSeconds, startSegmentSeconds, startSegments } = profile;
    const schedule = { segmentSeconds, startSegmentSeconds, startSegments };
    const fragmentSeconds = audioFragmentSeconds(schedule);
    plannedAudio = { playlist: 'audio/index.m3u8', dir: 'audio', bitrateKbps: profile.audioKbps, channels: 1, sampleRate, fragmentSeconds, schedule };
    directories.push('audio');
    outputs.push({
      target: plannedAudio.playlist,
      options: [
        '-map', `0:${audio.index}`,
        '-vn',
        '-c:a', 'aac',
        '-profile:a', 'aac_low',
        '-b:a', `${profile.audioKbps}k`,
        '-ac', '1',
        '-ar', String(sampleRate),
        '-max_muxing_queue_size', '4096',
        // every audio packet may start a segment: short fragments, joined after ffmpeg (segments.ts)
        ...hlsOptions(profile, plannedAudio.dir, fragmentSeconds),
      ],
    });
  } else {
    notes.push('no audio track: video-only package (no audio group, no audio.m3u8)');
  }

  return {
    durationSeconds: probe.durationSeconds,
    renditions,
    audio: plannedAudio,
    slides,
    thumbs,
    poster,
    directories,
    globalOptions,
    inputs,
    filterComplex: chains.length ? chains.join(';') : undefined,
    outputs,
    keyframeExpression: expression,
    notes,
  };
}

/**
 * The thumbnail frames → one sprite of `columns` × `rows` tiles (unused tiles stay black). A few
 * milliseconds: at most a hundred 160-pixel JPEGs.
 */
function spriteCommand(framesPattern: string, sprite: string, columns: number, rows: number): FfmpegCommand {
  return {
    globalOptions: ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error'],
    inputs: [{ source: framesPattern, options: ['-f', 'image2', '-framerate', '1', '-start_number', '1'] }],
    outputs: [{ target: sprite, options: ['-vf', `tile=${columns}x${rows}`, '-frames:v', '1', '-c:v', 'mjpeg', '-q:v', '5', '-update', '1'] }],
  };
}

/** The whole command line after the binary name: for logs, tests and the benchmark. */
export function ffmpegArgs(plan: FfmpegCommand, inputPath: string): string[] {
  return [
    ...plan.globalOptions,
    ...plan.inputs.flatMap((input) => [...input.options, '-i', input.source ?? inputPath]),
    ...(plan.filterComplex ? ['-filter_complex', plan.filterComplex] : []),
    ...plan.outputs.flatMap((output) => [...output.options, output.target]),
  ];
}
