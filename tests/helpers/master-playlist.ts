/**
 * A master playlist as the transcoder writes it (docs/transcoding.md): video renditions without
 * sound, listed out of BANDWIDTH order, and one audio rendition. The player's start choice
 * (web/src/lib/player/early-playlists.ts) and the server's start playlists
 * (server/media/start-playlists.ts) are tested on the same text.
 */
export const TRANSCODER_MASTER = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="zh",NAME="中文",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="1",URI="audio/index.m3u8"',
  '',
  '#EXT-X-STREAM-INF:BANDWIDTH=88750,AVERAGE-BANDWIDTH=63159,CODECS="avc1.4d401e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=25.000,AUDIO="audio"',
  '360p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=55722,AVERAGE-BANDWIDTH=46225,CODECS="avc1.4d400b,mp4a.40.2",RESOLUTION=256x144,FRAME-RATE=12.500,AUDIO="audio"',
  '144p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=70178,AVERAGE-BANDWIDTH=53385,CODECS="avc1.4d4015,mp4a.40.2",RESOLUTION=426x240,FRAME-RATE=12.500,AUDIO="audio"',
  '240p/index.m3u8',
  '',
].join('\n');
