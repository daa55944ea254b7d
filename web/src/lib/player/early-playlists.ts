/**
 * The media playlists hls.js asks for right after the master (docs/player.md, "Start-up"):
 * fetched by the lecture chunk as soon as the master that early-start.ts fetched arrives, so
 * they are on their way before hls.js has parsed the master. Not in the entry: the start-level
 * choice (abr.ts) belongs to the player.
 */
import { chooseStartLevel, levelForHeight } from './abr.ts';
import { loadBandwidth } from './bandwidth.ts';
import { loadChoices } from './controls.ts';
import { earlyMaster, fetchPlaylist } from './early-start.ts';
import type { KeyValueStore } from './heartbeat-queue.ts';

export function warmMediaPlaylists(store: KeyValueStore | null): void {
  void earlyMaster()?.then((master) => {
    if (!master) return;
    const quality = loadChoices(store).quality;
    const fixed = quality.kind === 'level' ? quality.height : null;
    for (const uri of firstPlaylists(master.text, loadBandwidth(store), fixed)) void fetchPlaylist(new URL(uri, master.url).href);
  });
}

/**
 * The media playlists hls.js asks for first: the rendition it starts on (the same choice as
 * hls-loader.ts: a fixed height, else `chooseStartLevel`) and the audio rendition of its group.
 */
export function firstPlaylists(master: string, estimate: number | null, fixedHeight: number | null): string[] {
  const variants: { bitrate: number; height?: number; uri: string; audio?: string }[] = [];
  const audio = new Map<string, string>();
  const lines = master.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.startsWith('#EXT-X-MEDIA:') && /TYPE=AUDIO/.test(line)) {
      const group = /GROUP-ID="([^"]*)"/.exec(line)?.[1];
      const uri = /URI="([^"]*)"/.exec(line)?.[1];
      if (group !== undefined && uri && (!audio.has(group) || /DEFAULT=YES/.test(line))) audio.set(group, uri);
    } else if (line.startsWith('#EXT-X-STREAM-INF:')) {
      const uri = lines.slice(i + 1).find((next) => next.trim() !== '' && !next.startsWith('#'));
      if (!uri) continue;
      const height = /RESOLUTION=\d+x(\d+)/.exec(line)?.[1];
      const group = /AUDIO="([^"]*)"/.exec(line)?.[1];
      // hls.js's `level.bitrate`, which hls-loader.ts chooses by, is BANDWIDTH
      const bitrate = /[:,]BANDWIDTH=(\d+)/.exec(line)?.[1] ?? '0';
      variants.push({ bitrate: Number(bitrate), uri: uri.trim(), ...(height ? { height: Number(height) } : {}), ...(group !== undefined ? { audio: group } : {}) });
    }
  }
  const byHeight = fixedHeight !== null ? levelForHeight(variants, fixedHeight) : -1;
  const start = variants[byHeight >= 0 ? byHeight : chooseStartLevel(variants, estimate)];
  if (!start) return [];
  const audioUri = start.audio !== undefined ? audio.get(start.audio) : undefined;
  return audioUri ? [start.uri, audioUri] : [start.uri];
}
