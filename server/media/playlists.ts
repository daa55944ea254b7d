/**
 * Shared playlists for S3 storage (docs/storage.md, "Shared playlists"): a media playlist is
 * answered with every segment (and init segment) named by an absolute presigned S3 URL, so the
 * player fetches the bytes from the bucket (or a CDN before it) with no API request per segment.
 *
 * The URLs are signed as of the start of a time window and live until the end of the next one, so
 * the rewritten playlist for one key and window is the same bytes for every viewer: it is built
 * once per window (one storage read, ~1,200 presigns of a few µs for a 2-hour lecture, gzip and
 * brotli) and kept in memory, and it may be cached publicly until its window ends, when whoever
 * holds it still has at least one window of validity left. Master playlists name other playlists,
 * which must keep resolving under the signed API path: they are cached as they are.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { contentTypeFor, keyProblem } from '../storage/keys.ts';
import type { Storage } from '../storage/types.ts';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Presigned segment URLs are valid for this window and the next one. */
export const SHARED_WINDOW_SECONDS = 6 * 3600;
/** What the cache may hold (compressed bytes); past it the oldest entries go. */
const MAX_CACHE_BYTES = 256 * 1024 * 1024;
/** Segments never change under a package prefix: S3 answers them with this. */
const SEGMENT_CACHE = 'public, max-age=31536000, immutable';

export interface Window {
  start: number;
  end: number;
}

export function windowOf(now: number, seconds = SHARED_WINDOW_SECONDS): Window {
  const start = Math.floor(now / seconds) * seconds;
  return { start, end: start + seconds };
}

export function isMediaPlaylist(text: string): boolean {
  return /^#EXTINF:/m.test(text);
}

/**
 * The storage key a playlist's relative URI names, when it lies under `prefix`; null for absolute
 * URLs, queries, fragments, anything outside the prefix or not a valid key (those stay as written).
 */
export function resolveUri(playlistKey: string, uri: string, prefix: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/') || /[?#\\]/.test(uri)) return null;
  const parts = playlistKey.split('/').slice(0, -1);
  for (const part of uri.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return null;
    }
    if (decoded === '..') parts.pop();
    else if (decoded !== '.') parts.push(decoded);
  }
  const key = parts.join('/');
  return key.startsWith(prefix) && keyProblem(key) === null ? key : null;
}

/** Every segment URI line and `URI="…"` attribute (EXT-X-MAP) under `prefix`, replaced by `sign(key)`. */
export async function rewriteMediaPlaylist(text: string, playlistKey: string, prefix: string, sign: (key: string) => Promise<string>): Promise<string> {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      const match = /URI="([^"]*)"/.exec(line);
      const key = match && line.startsWith('#EXT-X-MAP:') ? resolveUri(playlistKey, match[1]!, prefix) : null;
      out.push(key ? line.replace(match![0], `URI="${await sign(key)}"`) : line);
    } else if (line.trim() !== '') {
      const key = resolveUri(playlistKey, line.trim(), prefix);
      out.push(key ? await sign(key) : line);
    } else out.push(line);
  }
  return out.join('\n');
}

export interface SharedPlaylist {
  window: Window;
  /** the identity bytes are not kept: gunzip `gzip` for the rare client that takes neither */
  gzip: Buffer;
  br: Buffer;
  bytes: number;
  etag: string;
  /** how many segment URLs were signed */
  signed: number;
}

async function readText(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class SharedPlaylists {
  private readonly entries = new Map<string, { promise: Promise<SharedPlaylist>; bytes: number }>();
  private heldBytes = 0;
  /** how many playlists were built (not served from memory): for tests and the bench */
  builds = 0;

  constructor(
    private readonly storage: Storage,
    private readonly windowSeconds = SHARED_WINDOW_SECONDS,
    private readonly maxBytes = MAX_CACHE_BYTES,
  ) {}

  /** The shared playlist at `key` for the window of `now`, built at most once per window. */
  get(key: string, prefix: string, now: number): Promise<SharedPlaylist> {
    const window = windowOf(now, this.windowSeconds);
    const id = `${window.start}\n${prefix}\n${key}`;
    const held = this.entries.get(id);
    if (held) return held.promise;
    this.dropBefore(window.start);
    const entry = { promise: this.build(key, prefix, window), bytes: 0 };
    this.entries.set(id, entry);
    entry.promise.then(
      (playlist) => {
        if (this.entries.get(id) !== entry) return;
        entry.bytes = playlist.gzip.length + playlist.br.length;
        this.heldBytes += entry.bytes;
        this.trim();
      },
      () => {
        if (this.entries.get(id) === entry) this.entries.delete(id); // a storage failure is not remembered
      },
    );
    return entry.promise;
  }

  private async build(key: string, prefix: string, window: Window): Promise<SharedPlaylist> {
    this.builds++;
    const object = await this.storage.get(key);
    let text = await readText(object.body);
    let signed = 0;
    if (isMediaPlaylist(text)) {
      // valid for the rest of this window and all of the next: whoever got the playlist before the
      // window ended has at least one whole window to play it
      const lifetime = window.end + this.windowSeconds - window.start;
      text = await rewriteMediaPlaylist(text, key, prefix, (segmentKey) => {
        signed++;
        return this.storage.signedUrl(segmentKey, lifetime, { signedAt: window.start, cacheControl: SEGMENT_CACHE, contentType: contentTypeFor(segmentKey) });
      });
    }
    const body = Buffer.from(text, 'utf8');
    const [gz, br] = await Promise.all([
      gzipAsync(body, { level: 9 }),
      brotliAsync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    ]);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    return { window, gzip: gz, br, bytes: body.length, etag, signed };
  }

  private dropBefore(start: number): void {
    for (const [id, entry] of this.entries) {
      if (Number(id.slice(0, id.indexOf('\n'))) >= start) continue;
      this.entries.delete(id);
      this.heldBytes -= entry.bytes;
    }
  }

  private trim(): void {
    for (const [id, entry] of this.entries) {
      if (this.heldBytes <= this.maxBytes) return;
      if (entry.bytes === 0) continue; // still building
      this.entries.delete(id);
      this.heldBytes -= entry.bytes;
    }
  }
}
