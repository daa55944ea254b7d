/**
 * Runs drizzle `sql` queries for the heartbeat hot path. On PostgreSQL it goes straight to the
 * postgres.js client with prepare: true (drizzle's `execute` sends every raw query unprepared, so the
 * server parses and plans it each time), and a transaction pipelines its BEGIN with the first
 * statement and, when asked, its COMMIT with the last: a plain heartbeat is two round trips.
 * On PGlite the same holds in its own way (PglitePrepared below): each statement text is parsed
 * once into a named prepared statement, later calls only bind and execute it; drizzle's `execute`
 * there parses and plans the text on every call (an unnamed statement). Rows come back as plain
 * objects keyed by column name, with timestamps as text on PGlite exactly as drizzle hands them
 * back; callers normalise dates and numbers (the drivers differ there).
 */
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type postgres from 'postgres';
import { PGlite, parse as pgliteParse, protocol, types as pgliteTypes } from '@electric-sql/pglite';
import type { Db, DbOrTx } from '../db/client.ts';
import { rowsOf } from './rows.ts';
import { StatementBatcher, rowsByOrd, type BatchedStatement } from './batched-statement.ts';

export type Row = Record<string, unknown>;

export interface SqlRunner {
  run(query: SQL): Promise<Row[]>;
  /**
   * Inside a transaction: runs the transaction's last statement and commits with it (one round trip
   * on PostgreSQL). Nothing may run after it. Outside a transaction: the same as `run`.
   */
  runAndCommit(query: SQL): Promise<Row[]>;
  /**
   * Outside a transaction: `item`'s write as part of ONE autocommit statement with the items of the
   * same `batch` arriving at the same time (PostgreSQL; batched-statement.ts), answered after its
   * commit with the rows of `item` (by their `ord`). Elsewhere the statement for this item alone.
   */
  runBatched<T>(batch: BatchedStatement<T>, item: T): Promise<Row[]>;
  /** Runs `work` in one transaction (READ COMMITTED), with a runner bound to it. */
  transaction<T>(work: (runner: SqlRunner) => Promise<T>): Promise<T>;
}

const dialect = new PgDialect();

/** A batched statement for one item, run as a plain statement. */
async function alone<T>(runner: SqlRunner, batch: BatchedStatement<T>, item: T): Promise<Row[]> {
  return rowsByOrd(await runner.run(batch.statement([item])), 1)[0]!;
}

type Params = postgres.ParameterOrJSON<never>[];

function postgresRunner(client: postgres.Sql): SqlRunner {
  const run = async (query: SQL) => {
    const { sql, params } = dialect.sqlToQuery(query);
    return (await client.unsafe(sql, params as Params, { prepare: true })) as unknown as Row[];
  };
  const batchers = new Map<BatchedStatement<never>, StatementBatcher<never>>();
  return {
    run,
    runAndCommit: run,
    runBatched<T>(batch: BatchedStatement<T>, item: T) {
      let batcher = batchers.get(batch as BatchedStatement<never>) as StatementBatcher<T> | undefined;
      if (!batcher) batchers.set(batch as BatchedStatement<never>, (batcher = new StatementBatcher(batch, run)) as StatementBatcher<never>);
      return batcher.run(item);
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
        runBatched: (batch, item) => alone(inTx, batch, item),
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

/**
 * Parsers PGlite's drizzle driver passes for raw queries (drizzle-orm/pglite/session.js,
 * `rawQueryConfig`): timestamps, dates, intervals and their arrays, and numeric[] stay text, so the
 * prepared path hands back the very rows `db.execute` would.
 */
const PGLITE_RAW_TEXT: Record<number, (value: string) => unknown> = Object.fromEntries(
  [pgliteTypes.TIMESTAMP, pgliteTypes.TIMESTAMPTZ, pgliteTypes.INTERVAL, pgliteTypes.DATE, 1231, 1115, 1185, 1187, 1182].map((oid) => [oid, (value: string) => value]),
);

/** SQLSTATEs after which a prepared statement is dropped and parsed again next time. */
const STALE_STATEMENT = new Set(['26000' /* no such prepared statement */, '0A000' /* cached plan must not change result type */]);

/**
 * Named prepared statements on PGlite's one session. A statement text is parsed (Parse, Describe
 * for its parameter types, Sync) the first time it runs; every run then sends Bind, Describe
 * (portal: the row description), Execute and Sync in one protocol message, so PostgreSQL keeps the
 * parse and, after five runs, a generic plan (plan_cache_mode auto) instead of planning every call.
 * Parameters are serialised by the types PostgreSQL reports, with PGlite's own serialisers, and
 * rows are parsed with PGlite's parsers, exactly as `PGlite.query` does. At most `max` statements
 * are kept (least recently used closed first): texts with a variable shape (VALUES lists) come and go.
 *
 * Locking follows PGlite.query: outside a transaction a statement takes PGlite's transaction and
 * query locks and syncs the data folder after it; inside one (whose transaction lock is held by
 * PGlite.transaction) only the query lock, and the commit syncs.
 */
/** statement names are unique per process: several caches may share one PGlite session (tests) */
let statementCounter = 0;

export class PglitePrepared {
  private statements = new Map<string, { name: string; paramTypes: number[] }>();
  /**
   * PGlite's parsers with drizzle's overrides, merged once: parseResults merges them itself when
   * given overrides, copying every array type's parser on each call (7.5 % of the embedded
   * heartbeat's CPU when it did).
   */
  private parsers: Record<number, (value: string, typeId?: number) => unknown> | null = null;
  readonly stats = { parsed: 0, executed: 0 };

  constructor(
    private readonly pg: PGlite,
    private readonly max = 200,
  ) {}

  run(text: string, params: unknown[], inTransaction: boolean): Promise<Row[]> {
    const exclusive = () => this.pg._runExclusiveQuery(() => this.execute(text, params, inTransaction));
    return inTransaction ? exclusive() : this.pg._runExclusiveTransaction(exclusive);
  }

  private async execute(text: string, params: unknown[], inTransaction: boolean): Promise<Row[]> {
    const { serialize } = protocol;
    let statement = this.statements.get(text);
    if (statement) {
      // most recently used last
      this.statements.delete(text);
      this.statements.set(text, statement);
    } else {
      const name = `lectern_${++statementCounter}`;
      const described = await this.pg.execProtocolStream(concat([serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()]), { syncToFs: false });
      statement = { name, paramTypes: pgliteParse.parseDescribeStatementResults(described) };
      this.stats.parsed++;
      this.statements.set(text, statement);
      if (this.statements.size > this.max) {
        const [oldest, { name: closing }] = this.statements.entries().next().value as [string, { name: string }];
        this.statements.delete(oldest);
        await this.pg.execProtocolStream(concat([serialize.close({ type: 'S', name: closing }), serialize.sync()]), { syncToFs: false });
      }
    }
    const types = statement.paramTypes;
    const values = params.map((param, i) => {
      if (param === null || param === undefined) return null;
      const serializer = this.pg.serializers[types[i]!];
      return serializer ? serializer(param) : String(param);
    });
    let messages;
    try {
      messages = await this.pg.execProtocolStream(
        concat([serialize.bind({ statement: statement.name, values }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]),
        { syncToFs: false },
      );
    } catch (error) {
      if (STALE_STATEMENT.has(String((error as { code?: unknown }).code))) this.statements.delete(text);
      throw error;
    }
    this.stats.executed++;
    if (!inTransaction) await this.pg.syncToFs();
    this.parsers ??= { ...this.pg.parsers, ...PGLITE_RAW_TEXT };
    return pgliteParse.parseResults(messages, this.parsers, { rowMode: 'object' })[0]!.rows as Row[];
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function pgliteRunner(db: Db, prepared: PglitePrepared): SqlRunner {
  const bound = (inTransaction: boolean, tx: DbOrTx): SqlRunner => {
    const run = (query: SQL) => {
      const { sql, params } = dialect.sqlToQuery(query);
      return prepared.run(sql, params, inTransaction);
    };
    const runner: SqlRunner = {
      run,
      runAndCommit: run,
      // No batching on PGlite: its statements run synchronously on this one thread, so hardly
      // any arrive while one is written; batching them measured no gain through the API
      // (docs/credit.md, "Group commit").
      runBatched: (batch, item) => alone(runner, batch, item),
      transaction(work) {
        if (inTransaction) return work(runner);
        return (tx as Db).transaction((inner) => work(bound(true, inner)));
      },
    };
    return runner;
  };
  return bound(false, db);
}

function drizzleRunner(db: DbOrTx, inTransaction = false): SqlRunner {
  const run = async (query: SQL) => rowsOf<Row>(await db.execute(query));
  return {
    run,
    runAndCommit: run,
    runBatched(batch, item) {
      return alone(this, batch, item);
    },
    transaction(work) {
      if (inTransaction) return work(this);
      return (db as Db).transaction((tx) => work(drizzleRunner(tx, true)));
    },
  };
}

const preparedOf = new WeakMap<PGlite, PglitePrepared>();

/** The statement cache of a PGlite instance, shared by every runner on it (its session holds the statements). */
export function pglitePrepared(client: PGlite): PglitePrepared {
  let prepared = preparedOf.get(client);
  if (!prepared) preparedOf.set(client, (prepared = new PglitePrepared(client)));
  return prepared;
}

/** The runner for a database handle: prepared statements on both drivers (pipelined on PostgreSQL). */
export function sqlRunner(db: Db): SqlRunner {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (typeof client === 'function' && 'unsafe' in client && 'reserve' in client) return postgresRunner(client as postgres.Sql);
  if (client instanceof PGlite) return pgliteRunner(db, pglitePrepared(client));
  return drizzleRunner(db);
}

/** A runner over a drizzle transaction another service already opened (its statements join it). */
export function txRunner(tx: DbOrTx): SqlRunner {
  return drizzleRunner(tx, true);
}
