/**
 * After ffmpeg: measure what was written and describe it for players. The master playlist's
 * BANDWIDTH (peak segment bit rate) and AVERAGE-BANDWIDTH (mean) come from the measured segment
 * sizes, CODECS from the encoded stream itself (avcC in the init segment), and master.m3u8 is
 * written last so nothing reads a half-made package.
 */
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LadderPlan, PlannedRendition, PlannedThumbs } from './ladder.ts';
import { joinedPlaylist, joinFragmentFiles, joinFragments } from './segments.ts';

export interface SegmentStats {
  durationSeconds: number;
  totalBytes: number;
  /** bits per second of the busiest segment (what HLS calls BANDWIDTH) */
  peakBitsPerSecond: number;
  averageBitsPerSecond: number;
}

export interface RenditionSummary {
  name: string;
  width: number;
  height: number;
  fps: number;
  /** peak, video plus the audio group's peak, as written in the master playlist */
  bandwidth: number;
  averageBandwidth: number;
  /** the video alone */
  videoPeakBitsPerSecond: number;
  videoAverageBitsPerSecond: number;
  codecs: string;
  playlist: string;
}

export interface AudioSummary {
  playlist: string;
  /** a top-level playlist that plays the audio alone */
  standalonePlaylist: string;
  codecs: string;
  channels: number;
  sampleRate: number;
  bandwidth: number;
  averageBandwidth: number;
}

export interface SlideEntry {
  /** seconds from the start */
  t: number;
  src: string;
  width: number;
  height: number;
}

export interface PackageSummary {
  durationSeconds: number;
  renditions: RenditionSummary[];
  audio: AudioSummary | null;
  /** number of slide stills */
  slides: number;
  slidesIndex: string | null;
  poster: string | null;
  thumbnails: { sprite: string; vtt: string; intervalSeconds: number } | null;
  /** relative paths, master.m3u8 last: upload in this order */
  files: string[];
  hasVideo: boolean;
  hasAudio: boolean;
  notes: string[];
}

interface MediaPlaylist {
  segments: { uri: string; duration: number }[];
}

export function parseMediaPlaylist(text: string): MediaPlaylist {
  const segments: { uri: string; duration: number }[] = [];
  let pending: number | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) pending = Number.parseFloat(line.slice(8));
    else if (line && !line.startsWith('#') && pending !== undefined) {
      segments.push({ uri: line, duration: pending });
      pending = undefined;
    }
  }
  return { segments };
}

export async function measurePlaylist(packageDir: string, playlist: string): Promise<SegmentStats & MediaPlaylist> {
  const dir = path.dirname(path.join(packageDir, playlist));
  const { segments } = parseMediaPlaylist(await readFile(path.join(packageDir, playlist), 'utf8'));
  let totalBytes = 0;
  let durationSeconds = 0;
  let peak = 0;
  const sizes = await Promise.all(segments.map(async (s) => (await stat(path.join(dir, s.uri))).size));
  segments.forEach((segment, i) => {
    const bytes = sizes[i] ?? 0;
    totalBytes += bytes;
    durationSeconds += segment.duration;
    // a sliver of a last segment says nothing about the rate a player needs
    if (segment.duration >= 1 || segments.length === 1) peak = Math.max(peak, (bytes * 8) / Math.max(segment.duration, 0.001));
  });
  return {
    segments,
    durationSeconds,
    totalBytes,
    peakBitsPerSecond: Math.ceil(peak),
    averageBitsPerSecond: Math.ceil(durationSeconds > 0 ? (totalBytes * 8) / durationSeconds : 0),
  };
}

/**
 * The audio fragments ffmpeg wrote (`plan.audio.fragmentSeconds` each) → segments on the video's
 * schedule, in place: segment i is written as fragment i's file (through a temporary name), the
 * fragments it absorbed are removed, then the playlist is rewritten. Answers notes for the
 * summary: a playlist of an unexpected shape is left as ffmpeg wrote it (short segments still
 * play), and says so. Runs before anything reads the audio playlist (writePackage).
 */
export async function joinAudioFragments(packageDir: string, plan: LadderPlan): Promise<string[]> {
  const audio = plan.audio;
  if (!audio) return [];
  const playlistFile = path.join(packageDir, audio.playlist);
  const dir = path.dirname(playlistFile);
  const text = await readFile(playlistFile, 'utf8');
  const segments = joinFragments(parseMediaPlaylist(text).segments, audio.schedule, audio.fragmentSeconds);
  const playlist = joinedPlaylist(text, segments);
  if (!playlist) return ['audio playlist of an unexpected shape: its short fragments are kept as segments'];
  if (segments.every((s) => s.sources.length === 1)) return [];

  for (const segment of segments) {
    if (segment.sources.length === 1 && segment.sources[0] === segment.uri) continue;
    const data = joinFragmentFiles(await Promise.all(segment.sources.map((uri) => readFile(path.join(dir, uri)))));
    await writeFile(path.join(dir, `${segment.uri}.joining`), data);
    await rename(path.join(dir, `${segment.uri}.joining`), path.join(dir, segment.uri));
  }
  const kept = new Set(segments.map((s) => s.uri));
  for (const uri of segments.flatMap((s) => s.sources)) if (!kept.has(uri)) await rm(path.join(dir, uri), { force: true });
  await writeFile(`${playlistFile}.joining`, playlist);
  await rename(`${playlistFile}.joining`, playlistFile);
  return [];
}

/** RFC 6381 codec string from the avcC box: profile, constraint flags and level as encoded. */
export function avcCodecString(initSegment: Buffer): string {
  const at = initSegment.indexOf('avcC', 0, 'latin1');
  if (at < 0 || at + 8 > initSegment.length) return 'avc1.640028';
  const hex = (byte: number | undefined) => (byte ?? 0).toString(16).padStart(2, '0');
  // avcC payload: configurationVersion, AVCProfileIndication, profile_compatibility, AVCLevelIndication
  return `avc1.${hex(initSegment[at + 5])}${hex(initSegment[at + 6])}${hex(initSegment[at + 7])}`;
}

/** "slides/frames.txt" from ffmpeg's metadata filter: one `pts_time:` per still, in order. */
export function parseFramesLog(text: string): number[] {
  return [...text.matchAll(/pts_time:\s*(-?[\d.]+(?:e[-+]?\d+)?)/g)].map((m) => Number(m[1]));
}

function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

export function thumbnailsVtt(thumbs: Pick<PlannedThumbs, 'sprite' | 'intervalSeconds' | 'columns' | 'tileWidth' | 'tileHeight'>, durationSeconds: number): string {
  const lines = ['WEBVTT', ''];
  const count = Math.max(1, Math.ceil(durationSeconds / thumbs.intervalSeconds));
  for (let i = 0; i < count; i++) {
    const start = i * thumbs.intervalSeconds;
    const end = Math.min(durationSeconds, (i + 1) * thumbs.intervalSeconds);
    const x = (i % thumbs.columns) * thumbs.tileWidth;
    const y = Math.floor(i / thumbs.columns) * thumbs.tileHeight;
    lines.push(`${vttTime(start)} --> ${vttTime(end)}`, `${thumbs.sprite}#xywh=${x},${y},${thumbs.tileWidth},${thumbs.tileHeight}`, '');
  }
  return lines.join('\n');
}

/** A media playlist for the audio alone, next to master.m3u8, with its URIs made relative to it. */
function standaloneAudioPlaylist(playlistText: string, dir: string): string {
  return playlistText
    .split('\n')
    .map((line) => {
      if (line.startsWith('#EXT-X-MAP:')) return line.replace(/URI="([^"]+)"/, (_, uri: string) => `URI="${dir}/${uri}"`);
      if (line && !line.startsWith('#')) return `${dir}/${line}`;
      return line;
    })
    .join('\n');
}

/**
 * The audio rendition's language and name in the master playlist (RFC 8216 4.4.6.1: LANGUAGE is a
 * BCP 47 tag, NAME what a player's track menu shows). Lectern's lectures are given in Chinese, so
 * every package says so; a player that picks tracks by language (Shaka, AVPlayer) then has one.
 */
export const AUDIO_LANGUAGE = { language: 'zh', name: '中文' } as const;

function masterPlaylist(renditions: RenditionSummary[], audio: AudioSummary | null): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS', ''];
  if (audio) {
    lines.push(
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="${AUDIO_LANGUAGE.language}",NAME="${AUDIO_LANGUAGE.name}",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="${audio.channels}",URI="${audio.playlist}"`,
      '',
    );
  }
  for (const r of renditions) {
    const attributes = [
      `BANDWIDTH=${r.bandwidth}`,
      `AVERAGE-BANDWIDTH=${r.averageBandwidth}`,
      `CODECS="${r.codecs}"`,
      `RESOLUTION=${r.width}x${r.height}`,
      `FRAME-RATE=${r.fps.toFixed(3)}`,
      ...(audio ? ['AUDIO="audio"'] : []),
    ];
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, r.playlist);
  }
  return `${lines.join('\n')}\n`;
}

async function listFiles(root: string, dir = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listFiles(root, rel)));
    else files.push(rel);
  }
  return files;
}

/**
 * Writes slides.json, thumbs.vtt, audio.m3u8 and finally master.m3u8 into `packageDir`, and
 * answers the summary. `durationSeconds` is what the playlists measured (the longest track).
 */
export async function writePackage(packageDir: string, plan: LadderPlan, notes: string[] = []): Promise<PackageSummary> {
  let audio: AudioSummary | null = null;
  let audioStats: SegmentStats | undefined;
  if (plan.audio) {
    audioStats = await measurePlaylist(packageDir, plan.audio.playlist);
    const text = await readFile(path.join(packageDir, plan.audio.playlist), 'utf8');
    await writeFile(path.join(packageDir, 'audio.m3u8'), standaloneAudioPlaylist(text, plan.audio.dir));
    audio = {
      playlist: plan.audio.playlist,
      standalonePlaylist: 'audio.m3u8',
      codecs: 'mp4a.40.2',
      channels: plan.audio.channels,
      sampleRate: plan.audio.sampleRate,
      bandwidth: audioStats.peakBitsPerSecond,
      averageBandwidth: audioStats.averageBitsPerSecond,
    };
  }

  const renditions: RenditionSummary[] = [];
  let durationSeconds = audioStats?.durationSeconds ?? 0;
  for (const r of plan.renditions) {
    const stats = await measurePlaylist(packageDir, r.playlist);
    durationSeconds = Math.max(durationSeconds, stats.durationSeconds);
    const codec = avcCodecString(await readFile(path.join(packageDir, r.dir, 'init.mp4')));
    renditions.push(renditionSummary(r, stats, codec, audio));
  }

  let slideEntries: SlideEntry[] = [];
  if (plan.slides) {
    const slideDir = path.join(packageDir, plan.slides.dir);
    const times = parseFramesLog(await readFile(path.join(packageDir, plan.slides.framesLog), 'utf8').catch(() => ''));
    await rm(path.join(packageDir, plan.slides.framesLog), { force: true });
    const images = (await readdir(slideDir)).filter((f) => f.endsWith(`.${plan.slides!.extension}`)).sort();
    slideEntries = images.map((file, i) => ({
      // the first still is the opening picture whatever its time stamp says
      t: i === 0 ? 0 : Math.round((times[i] ?? times.at(-1) ?? 0) * 1000) / 1000,
      src: `${plan.slides!.dir}/${file}`,
      width: plan.slides!.width,
      height: plan.slides!.height,
    }));
    await writeFile(path.join(packageDir, 'slides.json'), `${JSON.stringify(slideEntries)}\n`);
  }

  if (plan.thumbs) {
    await writeFile(path.join(packageDir, plan.thumbs.vtt), thumbnailsVtt(plan.thumbs, durationSeconds || plan.durationSeconds));
  }

  const hasPoster = await stat(path.join(packageDir, plan.poster.file)).then((s) => s.size > 0, () => false);

  // written last: its presence means the package is complete
  if (renditions.length > 0) await writeFile(path.join(packageDir, 'master.m3u8'), masterPlaylist(renditions, audio));
  else if (audio) {
    // audio-only source: the master is the audio alone, so one entry point works for every package
    await writeFile(
      path.join(packageDir, 'master.m3u8'),
      `#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n\n#EXT-X-STREAM-INF:BANDWIDTH=${audio.bandwidth},AVERAGE-BANDWIDTH=${audio.averageBandwidth},CODECS="${audio.codecs}"\n${audio.playlist}\n`,
    );
  }

  const files = (await listFiles(packageDir)).filter((f) => f !== 'master.m3u8').sort();
  files.push('master.m3u8');

  return {
    durationSeconds: Math.round((durationSeconds || plan.durationSeconds) * 1000) / 1000,
    renditions,
    audio,
    slides: slideEntries.length,
    slidesIndex: plan.slides ? 'slides.json' : null,
    poster: hasPoster ? plan.poster.file : null,
    thumbnails: plan.thumbs ? { sprite: plan.thumbs.sprite, vtt: plan.thumbs.vtt, intervalSeconds: plan.thumbs.intervalSeconds } : null,
    files,
    hasVideo: renditions.length > 0,
    hasAudio: audio !== null,
    notes: [...plan.notes, ...notes],
  };
}

function renditionSummary(r: PlannedRendition, stats: SegmentStats, codec: string, audio: AudioSummary | null): RenditionSummary {
  return {
    name: r.name,
    width: r.width,
    height: r.height,
    fps: Math.round(r.fps * 1000) / 1000,
    // a variant's BANDWIDTH covers everything it plays: its video plus the audio group
    bandwidth: stats.peakBitsPerSecond + (audio?.bandwidth ?? 0),
    averageBandwidth: stats.averageBitsPerSecond + (audio?.averageBandwidth ?? 0),
    videoPeakBitsPerSecond: stats.peakBitsPerSecond,
    videoAverageBitsPerSecond: stats.averageBitsPerSecond,
    codecs: audio ? `${codec},${audio.codecs}` : codec,
    playlist: r.playlist,
  };
}
