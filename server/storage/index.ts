/**
 * Chooses the storage driver from the configuration: S3 when S3_BUCKET is set, else a local
 * folder under DATA_DIR/storage. `secret` signs local media links (pass config.sessionSecret;
 * the media route verifies with the same one).
 */
import path from 'node:path';
import type { Config } from '../config.ts';
import { LocalStorage } from './local.ts';
import { S3Storage } from './s3.ts';
import type { Storage } from './types.ts';

export function createStorage(config: Config, secret: string): Storage {
  if (config.s3) return new S3Storage(config.s3);
  return new LocalStorage({ root: path.join(config.dataDir, 'storage'), secret, publicUrl: config.publicUrl });
}

export type { Storage } from './types.ts';
export { StorageNotFoundError, StorageKeyError, StorageRangeError } from './types.ts';
