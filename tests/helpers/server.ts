/**
 * Starts the whole API on a random port over a fresh database (PostgreSQL when DATABASE_URL is
 * set, else PGlite) and a temporary storage folder, with the demo organizations and accounts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../server/config.ts';
import { startPlatform, type Platform, type StartOptions } from '../../server/platform.ts';
import { createTestDatabase, defaultBackend, type Backend, type TestDatabase } from './database.ts';

export interface TestServer extends Platform {
  baseUrl: string;
  testDatabase: TestDatabase;
  dataDir: string;
}

export interface TestServerOptions extends Omit<StartOptions, 'database'> {
  backend?: Backend;
  /** environment for loadConfig (merged over the test defaults) */
  env?: Record<string, string>;
  /** final tweaks of the loaded config */
  config?: Partial<Config>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const testDatabase = await createTestDatabase(options.backend ?? defaultBackend());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lectern-test-'));
  const config: Config = {
    ...loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'true',
      TRANSCODER_IN_PROCESS: 'false',
      ...options.env,
    }),
    ...options.config,
  };
  const platform = await startPlatform(config, { serveWeb: false, logger: false, ...options, database: testDatabase });
  return {
    ...platform,
    baseUrl: platform.url,
    testDatabase,
    dataDir,
    async close() {
      await platform.close();
      await testDatabase.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
