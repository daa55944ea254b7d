/**
 * Runs drizzle `sql` queries for the heartbeat hot path. On PostgreSQL it goes straight to the
 * postgres.js client with prepare: true (drizzle's `execute` sends every raw query unprepared, so the
 * server parses and plans it each time), and a transaction pipelines its BEGIN with the first
 * statement and, when asked, its COMMIT with the last: a plain heartbeat is two round trips.
 * On PGlite it simply uses drizzle. Rows come back as plain objects keyed by column name; callers
 * normalise dates and numbers (the drivers differ there).
 */
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type postgres from 'postgres';
import type { Db, DbOrTx } from '../db/client.ts';
import { rowsOf } from './rows.ts';
import { GroupCommit } from './group-commit.ts';

export type Row = Record<string, unknown>;

export interface SqlRunner {
  run(query: SQL): Promise<Row[]>;
  /**
   * Inside a transaction: runs the transaction's last statement and commits with it (one round trip
   * on PostgreSQL). Nothing may run after it. Outside a transaction: the same as `run`.
   */
  runAndCommit(query: SQL): Promise<Row[]>;
  /**
   * Outside a transaction: an autocommit statement that may share its commit with others arriving
   * at the same time (PostgreSQL; group-commit.ts), answered after that commit. `key` orders a
   * shared batch (rows it locks). Elsewhere the same as `run`.
   */
  runGrouped(query: SQL, key: string): Promise<Row[]>;
  /** Runs `work` in one transaction (READ COMMITTED), with a runner bound to it. */
  transaction<T>(work: (runner: SqlRunner) => Promise<T>): Promise<T>;
}

const dialect = new PgDialect();

type Params = postgres.ParameterOrJSON<never>[];

function postgresRunner(client: postgres.Sql): SqlRunner {
  const run = async (query: SQL) => {
    const { sql, params } = dialect.sqlToQuery(query);
    return (await client.unsafe(sql, params as Params, { prepare: true })) as unknown as Row[];
  };
  const group = new GroupCommit(client);
  return {
    run,
    runAndCommit: run,
    runGrouped(query, key) {
      const { sql, params } = dialect.sqlToQuery(query);
      return group.run(sql, params as Params, key);
    },
    async transaction(work) {
      const connection = await client.reserve();
      // Sent now, answered together with the first statement (postgres.js pipelines one connection).
      const begin = connection.unsafe('begin').execute();
      begin.catch(() => {});
      let committed = false;
      const inTx: SqlRunner = {
        async run(query) {
          if (committed) throw new Error('the transaction was already committed');
          const { sql, params } = dialect.sqlToQuery(query);
          const rows = connection.unsafe(sql, params as Params, { prepare: true }).execute();
          rows.catch(() => {});
          // BEGIN's answer arrives with the first statement's; nothing is written before both are in.
          await begin;
          return (await rows) as unknown as Row[];
        },
        async runAndCommit(query) {
          if (committed) throw new Error('the transaction was already committed');
          committed = true;
          await begin;
          const { sql, params } = dialect.sqlToQuery(query);
          const rows = connection.unsafe(sql, params as Params, { prepare: true }).execute();
          const commit = connection.unsafe('commit').execute();
          commit.catch(() => {});
          try {
            const result = (await rows) as unknown as Row[];
            await commit;
            return result;
          } catch (error) {
            // A failed statement turns the pipelined COMMIT into a rollback; nothing was kept.
            await commit.catch(() => {});
            throw error;
          }
        },
        runGrouped: (query) => inTx.run(query),
        transaction: (nested) => nested(inTx),
      };
      try {
        const result = await work(inTx);
        await begin;
        if (!committed) await connection.unsafe('commit');
        return result;
      } catch (error) {
        if (!committed) await connection.unsafe('rollback').catch(() => {});
        throw error;
      } finally {
        connection.release();
      }
    },
  };
}

function drizzleRunner(db: DbOrTx, inTransaction = false): SqlRunner {
  const run = async (query: SQL) => rowsOf<Row>(await db.execute(query));
  return {
    run,
    runAndCommit: run,
    runGrouped: run,
    transaction(work) {
      if (inTransaction) return work(this);
      return (db as Db).transaction((tx) => work(drizzleRunner(tx, true)));
    },
  };
}

/** The runner for a database handle: prepared, pipelined statements on PostgreSQL, drizzle on PGlite. */
export function sqlRunner(db: Db): SqlRunner {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (typeof client === 'function' && 'unsafe' in client && 'reserve' in client) return postgresRunner(client as postgres.Sql);
  return drizzleRunner(db);
}

/** A runner over a drizzle transaction another service already opened (its statements join it). */
export function txRunner(tx: DbOrTx): SqlRunner {
  return drizzleRunner(tx, true);
}
