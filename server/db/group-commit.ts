/**
 * Group commit for the heartbeat's write (docs/credit.md, "Group commit"): autocommit statements
 * that arrive while earlier ones are being written share one transaction, so N heartbeats cost one
 * WAL flush instead of N, and each caller is answered only after that commit (durability as before:
 * synchronous_commit stays on).
 *
 * No timer: at low load a statement runs at once on its own (one round trip, as before); batches
 * form by themselves while up to `maxInFlight` batches are being written. Statements of a batch are
 * sorted by their key (the playback session) so two batches lock rows in the same order and cannot
 * deadlock each other. If anything in a batch fails, the batch is rolled back and each statement is
 * run again on its own, so one caller's error is never another's.
 */
import type postgres from 'postgres';

type Params = postgres.ParameterOrJSON<never>[];
type Row = Record<string, unknown>;

interface Pending {
  sql: string;
  params: Params;
  key: string;
  resolve: (rows: Row[]) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitStats {
  statements: number;
  batches: number;
  /** batches rolled back and replayed one statement at a time */
  replayed: number;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private inFlight = 0;
  readonly stats: GroupCommitStats = { statements: 0, batches: 0, replayed: 0 };

  constructor(
    private readonly client: postgres.Sql,
    /** at most this many statements share a commit */
    private readonly maxBatch = 64,
    /** batches written at once (each holds one pooled connection) */
    private readonly maxInFlight = 2,
  ) {}

  run(sql: string, params: Params, key: string): Promise<Row[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ sql, params, key, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    this.stats.statements += batch.length;
    this.stats.batches++;
    if (batch.length === 1) return this.alone(batch[0]!);
    batch.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    let results: Row[][] | null = null;
    const connection = await this.client.reserve().catch(() => null);
    if (connection) {
      try {
        // BEGIN, every statement and COMMIT pipelined on one connection: one round trip, one flush.
        const begin = connection.unsafe('begin').execute();
        const statements = batch.map((p) => connection.unsafe(p.sql, p.params, { prepare: true }).execute());
        const settled = await Promise.allSettled([begin, ...statements]);
        if (settled.every((s) => s.status === 'fulfilled')) {
          await connection.unsafe('commit');
          results = settled.slice(1).map((s) => (s as PromiseFulfilledResult<unknown>).value as Row[]);
        } else {
          await connection.unsafe('rollback').catch(() => {});
        }
      } catch {
        await connection.unsafe('rollback').catch(() => {});
        results = null;
      } finally {
        connection.release();
      }
    }
    if (results) {
      batch.forEach((p, i) => p.resolve(results![i]!));
      return;
    }
    // Something failed: nothing of the batch was kept; each statement gets its own answer.
    this.stats.replayed++;
    await Promise.all(batch.map((p) => this.alone(p)));
  }

  private async alone(p: Pending): Promise<void> {
    try {
      p.resolve((await this.client.unsafe(p.sql, p.params, { prepare: true })) as unknown as Row[]);
    } catch (error) {
      p.reject(error);
    }
  }
}
