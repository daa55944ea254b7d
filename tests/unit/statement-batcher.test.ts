/**
 * The batcher's order for one key (server/db/batched-statement.ts): an item never runs beside a
 * statement in flight that holds its key, so two writes of one key commit in the order they came,
 * whichever statement the database would finish first. The statements here are held open by the
 * test (the executor is the batcher's injected seam); the real statements on PostgreSQL and PGlite
 * are in tests/integration/runner.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { SQL } from 'drizzle-orm';
import { StatementBatcher, type BatchedStatement, type Row } from '../../server/db/batched-statement.ts';

interface Item {
  key: string;
  n: number;
}

function heldExecutor() {
  const issued: { items: Item[]; finish: () => void }[] = [];
  const execute = (query: SQL) =>
    new Promise<Row[]>((resolve) => {
      const items = (query as unknown as { items: Item[] }).items;
      issued.push({ items, finish: () => resolve(items.map((item, i) => ({ n: item.n, ord: i + 1 }))) });
    });
  return { issued, execute };
}

const definition: BatchedStatement<Item> = {
  key: (item) => item.key,
  statement: (items) => ({ items }) as unknown as SQL,
};

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('StatementBatcher', () => {
  it('holds an item whose key is in a statement in flight until that statement is answered', async () => {
    const { issued, execute } = heldExecutor();
    const batcher = new StatementBatcher(definition, execute, 64, 2, 1);
    const answers: number[] = [];
    const run = (item: Item) => batcher.run(item).then((rows) => void answers.push(Number(rows[0]!.n)));
    const all = [run({ key: 'x', n: 0 }), run({ key: 'a', n: 1 }), run({ key: 'b', n: 2 }), run({ key: 'a', n: 3 })];
    await settle();
    // two statements in flight: x alone, then a alone; b and the second a wait
    expect(issued.map((s) => s.items.map((i) => i.n))).toEqual([[0], [1]]);
    issued[0]!.finish();
    await settle();
    // a slot is free: b goes, the second a does not (the first a is still in flight)
    expect(issued.map((s) => s.items.map((i) => i.n))).toEqual([[0], [1], [2]]);
    issued[2]!.finish();
    await settle();
    expect(issued).toHaveLength(3);
    issued[1]!.finish();
    await settle();
    expect(issued.map((s) => s.items.map((i) => i.n))).toEqual([[0], [1], [2], [3]]);
    issued[3]!.finish();
    await Promise.all(all);
    expect(answers).toEqual([0, 2, 1, 3]);
  });

  it('sends a statement beside one in flight only when enough items wait, and the rest together after', async () => {
    const { issued, execute } = heldExecutor();
    const batcher = new StatementBatcher(definition, execute, 64, 2, 3);
    const run = (n: number) => batcher.run({ key: `k${n}`, n });
    const first = [run(0)];
    await settle();
    // nothing in flight: the first goes at once, alone
    expect(issued.map((s) => s.items.map((i) => i.n))).toEqual([[0]]);
    const waiting = [run(1), run(2)];
    await settle();
    // two waiting beside one in flight: fewer than three, so they wait
    expect(issued).toHaveLength(1);
    const more = [run(3)];
    await settle();
    // three waiting: the second statement goes beside the first
    expect(issued.map((s) => s.items.map((i) => i.n))).toEqual([[0], [1, 2, 3]]);
    const late = [run(4)];
    await settle();
    expect(issued).toHaveLength(2);
    issued[0]!.finish();
    await settle();
    // the first is answered but the second is still in flight: one item is fewer than three, so it waits
    expect(issued).toHaveLength(2);
    issued[1]!.finish();
    await settle();
    expect(issued.map((s) => s.items.map((i) => i.n))).toEqual([[0], [1, 2, 3], [4]]);
    issued[2]!.finish();
    await Promise.all([...first, ...waiting, ...more, ...late]);
  });
});
