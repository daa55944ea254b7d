/**
 * The first seconds of a lecture page on a slow line (docs/player.md, "Start-up"). Imported by
 * the entry: when the page is /lectures/:id, the playback session is opened **beside** GET
 * /api/me instead of after it (the session route authenticates by the cookie itself; a 401 just
 * goes unused while /api/me's 401 sends the shell to /login), and as soon as it answers the
 * playlists the player will need are fetched: the master playlist, the media playlist of the
 * rendition the ABR starts on and the audio rendition's (video mode), or `audio.m3u8` (audio
 * modes). hls.js then gets their text from `takePlaylist` instead of asking the line again.
 *
 * Opening a session closes the user's other open session, so leftover heartbeats of this user
 * must go out first (docs/player.md, "The outbox"). Before /api/me answers, the user is the one
 * the device last saw signed in (`lectern.user`, kept by session.svelte.ts); when that user has
 * leftovers on the device, or nobody is known, nothing is opened early and the controller does
 * it in the usual order. The controller takes the early session only if /api/me names the same
 * user (`takeEarlySession`).
 */
import { api } from '../api/browser.ts';
import { chooseStartLevel, levelForHeight } from './abr.ts';
import { loadBandwidth } from './bandwidth.ts';
import { loadChoices } from './controls.ts';
import { HeartbeatQueue, webStore, type KeyValueStore } from './heartbeat-queue.ts';
import type { SessionInfo } from './transport.ts';

/** the id of the user this device last saw signed in */
export const USER_HINT_KEY = 'lectern.user';

interface Early {
  lectureId: string;
  userId: string;
  session: Promise<SessionInfo>;
}

let early: Early | null = null;
/** a playlist's text and the URL it came from (after redirects: relative URIs resolve against it) */
export interface Fetched {
  url: string;
  text: string;
}
const playlists = new Map<string, Promise<Fetched | null>>();

function deviceStore(): KeyValueStore | null {
  try {
    return webStore(window.localStorage);
  } catch {
    return null;
  }
}

/** Called by the entry: opens the session early when it is safe to (see above). */
export function startEarly(
  pathname: string,
  store: KeyValueStore | null = deviceStore(),
  open: (lectureId: string) => Promise<SessionInfo> = (id) => api.openSession(id) as Promise<SessionInfo>,
  warm: (info: SessionInfo, store: KeyValueStore) => void = warmPlaylists,
): boolean {
  const match = /^\/lectures\/([^/]+)\/?$/.exec(pathname);
  if (!match || !store) return false;
  let userId: string | null = null;
  try {
    userId = store.getItem(USER_HINT_KEY);
  } catch {
    return false;
  }
  if (!userId || new HeartbeatQueue(store).sessions(userId).length > 0) return false;
  let lectureId: string;
  try {
    lectureId = decodeURIComponent(match[1]!);
  } catch {
    return false; // a malformed link: the page says "not found" the usual way
  }
  const session = open(lectureId);
  early = { lectureId, userId, session };
  session.then(
    (info) => warm(info, store),
    () => undefined, // the controller sees the failure when it takes the session
  );
  return true;
}

/** The early session for this lecture and user, once; null when there is none (then open one). */
export function takeEarlySession(lectureId: string, userId: string): Promise<SessionInfo> | null {
  const found = early;
  early = null;
  return found && found.lectureId === lectureId && found.userId === userId ? found.session : null;
}

/** A playlist fetched ahead (absolute URL), once; null when it was not (or the fetch failed). */
export function takePlaylist(url: string): Promise<Fetched | null> | null {
  // hls.js asks for the master by the URL it was given (the session's, relative to the page)
  const key = new URL(url, window.location.href).href;
  const text = playlists.get(key);
  if (!text) return null;
  playlists.delete(key);
  return text;
}

function fetchText(url: string): Promise<Fetched | null> {
  let promise = playlists.get(url);
  if (!promise) {
    promise = fetch(url, { credentials: 'same-origin' })
      .then(async (response) => (response.ok ? { url: response.url || url, text: await response.text() } : null))
      .catch(() => null);
    playlists.set(url, promise);
  }
  return promise;
}

function warmPlaylists(info: SessionInfo, store: KeyValueStore): void {
  const choices = loadChoices(store);
  const base = window.location.href;
  if (choices.listening !== 'video') {
    void fetchText(new URL(info.media.audio, base).href);
    return;
  }
  const masterUrl = new URL(info.media.master, base).href;
  void fetchText(masterUrl).then((master) => {
    if (master === null) return;
    const fixed = choices.quality.kind === 'level' ? choices.quality.height : null;
    for (const uri of firstPlaylists(master.text, loadBandwidth(store), fixed)) void fetchText(new URL(uri, master.url).href);
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
