/**
 * The media playlists the player asks for right after the master (docs/player.md, "Start-up"):
 * fetched by the lecture chunk as soon as the master that early-start.ts fetched arrives, so
 * they are on their way before the player has parsed the master. Not in the entry: the start-level
 * choice (abr.ts) belongs to the player.
 */
import { chooseStartLevel, levelForHeight } from './abr.ts';
import { loadBandwidth } from './bandwidth.ts';
import { loadChoices } from './controls.ts';
import { earlyMaster, fetchPlaylist } from './early-start.ts';
import type { KeyValueStore } from './heartbeat-queue.ts';
import { masterRenditions, withAudio } from '../../../../server/media/start-playlists.ts';

export function warmMediaPlaylists(store: KeyValueStore | null): void {
  void earlyMaster()?.then((master) => {
    if (!master) return;
    const quality = loadChoices(store).quality;
    const fixed = quality.kind === 'level' ? quality.height : null;
    for (const uri of firstPlaylists(master.text, loadBandwidth(store), fixed)) void fetchPlaylist(new URL(uri, master.url).href);
  });
}

/**
 * The media playlists the player asks for first: the rendition it starts on (the same choice as
 * package-player.ts: a fixed height, else `chooseStartLevel`) and the audio rendition of its group.
 */
export function firstPlaylists(master: string, estimate: number | null, fixedHeight: number | null): string[] {
  const renditions = masterRenditions(master);
  const { variants } = renditions;
  const byHeight = fixedHeight !== null ? levelForHeight(variants, fixedHeight) : -1;
  return withAudio(renditions, variants[byHeight >= 0 ? byHeight : chooseStartLevel(variants, estimate)]);
}
