import type { Readable } from 'node:stream';

/** A byte range as in HTTP: `end` is inclusive; omitted means "to the end". */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface StoredObject {
  body: Readable;
  /** bytes in `body` */
  bytes: number;
  /** size of the whole object */
  totalBytes: number;
  contentType?: string;
}

export interface PutOptions {
  contentType?: string;
  cacheControl?: string;
}

/**
 * Response headers a signed URL should make the store answer with (S3 `response-*` overrides), so
 * caching and type do not depend on how the object was uploaded. The local driver's links go
 * through the media route, which sets these itself.
 */
export interface SignedUrlOptions {
  cacheControl?: string;
  contentType?: string;
  /** `attachment; filename*=…` for a download saved under its real name (handouts) */
  contentDisposition?: string;
  /**
   * S3: sign as of this Unix time, the URL living exactly `expiresInSeconds` from it (no rounding),
   * so every URL of one time window is the same (shared playlists, server/media/playlists.ts).
   */
  signedAt?: number;
}

/**
 * Where media lives: a local folder (embedded default) or any S3-compatible store.
 * Keys are '/'-separated relative paths (no leading slash, no '..').
 */
export interface Storage {
  readonly driver: 'local' | 's3';
  put(key: string, body: Readable | Buffer | string, options?: PutOptions): Promise<{ bytes: number }>;
  /**
   * Stores a file that is already on this machine (a finished upload). The local driver links
   * it into place, so a 2 GB recording is not copied; others stream it. The file stays where it was.
   */
  putFile(key: string, filePath: string, options?: PutOptions): Promise<{ bytes: number }>;
  /** Rejects with a NotFoundError (code 'not_found') when the key does not exist. */
  get(key: string, range?: ByteRange): Promise<StoredObject>;
  head(key: string): Promise<{ bytes: number; contentType?: string } | null>;
  /** A URL that lets anyone holding it read this one object until it expires. */
  signedUrl(key: string, expiresInSeconds: number, options?: SignedUrlOptions): Promise<string>;
  /** Deletes every object under `prefix`; answers how many were deleted. */
  deletePrefix(prefix: string): Promise<number>;
  list(prefix: string): Promise<{ key: string; bytes: number }[]>;
  /**
   * The object's file on this machine, when the driver keeps objects as files (local): readers
   * such as ffmpeg can open it in place instead of copying gigabytes to a temp file first.
   */
  localPath?(key: string): string;
  /** Writes and removes a probe object; used by /api/health. */
  checkWritable(): Promise<void>;
}

export class StorageNotFoundError extends Error {
  readonly code = 'not_found';
  constructor(key: string) {
    super(`no object at ${key}`);
  }
}

/** A key or prefix that could escape the storage root or is not portable across drivers. */
export class StorageKeyError extends Error {
  readonly code = 'invalid_key';
}

/** A byte range that starts at or beyond the end of the object (HTTP 416). */
export class StorageRangeError extends Error {
  readonly code = 'range_not_satisfiable';
  constructor(
    key: string,
    readonly totalBytes: number,
  ) {
    super(`range outside ${key} (${totalBytes} bytes)`);
  }
}
