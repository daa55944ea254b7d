/**
 * The first seconds of a lecture page on a slow line (docs/player.md, "Start-up"). Imported by
 * the entry: when the page is /lectures/:id, the playback session is opened **beside** GET
 * /api/me instead of after it (the session route authenticates by the cookie itself; a 401 just
 * goes unused while /api/me's 401 sends the shell to /login), and as soon as it answers the
 * playlists the player will need are fetched: the master playlist (video mode; its text usually
 * rides in the session answer, `masterPlaylist`, so it costs no round trip, and so do the
 * media playlists of the lowest rendition and its audio, `mediaPlaylists`; the lecture chunk
 * fetches the media playlists of the rendition the ABR starts on when it is another one,
 * early-playlists.ts), or `audio.m3u8` (audio modes). the player then gets their text from
 * `takePlaylist` instead of asking the line again. Kept small: it is part of the entry.
 *
 * Opening a session closes the user's other open session, so leftover heartbeats of this user
 * must go out first (docs/player.md, "The outbox"). Before /api/me answers, the user is the one
 * the device last saw signed in (`lectern.user`, kept by session.svelte.ts); when that user has
 * leftovers on the device, or nobody is known, nothing is opened early and the controller does
 * it in the usual order. The controller takes the early session only if /api/me names the same
 * user (`takeEarlySession`).
 */
import { api } from '../api/browser.ts';
import { loadChoices } from './choices.ts';
import type { KeyValueStore } from './heartbeat-queue.ts';
import { hasOutbox } from './outbox-keys.ts';
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

/** window.localStorage, read only (the entry must not carry heartbeat-queue.ts's webStore) */
function deviceStore(): KeyValueStore | null {
  try {
    const storage = window.localStorage;
    return {
      getItem: (key) => storage.getItem(key),
      setItem: () => undefined,
      removeItem: () => undefined,
      keys: () => Array.from({ length: storage.length }, (_, i) => storage.key(i) ?? ''),
    };
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
  if (!userId || hasOutbox(store, userId)) return false;
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
  // the player asks for the master by the URL it was given (the session's, relative to the page)
  const key = new URL(url, window.location.href).href;
  const text = playlists.get(key);
  if (!text) return null;
  playlists.delete(key);
  return text;
}

/** Fetches a playlist for the player to take (absolute URL), once. */
export function fetchPlaylist(url: string): Promise<Fetched | null> {
  let promise = playlists.get(url);
  if (!promise) {
    promise = fetch(url, { credentials: 'same-origin' })
      .then(async (response) => (response.ok ? { url: response.url || url, text: await response.text() } : null))
      .catch(() => null);
    playlists.set(url, promise);
  }
  return promise;
}

let master: Promise<Fetched | null> | null = null;

function warmPlaylists(info: SessionInfo, store: KeyValueStore): void {
  const base = window.location.href;
  if (loadChoices(store).listening !== 'video') void fetchPlaylist(new URL(info.media.audio, base).href);
  else master = seedCarried(info) ?? fetchPlaylist(new URL(info.media.master, base).href);
}

/** For a session opened the usual way: the playlists' text it carried, for the player to take without asking. */
export function seedMasterPlaylist(info: SessionInfo): void {
  void seedCarried(info);
}

/**
 * The master and the start media playlists (lowest rendition and its audio) the session answer
 * carried, seeded under the URLs the player will ask (the media ones resolve against the master's).
 * A media playlist the player does not start on (a remembered fast line) is simply never taken.
 */
function seedCarried(info: SessionInfo): Promise<Fetched | null> | null {
  if (info.masterPlaylist === undefined) return null;
  const masterUrl = new URL(info.media.master, window.location.href).href;
  for (const [uri, text] of Object.entries(info.mediaPlaylists ?? {})) void seedPlaylist(new URL(uri, masterUrl).href, text);
  return seedPlaylist(masterUrl, info.masterPlaylist);
}

/** A playlist the session answer carried (the master): the player takes it as if fetched, no round trip. */
function seedPlaylist(url: string, text: string): Promise<Fetched | null> {
  const promise = Promise.resolve({ url, text });
  playlists.set(url, promise);
  return promise;
}

/**
 * The master playlist fetched early (video mode), or null. The lecture chunk then fetches the
 * media playlists the player starts on (early-playlists.ts: the start-level choice stays out of the
 * entry).
 */
export function earlyMaster(): Promise<Fetched | null> | null {
  return master;
}
