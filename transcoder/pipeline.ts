/**
 * One source file → one complete package folder: probe, validate, run the ladder (one ffmpeg
 * process through fluent-ffmpeg, one decode), tile the thumbnail sprite (a second, tiny ffmpeg
 * over the thumbnail frames), join the short audio fragments into segments on the video's
 * schedule, package. The job worker and the CLI both call this.
 *
 * Throws MediaRejectedError for input that cannot become a lecture (final), TranscodeError or
 * other errors for failures that may be transient, and the signal's reason when aborted.
 */
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import ffmpeg from 'fluent-ffmpeg';
import { MediaRejectedError, TranscodeError, rejectionFromStderr } from './errors.ts';
import { killWithParent } from './child-guard.ts';
import { configureFluentFfmpeg, ffmpegCapabilities, resolveFfmpegTools, type FfmpegCapabilities, type FfmpegTools } from './ffmpeg.ts';
import { DEFAULT_PROFILE, ffmpegArgs, planLadder, type FfmpegCommand, type LadderPlan, type LadderProfile } from './ladder.ts';
import { joinAudioFragments, parseMediaPlaylist, writePackage, type PackageSummary } from './package.ts';
import { DEFAULT_LIMITS, probeAndValidate, type MediaLimits, type ProbeResult } from './probe.ts';

export type { PackageSummary } from './package.ts';

export interface TranscodeOptions {
  /** encoder threads per big rendition; 0/undefined lets ffmpeg decide */
  threads?: number;
  /** 0–100, from ffmpeg's progress output (out_time against the probed duration) */
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
  /** `maxBytes` is accepted as another name for `maxUploadBytes` */
  limits?: Partial<MediaLimits> & { maxBytes?: number };
  /** ladder overrides (the benchmark tries settings through this) */
  profile?: Partial<LadderProfile>;
  /** default: resolved from the environment (FFMPEG_PATH, PATH, npm builds) */
  tools?: FfmpegTools;
}

export interface TranscodeDetails {
  summary: PackageSummary;
  probe: ProbeResult;
  plan: LadderPlan;
  args: string[];
  capabilities: FfmpegCapabilities;
  tools: FfmpegTools;
}

/** Lines of `-progress` output: key=value pairs that say nothing about errors. */
const PROGRESS_LINE = /^(frame|fps|stream_\d+_\d+_q|bitrate|total_size|out_time(_ms|_us)?|dup_frames|drop_frames|speed|progress)=/;

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? Object.assign(new Error('transcode aborted'), { name: 'AbortError' });
}

interface RunOptions {
  signal?: AbortSignal;
  /** with `durationSeconds`: 0–99 from `-progress` output (the command must ask for it) */
  onProgress?: (percent: number) => void;
  durationSeconds?: number;
  /** read ffmpeg's complaints as verdicts on the uploaded file (not for the sprite pass) */
  judgesSource: boolean;
}

function runFfmpeg(plan: FfmpegCommand, inputPath: string, cwd: string, options: RunOptions): Promise<void> {
  const { signal, onProgress, durationSeconds = 0, judgesSource } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    // fluent-ffmpeg keeps this many output lines for its own error message; we keep our own tail
    const command = ffmpeg({ cwd, stdoutLines: 20 });
    plan.inputs.forEach((input, i) => {
      command.input(input.source ?? inputPath);
      // global options go before the first -i; fluent-ffmpeg has no other place that keeps their order
      command.inputOptions([...(i === 0 ? plan.globalOptions : []), ...input.options]);
    });
    if (plan.filterComplex) command.complexFilter(plan.filterComplex);
    for (const output of plan.outputs) command.output(output.target).outputOptions(output.options);

    const stderrTail: string[] = [];
    let lastPercent = -1;
    command.on('stderr', (line: string) => {
      const micros = /^out_time_(?:ms|us)=(\d+)/.exec(line);
      if (micros) {
        if (onProgress && durationSeconds > 0) {
          const percent = Math.min(99, Math.floor((Number(micros[1]) / 1e6 / durationSeconds) * 100));
          if (percent > lastPercent) {
            lastPercent = percent;
            onProgress(percent);
          }
        }
        return;
      }
      if (PROGRESS_LINE.test(line)) return;
      stderrTail.push(line);
      if (stderrTail.length > 200) stderrTail.shift();
    });

    const onAbort = () => {
      command.kill('SIGKILL');
    };
    // ffmpeg must not outlive this process (child-guard.ts): fluent-ffmpeg emits 'start' right after spawning
    command.on('start', () => {
      const child = (command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      if (child) killWithParent(child);
    });
    signal?.addEventListener('abort', onAbort, { once: true });

    command.on('end', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    command.on('error', (err: Error) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const stderr = stderrTail.join('\n');
      const code = judgesSource ? rejectionFromStderr(stderr) : undefined;
      if (code) reject(new MediaRejectedError(code, stderr.slice(-2000)));
      else reject(new TranscodeError(`ffmpeg failed: ${err.message.split('\n')[0]}`, stderr.slice(-4000)));
    });
    command.run();
  });
}

function withDefaults(options: TranscodeOptions): { limits: MediaLimits; profile: LadderProfile } {
  const { maxBytes, ...rest } = options.limits ?? {};
  const limits: MediaLimits = { ...DEFAULT_LIMITS, ...(maxBytes !== undefined ? { maxUploadBytes: maxBytes } : {}), ...rest };
  const profile: LadderProfile = { ...DEFAULT_PROFILE, ...options.profile };
  if (options.threads !== undefined) profile.threads = options.threads;
  return { limits, profile };
}

/** Same as transcodeToDirectory, with the probe, plan and arguments (benchmark, CLI). */
export async function transcodeWithDetails(inputPath: string, outDir: string, options: TranscodeOptions = {}): Promise<TranscodeDetails> {
  const input = path.resolve(inputPath);
  const packageDir = path.resolve(outDir);
  const tools = options.tools ?? resolveFfmpegTools();
  configureFluentFfmpeg(tools);
  const capabilities = await ffmpegCapabilities(tools.ffmpegPath);
  const { limits, profile } = withDefaults(options);

  options.signal?.throwIfAborted();
  const probe = await probeAndValidate(tools, input, limits);
  options.signal?.throwIfAborted();

  const plan = planLadder(probe, profile, capabilities);
  await mkdir(packageDir, { recursive: true });
  for (const dir of plan.directories) await mkdir(path.join(packageDir, dir), { recursive: true });
  options.onProgress?.(0);
  const { signal, onProgress } = options;
  await runFfmpeg(plan, input, packageDir, { signal, onProgress, durationSeconds: plan.durationSeconds, judgesSource: true });
  options.signal?.throwIfAborted();
  await assembleThumbnailSprite(packageDir, plan, signal);
  const notes = await joinAudioFragments(packageDir, plan);

  // ffmpeg can end "successfully" at the point where a damaged file stops making sense
  const written = await longestPlaylistSeconds(packageDir, plan);
  if (written < probe.durationSeconds * 0.9 - 2) {
    throw new MediaRejectedError('truncated', `package is ${written.toFixed(1)} s of ${probe.durationSeconds.toFixed(1)} s`);
  }
  const summary = await writePackage(packageDir, plan, notes);
  options.onProgress?.(100);
  return { summary, probe, plan, args: ffmpegArgs(plan, input), capabilities, tools };
}

/** thumbs-frames/*.jpg → thumbs.jpg; the frames folder is not part of the package. */
async function assembleThumbnailSprite(packageDir: string, plan: LadderPlan, signal: AbortSignal | undefined): Promise<void> {
  if (!plan.thumbs) return;
  const framesDir = path.join(packageDir, plan.thumbs.framesDir);
  const frames = (await readdir(framesDir).catch(() => [])).filter((f) => f.endsWith('.jpg'));
  if (frames.length > 0) await runFfmpeg(plan.thumbs.spriteCommand, '', packageDir, { signal, judgesSource: false });
  await rm(framesDir, { recursive: true, force: true });
}

async function longestPlaylistSeconds(packageDir: string, plan: LadderPlan): Promise<number> {
  const playlists = [...plan.renditions.map((r) => r.playlist), ...(plan.audio ? [plan.audio.playlist] : [])];
  let longest = 0;
  for (const playlist of playlists) {
    const text = await readFile(path.join(packageDir, playlist), 'utf8').catch(() => '');
    longest = Math.max(longest, parseMediaPlaylist(text).segments.reduce((sum, s) => sum + s.duration, 0));
  }
  return longest;
}

/**
 * Transcodes `inputPath` into a complete package in `outDir` (created if missing; should be empty).
 * master.m3u8 is written last; `files` lists everything with master.m3u8 last.
 */
export async function transcodeToDirectory(inputPath: string, outDir: string, options: TranscodeOptions = {}): Promise<PackageSummary> {
  return (await transcodeWithDetails(inputPath, outDir, options)).summary;
}
