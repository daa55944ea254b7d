/**
 * A tus data store that stages partial uploads in the media storage (the S3 bucket), with the
 * upload's offset and metadata in the database (upload_reservations, upload_chunks). Any API
 * replica can continue any upload: nothing of it lives on one machine.
 *
 * Why not @tus/s3-store: it needs S3 multipart features (ListParts, AbortMultipartUpload,
 * an `.info` object per upload, 5 MiB minimum parts) that not every S3-compatible store has (our
 * test server, s3rver, has neither ListParts nor AbortMultipartUpload). This store uses only what
 * the rest of Lectern already uses: PutObject, GetObject, ListObjectsV2, DeleteObjects.
 *
 * - **Pieces.** A PATCH body is cut into pieces of at most PIECE_BYTES, each stored as one object
 *   `uploads/<id>/<start, 16 digits>-<random>` and then committed: in one transaction the
 *   offset moves from `start` to `start + bytes` only if it is still `start`, and the chunk row
 *   is written. So a dropped connection loses at most the piece in flight; a crash between the
 *   put and the commit leaves an object no row names (deleted with its prefix); and two writers
 *   racing on one upload (the lock lost with its database session) cannot both advance it.
 * - **Memory**: one piece per request in flight (4 MiB; the web page sends 1.5 MiB chunks).
 * - **Reading** a complete upload streams its committed pieces in order, checking they cover the
 *   whole length without a gap.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { DataStore, ERRORS, Upload } from '@tus/utils';
import type { Db } from '../db/client.ts';
import type { PutOptions, Storage } from '../storage/types.ts';
import { HttpError } from '../http/errors.ts';
import { UploadReservationsRepository, type UploadChunkRow, type UploadMetadata } from './repository.ts';
import { StagedBytesMissing, receivedUpload, type UploadStaging } from './staged.ts';

export const STAGING_PREFIX = 'uploads/';
export const PIECE_BYTES = 4 * 1024 * 1024;

export function stagingPrefix(uploadId: string): string {
  return `${STAGING_PREFIX}${uploadId}/`;
}

/** Storage did not take a piece: a 503 the client retries; what was committed before stays. */
export function storageUnavailable(): HttpError {
  return new HttpError(503, 'upload_storage_unavailable', 'File storage is not answering right now. What arrived so far is kept; the upload continues when you retry.');
}

export class StorageStaging extends DataStore implements UploadStaging {
  readonly kind = 'storage' as const;
  private readonly reservations: UploadReservationsRepository;

  constructor(
    db: Db,
    private readonly storage: Storage,
    private readonly expiryMs: number,
  ) {
    super();
    this.reservations = new UploadReservationsRepository(db);
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration'];
  }

  /** The reservation row exists already (written by onUploadCreate); it now names this store. */
  override async create(upload: Upload): Promise<Upload> {
    const metadata = (upload.metadata ?? {}) as UploadMetadata;
    if (!(await this.reservations.startStorageStaging(upload.id, metadata))) throw ERRORS.FILE_NOT_FOUND;
    upload.storage = { type: 'storage', path: stagingPrefix(upload.id) };
    return upload;
  }

  override async getUpload(id: string): Promise<Upload> {
    const row = await this.reservations.find(id);
    if (!row || row.staging !== 'storage') throw ERRORS.FILE_NOT_FOUND;
    const received = receivedUpload(row, 'storage');
    if (received) return received;
    if (row.state !== 'receiving') throw ERRORS.FILE_NOT_FOUND;
    return new Upload({
      id,
      size: row.bytes,
      offset: row.stagedBytes,
      metadata: row.metadata ?? undefined,
      creation_date: row.createdAt.toISOString(),
      storage: { type: 'storage', path: stagingPrefix(id) },
    });
  }

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    let position = offset;
    let parts: Buffer[] = [];
    let held = 0;
    const commit = async () => {
      if (held === 0) return;
      const piece = Buffer.concat(parts, held);
      parts = [];
      held = 0;
      await this.commitPiece(id, position, piece);
      position += piece.length;
    };
    try {
      for await (const data of readable) {
        const chunk = data as Buffer;
        parts.push(chunk);
        held += chunk.length;
        if (held >= PIECE_BYTES) await commit();
      }
    } catch (err) {
      // what arrived before the error is good: keep it, so a resume sends less again
      await commit().catch(() => {});
      throw err;
    }
    await commit();
    return position;
  }

  private async commitPiece(id: string, start: number, piece: Buffer): Promise<void> {
    const storageKey = `${stagingPrefix(id)}${String(start).padStart(16, '0')}-${randomBytes(4).toString('hex')}`;
    try {
      await this.storage.put(storageKey, piece, { contentType: 'application/octet-stream' });
    } catch {
      throw storageUnavailable();
    }
    if (!(await this.reservations.commitChunk(id, { start, bytes: piece.length, storageKey }))) {
      await this.storage.deletePrefix(storageKey).catch(() => 0);
      throw ERRORS.INVALID_OFFSET;
    }
  }

  /** Deletes the staged pieces and their rows (a cancelled, expired or stored upload). */
  override async remove(id: string): Promise<void> {
    const row = await this.reservations.find(id);
    if (!row || row.staging !== 'storage') throw ERRORS.FILE_NOT_FOUND;
    await this.storage.deletePrefix(stagingPrefix(id));
    await this.reservations.deleteChunks(id);
  }

  async persist(): Promise<void> {
    // each piece was acknowledged by the store before it was committed
  }

  /** The complete upload as one stream of its committed pieces, in order. */
  read(id: string): Readable {
    const out = new PassThrough();
    void (async () => {
      const row = await this.reservations.find(id);
      if (!row) throw new StagedBytesMissing(id, 'no such upload');
      const pieces = contiguous(await this.reservations.chunks(id), row.bytes);
      if (!pieces) throw new StagedBytesMissing(id, 'its pieces do not cover the file');
      for (const piece of pieces) {
        const object = await this.storage.get(piece.storageKey);
        if (object.totalBytes !== piece.bytes) throw new StagedBytesMissing(id, `piece at ${piece.start} has ${object.totalBytes} bytes, not ${piece.bytes}`);
        for await (const data of object.body) {
          if (!out.write(data)) await new Promise((resolve) => out.once('drain', resolve));
        }
      }
      out.end();
    })().catch((err: unknown) => out.destroy(err as Error));
    return out;
  }

  async copyTo(storage: Storage, uploadId: string, key: string, options: PutOptions): Promise<{ bytes: number }> {
    const row = await this.reservations.find(uploadId);
    if (!row) throw new StagedBytesMissing(uploadId, 'no such upload');
    if (!contiguous(await this.reservations.chunks(uploadId), row.bytes)) throw new StagedBytesMissing(uploadId, 'its pieces do not cover the file');
    const stored = await storage.put(key, this.read(uploadId), options);
    if (stored.bytes !== row.bytes) throw new Error(`stored ${stored.bytes} bytes of upload ${uploadId}, expected ${row.bytes}`);
    return stored;
  }

  /** Expired uploads are found through their reservations (UploadsService.sweepExpired); nothing else to do. */
  override async deleteExpired(): Promise<number> {
    return 0;
  }

  override getExpiration(): number {
    return this.expiryMs;
  }
}

/** The pieces from 0 to `bytes` without a gap or overlap, or null. */
export function contiguous(chunks: readonly UploadChunkRow[], bytes: number): UploadChunkRow[] | null {
  const ordered = [...chunks].sort((a, b) => a.start - b.start);
  let at = 0;
  for (const chunk of ordered) {
    if (chunk.start !== at) return null;
    at += chunk.bytes;
  }
  return at === bytes ? ordered : null;
}
