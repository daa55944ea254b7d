/**
 * Media delivery: signed links for a published package, and the decision of how one signed request
 * is answered (an error, a redirect to S3, or bytes with the right type, range and caching).
 * The route only turns these answers into HTTP.
 */
import type { Readable } from 'node:stream';
import { contentTypeFor, isPlaylist } from '../storage/keys.ts';
import { serveStoredObject, storageFailureAnswer, type StoredAnswer } from '../storage/serve.ts';
import { expiryFor, nowSeconds, signPrefix, verify } from '../storage/signing.ts';
import type { Storage } from '../storage/types.ts';

/** Segments, images and indexes of a package never change (a new package gets a new prefix). */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Playlists are small and name everything else; keep them short-lived so a re-sign reaches players. */
export const PLAYLIST_CACHE = 'private, max-age=60';
/** How long the presigned S3 URL behind a redirect lives at least, and how long browsers keep the redirect. */
const REDIRECT_URL_SECONDS = 2 * 3600;
const REDIRECT_CACHE = 'private, max-age=3600';

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
  | { kind: 'object'; status: 200 | 206; headers: Record<string, string>; body: Readable | null };

export interface MediaRequest {
  exp: string;
  sig: string;
  /** the URL-decoded key after the signature */
  key: string;
  method: 'GET' | 'HEAD';
  range?: string;
}

function cacheControlFor(key: string): string {
  return isPlaylist(key) ? PLAYLIST_CACHE : IMMUTABLE;
}

export class MediaService {
  constructor(
    private readonly storage: Storage,
    private readonly secret: string,
  ) {}

  async answer(request: MediaRequest, now = nowSeconds()): Promise<MediaAnswer> {
    const checked = verify(this.secret, request.exp, request.sig, request.key, now);
    if (!checked.ok) {
      return checked.error === 'expired'
        ? { kind: 'error', status: 403, error: 'expired', message: 'This media link has expired; reload the page to get a new one.' }
        : { kind: 'error', status: 403, error: 'bad_signature', message: 'This media link is not valid.' };
    }
    const { key } = request;
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

const MISSING = 'There is no such media file.';

/** A stored-object answer as the media route's (the 503 names media storage). */
function mediaError(answer: StoredAnswer): MediaAnswer {
  if (answer.kind === 'error' && answer.status === 503) return { ...answer, message: 'Media storage did not answer; try again shortly.' };
  return answer;
}
