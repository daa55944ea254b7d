/** The same repositories on PostgreSQL and on PGlite (the embedded default). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableBackends, createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { OrganizationsRepository } from '../../server/organizations/repository.ts';
import { AuthRepository } from '../../server/auth/repository.ts';
import { CatalogRepository } from '../../server/catalog/repository.ts';
import { seedDemo, type DemoIds } from '../../server/demo/seed.ts';

describe.each(availableBackends())('repositories on %s', (backend) => {
  let database: TestDatabase;
  let demo: DemoIds;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    demo = await seedDemo(database.db);
  });
  afterAll(async () => database?.drop());

  it('walks the organization tree up and down', async () => {
    const orgs = new OrganizationsRepository(database.db);
    const chain = await orgs.ancestors(demo.santaiFirm);
    expect(chain.map((o) => o.kind)).toEqual(['firm', 'city', 'province', 'national']);
    const sichuan = await orgs.subtree([demo.sichuan]);
    expect(sichuan.map((o) => o.id).sort()).toEqual([demo.sichuan, demo.mianyang, demo.santaiFirm, demo.mianyangCityFirm].sort());
    expect(await orgs.ancestors('00000000-0000-0000-0000-000000000000')).toEqual([]);
  });

  it('licence numbers and logins are unique', async () => {
    const auth = new AuthRepository(database.db);
    await expect(
      auth.insertUser({ login: 'someone-new', name: 'x', organizationId: demo.santaiFirm, licenseNo: '15107202110000001' }),
    ).rejects.toThrow();
    await expect(auth.insertUser({ login: 'lawyer', name: 'x', organizationId: demo.santaiFirm })).rejects.toThrow();
  });

  it('counts recent login failures and open reservations per login, address and browser; successes do not count', async () => {
    const auth = new AuthRepository(database.db);
    const stranger = { kind: 'address', ip: '192.0.2.1' } as const;
    const elsewhere = { kind: 'address', ip: '192.0.2.2' } as const;
    const browser = { kind: 'device', ip: '192.0.2.1', deviceId: 'b'.repeat(22) } as const;
    await auth.reserveLoginAttempt('lawyer', stranger); // a failure (or a try still being checked)
    await auth.reserveLoginAttempt('lawyer', elsewhere);
    await auth.reserveLoginAttempt('lawyer', browser);
    await auth.markLoginAttemptSucceeded(await auth.reserveLoginAttempt('lawyer', stranger));
    await auth.reserveLoginAttempt('admin', stranger);
    const counts = await auth.recentFailures('lawyer', stranger);
    expect([counts.pair.failures, counts.address.failures, counts.login.failures]).toEqual([1, 2, 3]);
    expect(counts.pair.clearsInSeconds).toBeGreaterThan(0);
    expect((await auth.recentFailures('lawyer', browser)).device.failures).toBe(1);
  });

  it('lists published courses with search, and keeps drafts out', async () => {
    const catalog = new CatalogRepository(database.db);
    const all = await catalog.listCourses({ status: 'published', limit: 10, offset: 0 });
    expect(all.total).toBe(1);
    expect(all.rows[0]).toMatchObject({ id: demo.courseId, lectureCount: 1, creditMinutes: 0 });
    expect((await catalog.listCourses({ status: 'published', q: '刑事', limit: 10, offset: 0 })).total).toBe(1);
    expect((await catalog.listCourses({ status: 'published', q: '100%_', limit: 10, offset: 0 })).total).toBe(0);
    expect((await catalog.listCourses({ status: 'published', category: 'labour_employment', limit: 10, offset: 0 })).total).toBe(0);
  });

  it('a failed transaction leaves nothing behind', async () => {
    const orgs = new OrganizationsRepository(database.db);
    await expect(
      database.db.transaction(async (tx) => {
        await new OrganizationsRepository(tx).insert({ kind: 'firm', name: '半途律所', regionCode: '510722', parentId: demo.mianyang });
        throw new Error('crash in the middle');
      }),
    ).rejects.toThrow('crash in the middle');
    expect(await orgs.findByName('半途律所')).toEqual([]);
  });
});
