/**
 * Fresh databases for tests. On PostgreSQL (DATABASE_URL set, as in CI) every call creates a new
 * database on that server with a random name, so test files never see each other's rows; on
 * PGlite it is an in-memory instance. Both are migrated with the real migrations.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../server/db/client.ts';
import { runMigrations } from '../../server/db/migrate.ts';

export type Backend = 'postgres' | 'pglite';

/** The backends this run can test: PGlite always, PostgreSQL when DATABASE_URL is set. */
export function availableBackends(): Backend[] {
  return process.env.DATABASE_URL ? ['postgres', 'pglite'] : ['pglite'];
}

/** PostgreSQL when DATABASE_URL is set, else PGlite: what integration tests run on. */
export function defaultBackend(): Backend {
  return process.env.DATABASE_URL ? 'postgres' : 'pglite';
}

if (!process.env.DATABASE_URL && !process.env.LECTERN_QUIET_BACKEND) {
  process.env.LECTERN_QUIET_BACKEND = '1';
  console.warn('[tests] DATABASE_URL is not set: PostgreSQL variants are not run, only PGlite (CI sets it).');
}

export interface TestDatabase extends Database {
  /** the URL of the fresh PostgreSQL database, when on postgres */
  url?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(backend: Backend = defaultBackend()): Promise<TestDatabase> {
  if (backend === 'pglite') {
    const database = await openDatabase({ pgliteDir: 'memory://' });
    await runMigrations(database);
    return { ...database, drop: () => database.close() };
  }
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL is needed for the postgres backend');
  const name = `lectern_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), maxConnections: 20 });
  await runMigrations(database);
  let dropped = false;
  return {
    ...database,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await database.close();
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
