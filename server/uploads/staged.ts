/**
 * What both staging stores (staging.ts: the file store; storage-staging.ts: pieces in the media
 * storage) share: the interface the routes, the service and the store job use, and how a
 * received upload answers.
 */
import { DataStore, Upload } from '@tus/utils';
import type { PutOptions, Storage } from '../storage/types.ts';
import type { UploadReservationRow } from './repository.ts';

/** The staged bytes of a received upload are not where they should be: nothing can store them. */
export class StagedBytesMissing extends Error {
  constructor(uploadId: string, detail: string) {
    super(`the staged bytes of upload ${uploadId} are missing: ${detail}`);
  }
}

/** What the upload routes, the service and the store job need of a staging store. */
export interface UploadStaging extends DataStore {
  readonly kind: 'file' | 'storage';
  /** deletes a partial upload; rejects when there is none */
  remove(uploadId: string): Promise<void>;
  /** Makes the bytes of a complete upload durable where they wait (before it is recorded as received). */
  persist(uploadId: string): Promise<void>;
  /** Puts the complete staged upload into storage at `key`; StagedBytesMissing when it is not all there. */
  copyTo(storage: Storage, uploadId: string, key: string, options: PutOptions): Promise<{ bytes: number }>;
}

/** An upload that was received (its reservation says so): complete, whatever is still staged. */
export function receivedUpload(row: UploadReservationRow, storageType: string): Upload | null {
  if (row.state !== 'received' && row.state !== 'stored') return null;
  return new Upload({
    id: row.id,
    size: row.bytes,
    offset: row.bytes,
    metadata: row.metadata ?? { lectureId: row.lectureId, userId: row.userId },
    creation_date: row.createdAt.toISOString(),
    storage: { type: storageType, path: '' },
  });
}

