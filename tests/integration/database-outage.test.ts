/**
 * The API survives losing its database: the real entry point (server/main.ts) runs as its own
 * process on a fresh PostgreSQL database, clients keep it busy, and the database's backends are
 * terminated under that load, then the database refuses new connections for a while. The process
 * must stay up, answer 503 (never 500) while the database is gone, and recover by itself.
 *
 * PostgreSQL only: PGlite runs inside the process and has no connections to lose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { freePort } from '../helpers/ports.ts';
import { createTestClient, type TestClient } from '../helpers/http.ts';

const root = path.resolve(import.meta.dirname, '../..');
const onPostgres = Boolean(process.env.DATABASE_URL);
if (!onPostgres) console.warn('[tests] skipped: database-outage needs PostgreSQL (DATABASE_URL); PGlite has no connections to lose.');

let database: TestDatabase;
let admin: postgres.Sql;
let dataDir: string;
let child: ChildProcess | undefined;
let output = '';
let baseUrl = '';

async function waitFor(what: string, check: () => Promise<boolean>, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check().catch(() => false))) {
    if (child?.exitCode !== null) throw new Error(`the API exited while waiting for ${what}: ${output.slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${limitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const databaseName = () => new URL(database.url!).pathname.slice(1);

/** Terminates every backend of the test database except the admin connection's own. */
async function terminateBackends(): Promise<number> {
  const rows = await admin`SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = ${databaseName()} AND pid <> pg_backend_pid()`;
  return rows.filter((r) => r.killed).length;
}

beforeAll(async () => {
  if (!onPostgres) return;
  database = await createTestDatabase('postgres');
  // The platform migrates and seeds itself; the helper's own pool is not needed.
  await database.close();
  admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'lectern-outage-'));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'server/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '4',
      SESSION_SECRET: 'outage-test-secret-outage-test-secret-0123',
      SEED_DEMO: 'true',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await waitFor('the start banner', async () => output.includes('Lectern is running'));
});

afterAll(async () => {
  if (!onPostgres) return;
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await admin`ALTER DATABASE ${admin(databaseName())} WITH ALLOW_CONNECTIONS true`.catch(() => undefined);
  await admin.end();
  await database.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** One client's loop of reads and writes: answers by status. */
async function busyClient(client: TestClient, stop: { done: boolean }, statuses: Map<number, number>, bodies: string[]): Promise<void> {
  let i = 0;
  while (!stop.done) {
    i += 1;
    const requests = [
      client.raw('GET', '/api/me'),
      client.raw('GET', '/api/courses'),
      client.raw('GET', `/api/organizations`),
      client.raw('GET', '/api/me/credits'),
    ];
    for (const res of await Promise.allSettled(requests)) {
      if (res.status !== 'fulfilled') continue; // the connection itself may be refused for a moment
      statuses.set(res.value.status, (statuses.get(res.value.status) ?? 0) + 1);
      if (res.value.status >= 500) bodies.push(res.value.text);
    }
    if (i > 5_000) break; // bounded, whatever happens
  }
}

describe.skipIf(!onPostgres)('database outage (PostgreSQL)', () => {
  it('terminated backends under load: the process stays up, answers 503 not 500, and recovers alone', async () => {
    const clients: TestClient[] = [];
    for (const login of ['lawyer', 'lawyer2', 'admin-sc', 'admin']) {
      const client = createTestClient(baseUrl);
      await client.login(login, 'lectern-demo');
      clients.push(client, client.fork());
    }
    const statuses = new Map<number, number>();
    const bodies: string[] = [];
    const stop = { done: false };
    const load = clients.map((c) => busyClient(c, stop, statuses, bodies));

    // Under load: terminate every backend, ten times, each after the pool has reconnected.
    let killed = 0;
    for (let round = 0; round < 10; round++) {
      await waitFor('backends to reconnect', async () => (await admin`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${databaseName()}`)[0]!.n > 0);
      killed += await terminateBackends();
    }
    // Then the database refuses connections altogether for a while.
    await admin`ALTER DATABASE ${admin(databaseName())} WITH ALLOW_CONNECTIONS false`;
    killed += await terminateBackends();
    const refused = createTestClient(baseUrl);
    await waitFor('a 503 while the database refuses connections', async () => (await clients[1]!.raw('GET', '/api/courses')).status === 503);
    const during = await clients[0]!.raw('GET', '/api/me');
    expect(during.status).toBe(503);
    expect(during.json).toMatchObject({ error: 'database_unavailable' });
    expect(during.text).not.toMatch(/127\.0\.0\.1|5432|postgres|ECONN|at \w+ \(/);
    const health = await refused.raw('GET', '/api/health');
    expect(health.status).toBe(503);
    await admin`ALTER DATABASE ${admin(databaseName())} WITH ALLOW_CONNECTIONS true`;

    // Recovery: every client is answered again, by the same process.
    for (const client of clients) await waitFor('answers again', async () => (await client.raw('GET', '/api/me')).status === 200);
    stop.done = true;
    await Promise.all(load);

    expect(killed).toBeGreaterThan(10);
    expect(child!.exitCode).toBeNull();
    expect(output).not.toMatch(/TypeError|uncaught/i);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(500) ?? 0).toBe(0);
    expect([...statuses.keys()].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    for (const body of bodies) expect(body).not.toMatch(/127\.0\.0\.1|5432|ECONN|at \w+ \(/);
    expect((await createTestClient(baseUrl).raw('GET', '/api/health')).status).toBe(200);
  }, 300_000);
});
