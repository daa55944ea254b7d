/**
 * Where an upload's bytes wait until they are in storage (docs/jobs-and-uploads.md, "Durable
 * uploads"). Two tus data stores, one interface, chosen by the storage driver:
 *
 * - **local storage** (the embedded default): @tus/file-store in DATA_DIR/uploads, as before. With
 *   several API replicas on local storage, that folder (like DATA_DIR/storage) must be shared.
 * - **S3**: `StorageStaging` (storage-staging.ts), the pieces in the bucket under
 *   `uploads/<id>/` and the offset in the database, so any replica can continue any upload.
 *
 * Either way a finished upload stays staged until the `upload_store` job has put it into
 * storage; a HEAD then still answers it complete (from its reservation row), so a client that
 * missed the last answer does not start again.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { FileStore } from '@tus/file-store';
import { ERRORS, type Upload } from '@tus/utils';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { PutOptions, Storage } from '../storage/types.ts';
import { UploadReservationsRepository } from './repository.ts';
import { StagedBytesMissing, receivedUpload, type UploadStaging } from './staged.ts';
import { StorageStaging } from './storage-staging.ts';

export { StagedBytesMissing, type UploadStaging } from './staged.ts';

const DAY_MS = 24 * 3600 * 1000;

export function uploadStagingDirectory(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'uploads');
}

export interface StagingDeps {
  config: Pick<Config, 'dataDir' | 'uploadExpiryDays'>;
  db: Db;
  storage: Storage;
}

export function openUploadStaging(deps: StagingDeps, reservations = new UploadReservationsRepository(deps.db)): UploadStaging {
  const expiryMs = deps.config.uploadExpiryDays * DAY_MS;
  if (deps.storage.driver === 's3') return new StorageStaging(deps.db, deps.storage, expiryMs);
  return new LecternFileStore(uploadStagingDirectory(deps.config), expiryMs, reservations);
}

/** @tus/file-store in DATA_DIR/uploads, plus what durable uploads need of it. */
class LecternFileStore extends FileStore implements UploadStaging {
  readonly kind = 'file' as const;

  constructor(
    private readonly folder: string,
    expiryMs: number,
    private readonly reservations: UploadReservationsRepository,
  ) {
    super({ directory: folder, expirationPeriodInMilliseconds: expiryMs });
    // Every upload declares its length when it is created: that length is what the quota reserves,
    // and a length declared later could turn out to be 0. Without the extension @tus/server
    // refuses Upload-Defer-Length and stops advertising it.
    this.extensions = this.extensions.filter((extension) => extension !== 'creation-defer-length');
  }

  /** Once the upload is stored its file is gone; its row still says it is complete. */
  override async getUpload(id: string): Promise<Upload> {
    try {
      return await super.getUpload(id);
    } catch (err) {
      if (err !== ERRORS.FILE_NOT_FOUND && err !== ERRORS.FILE_NO_LONGER_EXISTS) throw err;
      const row = await this.reservations.find(id);
      const received = row && row.staging === 'file' ? receivedUpload(row, 'file') : null;
      if (!received) throw err;
      return received;
    }
  }

  async persist(uploadId: string): Promise<void> {
    // @tus/file-store writes without fsync: the bytes reach the disk before the upload is recorded
    const handle = await open(path.join(this.folder, uploadId), 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async copyTo(storage: Storage, uploadId: string, key: string, options: PutOptions): Promise<{ bytes: number }> {
    const file = path.join(this.folder, uploadId);
    try {
      return await storage.putFile(key, file, options);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StagedBytesMissing(uploadId, `no file ${path.basename(file)} in the upload folder`);
      throw err;
    }
  }
}
