/**
 * The hot-path SQL runner (server/db/runner.ts) on both databases: a statement is prepared once and
 * reused with new parameters, and its rows (timestamps, numerics, nulls, arrays, jsonb) come back
 * exactly as the unprepared drizzle `execute` hands them back; errors keep their SQLSTATE; a
 * transaction's prepared statements roll back with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { availableBackends, createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import type { PGlite } from '@electric-sql/pglite';
import { PglitePrepared, pglitePrepared, sqlRunner, type SqlRunner } from '../../server/db/runner.ts';
import { rowsOf } from '../../server/db/rows.ts';
import type { BatchedStatement } from '../../server/db/batched-statement.ts';

describe.each(availableBackends())('sql runner on %s', (backend) => {
  let database: TestDatabase;
  let runner: SqlRunner;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    runner = sqlRunner(database.db);
    await database.db.execute(sql`CREATE TABLE runner_t (
      id int PRIMARY KEY, at timestamptz, day date, amount numeric(12, 4), ratio float8, big bigint,
      tags text[], nums int[], doc jsonb, flag boolean, note text)`);
  }, 60_000);

  afterAll(async () => {
    await database?.drop();
  });

  const insert = (v: { id: number; at: string | null; day: string | null; amount: string | null; ratio: number | null; big: string | null; tags: string[] | null; nums: number[] | null; doc: unknown; flag: boolean | null; note: string | null }) =>
    sql`INSERT INTO runner_t (id, at, day, amount, ratio, big, tags, nums, doc, flag, note)
        VALUES (${v.id}, ${v.at}::timestamptz, ${v.day}::date, ${v.amount}::numeric, ${v.ratio}::float8, ${v.big}::bigint,
                ${v.tags === null ? null : `{${v.tags.map((t) => JSON.stringify(t)).join(',')}}`}::text[],
                ${v.nums === null ? null : `{${v.nums.join(',')}}`}::int[],
                ${v.doc === null ? null : JSON.stringify(v.doc)}::jsonb, ${v.flag}::boolean, ${v.note})
        RETURNING *`;
  const select = (id: number) =>
    sql`SELECT id, at, day, amount, ratio, big, tags, nums, doc, flag, note, at + interval '1 day' AS next_at,
               ARRAY[amount, amount * 2] AS amounts, ARRAY[at] AS ats, ${id}::int + 0.5 AS half, now() IS NOT NULL AS has_now
        FROM runner_t WHERE id = ${id}`;

  it('reuses one prepared statement with new parameters, parsing every type as the unprepared path does', async () => {
    const prepared = backend === 'pglite' ? preparedStats(database) : null;
    const before = prepared ? { ...prepared.stats } : null;
    const values = [
      { id: 1, at: '2026-03-04T05:06:07.891Z', day: '2026-03-04', amount: '12.3400', ratio: 0.25, big: '9007199254740993', tags: ['a', 'b c', '引号"'], nums: [1, 2, 3], doc: { a: [1, { b: null }], s: '中文' }, flag: true, note: 'x' },
      { id: 2, at: null, day: null, amount: null, ratio: null, big: null, tags: null, nums: null, doc: null, flag: null, note: null },
      { id: 3, at: '1999-12-31T23:59:59.000Z', day: '1999-12-31', amount: '-0.0001', ratio: -1e-9, big: '-1', tags: [], nums: [], doc: [1, 'two', false], flag: false, note: '' },
      { id: 4, at: '2026-12-02T00:00:00.000Z', day: '2026-12-02', amount: '1', ratio: 3, big: '0', tags: ['NULL', ''], nums: [-5], doc: 'just a string', flag: true, note: "it's" },
    ];
    for (const v of values) {
      const inserted = await runner.run(insert(v));
      expect(inserted).toHaveLength(1);
      expect(Number(inserted[0]!.id)).toBe(v.id);
    }
    for (const v of values) {
      const viaRunner = await runner.run(select(v.id));
      const viaDrizzle = rowsOf<Record<string, unknown>>(await database.db.execute(select(v.id)));
      expect(viaRunner).toEqual(viaDrizzle);
      expect(viaRunner).toHaveLength(1);
      const row = viaRunner[0]!;
      // the values themselves, whatever form the driver gives them in
      expect(row.at == null ? null : new Date(row.at as string).toISOString()).toBe(v.at);
      expect(row.amount == null ? null : Number(row.amount)).toBe(v.amount == null ? null : Number(v.amount));
      expect(row.ratio).toBe(v.ratio);
      expect(row.tags).toEqual(v.tags);
      expect(row.nums).toEqual(v.nums);
      expect(row.doc).toEqual(v.doc);
      expect(row.flag).toBe(v.flag);
      expect(row.note).toBe(v.note);
    }
    if (prepared && before) {
      // one Parse for the INSERT text and one for the SELECT text, whatever the parameters
      expect(prepared.stats.parsed - before.parsed).toBe(2);
      expect(prepared.stats.executed - before.executed).toBe(values.length * 2);
    }
  });

  it('an error keeps its SQLSTATE, and the statement runs again afterwards', async () => {
    const duplicate = { id: 1, at: null, day: null, amount: null, ratio: null, big: null, tags: null, nums: null, doc: null, flag: null, note: null };
    const error = await runner.run(insert(duplicate)).then(
      () => null,
      (e: { code?: string }) => e,
    );
    expect(error?.code).toBe('23505');
    const fresh = await runner.run(insert({ ...duplicate, id: 5 }));
    expect(Number(fresh[0]!.id)).toBe(5);
  });

  it('statements in a transaction commit or roll back with it', async () => {
    const note = (id: number, text: string) => sql`UPDATE runner_t SET note = ${text} WHERE id = ${id} RETURNING note`;
    await runner.transaction(async (tx) => {
      expect((await tx.run(note(1, 'kept')))[0]!.note).toBe('kept');
      await tx.runAndCommit(note(2, 'kept too'));
    });
    await expect(
      runner.transaction(async (tx) => {
        await tx.run(note(1, 'lost'));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const rows = await runner.run(sql`SELECT id, note FROM runner_t WHERE id IN (1, 2) ORDER BY id`);
    expect(rows.map((r) => r.note)).toEqual(['kept', 'kept too']);
  });

  it('batched writes arriving together are each answered with their own rows, and a failing one fails its own caller only', async () => {
    // one multi-row INSERT per batch; `ord` tells each caller its rows
    const addNotes: BatchedStatement<number> = {
      key: (id) => String(id),
      statement: (ids) => sql`INSERT INTO runner_t (id, note) SELECT id, 'b' || id FROM unnest(${`{${ids.join(',')}}`}::int[]) AS v(id)
        RETURNING id, note, array_position(${`{${ids.join(',')}}`}::int[], id) AS ord`,
    };
    const ids = Array.from({ length: 100 }, (_, i) => 2000 + i);
    // 2003 twice: the same key never shares a statement, so the second runs after the first and fails alone
    const answers = await Promise.all([...ids, 2003].map((id) => runner.runBatched(addNotes, id).then((rows) => rows.map((r) => `${Number(r.id)}:${String(r.note)}`), (e: { code?: string }) => e.code)));
    expect(answers).toEqual([...ids.map((id) => [`${id}:b${id}`]), '23505']);
    const rows = await runner.run(sql`SELECT count(*)::int AS n FROM runner_t WHERE id >= 2000 AND id < 2100`);
    expect(Number(rows[0]!.n)).toBe(100);
    // inside a transaction the item runs alone, and rolls back with it
    await expect(runner.transaction(async (tx) => {
      expect((await tx.runBatched(addNotes, 2100)).map((r) => Number(r.id))).toEqual([2100]);
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    expect(await runner.run(sql`SELECT id FROM runner_t WHERE id = 2100`)).toEqual([]);
  });

  if (backend !== 'pglite') console.info('[runner] the statement-cache limit test runs on PGlite only: postgres.js keeps its own cache per connection');
  it.runIf(backend === 'pglite')('keeps at most its limit of statements, closing the least recently used', async () => {
    const count = async () => Number(rowsOf<{ n: unknown }>(await database.db.execute(sql`SELECT count(*)::int AS n FROM pg_prepared_statements`))[0]!.n);
    const before = await count();
    const small = new PglitePrepared(pgliteOf(database), 3);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5; i++) {
        const rows = await small.run(`SELECT $1::int + ${i} AS v`, [round], false);
        expect(rows).toEqual([{ v: round + i }]);
      }
    }
    // every text was evicted before it came round again, so each run parsed it anew
    expect(small.stats.parsed).toBe(10);
    // and only the three it keeps are still prepared in the session
    expect((await count()) - before).toBe(3);
  });
});

function preparedStats(database: TestDatabase): PglitePrepared {
  return pglitePrepared(pgliteOf(database));
}

function pgliteOf(database: TestDatabase): PGlite {
  return (database.db as unknown as { $client: PGlite }).$client;
}
