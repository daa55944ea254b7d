/**
 * Rules shared by both storage drivers and the media route: which keys are allowed, what content
 * type an extension has, and how an HTTP byte range maps onto an object. Pure, no I/O.
 */
import { StorageKeyError, StorageRangeError, type ByteRange } from './types.ts';

const MAX_KEY_LENGTH = 1024; // S3's limit (in bytes; we check characters and bytes)

/**
 * A key is '/'-separated segments, each non-empty, none starting with '.' (so no '.', '..' or
 * hidden names, which also keeps the local driver's temp files out of the key space), no
 * backslashes or control characters, no leading '/'.
 */
export function keyProblem(key: string): string | null {
  if (typeof key !== 'string' || key === '') return 'the key is empty';
  if (Buffer.byteLength(key) > MAX_KEY_LENGTH) return `the key is longer than ${MAX_KEY_LENGTH} bytes`;
  if (key.startsWith('/')) return 'the key must be relative (no leading "/")';
  if (key.includes('\\')) return 'the key must not contain a backslash';
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'the key must not contain control characters';
  for (const segment of key.split('/')) {
    if (segment === '') return 'the key must not contain empty segments ("//" or a trailing "/")';
    if (segment === '..' || segment === '.') return 'the key must not contain "." or ".." segments';
    if (segment.startsWith('.')) return 'key segments must not start with "."';
  }
  return null;
}

export function assertValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) throw new StorageKeyError(`invalid storage key ${JSON.stringify(key)}: ${problem}`);
}

/** A prefix is a key, optionally ending in '/' (a folder); '' (everything) only where allowed. */
export function assertValidPrefix(prefix: string, options: { allowEmpty?: boolean } = {}): void {
  if (prefix === '' && options.allowEmpty) return;
  const problem = keyProblem(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  if (problem) throw new StorageKeyError(`invalid storage prefix ${JSON.stringify(prefix)}: ${problem.replace('the key', 'the prefix')}`);
}

const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  m4a: 'audio/mp4',
  m4v: 'video/mp4',
  ts: 'video/mp2t',
  aac: 'audio/aac',
  webm: 'video/webm',
  opus: 'audio/ogg',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  png: 'image/png',
  vtt: 'text/vtt; charset=utf-8',
  json: 'application/json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};

export function contentTypeFor(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  if (dot < 0) return 'application/octet-stream';
  return CONTENT_TYPES[name.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}

export function isPlaylist(key: string): boolean {
  return key.toLowerCase().endsWith('.m3u8');
}

/** Clamps a requested range to an object of `totalBytes`; throws when nothing of it exists. */
export function clampRange(key: string, range: ByteRange, totalBytes: number): { start: number; end: number } {
  const { start } = range;
  if (!Number.isInteger(start) || start < 0 || start >= totalBytes) throw new StorageRangeError(key, totalBytes);
  const end = range.end === undefined ? totalBytes - 1 : Math.min(range.end, totalBytes - 1);
  if (!Number.isInteger(end) || end < start) throw new StorageRangeError(key, totalBytes);
  return { start, end };
}

/**
 * Parses an HTTP `Range` header against an object of `totalBytes`. Answers null when the header
 * is absent, not a single bytes range, or malformed (RFC 9110 lets a server ignore those and
 * send the whole object), 'unsatisfiable' for 416, or the inclusive range.
 */
export function parseRangeHeader(header: string | undefined, totalBytes: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    // suffix range: the last N bytes
    const length = Number(last);
    if (length === 0 || totalBytes === 0) return 'unsatisfiable';
    return { start: Math.max(0, totalBytes - length), end: totalBytes - 1 };
  }
  const start = Number(first);
  const end = last === '' ? totalBytes - 1 : Math.min(Number(last), totalBytes - 1);
  if (last !== '' && Number(last) < start) return null; // invalid syntax → ignore
  if (start >= totalBytes) return 'unsatisfiable';
  return { start, end };
}
