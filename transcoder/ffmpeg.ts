/**
 * Finds ffmpeg/ffprobe and learns what they can do.
 *
 * Order: FFMPEG_PATH / FFPROBE_PATH, then the binaries on PATH (apt ffmpeg in CI and production
 * images), then the static builds shipped in @ffmpeg-installer/@ffprobe-installer (ffmpeg 4.x) so a
 * fresh machine with only `npm install` still works. Everything built on top must work on both.
 */
import { accessSync, constants, chmodSync, statSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import ffmpeg from 'fluent-ffmpeg';

const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);

export type ToolSource = 'env' | 'path' | 'npm';

export interface FfmpegTools {
  ffmpegPath: string;
  ffprobePath: string;
  ffmpegSource: ToolSource;
  ffprobeSource: ToolSource;
}

export interface FfmpegCapabilities {
  /** first line of `ffmpeg -version`, for logs and benchmark reports */
  version: string;
  libx264: boolean;
  aac: boolean;
  libopus: boolean;
  libwebp: boolean;
  /** `-fps_mode` exists (ffmpeg ≥ 5.1); older builds only know the global `-vsync` */
  fpsMode: boolean;
}

type Env = Record<string, string | undefined>;

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string, env: Env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** npm 11 does not run the installers' postinstall, which is what sets the execute bit. */
function npmBinary(pkg: '@ffmpeg-installer/ffmpeg' | '@ffprobe-installer/ffprobe'): string | undefined {
  let file: string;
  try {
    file = (require(pkg) as { path: string }).path;
  } catch {
    return undefined;
  }
  if (!isExecutable(file)) {
    try {
      chmodSync(file, statSync(file).mode | 0o100);
    } catch {
      return undefined;
    }
  }
  return isExecutable(file) ? file : undefined;
}

function resolveOne(
  name: 'ffmpeg' | 'ffprobe',
  envName: 'FFMPEG_PATH' | 'FFPROBE_PATH',
  pkg: '@ffmpeg-installer/ffmpeg' | '@ffprobe-installer/ffprobe',
  env: Env,
): { file: string; source: ToolSource } {
  const fromEnv = env[envName];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`${envName}=${fromEnv} is not an executable file`);
    return { file: fromEnv, source: 'env' };
  }
  const onPath = findOnPath(name, env);
  if (onPath) return { file: onPath, source: 'path' };
  const fromNpm = npmBinary(pkg);
  if (fromNpm) return { file: fromNpm, source: 'npm' };
  throw new Error(`${name} not found: install it (apt install ffmpeg), set ${envName}, or run npm install`);
}

export function resolveFfmpegTools(env: Env = process.env): FfmpegTools {
  const ffmpegTool = resolveOne('ffmpeg', 'FFMPEG_PATH', '@ffmpeg-installer/ffmpeg', env);
  const ffprobeTool = resolveOne('ffprobe', 'FFPROBE_PATH', '@ffprobe-installer/ffprobe', env);
  return {
    ffmpegPath: ffmpegTool.file,
    ffprobePath: ffprobeTool.file,
    ffmpegSource: ffmpegTool.source,
    ffprobeSource: ffprobeTool.source,
  };
}

/** The npm-shipped pair, whatever is on PATH; used by tests that check both builds. */
export function npmFfmpegTools(): FfmpegTools | undefined {
  const ffmpegPath = npmBinary('@ffmpeg-installer/ffmpeg');
  const ffprobePath = npmBinary('@ffprobe-installer/ffprobe');
  if (!ffmpegPath || !ffprobePath) return undefined;
  return { ffmpegPath, ffprobePath, ffmpegSource: 'npm', ffprobeSource: 'npm' };
}

const capabilityCache = new Map<string, Promise<FfmpegCapabilities>>();

async function detectCapabilities(ffmpegPath: string): Promise<FfmpegCapabilities> {
  const run = async (args: string[]) =>
    (await execFileAsync(ffmpegPath, ['-hide_banner', ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout;
  const [versionOut, encodersOut, helpOut] = await Promise.all([run(['-version']), run(['-encoders']), run(['-h', 'long'])]);
  const encoders = new Set(
    encodersOut
      .split('\n')
      .map((line) => /^\s*[VAS][.A-Z]{5}\s+(\S+)/.exec(line)?.[1])
      .filter((name): name is string => Boolean(name)),
  );
  return {
    version: versionOut.split('\n')[0]?.trim() ?? 'unknown',
    libx264: encoders.has('libx264'),
    aac: encoders.has('aac'),
    libopus: encoders.has('libopus'),
    libwebp: encoders.has('libwebp'),
    fpsMode: /^-fps_mode\b/m.test(helpOut),
  };
}

/** Cached per binary path: a worker asks once, not per job. */
export function ffmpegCapabilities(ffmpegPath: string): Promise<FfmpegCapabilities> {
  let cached = capabilityCache.get(ffmpegPath);
  if (!cached) {
    cached = detectCapabilities(ffmpegPath);
    cached.catch(() => capabilityCache.delete(ffmpegPath));
    capabilityCache.set(ffmpegPath, cached);
  }
  return cached;
}

/** Points fluent-ffmpeg at the resolved binaries (it otherwise looks at its own env variables). */
export function configureFluentFfmpeg(tools: FfmpegTools): void {
  ffmpeg.setFfmpegPath(tools.ffmpegPath);
  ffmpeg.setFfprobePath(tools.ffprobePath);
}

/** Resolves, configures fluent-ffmpeg and checks that the encoders the ladder needs exist. */
export async function prepareFfmpeg(env: Env = process.env): Promise<{ tools: FfmpegTools; capabilities: FfmpegCapabilities }> {
  const tools = resolveFfmpegTools(env);
  configureFluentFfmpeg(tools);
  const capabilities = await ffmpegCapabilities(tools.ffmpegPath);
  if (!capabilities.libx264) throw new Error(`${tools.ffmpegPath} has no libx264 encoder; install a GPL build of ffmpeg`);
  if (!capabilities.aac) throw new Error(`${tools.ffmpegPath} has no aac encoder`);
  return { tools, capabilities };
}
