/**
 * Media delivery: signed links for a published package, and the decision of how one signed request
 * is answered (an error, a redirect to S3, or bytes with the right type, range and caching).
 * The route only turns these answers into HTTP.
 */
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { contentTypeFor, isPlaylist, parseRangeHeader } from '../storage/keys.ts';
import { rangeNotSatisfiable, serveStoredObject, storageFailureAnswer, type StoredAnswer } from '../storage/serve.ts';
import { expiryFor, nowSeconds, signPrefix, verify } from '../storage/signing.ts';
import type { Storage } from '../storage/types.ts';
import { SharedPlaylists, SHARED_WINDOW_SECONDS, type SharedPlaylist } from './playlists.ts';
import { isPackageRelative, startPlaylistUris } from './start-playlists.ts';

/** Segments, images and indexes of a package never change (a new package gets a new prefix). */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Playlists are small and name everything else; keep them short-lived so a re-sign reaches players. */
export const PLAYLIST_CACHE = 'private, max-age=60';
/** How long the presigned S3 URL behind a redirect lives at least, and how long browsers keep the redirect. */
const REDIRECT_URL_SECONDS = 2 * 3600;
const REDIRECT_CACHE = 'private, max-age=3600';
/** Master playlists kept in memory (packages are immutable under their prefix), and the largest carried. */
const MASTER_CACHE_ENTRIES = 2_000;
const MASTER_MAX_BYTES = 16 * 1024;
/**
 * Start media playlists kept in memory, and the largest carried: a 2-hour rendition's playlist is
 * about 38 KB (1202 segments), so 400 entries are at most ~26 MB; a longer one is not carried.
 */
const START_CACHE_ENTRIES = 400;
const START_MAX_BYTES = 64 * 1024;

/** What the session answer carries of a package's playlists (docs/player.md, "Start-up"). */
export interface StartPlaylists {
  master: string;
  /** the lowest video rendition's and its audio's media playlists, by their URI in the master */
  media: Record<string, string>;
}

export interface MediaUrls {
  master: string;
  audio: string;
  slides: string;
  poster: string;
}

/**
 * Signed URLs for the files of a published package under `prefix` (`lectures/<id>/<pkg>/`).
 * One signature covers the whole prefix, so the renditions and segments that the playlists name
 * by relative URL resolve under it too. Relative paths ('/api/media/…') unless `publicUrl` is given.
 * The expiry is rounded up to a 6-hour window: every player opened in that window gets the same
 * URLs, so caches hit.
 */
export function mediaUrls(secret: string, prefix: string, publicUrl = '', now = nowSeconds()): MediaUrls {
  const folder = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const base = `${publicUrl.replace(/\/$/, '')}${signPrefix(secret, folder, expiryFor(now))}`;
  return {
    master: `${base}master.m3u8`,
    audio: `${base}audio.m3u8`,
    slides: `${base}slides.json`,
    poster: `${base}poster.jpg`,
  };
}

export type MediaAnswer =
  | { kind: 'error'; status: 403 | 404 | 416 | 503; error: string; message: string; headers?: Record<string, string>; /** for the log only */ cause?: unknown }
  | { kind: 'redirect'; location: string; headers: Record<string, string> }
  | { kind: 'object'; status: 200 | 206 | 304; headers: Record<string, string>; body: Readable | Buffer | null };

export interface MediaRequest {
  exp: string;
  sig: string;
  /** the URL-decoded key after the signature */
  key: string;
  method: 'GET' | 'HEAD';
  range?: string;
  acceptEncoding?: string;
  ifNoneMatch?: string;
}

export interface MediaServiceOptions {
  /** Unix seconds; tests move it to cross a shared-playlist window */
  clock?: () => number;
  windowSeconds?: number;
  /** S3: segments by presigned URLs inside shared playlists (default), or one 302 per segment */
  sharedPlaylists?: boolean;
}

/** The encoding to answer a precompressed playlist in: br, gzip, or none (q=0 refuses one). */
export function chooseEncoding(accept: string | undefined): 'br' | 'gzip' | null {
  const offered = new Set<string>();
  for (const part of (accept ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (params.some((p) => /^\s*q\s*=\s*0(?:\.0*)?\s*$/.test(p))) continue;
    if (name) offered.add(name.trim());
  }
  if (offered.has('br')) return 'br';
  if (offered.has('gzip') || offered.has('*')) return 'gzip';
  return null;
}

function cacheControlFor(key: string): string {
  return isPlaylist(key) ? PLAYLIST_CACHE : IMMUTABLE;
}

export class MediaService {
  /** S3 only: playlists as every viewer of a window gets them (server/media/playlists.ts) */
  readonly playlists: SharedPlaylists;
  private readonly clock: () => number;
  private readonly sharedPlaylists: boolean;
  private readonly masters = new Map<string, string>();
  private readonly starts = new Map<string, string>();

  constructor(
    private readonly storage: Storage,
    private readonly secret: string,
    options: MediaServiceOptions = {},
  ) {
    this.clock = options.clock ?? nowSeconds;
    this.sharedPlaylists = options.sharedPlaylists ?? true;
    this.playlists = new SharedPlaylists(storage, options.windowSeconds ?? SHARED_WINDOW_SECONDS);
  }

  /**
   * The master playlist of the package under `prefix`, as stored, for the session answer to carry
   * (docs/player.md, "Start-up": the player then asks for the media playlists at once, one round
   * trip earlier). A package never changes under its prefix, so it is read once and kept (a few
   * hundred bytes each, at most MASTER_CACHE_ENTRIES of them). Null when it cannot be read: the
   * player then fetches it by its URL as before, and that request reports the problem.
   */
  masterPlaylist(prefix: string): Promise<string | null> {
    return this.storedText(this.masters, `${withSlash(prefix)}master.m3u8`, MASTER_MAX_BYTES, MASTER_CACHE_ENTRIES);
  }

  /**
   * The master and the media playlists the player starts on (the lowest video rendition and its
   * audio: start-playlists.ts), so that on a slow line its first segments are asked as soon as the
   * session answers — without the media playlists' round trip (about 0.4 s at 128 kbit/s + 300 ms).
   * The media ones only where the media route serves playlists as stored (local storage, or S3
   * without shared playlists); S3's shared playlists are rewritten per time window and fetched.
   */
  async startPlaylists(prefix: string): Promise<StartPlaylists | null> {
    const master = await this.masterPlaylist(prefix);
    if (master === null) return null;
    const media: Record<string, string> = {};
    if (this.storage.driver === 's3' && this.sharedPlaylists) return { master, media };
    // read side by side: on S3, a first read of each is one storage round trip
    const uris = startPlaylistUris(master).filter(isPackageRelative);
    const texts = await Promise.all(uris.map((uri) => this.storedText(this.starts, `${withSlash(prefix)}${uri}`, START_MAX_BYTES, START_CACHE_ENTRIES)));
    uris.forEach((uri, i) => {
      if (texts[i] !== null) media[uri] = texts[i]!;
    });
    return { master, media };
  }

  /** A small stored text file, read once and kept (packages never change under their prefix); null if unreadable or larger than `maxBytes`. */
  private async storedText(cache: Map<string, string>, key: string, maxBytes: number, maxEntries: number): Promise<string | null> {
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    try {
      const object = await this.storage.get(key);
      const chunks: Buffer[] = [];
      let bytes = 0;
      for await (const chunk of object.body) {
        chunks.push(chunk as Buffer);
        bytes += (chunk as Buffer).length;
        if (bytes > maxBytes) {
          object.body.destroy();
          return null;
        }
      }
      const text = Buffer.concat(chunks).toString('utf8');
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
      cache.set(key, text);
      return text;
    } catch {
      return null;
    }
  }

  async answer(request: MediaRequest, now = this.clock()): Promise<MediaAnswer> {
    const checked = verify(this.secret, request.exp, request.sig, request.key, now);
    if (!checked.ok) {
      return checked.error === 'expired'
        ? { kind: 'error', status: 403, error: 'expired', message: 'This media link has expired; reload the page to get a new one.' }
        : { kind: 'error', status: 403, error: 'bad_signature', message: 'This media link is not valid.' };
    }
    const { key } = request;
    if (this.storage.driver === 's3' && isPlaylist(key) && this.sharedPlaylists) {
      try {
        const playlist = await this.playlists.get(key, checked.prefix, now);
        return sharedPlaylistAnswer(playlist, request, Number(request.exp), now);
      } catch (error) {
        return mediaError(storageFailureAnswer(error, MISSING));
      }
    }
    // On S3, bytes go straight from the bucket (or the CDN before it). Playlists stay here so the
    // relative URLs inside them keep resolving under the signed path.
    if (this.storage.driver === 's3' && !isPlaylist(key)) {
      try {
        const location = await this.storage.signedUrl(key, REDIRECT_URL_SECONDS, { cacheControl: cacheControlFor(key), contentType: contentTypeFor(key) });
        return { kind: 'redirect', location, headers: { 'cache-control': REDIRECT_CACHE } };
      } catch (error) {
        return mediaError(storageFailureAnswer(error, MISSING));
      }
    }
    const headers = { 'content-type': contentTypeFor(key), 'cache-control': cacheControlFor(key) };
    return mediaError(await serveStoredObject(this.storage, key, { method: request.method, range: request.range, headers, missing: MISSING }));
  }
}

/**
 * A shared playlist: public, cacheable until its window ends (or the link expires, if sooner), in
 * the encoding the client takes, with an ETag; ranges of the identity bytes.
 */
function sharedPlaylistAnswer(playlist: SharedPlaylist, request: MediaRequest, exp: number, now: number): MediaAnswer {
  const maxAge = Math.max(0, Math.min(playlist.window.end, exp) - now);
  const headers: Record<string, string> = {
    'content-type': 'application/vnd.apple.mpegurl',
    'cache-control': `public, max-age=${maxAge}`,
    etag: playlist.etag,
    vary: 'Accept-Encoding',
  };
  if (request.ifNoneMatch && request.ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === playlist.etag)) {
    return { kind: 'object', status: 304, headers, body: null };
  }
  // HEAD and ranges speak of the identity bytes
  const encoding = request.range || request.method === 'HEAD' ? null : chooseEncoding(request.acceptEncoding);
  let body: Buffer = encoding === 'br' ? playlist.br : encoding === 'gzip' ? playlist.gzip : gunzipSync(playlist.gzip);
  let status: 200 | 206 = 200;
  if (encoding) headers['content-encoding'] = encoding;
  else {
    headers['accept-ranges'] = 'bytes';
    const range = parseRangeHeader(request.range, body.length);
    if (range === 'unsatisfiable') return mediaError(rangeNotSatisfiable(body.length));
    if (range) {
      headers['content-range'] = `bytes ${range.start}-${range.end}/${body.length}`;
      body = body.subarray(range.start, range.end + 1);
      status = 206;
    }
  }
  headers['content-length'] = String(body.length);
  return { kind: 'object', status, headers, body: request.method === 'HEAD' ? null : body };
}

const MISSING = 'There is no such media file.';

/** A stored-object answer as the media route's (the 503 names media storage). */
function mediaError(answer: StoredAnswer): MediaAnswer {
  if (answer.kind === 'error' && answer.status === 503) return { ...answer, message: 'Media storage did not answer; try again shortly.' };
  return answer;
}

const withSlash = (prefix: string) => (prefix.endsWith('/') ? prefix : `${prefix}/`);
