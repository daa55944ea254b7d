/**
 * Group commit (server/db/group-commit.ts) on real PostgreSQL: statements that arrive together
 * share one commit, each caller is answered only after it, a failing statement fails only its own
 * caller, and rows of different batches are locked in one order (no deadlock between batches).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { GroupCommit } from '../../server/db/group-commit.ts';

const onPostgres = Boolean(process.env.DATABASE_URL);
if (!onPostgres) console.info('[group-commit] skipped: group commit is PostgreSQL-only (PGlite runs one statement at a time in this process); set DATABASE_URL');

describe.runIf(onPostgres)('group commit on PostgreSQL', () => {
  let database: TestDatabase;
  let client: postgres.Sql;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    client = postgres(database.url!, { max: 4, onnotice: () => {} });
    await client`CREATE TABLE gc (id int PRIMARY KEY, v int NOT NULL DEFAULT 0)`;
    await client`INSERT INTO gc (id) SELECT g FROM generate_series(1000, 1010) g`;
  }, 60_000);

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('statements arriving together share commits, and every answered one is stored', async () => {
    const group = new GroupCommit(client, 64, 1);
    const ids = Array.from({ length: 200 }, (_, i) => i);
    const answers = await Promise.all(ids.map((i) => group.run('INSERT INTO gc (id) VALUES ($1) RETURNING id', [i], String(i))));
    expect(answers.map((rows) => Number(rows[0]!.id))).toEqual(ids);
    expect(group.stats.statements).toBe(200);
    expect(group.stats.batches).toBeLessThan(200); // they did share commits
    const [count] = await client<{ n: string }[]>`SELECT count(*) AS n FROM gc WHERE id < 1000`;
    expect(Number(count!.n)).toBe(200);
  });

  it('a failing statement fails its own caller only; the rest of its batch is stored', async () => {
    const group = new GroupCommit(client, 64, 1);
    // the first occupies the writer, so the next ones queue into one batch with a duplicate among them
    const first = group.run('INSERT INTO gc (id) VALUES ($1) RETURNING id', [500], '500');
    const rest = [501, 502, 0, 503].map((id) => group.run('INSERT INTO gc (id) VALUES ($1) RETURNING id', [id], String(id)).then(() => 'ok', (e: { code?: string }) => e.code));
    await first;
    expect(await Promise.all(rest)).toEqual(['ok', 'ok', '23505', 'ok']);
    expect(group.stats.replayed).toBeGreaterThanOrEqual(1);
    const rows = await client<{ id: number }[]>`SELECT id FROM gc WHERE id BETWEEN 500 AND 503 ORDER BY id`;
    expect(rows.map((r) => r.id)).toEqual([500, 501, 502, 503]);
  });

  it('two batches updating the same rows in opposite order do not deadlock', async () => {
    const group = new GroupCommit(client, 64, 2);
    const update = (id: number) => group.run('UPDATE gc SET v = v + 1 WHERE id = $1 RETURNING v', [id], String(id));
    const forward = Array.from({ length: 11 }, (_, i) => 1000 + i);
    const rounds = await Promise.all(Array.from({ length: 10 }, (_, r) => Promise.all((r % 2 ? [...forward].reverse() : forward).map(update))));
    expect(rounds.flat()).toHaveLength(110);
    const rows = await client<{ v: number }[]>`SELECT v FROM gc WHERE id >= 1000`;
    expect(rows.every((r) => r.v === 10)).toBe(true);
  });
});
