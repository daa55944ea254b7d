import { describe, expect, it } from 'vitest';
import { firstPlaylists } from '../../web/src/lib/player/early-playlists.ts';
import { seedMasterPlaylist, startEarly, takeEarlySession, takePlaylist, USER_HINT_KEY } from '../../web/src/lib/player/early-start.ts';
import { HeartbeatQueue, memoryStore } from '../../web/src/lib/player/heartbeat-queue.ts';
import type { SessionInfo } from '../../web/src/lib/player/transport.ts';
import { TRANSCODER_MASTER } from '../helpers/master-playlist.ts';

const master = TRANSCODER_MASTER;

describe('firstPlaylists', () => {
  it('names the lowest rendition and its audio without a measured line', () => {
    expect(firstPlaylists(master, null, null)).toEqual(['144p/index.m3u8', 'audio/index.m3u8']);
  });

  it('follows the package player’s start-level choice (50 % of the remembered line, by BANDWIDTH)', () => {
    expect(firstPlaylists(master, 140_000, null)).toEqual(['144p/index.m3u8', 'audio/index.m3u8']); // 70 kbit/s < 70.2
    expect(firstPlaylists(master, 141_000, null)).toEqual(['240p/index.m3u8', 'audio/index.m3u8']);
    expect(firstPlaylists(master, 200_000, null)).toEqual(['360p/index.m3u8', 'audio/index.m3u8']);
  });

  it('takes a fixed rendition by height, and falls back when that height is gone', () => {
    expect(firstPlaylists(master, null, 360)).toEqual(['360p/index.m3u8', 'audio/index.m3u8']);
    expect(firstPlaylists(master, null, 1080)).toEqual(['144p/index.m3u8', 'audio/index.m3u8']);
  });

  it('answers nothing for a playlist without renditions', () => {
    expect(firstPlaylists('#EXTM3U\n#EXT-X-TARGETDURATION:2\nseg-0.m4s\n', null, null)).toEqual([]);
  });
});

describe('startEarly', () => {
  const session = { sessionId: 's-early' } as SessionInfo;
  function opener(): { open: (id: string) => Promise<SessionInfo>; opened: string[] } {
    const opened: string[] = [];
    return { opened, open: (id) => (opened.push(id), Promise.resolve(session)) };
  }

  it('opens the session of a lecture page for the last user, once, and only for that user and lecture', async () => {
    const store = memoryStore();
    store.setItem(USER_HINT_KEY, 'u1');
    const { open, opened } = opener();
    expect(startEarly('/lectures/L1', store, open, () => undefined)).toBe(true);
    expect(opened).toEqual(['L1']);
    expect(takeEarlySession('L1', 'u2')).toBeNull(); // /api/me named someone else: open anew
    expect(takeEarlySession('L1', 'u1')).toBeNull(); // taken (and dropped) once

    startEarly('/lectures/L1', store, open, () => undefined);
    expect(takeEarlySession('L2', 'u1')).toBeNull();
    startEarly('/lectures/L1', store, open, () => undefined);
    expect(await takeEarlySession('L1', 'u1')).toBe(session);
  });

  it('waits for /api/me when the user has heartbeats waiting (opening would close their session)', () => {
    const store = memoryStore();
    store.setItem(USER_HINT_KEY, 'u1');
    new HeartbeatQueue(store).open('old-session', 'L0', 'u1');
    const { open, opened } = opener();
    expect(startEarly('/lectures/L1', store, open, () => undefined)).toBe(false);
    expect(opened).toEqual([]);
    expect(takeEarlySession('L1', 'u1')).toBeNull();
  });

  it("opens early beside another user's waiting heartbeats (theirs are not closed by it)", () => {
    const store = memoryStore();
    store.setItem(USER_HINT_KEY, 'u1');
    new HeartbeatQueue(store).open('their-session', 'L0', 'u2');
    const { open, opened } = opener();
    expect(startEarly('/lectures/L1', store, open, () => undefined)).toBe(true);
    expect(opened).toEqual(['L1']);
    expect(takeEarlySession('L1', 'u1')).not.toBeNull();
  });

  it('does nothing on other pages, without a known user, or for a malformed link', () => {
    const store = memoryStore();
    const { open, opened } = opener();
    expect(startEarly('/lectures/L1', store, open, () => undefined)).toBe(false); // nobody known
    store.setItem(USER_HINT_KEY, 'u1');
    expect(startEarly('/courses/C1', store, open, () => undefined)).toBe(false);
    expect(startEarly('/lectures/L1/x', store, open, () => undefined)).toBe(false);
    expect(startEarly('/lectures/%E0%A4%A', store, open, () => undefined)).toBe(false);
    expect(startEarly('/lectures/L1', null, open, () => undefined)).toBe(false);
    expect(opened).toEqual([]);
  });
});

describe('seedMasterPlaylist', () => {
  it('hands hls.js the master playlist the session answer carried, once, as fetched from its URL', async () => {
    const scope = globalThis as { window?: unknown };
    const before = scope.window;
    scope.window = { location: { href: 'http://lectern.test/lectures/L1' } };
    try {
      const info = { media: { master: '/api/media/1/sig/lectures/L1/pkg/master.m3u8' }, masterPlaylist: master } as unknown as SessionInfo;
      seedMasterPlaylist(info);
      // no server answers here: a fetch would resolve to null, so the text proves nothing went out
      expect(await takePlaylist('/api/media/1/sig/lectures/L1/pkg/master.m3u8')).toEqual({ url: 'http://lectern.test/api/media/1/sig/lectures/L1/pkg/master.m3u8', text: master });
      expect(takePlaylist('/api/media/1/sig/lectures/L1/pkg/master.m3u8')).toBeNull();
      // the start media playlists it carried, under the URLs they resolve to against the master's
      const media = '#EXTM3U\n#EXT-X-TARGETDURATION:6\nseg-00000.m4s\n';
      seedMasterPlaylist({ ...info, mediaPlaylists: { '144p/index.m3u8': media } } as unknown as SessionInfo);
      expect(await takePlaylist('/api/media/1/sig/lectures/L1/pkg/144p/index.m3u8')).toEqual({ url: 'http://lectern.test/api/media/1/sig/lectures/L1/pkg/144p/index.m3u8', text: media });
      expect(await takePlaylist('/api/media/1/sig/lectures/L1/pkg/master.m3u8')).toEqual({ url: 'http://lectern.test/api/media/1/sig/lectures/L1/pkg/master.m3u8', text: master });
      // without the text (it could not be read) nothing is seeded: hls.js fetches the master itself
      seedMasterPlaylist({ media: info.media } as unknown as SessionInfo);
      expect(takePlaylist('/api/media/1/sig/lectures/L1/pkg/master.m3u8')).toBeNull();
    } finally {
      scope.window = before;
    }
  });
});
