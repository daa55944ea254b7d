/**
 * ffprobe → a typed ProbeResult, and the checks that turn unusable uploads into a
 * MediaRejectedError before any transcoding work starts.
 */
import { execFile } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { MediaRejectedError, TranscodeError, rejectionFromStderr } from './errors.ts';
import { killWithParent } from './child-guard.ts';
import { judgeContainer, probeInputOptions, sourceInputOptions, type AcceptedContainer } from './containers.ts';

export interface VideoStreamInfo {
  index: number;
  codec: string;
  /** coded size, before rotation and pixel aspect */
  width: number;
  height: number;
  /** what a viewer sees: rotation and sample aspect ratio applied (ffmpeg autorotates) */
  displayWidth: number;
  displayHeight: number;
  /** frames per second (average; falls back to the nominal rate) */
  fps: number;
  /** the same rate as a fraction, e.g. "30000/1001" */
  fpsFraction: string;
  /** clockwise degrees: 0, 90, 180 or 270 */
  rotation: number;
  /** sample (pixel) aspect ratio as a number; 1 for square pixels */
  sar: number;
  pixFmt?: string;
  /** the stream says its frames are fields (camcorders, DV, broadcast captures) */
  interlaced: boolean;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  channels: number;
  sampleRate: number;
  bitRate?: number;
}

export interface ProbeResult {
  formatName: string;
  /** the container, from the allow-list: every later ffmpeg on this file is forced to its demuxer */
  container: AcceptedContainer;
  durationSeconds: number;
  sizeBytes: number;
  bitRate?: number;
  /** first real video stream (cover art excluded) */
  video?: VideoStreamInfo;
  audio?: AudioStreamInfo;
  /** an embedded cover picture (stream index), useful as poster for audio files */
  coverArtStreamIndex?: number;
}

export interface MediaLimits {
  maxDurationSeconds: number;
  maxUploadBytes: number;
  /** longest picture side accepted */
  maxPictureSide: number;
  /** shortest picture side accepted */
  minPictureSide: number;
  minDurationSeconds: number;
}

export const DEFAULT_LIMITS: MediaLimits = {
  maxDurationSeconds: 6 * 3600,
  maxUploadBytes: 8 * 1024 ** 3,
  maxPictureSide: 8192,
  minPictureSide: 16,
  minDurationSeconds: 1,
};

interface RawStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_aspect_ratio?: string;
  pix_fmt?: string;
  field_order?: string;
  channels?: number;
  sample_rate?: string;
  bit_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { side_data_type?: string; rotation?: number }[];
}

interface RawProbe {
  format?: { format_name?: string; duration?: string; size?: string; bit_rate?: string; probe_score?: number };
  streams?: RawStream[];
}

function runFile(file: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error && typeof (error as NodeJS.ErrnoException).code === 'string') {
        reject(error); // spawn failure (ENOENT…), not an answer about the file
        return;
      }
      if (error && (error.killed || error.signal)) {
        // timed out or killed: a slow disk or a busy machine, not the file's fault; worth a retry
        reject(new TranscodeError(`${path.basename(file)} stopped (${error.signal ?? 'killed'}) after ${timeoutMs} ms`, stderr));
        return;
      }
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr });
    });
    // a duration scan of a long file can run for minutes: it must not outlive the worker
    killWithParent(child);
  });
}

function parseFraction(value: string | undefined): number {
  if (!value) return 0;
  const [num, den] = value.split('/').map(Number);
  if (den === undefined) return Number.isFinite(num) ? (num as number) : 0;
  if (!num || !den || !Number.isFinite(num) || !Number.isFinite(den)) return 0;
  return num / den;
}

function rotationOf(stream: RawStream): number {
  let degrees = 0;
  const tag = stream.tags?.rotate;
  if (tag !== undefined && tag !== '') degrees = Number(tag); // ffmpeg ≤ 4: clockwise tag
  const matrix = stream.side_data_list?.find((side) => typeof side.rotation === 'number');
  if (matrix?.rotation !== undefined) degrees = -matrix.rotation; // ffmpeg ≥ 5: counter-clockwise display matrix
  if (!Number.isFinite(degrees)) return 0;
  return (((Math.round(degrees / 90) * 90) % 360) + 360) % 360;
}

/** Does the file start like an ISO-BMFF (MP4/MOV/M4A) file? Tells "cut off" from "not media". */
async function looksLikeIsoBmff(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(12);
    const { bytesRead } = await handle.read(head, 0, 12, 0);
    if (bytesRead < 8) return false;
    return ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip', 'pnot', 'styp'].includes(head.subarray(4, 8).toString('latin1'));
  } finally {
    await handle.close();
  }
}

/**
 * ffprobe's JSON → ProbeResult. A container off the allow-list (containers.ts) is refused here,
 * so a ProbeResult always names a demuxer the later ffmpeg runs can be forced to.
 */
export function parseProbe(raw: RawProbe, sizeBytes: number): ProbeResult {
  const verdict = judgeContainer(raw.format?.format_name ?? '');
  if (verdict.kind === 'refused') throw new MediaRejectedError('unsupported_format', `format ${verdict.formatName || 'unknown'}`);
  const streams = raw.streams ?? [];
  const videoRaw = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic && (s.width ?? 0) > 0);
  const cover = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic);
  const audioRaw = streams.find((s) => s.codec_type === 'audio' && (s.channels ?? 0) > 0);

  let video: VideoStreamInfo | undefined;
  if (videoRaw) {
    const width = videoRaw.width ?? 0;
    const height = videoRaw.height ?? 0;
    const rotation = rotationOf(videoRaw);
    const sar = parseFraction(videoRaw.sample_aspect_ratio) || 1;
    const avg = parseFraction(videoRaw.avg_frame_rate);
    const nominal = parseFraction(videoRaw.r_frame_rate);
    // avg_frame_rate is the honest one for phone (VFR) recordings; r_frame_rate can be 90000/1
    const useAvg = avg > 0 && avg <= 240;
    const fps = useAvg ? avg : nominal > 0 && nominal <= 240 ? nominal : 25;
    const fpsFraction = useAvg ? (videoRaw.avg_frame_rate as string) : nominal > 0 && nominal <= 240 ? (videoRaw.r_frame_rate as string) : '25/1';
    const sarWidth = Math.round(width * sar);
    const rotated = rotation === 90 || rotation === 270;
    video = {
      index: videoRaw.index,
      codec: videoRaw.codec_name ?? 'unknown',
      width,
      height,
      displayWidth: rotated ? height : sarWidth,
      displayHeight: rotated ? sarWidth : height,
      fps,
      fpsFraction,
      rotation,
      sar,
      pixFmt: videoRaw.pix_fmt,
      interlaced: ['tt', 'bb', 'tb', 'bt'].includes(videoRaw.field_order ?? ''),
    };
  }
  const audio: AudioStreamInfo | undefined = audioRaw
    ? {
        index: audioRaw.index,
        codec: audioRaw.codec_name ?? 'unknown',
        channels: audioRaw.channels ?? 0,
        sampleRate: Number(audioRaw.sample_rate ?? 0),
        bitRate: audioRaw.bit_rate ? Number(audioRaw.bit_rate) : undefined,
      }
    : undefined;

  const streamDurations = [videoRaw, audioRaw].map((s) => Number(s?.duration ?? NaN)).filter((d) => Number.isFinite(d) && d > 0);
  const formatDuration = Number(raw.format?.duration ?? NaN);
  const durationSeconds = Number.isFinite(formatDuration) && formatDuration > 0 ? formatDuration : streamDurations.length ? Math.max(...streamDurations) : 0;

  return {
    formatName: verdict.container.formatName,
    container: verdict.container,
    durationSeconds,
    sizeBytes,
    bitRate: raw.format?.bit_rate ? Number(raw.format.bit_rate) : undefined,
    video,
    audio,
    coverArtStreamIndex: cover?.index,
  };
}

/** Demuxes the whole file (no decoding) to learn a duration the header does not state. */
async function scanDuration(ffmpegPath: string, input: string, container: AcceptedContainer): Promise<number> {
  const { stderr } = await runFile(
    ffmpegPath,
    ['-hide_banner', '-nostdin', ...sourceInputOptions(container), '-i', input, '-map', '0', '-c', 'copy', '-f', 'null', '-'],
    10 * 60_000,
  );
  const times = [...stderr.matchAll(/time=(\d+):(\d+):(\d+(?:\.\d+)?)/g)];
  const last = times.at(-1);
  if (!last) return 0;
  return Number(last[1]) * 3600 + Number(last[2]) * 60 + Number(last[3]);
}

/**
 * Decodes one second near the end. A file whose header is complete but whose data was cut off
 * (moov at the front, upload interrupted) passes ffprobe but fails here, cheaply.
 */
async function tailDecodes(ffmpegPath: string, input: string, probe: ProbeResult): Promise<{ ok: boolean; stderr: string }> {
  const start = Math.max(0, probe.durationSeconds - 2);
  const { code, stdout, stderr } = await runFile(
    ffmpegPath,
    ['-hide_banner', '-nostdin', '-v', 'error', '-progress', 'pipe:1', '-nostats', '-ss', start.toFixed(3), ...sourceInputOptions(probe.container), '-i', input, '-t', '1', '-map', '0:v:0?', '-map', '0:a:0?', '-f', 'null', '-'],
    120_000,
  );
  // out_time_ms is in microseconds despite its name (kept for ffmpeg 4.x, which lacks out_time_us)
  const decodedMicros = Math.max(0, ...[...stdout.matchAll(/out_time_ms=(\d+)/g)].map((m) => Number(m[1])));
  // MPEG-PS: the decoders' complaints about the partial frame the seek landed in are not a verdict
  const complaints = probe.container.partialFramesAfterSeek ? /partial file|truncat/i : /partial file|invalid nal|error while decoding|end of file|truncat/i;
  const bad = code !== 0 || decodedMicros <= 0 || complaints.test(stderr);
  return { ok: !bad, stderr };
}

/**
 * The demuxer libavformat chose for a file that the format allow-list then refused, for the log
 * line ("format hls"). Safe to ask: the allow-list still stops it before the header is read;
 * only the probe's own debug line names the demuxer.
 */
async function refusedFormatName(ffprobePath: string, input: string): Promise<string> {
  const { stderr } = await runFile(ffprobePath, ['-v', 'debug', ...probeInputOptions(), input], 60_000).catch(() => ({ stderr: '' }));
  return /Format (\S+) (?:probed with|detected only with)/.exec(stderr)?.[1] ?? 'unknown';
}

export interface ProbeTools {
  ffprobePath: string;
  ffmpegPath: string;
}

/** Runs ffprobe and answers what the file is, without judging it. */
export async function probeFile(tools: ProbeTools, input: string): Promise<ProbeResult> {
  const { size } = await stat(input);
  if (size === 0) throw new MediaRejectedError('empty_file');
  const { code, stdout, stderr } = await runFile(
    tools.ffprobePath,
    ['-v', 'error', ...probeInputOptions(), '-show_format', '-show_streams', '-of', 'json', input],
    120_000,
  );
  if (code !== 0) {
    const reason = rejectionFromStderr(stderr);
    if (reason === 'unsupported_format') {
      throw new MediaRejectedError('unsupported_format', `format ${await refusedFormatName(tools.ffprobePath, input)}: ${stderr.trim().slice(0, 500)}`);
    }
    if (/moov atom not found/i.test(stderr)) {
      throw new MediaRejectedError((await looksLikeIsoBmff(input)) ? 'truncated' : 'not_media', stderr.trim());
    }
    throw new MediaRejectedError(reason ?? 'not_media', stderr.trim());
  }
  let raw: RawProbe;
  try {
    raw = JSON.parse(stdout) as RawProbe;
  } catch {
    throw new MediaRejectedError('not_media', 'ffprobe printed no JSON');
  }
  if ((raw.format?.probe_score ?? 100) < 25) {
    throw new MediaRejectedError('not_media', `format ${raw.format?.format_name}, score ${raw.format?.probe_score}`);
  }
  const probe = parseProbe(raw, size);
  if (probe.durationSeconds <= 0 && (probe.video || probe.audio)) {
    probe.durationSeconds = await scanDuration(tools.ffmpegPath, input, probe.container);
  }
  return probe;
}

/** Judges a probed file against the limits; throws MediaRejectedError for anything unusable. */
export function validateProbe(probe: ProbeResult, limits: MediaLimits = DEFAULT_LIMITS): void {
  if (probe.sizeBytes === 0) throw new MediaRejectedError('empty_file');
  if (probe.sizeBytes > limits.maxUploadBytes) throw new MediaRejectedError('too_large', `${probe.sizeBytes} bytes`);
  if (!probe.video && !probe.audio) throw new MediaRejectedError('no_audio_and_no_video');
  if (!Number.isFinite(probe.durationSeconds) || probe.durationSeconds <= 0) throw new MediaRejectedError('truncated', 'no duration');
  if (probe.durationSeconds < limits.minDurationSeconds) throw new MediaRejectedError('too_short', `${probe.durationSeconds} s`);
  if (probe.durationSeconds > limits.maxDurationSeconds) throw new MediaRejectedError('too_long', `${probe.durationSeconds} s`);
  if (probe.video) {
    const { displayWidth: w, displayHeight: h } = probe.video;
    if (Math.max(w, h) > limits.maxPictureSide || Math.min(w, h) < limits.minPictureSide) {
      throw new MediaRejectedError('bad_resolution', `${w}x${h}`);
    }
  }
}

/** ffprobe, the limits, and a quick decode of the tail. */
export async function probeAndValidate(tools: ProbeTools, input: string, limits: MediaLimits = DEFAULT_LIMITS): Promise<ProbeResult> {
  const { size } = await stat(input);
  if (size === 0) throw new MediaRejectedError('empty_file');
  if (size > limits.maxUploadBytes) throw new MediaRejectedError('too_large', `${size} bytes`);
  const probe = await probeFile(tools, input);
  validateProbe(probe, limits);
  const tail = await tailDecodes(tools.ffmpegPath, input, probe);
  if (!tail.ok) {
    const code = rejectionFromStderr(tail.stderr);
    throw new MediaRejectedError(code === 'not_media' || code === null ? 'truncated' : code, tail.stderr.trim().slice(0, 2000));
  }
  return probe;
}
