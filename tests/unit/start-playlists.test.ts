/** Which media playlists the session answer carries (server/media/start-playlists.ts). */
import { describe, expect, it } from 'vitest';
import { isPackageRelative, startPlaylistUris } from '../../server/media/start-playlists.ts';
import { firstPlaylists } from '../../web/src/lib/player/early-playlists.ts';
import { TRANSCODER_MASTER } from '../helpers/master-playlist.ts';

// as the transcoder writes it, with CRLF line ends (a playlist edited on Windows reads the same)
const master = TRANSCODER_MASTER.replace(/\n/g, '\r\n');

describe('start playlists', () => {
  it('the lowest BANDWIDTH rendition (not AVERAGE-BANDWIDTH, not the first listed) and its audio', () => {
    expect(startPlaylistUris(master)).toEqual(['144p/index.m3u8', 'audio/index.m3u8']);
    expect(startPlaylistUris('#EXTM3U\n#EXT-X-STREAM-INF:AVERAGE-BANDWIDTH=10,BANDWIDTH=900\na.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=500,AVERAGE-BANDWIDTH=400\nb.m3u8\n')).toEqual(['b.m3u8']);
  });

  it('are what the player asks first on a line it has not measured (so what is carried is taken)', () => {
    expect(firstPlaylists(master, null, null)).toEqual(startPlaylistUris(master));
    // a remembered fast line starts higher: the carried playlists then simply go unused
    expect(firstPlaylists(master, 2_000_000, null)).toEqual(['360p/index.m3u8', 'audio/index.m3u8']);
  });

  it('the DEFAULT audio of the group; no audio group: the video rendition alone; no variant: nothing', () => {
    const two = master.replace('#EXT-X-MEDIA:', '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="other",URI="other/index.m3u8"\r\n#EXT-X-MEDIA:');
    expect(startPlaylistUris(two)).toEqual(['144p/index.m3u8', 'audio/index.m3u8']);
    expect(startPlaylistUris('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=55722,RESOLUTION=256x144\n144p/index.m3u8\n')).toEqual(['144p/index.m3u8']);
    expect(startPlaylistUris('#EXTM3U\n#EXT-X-TARGETDURATION:6\nseg-00000.m4s\n')).toEqual([]);
    expect(startPlaylistUris('')).toEqual([]);
  });

  it('only playlists inside the package are read', () => {
    expect(isPackageRelative('144p/index.m3u8')).toBe(true);
    expect(isPackageRelative('audio.m3u8')).toBe(true);
    for (const uri of ['../other/master.m3u8', '144p/../../x.m3u8', '/abs/index.m3u8', 'https://cdn.example/index.m3u8', '144p/index.m3u8?x=1', '144p/seg-00000.m4s']) {
      expect(isPackageRelative(uri), uri).toBe(false);
    }
  });
});
