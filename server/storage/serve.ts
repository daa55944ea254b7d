/**
 * Answering a GET or HEAD for one stored object with HTTP ranges, shared by the signed media route
 * (server/media) and handout downloads (server/handouts): head → `Range` → 200 or 206 with
 * `Accept-Ranges`, `Content-Length` and `Content-Range`, or 416 with an unsatisfiable-range `Content-Range`;
 * storage errors become 404, 416 or 503. The callers add their own type, caching and names, and
 * turn the answer into HTTP.
 */
import type { Readable } from 'node:stream';
import { parseRangeHeader } from './keys.ts';
import { StorageNotFoundError, StorageRangeError, type Storage } from './types.ts';

export type StoredAnswer =
  | { kind: 'error'; status: 404 | 416 | 503; error: string; message: string; headers?: Record<string, string>; /** for the log only */ cause?: unknown }
  | { kind: 'object'; status: 200 | 206; headers: Record<string, string>; body: Readable | null };

export interface ServeRequest {
  method: 'GET' | 'HEAD';
  range?: string | undefined;
  /** sent with the bytes (200 and 206): content type, caching, disposition, ETag */
  headers: Record<string, string>;
  /** the sentence for a 404 */
  missing?: string;
}

export const rangeNotSatisfiable = (total: number): StoredAnswer => ({
  kind: 'error',
  status: 416,
  error: 'range_not_satisfiable',
  message: `The range is outside the file (${total} bytes).`,
  headers: { 'content-range': `bytes */${total}` },
});

/** What a storage failure means to the client: gone (404), a range past the end (416), or away (503). */
export function storageFailureAnswer(error: unknown, missing = 'There is no such file.'): StoredAnswer {
  if (error instanceof StorageNotFoundError) return { kind: 'error', status: 404, error: 'not_found', message: missing };
  if (error instanceof StorageRangeError) return rangeNotSatisfiable(error.totalBytes);
  return { kind: 'error', status: 503, error: 'storage_unavailable', message: 'Storage did not answer; try again shortly.', cause: error };
}

/** The object's bytes (or only its headers for HEAD), whole or the requested range. Never throws. */
export async function serveStoredObject(storage: Storage, key: string, request: ServeRequest): Promise<StoredAnswer> {
  const missing = request.missing ?? 'There is no such file.';
  try {
    const head = await storage.head(key);
    if (!head) return { kind: 'error', status: 404, error: 'not_found', message: missing };
    const total = head.bytes;
    const headers: Record<string, string> = { ...request.headers, 'accept-ranges': 'bytes' };
    const range = parseRangeHeader(request.range, total);
    if (range === 'unsatisfiable') return rangeNotSatisfiable(total);
    if (range) {
      headers['content-range'] = `bytes ${range.start}-${range.end}/${total}`;
      headers['content-length'] = String(range.end - range.start + 1);
    } else {
      headers['content-length'] = String(total);
    }
    const status = range ? 206 : 200;
    if (request.method === 'HEAD' || total === 0) return { kind: 'object', status, headers, body: null };
    // The object may go away or shrink between head and get (a package being replaced): the
    // storage errors say so and are answered as such.
    const object = await storage.get(key, range ?? undefined);
    return { kind: 'object', status, headers, body: object.body };
  } catch (error) {
    return storageFailureAnswer(error, missing);
  }
}
