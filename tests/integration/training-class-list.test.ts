/**
 * The list of training classes (GET /api/organizations/:orgId/training-classes) reads the same
 * number of statements whatever the number of classes: the classes, then the counts of all of
 * them (courses, in-person sessions, enrolled lawyers) in one statement. The service runs over a
 * drizzle handle on the same connection that counts what it sends; the counts agree with each
 * class's own detail. On both databases.
 */
import { eq } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessPolicy, type SessionUser } from '../../server/auth/access.ts';
import { AuthRepository } from '../../server/auth/repository.ts';
import { AuthService } from '../../server/auth/service.ts';
import { ClassesRepository } from '../../server/classes/repository.ts';
import { ClassesService, type ClassInput } from '../../server/classes/service.ts';
import type { Db } from '../../server/db/client.ts';
import * as schema from '../../server/db/schema/index.ts';
import { users } from '../../server/db/schema/index.ts';
import { OrganizationsRepository } from '../../server/organizations/repository.ts';
import { availableBackends } from '../helpers/database.ts';
import { LIMING, QIANER, startProgrammeFixtures, ZHAOYI, type ProgrammeFixtures } from '../helpers/programme-fixtures.ts';

describe.each(availableBackends())('the training class list on %s', (backend) => {
  let f: ProgrammeFixtures;
  let admin: SessionUser;
  let gansuAdmin: SessionUser;
  let liming: SessionUser;
  let counted: ClassesService;
  let statements = 0;
  let sessions: string[] = [];

  const input = (name: string, over: Partial<ClassInput> = {}): ClassInput => ({ name, organizer: '四川省律师协会', kind: 'demonstration', opensOn: '2027-06-01', closesOn: '2027-12-31', courseIds: [], sessionIds: [], organizationIds: [], lawyers: [], ...over });
  /** statements the list sends, and its answer */
  const listed = async () => {
    statements = 0;
    const answer = await counted.list(admin, f.demo.sichuan);
    return { statements, items: answer.items };
  };

  beforeAll(async () => {
    f = await startProgrammeFixtures(backend);
    const { db } = f.server.deps;
    const { testDatabase } = f.server;
    const auth = new AuthService(new AuthRepository(db), { attemptsPerMinute: 10 });
    admin = (await auth.sessionUser(f.demo.users['admin-sc']))!;
    const [gs] = await db.select({ id: users.id }).from(users).where(eq(users.login, 'admin-gs'));
    gansuAdmin = (await auth.sessionUser(gs!.id))!;
    liming = (await auth.sessionUser(f.demo.users['lawyer']!))!;
    // the same connection, a drizzle handle that counts every statement it sends
    const client = (db as unknown as { $client: never }).$client;
    const logger = { logQuery: () => void (statements += 1) };
    const countingDb = (testDatabase.kind === 'postgres' ? drizzlePostgres(client, { schema, logger }) : drizzlePglite(client, { schema, logger })) as unknown as Db;
    const organizations = new OrganizationsRepository(db); // the role check is not the list's to count
    counted = new ClassesService(new ClassesRepository(countingDb), organizations, new AccessPolicy(organizations));
    sessions = [
      await f.recordSession(f.adminSc, f.demo.mianyang, { title: '绵阳现场培训', heldOn: '2027-06-12', place: '绵阳', minutes: 270 }),
      await f.recordSession(f.adminSc, f.demo.santaiFirm, { title: '所内培训', heldOn: '2027-07-01', place: '三台', minutes: 90 }),
    ];
  });
  afterAll(async () => f?.server.close());

  it('one class, then eight: two statements both times, and the counts of each class', async () => {
    const create = (organizationId: string, body: ClassInput, by = admin) => f.server.app.services.classes.create(by, organizationId, body, '127.0.0.1');
    await create(f.demo.mianyang, input('一', { courseIds: [f.demo.courseId], sessionIds: [sessions[0]!], organizationIds: [f.demo.santaiFirm], lawyers: [QIANER] }));
    const one = await listed();
    expect(one.items).toEqual([expect.objectContaining({ name: '一', courses: 1, sessions: 1, enrolled: 3 })]);

    // targets that overlap (Mianyang and Santai's firm below it), a lawyer also in a target, a
    // disabled lawyer, a class with nothing, classes of a firm and of the province
    await create(f.demo.mianyang, input('二', { sessionIds: sessions, organizationIds: [f.demo.mianyang, f.demo.santaiFirm], lawyers: [LIMING, ZHAOYI] }));
    await create(f.demo.mianyang, input('三'));
    await create(f.demo.santaiFirm, input('四', { courseIds: [f.demo.courseId], sessionIds: [sessions[1]!], lawyers: [ZHAOYI] }));
    await create(f.demo.sichuan, input('五', { organizationIds: [f.demo.sichuan] }));
    await create(f.demo.sichuan, input('六', { lawyers: [QIANER, LIMING] }));
    await create(f.demo.gansu, input('甘肃', { organizationIds: [f.demo.gansu] }), gansuAdmin); // outside Sichuan: not listed
    await create(f.demo.mianyang, input('七', { organizationIds: [f.demo.mianyangCityFirm] }));
    await f.server.deps.db.update(users).set({ disabled: true }).where(eq(users.id, f.people[QIANER]!));
    await create(f.demo.mianyang, input('八', { lawyers: [QIANER] }));

    const eight = await listed();
    expect(eight.items.map((c) => c.name).sort()).toEqual(['一', '七', '三', '二', '五', '八', '六', '四'].sort());
    expect(one.statements).toBe(2);
    expect(eight.statements).toBe(one.statements);
    // each class's counts are its own lists: its items, and the enrolled lawyers the report reads
    const repo = new ClassesRepository(f.server.deps.db);
    for (const c of eight.items) {
      const items = await repo.items(c.id);
      expect({ name: c.name, courses: c.courses, sessions: c.sessions, enrolled: c.enrolled }).toEqual({ name: c.name, courses: items.courses.length, sessions: items.sessions.length, enrolled: (await repo.enrolled(c.id)).length });
    }
    const byName = Object.fromEntries(eight.items.map((c) => [c.name, c]));
    // 李明 and 赵一 each once (under two targets, and one by one too); 钱二, disabled now, not at all
    expect(byName['二']).toMatchObject({ sessions: 2, enrolled: 2 });
    expect(byName['一']).toMatchObject({ courses: 1, sessions: 1, enrolled: 2 });
    expect(byName['八']).toMatchObject({ enrolled: 0 });
    expect(byName['三']).toMatchObject({ courses: 0, sessions: 0, enrolled: 0 });

    // no class: one statement
    statements = 0;
    expect((await counted.list(admin, f.demo.mianyangCityFirm)).items).toEqual([]);
    expect(statements).toBe(1);
  });

  it("a lawyer's own classes: the same statements for one class as for several, and what each says is its own", async () => {
    const mine = async () => {
      statements = 0;
      const answer = await counted.mine(liming);
      return { statements, items: answer.items };
    };
    const before = await mine();
    const create = (body: ClassInput) => f.server.app.services.classes.create(admin, f.demo.mianyang, body, '127.0.0.1');
    // two more classes of 李明's: one with the course and a session, one closed before he could finish
    await create(input('九', { courseIds: [f.demo.courseId], sessionIds: sessions, lawyers: [LIMING] }));
    await create(input('十', { opensOn: '2026-01-01', closesOn: '2026-01-31', courseIds: [f.demo.courseId], lawyers: [LIMING] }));
    const after = await mine();
    expect(after.items.length).toBe(before.items.length + 2);
    expect(before.items.length).toBeGreaterThan(0);
    expect(after.statements).toBe(before.statements);
    console.log(`[class-list] /me classes: ${before.statements} statements for ${before.items.length} classes, ${after.statements} for ${after.items.length}`);
    // each class's progress is what the class report (its own statements, per class) says of him
    for (const item of after.items) {
      const report = await f.server.app.services.classes.report(admin, item.id);
      const row = report.rows.find((r) => r.lawyer.id === liming.id)!;
      expect({ name: item.name, done: item.done, total: item.total, minutes: item.minutes, completed: item.completed }).toEqual({ name: item.name, done: row.done, total: row.total, minutes: row.minutes, completed: row.completed });
    }
  });
});
