/**
 * PURE: which probed containers are recordings we accept, and the input options that keep ffmpeg
 * and ffprobe from opening anything an uploaded file names.
 *
 * The threat: libavformat has demuxers whose "file" is a list of other files or URLs: an HLS
 * playlist (`file:///…/other.ts`, `http://…`), an ffconcat script, DASH, image sequences. A text
 * upload that ffprobe takes for one of them makes the transcoder read, and publish as a lecture,
 * whatever it names. Three locks, each enough for the case it covers (docs/transcoding.md, "What
 * an uploaded file can make ffmpeg open"):
 *
 * 1. ffprobe runs with `-format_whitelist` of the demuxers below: libavformat checks the probed
 *    demuxer against it right after probing and BEFORE reading the header, so a playlist or script
 *    is refused before it has opened a single entry (it is also copied to nested contexts).
 * 2. The probed format_name must be exactly one of the list (`judgeContainer`), or the upload is
 *    refused with `unsupported_format`.
 * 3. Every ffmpeg that reads the upload gets that demuxer forced (`-f`), as the only one allowed,
 *    and `-protocol_whitelist file`: no network, `data:`, `crypto:`, `subfile:` or `concat:` URLs
 *    even if a demuxer on the list tried to open one. mov keeps `enable_drefs` 0 (its default,
 *    said explicitly): external data references are the one way an MP4/MOV can name other files.
 *
 * None of the demuxers on the list opens a second file by itself (checked for each below).
 */

export interface AcceptedContainer {
  /** ffprobe's `format_name`, exactly: the demuxer's full name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" */
  formatName: string;
  /** one of its names, without commas: what `-f` and `-format_whitelist` take */
  demuxer: string;
  /** who writes such files: why it is on the list */
  madeBy: string;
  /** demuxer-private input options that keep it from opening other files */
  privateOptions?: readonly string[];
  /**
   * A seek lands inside a frame (no sample index: MPEG-PS seeks by byte position), so the decoders
   * complain about the first partial frame after it; that says nothing about the file.
   */
  partialFramesAfterSeek?: boolean;
}

/** Recording containers: what phones, cameras, screen recorders and audio recorders write. */
export const ACCEPTED_CONTAINERS: readonly AcceptedContainer[] = [
  {
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    demuxer: 'mov',
    madeBy: 'phones (MP4, iPhone MOV), cameras, screen recorders, Zoom/Tencent Meeting, voice memos (M4A), old phones (3GP)',
    // data references to other files: off by default, kept off on purpose
    privateOptions: ['-enable_drefs', '0'],
  },
  { formatName: 'matroska,webm', demuxer: 'matroska', madeBy: 'OBS (MKV), browser and meeting recordings (WebM)' },
  { formatName: 'avi', demuxer: 'avi', madeBy: 'older cameras and screen recorders' },
  { formatName: 'flv', demuxer: 'flv', madeBy: 'live-stream recordings, older OBS' },
  { formatName: 'mpegts', demuxer: 'mpegts', madeBy: 'camcorders (AVCHD .mts/.m2ts), OBS, TV captures' },
  { formatName: 'mpeg', demuxer: 'mpeg', madeBy: 'DVD (.vob) and camcorder MPEG-PS (.mpg)', partialFramesAfterSeek: true },
  { formatName: 'asf', demuxer: 'asf', madeBy: 'Windows recorders (WMV, WMA)' },
  { formatName: 'dv', demuxer: 'dv', madeBy: 'DV camcorders' },
  { formatName: 'mp3', demuxer: 'mp3', madeBy: 'audio recorders, exported talks' },
  { formatName: 'wav', demuxer: 'wav', madeBy: 'audio recorders, sound cards' },
  { formatName: 'ogg', demuxer: 'ogg', madeBy: 'Android recorders (Opus, Vorbis)' },
  { formatName: 'flac', demuxer: 'flac', madeBy: 'audio recorders (lossless)' },
  { formatName: 'aac', demuxer: 'aac', madeBy: 'audio recorders writing raw AAC (.aac)' },
  { formatName: 'amr', demuxer: 'amr', madeBy: 'phone voice and call recorders (.amr)' },
  { formatName: 'aiff', demuxer: 'aiff', madeBy: 'Mac audio (GarageBand, Logic exports)' },
  { formatName: 'caf', demuxer: 'caf', madeBy: 'Apple audio apps (.caf)' },
];

/** The probed container: on the list, or refused with the name ffprobe gave it (for the log). */
export type ContainerVerdict = { kind: 'accepted'; container: AcceptedContainer } | { kind: 'refused'; formatName: string };

/**
 * Exact names only: "mov,mp4,m4a,3gp,3g2,mj2" is the mov demuxer, "mp4" or "hls,mov,…" is not
 * something ffprobe says about a file, so it is not trusted either.
 */
export function judgeContainer(formatName: string): ContainerVerdict {
  const container = ACCEPTED_CONTAINERS.find((c) => c.formatName === formatName);
  return container ? { kind: 'accepted', container } : { kind: 'refused', formatName };
}

/**
 * Protocols an input may use: local files only. Tighter would be `fd` alone (the upload handed
 * over as an open descriptor, so no path at all could be opened), but neither Debian 12's ffmpeg
 * 5.1 nor the npm ffmpeg 4.x has the `fd:` protocol, and `pipe:` cannot seek, which an MP4 with
 * its index at the end needs (measured: "partial file"). See docs/transcoding.md.
 */
export const INPUT_PROTOCOLS = 'file';

/** For ffprobe, which learns the container: libavformat refuses any demuxer off the list before reading its header. */
export function probeInputOptions(): string[] {
  return ['-protocol_whitelist', INPUT_PROTOCOLS, '-format_whitelist', ACCEPTED_CONTAINERS.map((c) => c.demuxer).join(',')];
}

/** For every ffmpeg reading the upload after probing: the probed demuxer, forced and the only one allowed. */
export function sourceInputOptions(container: AcceptedContainer): string[] {
  return [
    '-protocol_whitelist', INPUT_PROTOCOLS,
    '-format_whitelist', container.demuxer,
    '-f', container.demuxer,
    ...(container.privateOptions ?? []),
  ];
}
