/**
 * Pairing (结对帮扶, issue 12 item 4; docs/programme.md "Pairing"): the Sichuan administrator
 * pairs a senior Mianyang lawyer with 李明 (practising under 3 years) and the Mianyang city firm
 * with the Santai county firm; the mentor side reads its mentees' progress (the numbers of their
 * own /me) and recommends courses, which they see on /me; the report lists pairs and activity
 * (JSON and CSV); ending a pair closes the view. Every route refuses whoever is not in scope.
 * On both databases.
 */
import { parse } from 'csv-parse/sync';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthRepository } from '../../server/auth/repository.ts';
import { AuthService } from '../../server/auth/service.ts';
import { auditLog, lectureProgress, users } from '../../server/db/schema/index.ts';
import type { DemoIds } from '../../server/demo/seed.ts';
import type { Pair } from '../../server/pairing/schemas.ts';
import { availableBackends } from '../helpers/database.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { pairingApi, type NewPair } from '../../web/src/lib/api/pairing.ts';

const pairing = (client: TestClient) => pairingApi(client);
/** status and machine code of a refused typed call */
const refusal = async (call: Promise<unknown>) => {
  const error = await errorOf(call);
  return { status: error.status, code: error.code };
};
import { startTestServer, type TestServer } from '../helpers/server.ts';

const LIMING = '15107202110000001';
const SENIOR = '15107201010000077';
const PASSWORD = 'pairing-test-1';

describe.each(availableBackends())('pairing on %s', (backend) => {
  let server: TestServer;
  let demo: DemoIds;
  let adminSc: TestClient;
  let adminGs: TestClient;
  let lawyer: TestClient;
  let lawyer2: TestClient;
  let senior: TestClient;
  let director: TestClient;
  let seniorId: string;
  let lawyerPair: Pair;
  let firmPair: Pair;

  const auditCount = async (action: string) => Number((await server.deps.db.select({ n: count() }).from(auditLog).where(eq(auditLog.action, action)))[0]!.n);
  const errorCode = (json: unknown) => (json as { error: string }).error;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    demo = server.demo!;
    const db = server.deps.db;
    const auth = new AuthService(new AuthRepository(db), { attemptsPerMinute: 10 });
    const authRepo = new AuthRepository(db);
    const gs = await auth.createUser({ login: 'admin-gs', name: '马主任', password: PASSWORD, organizationId: demo.gansu, licenseNo: null });
    await authRepo.grantRole(gs.id, demo.gansu, 'admin');
    // a senior lawyer of the Mianyang city firm, and the firm's director (an administrator of the firm)
    seniorId = (await auth.createUser({ login: SENIOR, name: '周律师', password: PASSWORD, organizationId: demo.mianyangCityFirm, licenseNo: SENIOR })).id;
    await db.update(users).set({ practiceStartedOn: '2010-03-01' }).where(eq(users.id, seniorId));
    const dir = await auth.createUser({ login: 'director-my', name: '吴主任', password: PASSWORD, organizationId: demo.mianyangCityFirm, licenseNo: null });
    await authRepo.grantRole(dir.id, demo.mianyangCityFirm, 'admin');
    // 李明 started practising in 2025: a young lawyer
    await db.update(users).set({ practiceStartedOn: '2025-09-01' }).where(eq(users.id, demo.users.lawyer));
    adminSc = createTestClient(server.baseUrl);
    adminGs = createTestClient(server.baseUrl);
    lawyer = createTestClient(server.baseUrl);
    lawyer2 = createTestClient(server.baseUrl);
    senior = createTestClient(server.baseUrl);
    director = createTestClient(server.baseUrl);
    await adminSc.login('admin-sc', 'lectern-demo');
    await adminGs.login('admin-gs', PASSWORD);
    await lawyer.login('lawyer', 'lectern-demo');
    await lawyer2.login('lawyer2', 'lectern-demo');
    await senior.login(SENIOR, PASSWORD);
    await director.login('director-my', PASSWORD);
  });
  afterAll(async () => server?.close());

  it('the Sichuan admin pairs a senior lawyer with 李明 and the city firm with the county firm; audited', async () => {
    lawyerPair = await adminSc.expectStatus(201, pairing(adminSc).createPair(demo.mianyang, { kind: 'lawyer', mentor: SENIOR, mentee: 'lawyer', startsOn: '2026-01-01' }));
    expect(lawyerPair).toMatchObject({ kind: 'lawyer', status: 'active', startsOn: '2026-01-01', endsOn: null, mentor: { id: seniorId, licenseNo: SENIOR }, mentee: { id: demo.users.lawyer, licenseNo: LIMING } });
    firmPair = await adminSc.expectStatus(
      201,
      pairing(adminSc).createPair(demo.sichuan, { kind: 'firm', mentorOrganizationId: demo.mianyangCityFirm, menteeOrganizationId: demo.santaiFirm, startsOn: '2026-01-01', endsOn: '2028-12-31' }),
    );
    expect(firmPair).toMatchObject({ kind: 'firm', status: 'active', mentor: { id: demo.mianyangCityFirm, firm: null }, mentee: { id: demo.santaiFirm } });
    expect(await auditCount('pairing.pair_created')).toBe(2);
    const list = await pairing(adminSc).listPairs(demo.sichuan);
    expect(list.map((p) => p.id).sort()).toEqual([lawyerPair.id, firmPair.id].sort());
    // the city association sees the pair it recorded only
    const city = await pairing(adminSc).listPairs(demo.mianyang);
    expect(city.map((p) => p.id)).toEqual([lawyerPair.id]);
  });

  it('bad input is a clear 4xx, nothing stored', async () => {
    const cases: [NewPair, number, string][] = [
      [{ kind: 'lawyer', mentor: 'lawyer', mentee: SENIOR, startsOn: '2026-01-01' }, 400, 'mentee_not_young'],
      [{ kind: 'lawyer', mentor: SENIOR, mentee: SENIOR, startsOn: '2026-01-01' }, 400, 'pair_same_lawyer'],
      [{ kind: 'lawyer', mentor: SENIOR, mentee: '15107209990000009', startsOn: '2026-01-01' }, 400, 'lawyer_unknown'],
      [{ kind: 'lawyer', mentor: SENIOR, mentee: 'admin-sc', startsOn: '2026-01-01' }, 400, 'not_a_lawyer'],
      [{ kind: 'lawyer', mentor: SENIOR, mentee: 'lawyer', startsOn: '2026-02-30' }, 400, 'invalid_date'],
      [{ kind: 'lawyer', mentor: SENIOR, mentee: 'lawyer', startsOn: '2026-05-01', endsOn: '2026-04-01' }, 400, 'pair_dates'],
      [{ kind: 'lawyer', mentor: SENIOR, mentee: 'lawyer', startsOn: '2026-01-01' }, 409, 'pair_exists'],
      [{ kind: 'firm', mentorOrganizationId: demo.santaiFirm, menteeOrganizationId: demo.santaiFirm, startsOn: '2026-01-01' }, 400, 'pair_mentor_not_city_firm'],
      [{ kind: 'firm', mentorOrganizationId: demo.mianyangCityFirm, menteeOrganizationId: demo.mianyang, startsOn: '2026-01-01' }, 400, 'pair_mentee_not_county_firm'],
      [{ kind: 'firm', mentorOrganizationId: demo.mianyangCityFirm, menteeOrganizationId: demo.santaiFirm, startsOn: '2026-01-01' }, 409, 'pair_exists'],
    ];
    for (const [body, status, code] of cases) {
      expect(await refusal(pairing(adminSc).createPair(demo.sichuan, body)), code).toEqual({ status, code });
    }
    // a malformed body: raw
    const team = await adminSc.raw('POST', `/api/organizations/${demo.sichuan}/pairs`, { kind: 'team', startsOn: '2026-01-01' });
    expect(team.status, team.text).toBe(400);
    expect(errorCode(team.json)).toBe('invalid_request');
    // 李明's practice start unknown: not a young lawyer by the roster
    await server.deps.db.update(users).set({ practiceStartedOn: null }).where(eq(users.id, demo.users.lawyer));
    expect((await errorOf(pairing(adminSc).createPair(demo.sichuan, { kind: 'lawyer', mentor: SENIOR, mentee: 'lawyer', startsOn: '2026-03-01' }))).code).toBe('mentee_not_young');
    await server.deps.db.update(users).set({ practiceStartedOn: '2025-09-01' }).where(eq(users.id, demo.users.lawyer));
    expect(await auditCount('pairing.pair_created')).toBe(2);
  });

  it('scope: an admin outside the subtree, lawyers and mentors get 403 on the administrative routes', async () => {
    const lawyerBody: NewPair = { kind: 'lawyer', mentor: SENIOR, mentee: 'lawyer', startsOn: '2026-06-01' };
    for (const client of [adminGs, lawyer, senior, lawyer2]) {
      expect((await errorOf(pairing(client).createPair(demo.mianyang, lawyerBody))).status).toBe(403);
      expect((await errorOf(pairing(client).listPairs(demo.sichuan))).status).toBe(403);
      expect((await errorOf(pairing(client).endPair(lawyerPair.id))).status).toBe(403);
      expect((await errorOf(pairing(client).pairingReport(demo.sichuan))).status).toBe(403);
      // the CSV download: raw
      expect((await client.raw('GET', `/api/organizations/${demo.sichuan}/pairing-report.csv`)).status).toBe(403);
    }
    // the Gansu admin, on Gansu, cannot reach Sichuan firms or lawyers either
    expect((await errorOf(pairing(adminGs).createPair(demo.gansu, { kind: 'firm', mentorOrganizationId: demo.mianyangCityFirm, menteeOrganizationId: demo.ganguFirm, startsOn: '2026-01-01' }))).status).toBe(403);
    expect((await errorOf(pairing(adminGs).createPair(demo.gansu, { kind: 'lawyer', mentor: SENIOR, mentee: 'lawyer2', startsOn: '2026-06-01' }))).status).toBe(403);
    // the firm's director administers the firm, not the county firm: no pair across
    expect((await errorOf(pairing(director).createPair(demo.mianyangCityFirm, { kind: 'firm', mentorOrganizationId: demo.mianyangCityFirm, menteeOrganizationId: demo.santaiFirm, startsOn: '2026-01-01' }))).status).toBe(403);
  });

  it('the mentor reads the mentee’s progress: the numbers of the mentee’s own /me', async () => {
    await server.deps.db.insert(lectureProgress).values({ userId: demo.users.lawyer, lectureId: demo.lectureId, creditMinutes: 90, completedAt: new Date(), coveredSeconds: 60, intervals: [] });
    const mine = await pairing(senior).myMentoring();
    expect(mine.items.map((p) => p.id)).toEqual([lawyerPair.id]);
    expect(mine.items[0]!.mentees.map((m) => m.id)).toEqual([demo.users.lawyer]);
    const progress = await senior.expectStatus(200, pairing(senior).menteeProgress(lawyerPair.id, demo.users.lawyer));
    const own = await lawyer.myRequirement();
    expect(progress.requirement).toMatchObject({ creditMinutes: own.creditMinutes, requiredMinutes: own.requiredMinutes, year: own.year });
    expect(progress.requirement.creditMinutes).toBeGreaterThanOrEqual(90);
    expect(progress.mentee).toMatchObject({ id: demo.users.lawyer, licenseNo: LIMING });
    // the city firm's director sees the county firm's lawyers
    const firm = await pairing(director).myMentoring();
    expect(firm.items.map((p) => p.id)).toEqual([firmPair.id]);
    expect(firm.items[0]!.mentees.map((m) => m.id)).toContain(demo.users.lawyer);
    await director.expectStatus(200, pairing(director).menteeProgress(firmPair.id, demo.users.lawyer));
  });

  it('nobody else reads a progress: not the mentee the other way, not an unpaired lawyer, not through another pair', async () => {
    const progress = (client: TestClient, pairId: string, userId: string) => errorOf(pairing(client).menteeProgress(pairId, userId));
    // the mentee cannot read the mentor's progress (nor their own through the pair)
    expect((await progress(lawyer, lawyerPair.id, seniorId)).status).toBe(403);
    expect((await progress(lawyer, lawyerPair.id, demo.users.lawyer)).status).toBe(403);
    // the mentor cannot read someone not paired with them
    expect((await progress(senior, lawyerPair.id, demo.users.lawyer2)).status).toBe(403);
    expect((await progress(senior, lawyerPair.id, seniorId)).status).toBe(403);
    // not the firm pair's mentees: the senior lawyer is not the firm's administrator
    expect((await progress(senior, firmPair.id, demo.users.lawyer)).status).toBe(403);
    // another province's lawyer and administrator, an administrator above (not the mentor side)
    for (const client of [lawyer2, adminGs, adminSc]) expect((await progress(client, lawyerPair.id, demo.users.lawyer)).status).toBe(403);
    expect((await errorOf(pairing(lawyer).recommendCourse(lawyerPair.id, demo.courseId))).status).toBe(403);
    expect((await errorOf(pairing(adminSc).recommendCourse(lawyerPair.id, demo.courseId))).status).toBe(403);
    expect((await pairing(lawyer).myMentoring()).items).toEqual([]);
  });

  it('the mentor recommends a course; the mentee sees it on /me', async () => {
    await senior.expectStatus(201, pairing(senior).recommendCourse(lawyerPair.id, demo.courseId, '先看这门'));
    expect((await errorOf(pairing(senior).recommendCourse(lawyerPair.id, demo.courseId))).status).toBe(409);
    expect((await errorOf(pairing(senior).recommendCourse(lawyerPair.id, demo.draftCourseId))).code).toBe('unknown_course');
    await director.expectStatus(201, pairing(director).recommendCourse(firmPair.id, demo.courseId));
    const mine = await pairing(lawyer).myRecommendations();
    expect(mine.items).toHaveLength(2);
    expect(mine.items.map((r) => r.mentor).sort()).toEqual(['周律师', firmPair.mentor.name].sort());
    expect(mine.items.find((r) => r.pairId === lawyerPair.id)).toMatchObject({ courseId: demo.courseId, note: '先看这门', recommendedBy: { id: seniorId } });
    expect(mine.mentors.map((m) => m.pairId).sort()).toEqual([lawyerPair.id, firmPair.id].sort());
    expect((await pairing(lawyer2).myRecommendations()).items).toEqual([]);
  });

  it('the report lists the pairs with their activity, as JSON and CSV', async () => {
    // 李明 watches the recommended course after the recommendation: followed
    await server.deps.db.update(lectureProgress).set({ updatedAt: new Date(Date.now() + 1000) }).where(eq(lectureProgress.userId, demo.users.lawyer));
    const report = await adminSc.expectStatus(200, pairing(adminSc).pairingReport(demo.sichuan));
    const row = report.items.find((p) => p.id === lawyerPair.id)!;
    const own = await lawyer.myRequirement();
    expect(row).toMatchObject({ mentees: 1, menteeCreditMinutes: own.creditMinutes, recommendations: 1, followed: 1, status: 'active' });
    const firm = report.items.find((p) => p.id === firmPair.id)!;
    expect(firm.mentees).toBeGreaterThanOrEqual(1);
    expect(firm).toMatchObject({ recommendations: 1, followed: 1 });
    const csv = await adminSc.raw('GET', `/api/organizations/${demo.sichuan}/pairing-report.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const rows = parse(csv.text, { bom: true }) as string[][];
    expect(rows[0]![0]).toBe('类型');
    expect(rows).toHaveLength(3);
    expect(rows.find((r) => r[0] === '律师结对')).toEqual(expect.arrayContaining(['进行中', String(own.creditMinutes)]));
    const en = parse((await adminSc.raw('GET', `/api/organizations/${demo.sichuan}/pairing-report.csv?lang=en`)).text, { bom: true }) as string[][];
    expect(en[0]![0]).toBe('Kind');
  });

  it('once the pair ends, the mentor sees the mentee no more; audited', async () => {
    expect((await adminSc.expectStatus(200, pairing(adminSc).endPair(lawyerPair.id))).status).toBe('ended');
    expect(await auditCount('pairing.pair_ended')).toBe(1);
    expect((await errorOf(pairing(adminSc).endPair(lawyerPair.id))).code).toBe('pair_ended');
    expect((await errorOf(pairing(senior).menteeProgress(lawyerPair.id, demo.users.lawyer))).status).toBe(403);
    expect((await errorOf(pairing(senior).recommendCourse(lawyerPair.id, demo.courseId))).status).toBe(403);
    expect((await pairing(senior).myMentoring()).items).toEqual([]);
    const mine = await pairing(lawyer).myRecommendations();
    expect(mine.items.map((r) => r.pairId)).toEqual([firmPair.id]);
    // a pair not yet started is not active either; a new pair of the same two is allowed after the end
    const later = await adminSc.expectStatus(201, pairing(adminSc).createPair(demo.mianyang, { kind: 'lawyer', mentor: SENIOR, mentee: 'lawyer', startsOn: '2027-06-01' }));
    expect(later.status).toBe('scheduled');
    expect((await errorOf(pairing(senior).menteeProgress(later.id, demo.users.lawyer))).status).toBe(403);
    // an unknown pair: 404 to an administrator, 403 to anyone else
    expect((await errorOf(pairing(adminSc).endPair('00000000-0000-4000-8000-000000000000'))).status).toBe(404);
    expect((await errorOf(pairing(lawyer).endPair('00000000-0000-4000-8000-000000000000'))).status).toBe(403);
  });
});
