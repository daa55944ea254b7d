/**
 * Pure: a VOD media playlist as the package player (package-player.ts) needs it — the init
 * segment, each segment's URL and place on the timeline — and the lookups it makes while it
 * plays. Only what our transcoder writes is understood (fMP4: one EXT-X-MAP, EXTINF segments,
 * EXT-X-ENDLIST; docs/transcoding.md); anything else (TS segments, byte ranges, keys, a live
 * list) answers null, and the player hands that package to hls.js. No I/O:
 * tests/unit/media-playlist.test.ts.
 */

export interface Segment {
  url: string;
  /** media time the segment starts at, seconds (the sum of the EXTINFs before it) */
  start: number;
  duration: number;
}

export interface MediaPlaylist {
  /** the EXT-X-MAP init segment */
  init: string;
  segments: Segment[];
  /** seconds: the sum of every EXTINF */
  duration: number;
}

/** Tags whose meaning this player does not implement: a package carrying one goes to hls.js. */
const UNSUPPORTED = ['#EXT-X-BYTERANGE', '#EXT-X-KEY', '#EXT-X-DISCONTINUITY', '#EXT-X-GAP', '#EXT-X-PART', '#EXT-X-SKIP'];

export function parseMediaPlaylist(text: string, baseUrl: string): MediaPlaylist | null {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  if (lines[0] !== '#EXTM3U') return null;
  let init: string | null = null;
  let ended = false;
  let pending: number | null = null;
  let start = 0;
  const segments: Segment[] = [];
  for (const line of lines) {
    if (line === '') continue;
    if (line.startsWith('#EXT-X-MAP:')) {
      const uri = /URI="([^"]*)"/.exec(line)?.[1];
      if (!uri || init !== null || line.includes('BYTERANGE=')) return null;
      init = resolve(uri, baseUrl);
    } else if (line.startsWith('#EXTINF:')) {
      const seconds = Number.parseFloat(line.slice('#EXTINF:'.length));
      if (!(seconds > 0)) return null;
      pending = seconds;
    } else if (line === '#EXT-X-ENDLIST') {
      ended = true;
    } else if (UNSUPPORTED.some((tag) => line.startsWith(tag))) {
      return null;
    } else if (!line.startsWith('#')) {
      if (pending === null) return null;
      segments.push({ url: resolve(line, baseUrl), start, duration: pending });
      start += pending;
      pending = null;
    }
  }
  if (init === null || !ended || segments.length === 0) return null;
  return { init, segments, duration: start };
}

function resolve(uri: string, base: string): string {
  return new URL(uri, base).href;
}

/**
 * The index of the segment that holds media time `time` (the last one for a time at or past the
 * end, the first for a negative time).
 */
export function segmentAt(segments: ReadonlyArray<Segment>, time: number): number {
  let low = 0;
  let high = segments.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (segments[middle]!.start <= time + 1e-3) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** The CODECS attribute split into the video (avc1, hvc1…) and audio (mp4a, opus…) codec. */
export function splitCodecs(codecs: string | undefined): { video: string | null; audio: string | null } {
  let video: string | null = null;
  let audio: string | null = null;
  for (const codec of (codecs ?? '').split(',').map((part) => part.trim())) {
    if (/^(avc[13]|hvc1|hev1|vp09|av01)\b/.test(codec)) video ??= codec;
    else if (/^(mp4a|opus|ac-3|ec-3|flac)\b/i.test(codec)) audio ??= codec;
  }
  return { video, audio };
}

/**
 * Seconds of `ranges` (a TimeRanges-like list, in order) playable ahead of `time`: the range
 * holding it, and the ones that follow it with holes under `tolerance` (the few milliseconds
 * between two segments' samples that the browser plays through).
 */
export function bufferedAhead(ranges: ReadonlyArray<readonly [number, number]>, time: number, tolerance = 0.25): number {
  let end: number | null = null;
  for (const [from, to] of ranges) {
    if (end === null) {
      if (from <= time + tolerance && to > time) end = to;
    } else if (from <= end + tolerance) end = Math.max(end, to);
    else break;
  }
  return end === null ? 0 : end - time;
}

/** The start of a buffered range just ahead of `time` (within `reach` seconds) that playback cannot cross by itself, or null. */
export function gapAhead(ranges: ReadonlyArray<readonly [number, number]>, time: number, reach = 1): number | null {
  for (const [from, to] of ranges) {
    if (from <= time && to > time) return null;
    if (from > time && from - time <= reach) return from;
  }
  return null;
}
