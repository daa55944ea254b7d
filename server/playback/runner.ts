/**
 * Runs drizzle `sql` queries for the heartbeat hot path. On PostgreSQL it goes straight to the
 * postgres.js client with prepare: true: drizzle's `execute` sends every raw query unprepared, so
 * the server parses and plans it each time, which more than halves throughput on a small machine.
 * On PGlite it simply uses drizzle. Rows come back as plain objects keyed by column name; callers
 * normalise dates and numbers (the drivers differ there).
 */
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type postgres from 'postgres';
import type { Db, DbOrTx } from '../db/client.ts';
import { rowsOf } from '../organizations/repository.ts';

export type Row = Record<string, unknown>;

export interface SqlRunner {
  run(query: SQL): Promise<Row[]>;
  /** Runs `work` in one transaction (READ COMMITTED), with a runner bound to it. */
  transaction<T>(work: (runner: SqlRunner) => Promise<T>): Promise<T>;
}

const dialect = new PgDialect();

function postgresRunner(client: postgres.Sql | postgres.TransactionSql): SqlRunner {
  return {
    async run(query) {
      const { sql, params } = dialect.sqlToQuery(query);
      return (await client.unsafe(sql, params as postgres.ParameterOrJSON<never>[], { prepare: true })) as unknown as Row[];
    },
    async transaction(work) {
      if (!('begin' in client)) return work(this); // already inside one
      return (await (client as postgres.Sql).begin((tx) => work(postgresRunner(tx)))) as never;
    },
  };
}

function drizzleRunner(db: DbOrTx): SqlRunner {
  return {
    async run(query) {
      return rowsOf<Row>(await db.execute(query));
    },
    transaction(work) {
      return (db as Db).transaction((tx) => work(drizzleRunner(tx)));
    },
  };
}

/** The runner for a database handle: prepared statements on PostgreSQL, drizzle on PGlite. */
export function sqlRunner(db: Db): SqlRunner {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (typeof client === 'function' && 'unsafe' in client && 'begin' in client) return postgresRunner(client as postgres.Sql);
  return drizzleRunner(db);
}
