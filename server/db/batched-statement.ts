/**
 * One statement for many callers' writes (docs/credit.md, "Group commit"): on PostgreSQL, writes of
 * one kind that arrive while earlier ones are being written go out together as ONE statement (their
 * rows as one parameter), one autocommit transaction, one WAL flush; each caller is answered after
 * that commit with its own rows: PostgreSQL parses, binds and executes once per batch instead of
 * once per write (an earlier group commit that sent N statements in one transaction measured about
 * half this throughput: docs/credit.md, "Group commit").
 *
 * No timer: a write arriving while nothing is in flight goes out at once, alone; beside a statement
 * in flight only a full enough batch goes (`minBesideInFlight`), the rest waits for its answer.
 * Items with the same `key` never share a statement (a data-modifying statement must not update a
 * row twice), nor run beside one in flight: a later one waits until the earlier one's statement has
 * committed, so items of one key are written in the order they arrived. A batch is sorted by `key`, so batches lock rows
 * in one order. If a batch fails, each of its items is run again alone, so one caller's error (a
 * duplicate, say) is never another's.
 */
import type { SQL } from 'drizzle-orm';

export type Row = Record<string, unknown>;

export interface BatchedStatement<T> {
  /** the statement for `items` (sorted by key); every row it returns carries `ord`, its item's 1-based position */
  statement(items: T[]): SQL;
  /** items with the same key never share a statement; a batch runs in key order */
  key(item: T): string;
}

export interface BatchStats {
  items: number;
  batches: number;
  /** batches that failed and were run again one item at a time */
  replayed: number;
}

interface Pending<T> {
  item: T;
  key: string;
  resolve: (rows: Row[]) => void;
  reject: (error: unknown) => void;
}

/** Rows of a batch's answer, by the item they belong to. */
export function rowsByOrd(rows: Row[], count: number): Row[][] {
  const out: Row[][] = Array.from({ length: count }, () => []);
  for (const row of rows) out[Number(row.ord) - 1]?.push(row);
  return out;
}

export class StatementBatcher<T> {
  private queue: Pending<T>[] = [];
  private inFlight = 0;
  /** the keys of the statements in flight */
  private readonly keysInFlight = new Set<string>();
  readonly stats: BatchStats = { items: 0, batches: 0, replayed: 0 };

  constructor(
    private readonly definition: BatchedStatement<T>,
    /** runs one autocommit statement */
    private readonly execute: (query: SQL) => Promise<Row[]>,
    /** at most this many items share a statement */
    private readonly maxBatch = 64,
    /** statements in flight at once (each holds one pooled connection) */
    private readonly maxInFlight = 2,
    /**
     * a statement goes out beside one in flight only with at least this many items; fewer wait for
     * the one in flight to be answered and then go together. A heartbeat statement costs PostgreSQL
     * about 0.25 ms however few its rows, then 60–80 µs a row: at 2 in flight and no such bound,
     * half the statements carried one row and they averaged 9 (docs/credit.md, "Group commit").
     */
    private readonly minBesideInFlight = 16,
  ) {}

  run(item: T): Promise<Row[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, key: this.definition.key(item), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch: Pending<T>[] = [];
      const keys = new Set<string>();
      const rest: Pending<T>[] = [];
      for (const p of this.queue) {
        // a key already in a statement in flight waits for it: the later item is written after the earlier commits
        if (batch.length < this.maxBatch && !keys.has(p.key) && !this.keysInFlight.has(p.key)) {
          keys.add(p.key);
          batch.push(p);
        } else rest.push(p);
      }
      if (batch.length === 0 || (this.inFlight > 0 && batch.length < this.minBesideInFlight)) return;
      this.queue = rest;
      this.inFlight++;
      for (const key of keys) this.keysInFlight.add(key);
      void this.write(batch).finally(() => {
        this.inFlight--;
        for (const key of keys) this.keysInFlight.delete(key);
        this.pump();
      });
    }
  }

  private async write(batch: Pending<T>[]): Promise<void> {
    this.stats.items += batch.length;
    this.stats.batches++;
    if (batch.length === 1) return this.alone(batch[0]!);
    batch.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    let rows: Row[];
    try {
      rows = await this.execute(this.definition.statement(batch.map((p) => p.item)));
    } catch {
      // nothing of the batch was kept (one statement, one transaction): each item gets its own answer
      this.stats.replayed++;
      await Promise.all(batch.map((p) => this.alone(p)));
      return;
    }
    const split = rowsByOrd(rows, batch.length);
    batch.forEach((p, i) => p.resolve(split[i]!));
  }

  private async alone(p: Pending<T>): Promise<void> {
    try {
      p.resolve(rowsByOrd(await this.execute(this.definition.statement([p.item])), 1)[0]!);
    } catch (error) {
      p.reject(error);
    }
  }
}
