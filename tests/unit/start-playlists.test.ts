/** Which media playlists the session answer carries (server/media/start-playlists.ts). */
import { describe, expect, it } from 'vitest';
import { isPackageRelative, startPlaylistUris } from '../../server/media/start-playlists.ts';
import { firstPlaylists } from '../../web/src/lib/player/early-playlists.ts';

// the shape the transcoder writes (docs/transcoding.md): video renditions without sound, one audio group
const master = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="中文",LANGUAGE="zh",DEFAULT=YES,AUTOSELECT=YES,URI="audio/index.m3u8"',
  '#EXT-X-STREAM-INF:BANDWIDTH=420000,AVERAGE-BANDWIDTH=380000,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.5",AUDIO="aud"',
  '360p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=95000,AVERAGE-BANDWIDTH=80000,RESOLUTION=256x144,CODECS="avc1.42c00c,mp4a.40.5",AUDIO="aud"',
  '144p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=180000,RESOLUTION=426x240,AUDIO="aud"',
  '240p/index.m3u8',
  '',
].join('\r\n');

describe('start playlists', () => {
  it('the lowest BANDWIDTH rendition (not AVERAGE-BANDWIDTH, not the first listed) and its audio', () => {
    expect(startPlaylistUris(master)).toEqual(['144p/index.m3u8', 'audio/index.m3u8']);
  });

  it('are what the player asks first on a line it has not measured (so what is carried is taken)', () => {
    expect(firstPlaylists(master, null, null)).toEqual(startPlaylistUris(master));
    // a remembered fast line starts higher: the carried playlists then simply go unused
    expect(firstPlaylists(master, 2_000_000, null)).toEqual(['360p/index.m3u8', 'audio/index.m3u8']);
  });

  it('the DEFAULT audio of the group; no audio group: the video rendition alone; no variant: nothing', () => {
    const two = master.replace('#EXT-X-MEDIA:', '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="other",URI="other/index.m3u8"\r\n#EXT-X-MEDIA:');
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
