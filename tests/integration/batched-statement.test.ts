/**
 * One statement for many callers' writes (server/db/batched-statement.ts) on real PostgreSQL:
 * writes that arrive together go out as one statement and one commit, each caller is answered with
 * its own rows only after it, a failing batch fails only the caller whose item fails, and rows of
 * different batches are locked in one order (no deadlock between batches).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { StatementBatcher, type BatchedStatement } from '../../server/db/batched-statement.ts';
import { sqlRunner, type SqlRunner } from '../../server/db/runner.ts';

const onPostgres = Boolean(process.env.DATABASE_URL);
if (!onPostgres) console.info('[batched-statement] skipped: batching is PostgreSQL-only (PGlite runs one statement at a time in this process); set DATABASE_URL');

const ids = (items: number[]) => `{${items.join(',')}}`;

/** one multi-row INSERT per batch; `ord` says whose row each is */
const insert: BatchedStatement<number> = {
  key: (id) => String(id).padStart(6, '0'),
  statement: (items) => sql`INSERT INTO bs (id) SELECT unnest(${ids(items)}::int[])
    RETURNING id, array_position(${ids(items)}::int[], id) AS ord`,
};

/** one UPDATE per batch, its rows locked in `ord` order first (as the heartbeat write does) */
const increment: BatchedStatement<number> = {
  key: (id) => String(id).padStart(6, '0'),
  statement: (items) => sql`
    WITH u AS (SELECT u.id, u.ord FROM unnest(${ids(items)}::int[]) WITH ORDINALITY AS u(id, ord)),
    locked AS (SELECT b.id, u.ord FROM u JOIN bs b ON b.id = u.id ORDER BY u.ord FOR UPDATE OF b)
    UPDATE bs SET v = bs.v + 1 FROM locked WHERE bs.id = locked.id RETURNING bs.v, locked.ord`,
};

describe.runIf(onPostgres)('batched statements on PostgreSQL', () => {
  let database: TestDatabase;
  let runner: SqlRunner;
  let statements = 0;
  const execute = (query: ReturnType<typeof sql>) => ((statements += 1), runner.run(query));

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    runner = sqlRunner(database.db);
    await runner.run(sql`CREATE TABLE bs (id int PRIMARY KEY, v int NOT NULL DEFAULT 0)`);
    await runner.run(sql`INSERT INTO bs (id) SELECT g FROM generate_series(1000, 1010) g`);
  }, 60_000);

  afterAll(async () => {
    await database?.drop();
  });

  it('writes arriving together share statements, and every answered one is stored', async () => {
    const batcher = new StatementBatcher(insert, execute, 64, 1);
    statements = 0;
    const items = Array.from({ length: 200 }, (_, i) => i);
    const answers = await Promise.all(items.map((i) => batcher.run(i)));
    expect(answers.map((rows) => rows.map((r) => Number(r.id)))).toEqual(items.map((i) => [i]));
    expect(batcher.stats.items).toBe(200);
    expect(batcher.stats.batches).toBeLessThan(200); // they did share statements
    expect(statements).toBe(batcher.stats.batches);
    const [count] = await runner.run(sql`SELECT count(*)::int AS n FROM bs WHERE id < 1000`);
    expect(Number(count!.n)).toBe(200);
  });

  it('a failing item fails its own caller only; the rest of its batch is stored', async () => {
    const batcher = new StatementBatcher(insert, execute, 64, 1);
    // the first occupies the writer, so the next ones queue into one batch with a duplicate among them
    const first = batcher.run(500);
    const rest = [501, 502, 0, 503].map((id) => batcher.run(id).then(() => 'ok', (e: { code?: string }) => e.code));
    await first;
    expect(await Promise.all(rest)).toEqual(['ok', 'ok', '23505', 'ok']);
    expect(batcher.stats.replayed).toBeGreaterThanOrEqual(1);
    const rows = await runner.run(sql`SELECT id FROM bs WHERE id BETWEEN 500 AND 503 ORDER BY id`);
    expect(rows.map((r) => Number(r.id))).toEqual([500, 501, 502, 503]);
  });

  it('two batches updating the same rows in opposite order do not deadlock', async () => {
    const batcher = new StatementBatcher(increment, execute, 64, 2, 1);
    const forward = Array.from({ length: 11 }, (_, i) => 1000 + i);
    const rounds = await Promise.all(Array.from({ length: 10 }, (_, r) => Promise.all((r % 2 ? [...forward].reverse() : forward).map((id) => batcher.run(id)))));
    expect(rounds.flat()).toHaveLength(110);
    expect(batcher.stats.replayed).toBe(0);
    const rows = await runner.run(sql`SELECT v FROM bs WHERE id >= 1000`);
    expect(rows.every((r) => Number(r.v) === 10)).toBe(true);
  });
});
