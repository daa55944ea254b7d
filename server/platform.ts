/**
 * Wires the pieces together: database (+ migrations), storage, the HTTP app, the demo and,
 * in embedded mode, the in-process transcoder. Used by main.ts and by the tests.
 */
import path from 'node:path';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { createStorage } from './storage/index.ts';
import { buildApp, type AppDeps, type BuildOptions } from './app.ts';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, isEmpty, seedDemo, type DemoIds } from './demo/seed.ts';
import { startBackgroundJobs } from './jobs/start.ts';
import type { RunnerOptions } from './jobs/runner.ts';

export interface Platform {
  app: FastifyInstance;
  deps: AppDeps;
  url: string;
  demo?: DemoIds;
  close(): Promise<void>;
}

export interface StartOptions extends BuildOptions {
  printBanner?: boolean;
  /** use this database instead of opening one from the config (tests) */
  database?: Database;
  /** called after seeding, before listening (demo media, workers) */
  afterSeed?: (deps: AppDeps, demo: DemoIds | undefined) => Promise<void>;
  /** the background job runner's settings (tests watch a job's progress through onProgress) */
  backgroundJobs?: RunnerOptions;
}

/**
 * Embedded installs without SESSION_SECRET keep a generated one in DATA_DIR, so signed media
 * links stay valid across restarts; production always sets it explicitly.
 */
async function persistentEmbeddedSecret(config: Config): Promise<Config> {
  if (!config.sessionSecretGenerated) return config;
  const file = path.join(config.dataDir, 'session-secret');
  await mkdir(config.dataDir, { recursive: true });
  try {
    await writeFile(file, config.sessionSecret, { flag: 'wx', mode: 0o600 });
    return config;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const saved = (await readFile(file, 'utf8')).trim();
    return saved.length >= 32 ? { ...config, sessionSecret: saved } : config;
  }
}

export async function startPlatform(givenConfig: Config, options: StartOptions = {}): Promise<Platform> {
  const config = await persistentEmbeddedSecret(givenConfig);
  const database = options.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pglite'), maxConnections: config.databasePoolSize }));
  await runMigrations(database);
  const storage = createStorage(config, config.sessionSecret);
  // the services are built once, over these, by buildApp (server/services.ts)
  const deps: AppDeps = { config, database, db: database.db, storage };

  let demo: DemoIds | undefined;
  if (config.seedDemo && (await isEmpty(database.db))) demo = await seedDemo(database.db);

  const app = await buildApp(deps, options);
  const stoppers: (() => Promise<void>)[] = [];
  if (options.afterSeed) await options.afterSeed(deps, demo);
  if (config.inProcessWorker) stoppers.push(await startBackgroundTranscoding(app, deps));
  // Every API process runs background jobs (long roster imports), one at a time.
  stoppers.push(startBackgroundJobs(app, options.backgroundJobs));

  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = config.port === 0 ? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}` : config.publicUrl;

  if (options.printBanner) {
    const lines = [
      '',
      `  讲坛 Lectern is running: ${url}`,
      `  database: ${database.kind === 'pglite' ? `PGlite (${path.join(config.dataDir, 'pglite')})` : 'PostgreSQL'}; storage: ${storage.driver}`,
    ];
    if (config.seedDemo) {
      lines.push(`  demo logins (password: ${DEMO_PASSWORD}):`);
      for (const a of DEMO_ACCOUNTS) lines.push(`    ${a.login.padEnd(9)} ${a.zh} / ${a.en}`);
    }
    lines.push('');
    console.log(lines.join('\n'));
  }

  return {
    app,
    deps,
    url,
    demo,
    async close() {
      for (const stop of stoppers) await stop();
      await app.close();
      if (!options.database) await database.close();
    },
  };
}

/**
 * Embedded mode: the transcode worker runs in this process, and a seeded demo lecture gets its
 * recording made and queued in the background (start-up does not wait for either). Loaded lazily
 * so an API replica never loads ffmpeg code. Answers the stopper.
 */
async function startBackgroundTranscoding(app: FastifyInstance, deps: AppDeps): Promise<() => Promise<void>> {
  let startWorker: typeof import('../transcoder/worker.ts').startWorker;
  try {
    ({ startWorker } = await import('../transcoder/worker.ts'));
  } catch (err) {
    app.log.error({ err }, 'the transcode worker could not be loaded; uploads will wait in the queue');
    return async () => {};
  }
  const worker = startWorker({ db: deps.db, storage: deps.storage, config: deps.config, logger: app.log });
  const demoAbort = new AbortController();
  let demoTask: Promise<unknown> = Promise.resolve();
  if (deps.config.seedDemo) {
    const { prepareWaitingDemoLectures } = await import('./demo/media.ts');
    demoTask = prepareWaitingDemoLectures(deps, { log: app.log, signal: demoAbort.signal }).catch((err: unknown) => {
      if (!demoAbort.signal.aborted) app.log.error({ err }, 'could not make the demo lecture recording');
    });
  }
  return async () => {
    demoAbort.abort();
    await demoTask;
    await worker.stop();
  };
}
