/**
 * The people of the county-lawyer programme's tests (docs/programme.md: in-person hours, training
 * classes): the whole API over a fresh database with the demo tree, plus a Gansu administrator
 * (马主任, `admin-gs`) and two more lawyers — 赵一 of Santai's firm (like 李明) and 钱二 of
 * Mianyang's city firm — and a logged-in client for the Sichuan administrator, the Gansu one, 李明
 * and the trainer. The accounts are made the way the seed makes them.
 *
 *   let f: ProgrammeFixtures;
 *   beforeAll(async () => (f = await startProgrammeFixtures(backend)));
 *   afterAll(async () => f?.server.close());
 */
import { count, eq } from 'drizzle-orm';
import { AuthRepository } from '../../server/auth/repository.ts';
import { AuthService } from '../../server/auth/service.ts';
import { auditLog } from '../../server/db/schema/index.ts';
import type { DemoIds } from '../../server/demo/seed.ts';
import type { Backend } from './database.ts';
import { createTestClient, type TestClient } from './http.ts';
import { startTestServer, type TestServer } from './server.ts';
import { inPersonApi } from '../../web/src/routes/admin/in-person-api.ts';

/** The password of the accounts made here (the demo accounts keep `lectern-demo`). */
export const PROGRAMME_PASSWORD = 'programme-test-1';
/** 李明, the demo lawyer (login `lawyer`), of Santai's firm */
export const LIMING = '15107202110000001';
/** 王芳, the demo lawyer of Gansu */
export const WANGFANG = '16205202210000002';
/** 赵一, of Santai's firm, like 李明 */
export const ZHAOYI = '15107202310000100';
/** 钱二, of Mianyang's city firm */
export const QIANER = '15107202310000101';

export interface ProgrammeFixtures {
  server: TestServer;
  demo: DemoIds;
  /** 陈主任, administrator of Sichuan (demo `admin-sc`) */
  adminSc: TestClient;
  /** 马主任, administrator of Gansu */
  adminGs: TestClient;
  /** 李明 (demo `lawyer`) */
  lawyer: TestClient;
  /** the demo trainer */
  trainer: TestClient;
  /** user ids of 赵一 and 钱二, by licence number */
  people: Record<string, string>;
  /** a new client logged in (the accounts made here have PROGRAMME_PASSWORD) */
  loginAs(login: string, password?: string): Promise<TestClient>;
  /** audit entries of this action so far */
  auditCount(action: string): Promise<number>;
  /** records an in-person session of the organization as `client`; its id */
  recordSession(client: TestClient, organizationId: string, session: { title: string; heldOn: string; place: string; minutes: number }): Promise<string>;
}

export async function startProgrammeFixtures(backend: Backend): Promise<ProgrammeFixtures> {
  const server = await startTestServer({ backend });
  const demo = server.demo!;
  const db = server.deps.db;
  const auth = new AuthService(new AuthRepository(db), { attemptsPerMinute: 10 });
  const gs = await auth.createUser({ login: 'admin-gs', name: '马主任', password: PROGRAMME_PASSWORD, organizationId: demo.gansu, licenseNo: null });
  await new AuthRepository(db).grantRole(gs.id, demo.gansu, 'admin');
  const people: Record<string, string> = {};
  for (const [licenseNo, name, org] of [[ZHAOYI, '赵一', demo.santaiFirm], [QIANER, '钱二', demo.mianyangCityFirm]] as const) {
    people[licenseNo] = (await auth.createUser({ login: licenseNo, name, password: PROGRAMME_PASSWORD, organizationId: org, licenseNo })).id;
  }
  const loginAs = async (login: string, password = PROGRAMME_PASSWORD) => {
    const client = createTestClient(server.baseUrl);
    await client.login(login, password);
    return client;
  };
  const [adminSc, adminGs, lawyer, trainer] = await Promise.all([loginAs('admin-sc', 'lectern-demo'), loginAs('admin-gs'), loginAs('lawyer', 'lectern-demo'), loginAs('trainer', 'lectern-demo')]);
  return {
    server,
    demo,
    adminSc,
    adminGs,
    lawyer,
    trainer,
    people,
    loginAs,
    auditCount: async (action) => Number((await db.select({ n: count() }).from(auditLog).where(eq(auditLog.action, action)))[0]!.n),
    async recordSession(client, organizationId, session) {
      return (await client.expectStatus(201, inPersonApi(client).create(organizationId, session))).id;
    },
  };
}
