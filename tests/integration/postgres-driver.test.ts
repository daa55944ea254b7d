/**
 * postgres.js 3.4.9 as patched by patches/postgres+3.4.9.patch (applied by patch-package on
 * every install): a connection whose backend is terminated must reject its queries and leave the
 * pool usable. Unpatched, the first case throws `TypeError: Cannot read properties of null
 * (reading 'write')` from a setImmediate (the process dies: porsager/postgres#1154, #1208), the
 * second wedges the pool (#1199) and the third leaves queries waiting forever.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

const onPostgres = Boolean(process.env.DATABASE_URL);
if (!onPostgres) console.warn('[tests] skipped: postgres-driver needs PostgreSQL (DATABASE_URL).');

let database: TestDatabase;
let sql: postgres.Sql;
let killer: postgres.Sql;

beforeAll(async () => {
  if (!onPostgres) return;
  database = await createTestDatabase('postgres');
  sql = postgres(database.url!, { max: 3, onnotice: () => {} });
  killer = postgres(database.url!, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  if (!onPostgres) return;
  await sql.end({ timeout: 1 });
  await killer.end();
  await database.drop();
});

const terminate = (pid: number) => killer`SELECT pg_terminate_backend(${pid})`;

describe.skipIf(!onPostgres)('postgres.js with a terminated backend', () => {
  it('is the patched driver (patch-package ran on install)', () => {
    const source = readFileSync(path.resolve(import.meta.dirname, '../../node_modules/postgres/src/connection.js'), 'utf8');
    expect(source).toContain('lectern patch');
  });

  it('a transaction whose backend dies rejects, its rollback is not written to a dead socket, and the pool goes on', async () => {
    for (let round = 0; round < 5; round++) {
      const attempt = sql.begin(async (tx) => {
        const [row] = await tx`SELECT pg_backend_pid() AS pid`;
        await terminate(row!.pid as number);
        await tx`SELECT 1`;
        await tx`SELECT 2`;
      });
      await expect(attempt).rejects.toMatchObject({ code: expect.stringMatching(/CONNECTION_CLOSED|57P01|ECONNRESET/) });
    }
    const rows = await Promise.all(Array.from({ length: 10 }, (_, i) => sql`SELECT ${i}::int AS i`));
    expect(rows.map((r) => r[0]!.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await sql.begin(async (tx) => (await tx`SELECT 7 AS x`)[0]!.x)).toBe(7);
  });

  it('a reserved connection whose backend dies refuses later queries, and releasing it does not wedge the pool', async () => {
    const reserved = await sql.reserve();
    const [row] = await reserved`SELECT pg_backend_pid() AS pid`;
    await terminate(row!.pid as number);
    await expect(reserved`SELECT 1`).rejects.toBeTruthy();
    await expect(reserved`SELECT 2`).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    reserved.release();
    const rows = await Promise.all(Array.from({ length: 6 }, () => sql`SELECT 5 AS x`));
    expect(rows.every((r) => r[0]!.x === 5)).toBe(true);
  });

  it('backends terminated under load: every query settles and the pool answers afterwards', async () => {
    let settled = 0;
    let stop = false;
    const loop = async () => {
      for (let i = 0; i < 2_000 && !stop; i++) {
        await Promise.allSettled([sql`SELECT pg_sleep(0.001)`, sql`SELECT 1`, sql.begin((tx) => tx`SELECT 2`)]);
        settled += 3;
      }
    };
    const loops = Array.from({ length: 6 }, loop);
    for (let round = 0; round < 20; round++) {
      const before = settled;
      // wait until queries are flowing again, then kill every backend of the pool
      while (settled === before) await new Promise((r) => setTimeout(r, 5));
      await killer`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`;
    }
    stop = true;
    await Promise.all(loops);
    expect(settled).toBeGreaterThan(0);
    expect((await sql`SELECT 9 AS x`)[0]!.x).toBe(9);
  });
});
