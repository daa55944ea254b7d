/**
 * Where partial tus uploads wait: @tus/file-store in DATA_DIR/uploads (both storage modes; see
 * docs/jobs-and-uploads.md for why not S3). Opened by the upload routes, and by tests that run
 * the expiry sweep on the same folder.
 */
import path from 'node:path';
import { FileStore } from '@tus/file-store';
import type { Config } from '../config.ts';

const DAY_MS = 24 * 3600 * 1000;

export function uploadStagingDirectory(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'uploads');
}

export function openUploadStaging(config: Pick<Config, 'dataDir' | 'uploadExpiryDays'>): FileStore {
  const store = new FileStore({ directory: uploadStagingDirectory(config), expirationPeriodInMilliseconds: config.uploadExpiryDays * DAY_MS });
  // Every upload declares its length when it is created: that length is what the quota reserves,
  // and a length declared later could turn out to be 0. Without the extension @tus/server
  // refuses Upload-Defer-Length and stops advertising it.
  store.extensions = store.extensions.filter((extension) => extension !== 'creation-defer-length');
  return store;
}
