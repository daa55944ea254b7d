/**
 * Identical requests at the same moment (issue 7, finding 7): two roster imports of the same
 * lawyers, and many lectures added to one course at once. Each answers what it means — one
 * import 200 and the other 409 with nothing half-stored, every lecture 201 at its own position —
 * and never a 500 from a unique index.
 *
 * On PostgreSQL the race is made certain rather than hoped for: a test connection holds a SHARE
 * lock on the table, the requests are fired, the test waits until all of them are blocked on a
 * lock (every one has passed its checks), then lets go. PGlite has one connection, so there the
 * requests only interleave on their own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq, inArray } from 'drizzle-orm';
import postgres from 'postgres';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ApiError, createTestClient, type TestClient } from '../helpers/http.ts';
import { teachApi } from '../../web/src/routes/teach/teach-api.ts';
import { lectures, users } from '../../server/db/schema/index.ts';

let server: TestServer;
let adminSc: TestClient;
let trainer: TestClient;

beforeAll(async () => {
  server = await startTestServer();
  [adminSc, trainer] = [createTestClient(server.baseUrl), createTestClient(server.baseUrl)];
  await Promise.all([adminSc.login('admin-sc', 'lectern-demo'), trainer.login('trainer', 'lectern-demo')]);
});
afterAll(async () => server?.close());

/**
 * Fires the requests while `table` is locked against writes, and releases it once `waiters`
 * backends wait on a lock; on PGlite it just fires them.
 */
async function whileLocked<T>(table: 'users' | 'lectures', waiters: number, fire: () => Promise<T>): Promise<T> {
  const url = server.testDatabase.url;
  if (!url) return fire();
  const holder = postgres(url, { max: 1, onnotice: () => {} });
  const watcher = postgres(url, { max: 1, onnotice: () => {} });
  try {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holding = holder.begin(async (tx) => {
      await tx.unsafe(`LOCK TABLE ${table} IN SHARE MODE`);
      locked();
      await released;
    });
    await isLocked;
    const answers = fire();
    answers.catch(() => {}); // awaited below; a failure must not go unhandled while we wait
    await expect
      .poll(async () => Number((await watcher`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)[0]!.n), {
        timeout: 60_000,
        interval: 20,
      })
      .toBe(waiters);
    release();
    await holding;
    return await answers;
  } finally {
    await holder.end();
    await watcher.end();
  }
}

describe('concurrent identical requests', () => {
  it('two imports of the same roster at once: one 200, the other 409 roster_conflict, nothing half-stored', async () => {
    const licences = ['15107202310000711', '15107202310000712', '15107202310000713'];
    const csv = `licenseNo,name,firm\n${licences.map((l, i) => `${l},同时${i},三台县明理律师事务所`).join('\n')}\n`;
    const usersBefore = Number((await server.deps.db.select({ n: count() }).from(users))[0]!.n);
    // each import's answer, or the ApiError it was refused with (its message is checked too)
    const importing = (client: TestClient) =>
      client.importRoster(server.demo!.sichuan, { csv }).then(
        (answer) => ({ answer, error: undefined }),
        (error: unknown) => {
          if (error instanceof ApiError) return { answer: undefined, error };
          throw error;
        },
      );

    const answers = await whileLocked('users', 2, () => Promise.all([importing(adminSc), importing(adminSc.fork())]));

    const winners = answers.flatMap((a) => (a.answer ? [a.answer] : []));
    const losers = answers.flatMap((a) => (a.error ? [a.error] : []));
    expect(winners, losers.map((e) => `${e.status} ${e.code}: ${e.message}`).join('\n')).toHaveLength(1);
    const loser = losers[0]!;
    if (server.testDatabase.url) {
      // both passed the "already registered" check before either wrote: the database decides
      expect(loser.status).toBe(409);
      expect(loser).toMatchObject({ code: 'roster_conflict', message: expect.stringMatching(/nothing from this file was imported/i) });
    } else {
      // PGlite: the loser may also have seen the winner's rows before checking
      expect([409, 400]).toContain(loser.status);
      expect(loser.code).toBe(loser.status === 409 ? 'roster_conflict' : 'roster_invalid');
    }
    // 200 with the accounts (a 202 would be a queued import)
    expect(winners[0]).toMatchObject({ kind: 'imported', imported: 3 });
    const stored = await server.deps.db.select({ licenseNo: users.licenseNo }).from(users).where(inArray(users.licenseNo, licences));
    expect(stored.map((s) => s.licenseNo).sort()).toEqual(licences);
    expect(Number((await server.deps.db.select({ n: count() }).from(users))[0]!.n)).toBe(usersBefore + 3);
  });

  it('eight lectures added to one course at once: all 201, each at its own next position', async () => {
    const { id: courseId } = await trainer.expectStatus(201, teachApi(trainer).createCourse({ title: '并发添加课程', category: 'civil_commercial', organizationId: server.demo!.national }));
    const first = await teachApi(trainer).addLecture(courseId, '第0讲');
    expect(first.position).toBe(1);

    const titles = Array.from({ length: 8 }, (_, i) => `第${i + 1}讲`);
    const addAsTab = (title: string) => {
      const tab = trainer.fork();
      return tab.expectStatus(201, teachApi(tab).addLecture(courseId, title));
    };
    const answers = await whileLocked('lectures', titles.length, () => Promise.all(titles.map(addAsTab)));

    expect(answers.map((a) => a.position).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const rows = await server.deps.db.select({ title: lectures.title, position: lectures.position }).from(lectures).where(eq(lectures.courseId, courseId));
    expect(rows.map((r) => r.title).sort()).toEqual(['第0讲', ...titles].sort());
    expect(rows.map((r) => r.position).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
