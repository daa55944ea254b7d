/**
 * Pure: what a master playlist offers a player at start — its video renditions and the audio
 * rendition of each group — and which media playlists a player starts on when it has not measured
 * the line: the lowest BANDWIDTH (web/src/lib/player/abr.ts, `chooseStartLevel`) and its audio.
 * The session answer carries their text (docs/player.md, "Start-up"), so the first segments are
 * asked one round trip earlier; the player's own choice on a remembered line reads the same
 * renditions (web/src/lib/player/early-playlists.ts). No I/O: tests/unit/start-playlists.test.ts.
 */
export interface MasterRendition {
  /** BANDWIDTH, which hls.js's `level.bitrate` is */
  bitrate: number;
  height?: number;
  uri: string;
  /** its AUDIO group */
  audio?: string;
  /** its CODECS attribute, as written (e.g. `avc1.4d400b,mp4a.40.2`) */
  codecs?: string;
}

export interface MasterRenditions {
  variants: MasterRendition[];
  /** the audio rendition's URI of each group (DEFAULT=YES first) */
  audio: Map<string, string>;
}

export function masterRenditions(master: string): MasterRenditions {
  const lines = master.split(/\r?\n/).map((line) => line.trim());
  const variants: MasterRendition[] = [];
  const audio = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#EXT-X-MEDIA:') && line.includes('TYPE=AUDIO')) {
      const group = /GROUP-ID="([^"]*)"/.exec(line)?.[1];
      const uri = /URI="([^"]*)"/.exec(line)?.[1];
      if (group !== undefined && uri && (!audio.has(group) || line.includes('DEFAULT=YES'))) audio.set(group, uri);
    } else if (line.startsWith('#EXT-X-STREAM-INF:')) {
      const uri = lines.slice(i + 1).find((next) => next !== '' && !next.startsWith('#'));
      if (!uri) continue;
      const height = /RESOLUTION=\d+x(\d+)/.exec(line)?.[1];
      const group = /[:,]AUDIO="([^"]*)"/.exec(line)?.[1];
      const bitrate = Number(/[:,]BANDWIDTH=(\d+)/.exec(line)?.[1] ?? '0');
      const codecs = /[:,]CODECS="([^"]*)"/.exec(line)?.[1];
      variants.push({
        bitrate,
        uri,
        ...(height ? { height: Number(height) } : {}),
        ...(group !== undefined ? { audio: group } : {}),
        ...(codecs !== undefined ? { codecs } : {}),
      });
    }
  }
  return { variants, audio };
}

/** A rendition's playlist and its audio's, in that order. */
export function withAudio(renditions: MasterRenditions, start: MasterRendition | undefined): string[] {
  if (!start) return [];
  const audioUri = start.audio !== undefined ? renditions.audio.get(start.audio) : undefined;
  return audioUri ? [start.uri, audioUri] : [start.uri];
}

/** The media playlists a player starts on without a measured line: the lowest rendition and its audio. */
export function startPlaylistUris(master: string): string[] {
  const renditions = masterRenditions(master);
  const lowest = renditions.variants.reduce<MasterRendition | undefined>((low, v) => (!low || v.bitrate < low.bitrate ? v : low), undefined);
  return withAudio(renditions, lowest);
}

/** A URI of the master that names a playlist inside the same package (relative, no `..`, no query). */
export function isPackageRelative(uri: string): boolean {
  return /^[A-Za-z0-9_-][A-Za-z0-9_./-]*\.m3u8$/.test(uri) && !uri.split('/').includes('..');
}
