/**
 * `npm run transcoder`: a transcode worker as a process of its own, for production where the
 * API replicas run without the in-process worker. Reads the same configuration as the server
 * (DATABASE_URL, S3_*, TRANSCODER_CONCURRENCY, FFMPEG_THREADS, TRANSCODER_LEASE_SECONDS…).
 * Several may run at once against one PostgreSQL and one S3 bucket.
 *
 * SIGTERM/SIGINT: stop claiming, abort the running jobs and give them back to the queue, exit.
 * A SIGKILL or a crash needs nothing: the leases run out and another worker redoes the jobs.
 */
import path from 'node:path';
import { ConfigError, loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/db/client.ts';
import { createStorage } from '../server/storage/index.ts';
import { startWorker } from './worker.ts';
import { jsonLogger } from './log.ts';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    jsonLogger().error({}, `lectern transcoder: configuration error: ${err.message}`);
    process.exit(78);
  }
  throw err;
}

const log = jsonLogger(config.logLevel);
const database = await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite'), maxConnections: config.workerConcurrency + 2 });
if (database.kind === 'pglite') {
  // PGlite is one process's database: a second process cannot open the same folder safely.
  log.error({}, 'lectern transcoder: DATABASE_URL is not set. The embedded mode (PGlite) runs the worker inside `npm start`; a separate worker needs PostgreSQL.');
  await database.close();
  process.exit(78);
}
// No migrations here: the API runs them at start-up, and several workers starting at once must
// not race each other doing it.
const storage = createStorage(config, config.sessionSecret);
const worker = startWorker({ db: database.db, storage, config, logger: log });

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ workerId: worker.workerId }, `${signal}: stopping the transcode worker`);
  const force = setTimeout(() => process.exit(1), 30_000);
  force.unref();
  await worker.stop();
  await database.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
