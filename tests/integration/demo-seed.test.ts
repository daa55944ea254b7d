/**
 * The demo province (server/demo/province.ts) on top of the core demo, on PostgreSQL and PGlite:
 * the tree with valid GB/T 2260 placements, 300 lawyers who cannot sign in, ten courses, and a
 * training year whose every credited minute is backed by heartbeats that the real credit rules
 * accept — checked here from the stored evidence alone, not from the seed's own bookkeeping —
 * with certificates for completed courses, Sichuan's rules and plan, a report with lawyers who met
 * the year, lawyers who did not and (Gansu) lawyers no plan covers, and the same demo every time.
 * The seed's time is printed, not asserted.
 */
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lectureCreditMinutes } from '../../server/catalog/credit-minutes.ts';
import type { Db } from '../../server/db/client.ts';
import { rowsOf } from '../../server/db/rows.ts';
import { DEMO_RECORDING_SECONDS, SICHUAN_PLAN, SICHUAN_RULES, provinceSeeded, seedProvince, type ProvinceSummary } from '../../server/demo/province.ts';
import { seedDemo } from '../../server/demo/seed.ts';
import { placementProblem, type OrganizationKind } from '../../server/organizations/region-code.ts';
import { isComplete, normalizeIntervals, REAL_TIME_TOLERANCE_SECONDS, totalSeconds, trainingYearOf, trainingYearRange, type Interval } from '../../server/playback/credit.ts';
import { rulesProblem } from '../../server/requirements/rules.ts';
import { availableBackends, createTestDatabase } from '../helpers/database.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { plansApi } from '../../web/src/routes/admin/admin-api.ts';
import { evidenceApi } from '../../web/src/routes/evidence/evidence-api.ts';

type Row = Record<string, unknown>;
const rows = async <T = Row>(db: Db, query: SQL): Promise<T[]> => rowsOf<T>(await db.execute(query));
const ms = (v: unknown): number => (v instanceof Date ? v : new Date(String(v))).getTime();
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

interface ReportRow {
  id: string;
  name: string;
  licenseNo: string;
  firm: string;
  county: boolean;
  creditMinutes: number;
  planned: boolean;
  met: boolean | null;
  basis: string;
  requiredMinutes: number;
}
interface Report {
  lawyers: ReportRow[];
  totals: { lawyers: number; creditMinutes: number; met: number; planned: number };
}

/** What must come out the same on every fresh demo seeded at the same moment (ids, codes and the clock of the insert aside). */
async function snapshot(db: Db): Promise<unknown> {
  return {
    organizations: await rows(db, sql`
      SELECT o.kind, o.name, o.region_code, o.county, p.name AS parent, o.requirement_rules::text AS rules
      FROM organizations o LEFT JOIN organizations p ON p.id = o.parent_id ORDER BY o.region_code, o.name`),
    users: await rows(db, sql`
      SELECT u.login, u.name, u.license_no, o.name AS firm, u.practice_started_on::text AS started, u.part_time, u.birth_year, u.password_hash IS NULL AS no_password
      FROM users u JOIN organizations o ON o.id = u.organization_id ORDER BY u.login`),
    courses: await rows(db, sql`
      SELECT c.title, c.summary, c.category, c.audience, c.status, c.published_at::text AS published, o.name AS owner,
        (SELECT string_agg(l.position || ' ' || l.title || ' ' || coalesce(l.duration_seconds::text, '-') || ' ' || coalesce(l.credit_minutes_override::text, '-'), ' | ' ORDER BY l.position) FROM lectures l WHERE l.course_id = c.id) AS lectures
      FROM courses c JOIN organizations o ON o.id = c.organization_id ORDER BY c.title`),
    plans: await rows(db, sql`
      SELECT p.year, p.name, p.required_minutes, p.elective_minutes,
        (SELECT string_agg(c.title, ' | ' ORDER BY c.title) FROM training_plan_courses pc JOIN courses c ON c.id = pc.course_id WHERE pc.plan_id = p.id) AS courses
      FROM training_plans p ORDER BY p.name`),
    progress: await rows(db, sql`
      SELECT u.license_no, l.title, c.title AS course, p.intervals::text AS intervals, p.covered_seconds, p.last_position, p.completed_at::text AS completed, p.credit_minutes, p.updated_at::text AS updated
      FROM lecture_progress p JOIN users u ON u.id = p.user_id JOIN lectures l ON l.id = p.lecture_id JOIN courses c ON c.id = l.course_id
      ORDER BY u.license_no, c.title, l.position`),
    sessions: await rows(db, sql`
      SELECT u.license_no, l.title, c.title AS course, s.opened_at::text AS opened, s.closed_at::text AS closed, s.closed_reason, s.ip, s.user_agent, s.accepted_seconds, s.last_position, s.version,
        (SELECT md5(string_agg(h.seq || h.received_at::text || h.ip || h.user_agent || h.payload::text || h.accepted::text || h.rejected::text || (h.response - 'certificateCode')::text, ',' ORDER BY h.seq))
         FROM heartbeats h WHERE h.session_id = s.id) AS heartbeats
      FROM playback_sessions s JOIN users u ON u.id = s.user_id JOIN lectures l ON l.id = s.lecture_id JOIN courses c ON c.id = l.course_id
      ORDER BY u.license_no, s.opened_at`),
    completions: await rows(db, sql`
      SELECT u.license_no, c.title, cc.completed_at::text AS completed, cc.credit_minutes, ce.serial, ce.holder_name, ce.course_title, ce.credit_minutes AS certificate_minutes, ce.issued_at::text AS issued
      FROM course_completions cc JOIN users u ON u.id = cc.user_id JOIN courses c ON c.id = cc.course_id
      LEFT JOIN certificates ce ON ce.user_id = cc.user_id AND ce.course_id = cc.course_id
      ORDER BY u.license_no, c.title`),
  };
}

describe.each(availableBackends())('the demo province on %s', (backend) => {
  let server: TestServer;
  let db: Db;
  let summary: ProvinceSummary;
  let adminSc: TestClient;
  let admin: TestClient;
  // The demo's year runs from 1 January to the moment it is seeded; in the first weeks of a year
  // there is little of it, so the test seeds "as of" two months in (same year: the API's current year).
  const realNow = new Date();
  const year = trainingYearOf(realNow, 1);
  const { start: yearStart } = trainingYearRange(year, 1);
  const now = realNow.getTime() - yearStart.getTime() < 60 * 86_400_000 ? new Date(yearStart.getTime() + 60 * 86_400_000) : realNow;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    db = server.deps.db;
    expect(await provinceSeeded(db)).toBe(false);
    summary = await seedProvince(db, { now });
    console.info(`[demo-seed] ${backend}: province seeded in ${summary.ms} ms — ${summary.lawyers} lawyers, ${summary.sessions} sessions, ${summary.heartbeats} heartbeats, ${summary.certificates} certificates`);
    adminSc = createTestClient(server.baseUrl);
    await adminSc.login('admin-sc', 'lectern-demo');
    admin = createTestClient(server.baseUrl);
    await admin.login('admin', 'lectern-demo');
  }, 180_000);
  afterAll(() => server?.close());

  const report = async (client: TestClient, orgId: string): Promise<Report> => {
    return client.expectStatus(200, client.report(orgId, year));
  };

  it('grows the tree: Sichuan with three cities and nine firms, Gansu with three, every code placed as GB/T 2260 says', async () => {
    const orgs = await rows<{ id: string; parent_id: string | null; kind: OrganizationKind; name: string; region_code: string; county: boolean }>(
      db,
      sql`SELECT id, parent_id, kind, name, region_code, county FROM organizations`,
    );
    const byId = new Map(orgs.map((o) => [o.id, o]));
    for (const o of orgs) {
      const parent = o.parent_id ? byId.get(o.parent_id)! : null;
      expect(placementProblem({ kind: o.kind, regionCode: o.region_code, county: o.county }, parent && { kind: parent.kind, regionCode: parent.region_code }), o.name).toBeNull();
      // a firm carries its county's or district's code: never the city's own
      if (o.kind === 'firm') expect(o.region_code.endsWith('00'), o.name).toBe(false);
    }
    const below = (rootId: string, kind: OrganizationKind) => {
      const inside = (o: (typeof orgs)[number]): boolean => o.id === rootId || (o.parent_id !== null && inside(byId.get(o.parent_id)!));
      return orgs.filter((o) => o.kind === kind && inside(o));
    };
    const demo = server.demo!;
    expect(below(demo.sichuan, 'city').map((c) => c.region_code).sort()).toEqual(['510100', '510700', '511300']);
    const sichuanFirms = below(demo.sichuan, 'firm');
    expect(sichuanFirms).toHaveLength(9);
    expect(sichuanFirms.filter((f) => f.county)).toHaveLength(6);
    expect(below(demo.gansu, 'city')).toHaveLength(1);
    expect(below(demo.gansu, 'firm')).toHaveLength(3);
    expect(summary.organizations).toBe(11);
    // the core demo's ids keep their meaning
    expect(byId.get(demo.santaiFirm)).toMatchObject({ region_code: '510722', county: true, parent_id: demo.mianyang });
    expect(byId.get(demo.mianyangCityFirm)).toMatchObject({ region_code: '510703', county: false, parent_id: demo.mianyang });
    expect(byId.get(demo.ganguFirm)).toMatchObject({ region_code: '620523', county: true, parent_id: demo.tianshui });
  });

  it('adds 300 lawyers with 17-digit licence numbers and varied profiles, none of whom can sign in', async () => {
    const lawyers = await rows<{ id: string; login: string; license_no: string; region_code: string; password_hash: string | null; part_time: boolean; birth_year: number | null; practice_started_on: string | null }>(
      db,
      sql`SELECT u.id, u.login, u.license_no, o.region_code, u.password_hash, u.part_time, u.birth_year, u.practice_started_on::text AS practice_started_on
          FROM users u JOIN organizations o ON o.id = u.organization_id WHERE u.license_no IS NOT NULL`,
    );
    expect(lawyers).toHaveLength(302);
    const seeded = lawyers.filter((l) => l.login === l.license_no);
    expect(seeded).toHaveLength(300);
    expect(new Set(lawyers.map((l) => l.license_no)).size).toBe(302);
    for (const l of seeded) {
      expect(l.license_no, l.login).toMatch(/^1\d{16}$/);
      // 1 + the firm's province and city + year first licensed + 专职 1 / 兼职 2 + sex + serial
      expect(l.license_no.slice(1, 5)).toBe(l.region_code.slice(0, 4));
      expect(Number(l.license_no.slice(5, 9))).toBeLessThanOrEqual(year);
      expect(l.license_no[9]).toBe(l.part_time ? '2' : '1');
      expect(l.password_hash).toBeNull();
    }
    expect(seeded.filter((l) => l.part_time).length).toBeGreaterThan(3);
    expect(seeded.filter((l) => l.birth_year !== null && year - l.birth_year >= 65).length).toBeGreaterThan(3);
    expect(seeded.filter((l) => l.practice_started_on?.startsWith(String(year))).length).toBeGreaterThan(3);
    // only the five demo logins have a password
    const [withPassword] = await rows<{ n: unknown }>(db, sql`SELECT count(*) AS n FROM users WHERE password_hash IS NOT NULL`);
    expect(Number(withPassword!.n)).toBe(5);
    const stranger = await errorOf(createTestClient(server.baseUrl).login(seeded[0]!.login, 'lectern-demo'));
    expect(stranger.status).toBe(401);
  });

  it('publishes ten courses, one per category, each of two to four lectures that wait for the one demo recording; the draft stays a draft', async () => {
    const courses = await rows<{ id: string; status: string; category: string; title: string; lectures: unknown }>(
      db,
      sql`SELECT c.id, c.status, c.category, c.title, (SELECT count(*) FROM lectures l WHERE l.course_id = c.id) AS lectures FROM courses c`,
    );
    const published = courses.filter((c) => c.status === 'published');
    expect(published).toHaveLength(10);
    expect(new Set(published.map((c) => c.category)).size).toBe(10);
    for (const c of published) expect(Number(c.lectures), c.title).toBeGreaterThanOrEqual(2);
    for (const c of published) expect(Number(c.lectures), c.title).toBeLessThanOrEqual(4);
    expect(courses.find((c) => c.id === server.demo!.draftCourseId)?.status).toBe('draft');
    const lectures = await rows<{ id: string; status: string; duration_seconds: number; package_prefix: string | null; position: number; course_id: string }>(
      db,
      sql`SELECT id, status, duration_seconds, package_prefix, position, course_id FROM lectures`,
    );
    expect(lectures).toHaveLength(23);
    for (const l of lectures) expect(l).toMatchObject({ status: 'processing', duration_seconds: DEMO_RECORDING_SECONDS, package_prefix: null });
    expect(lectures.find((l) => l.id === server.demo!.lectureId)).toMatchObject({ course_id: server.demo!.courseId, position: 1 });
    // newest first in the catalogue: the core demo's course
    const lawyer = createTestClient(server.baseUrl);
    await lawyer.login('lawyer', 'lectern-demo');
    const catalogue = await lawyer.listCourses({});
    expect(catalogue.total).toBe(10);
    expect(catalogue.items[0]!.id).toBe(server.demo!.courseId);
  });

  it('backs every credited minute with heartbeats the credit rules accept, and grants what the rules grant', async () => {
    const lectures = new Map(
      (await rows<{ id: string; course_id: string; duration_seconds: number; credit_minutes_override: number | null }>(db, sql`SELECT id, course_id, duration_seconds, credit_minutes_override FROM lectures`)).map((l) => [
        l.id,
        { courseId: l.course_id, durationSeconds: Number(l.duration_seconds), creditMinutesOverride: l.credit_minutes_override },
      ]),
    );
    const sessions = await rows<{ id: string; user_id: string; lecture_id: string; opened_at: unknown; closed_at: unknown; closed_reason: string | null; accepted_seconds: number; version: number; ip: string; user_agent: string }>(
      db,
      sql`SELECT id, user_id, lecture_id, opened_at, closed_at, closed_reason, accepted_seconds, version, ip, user_agent FROM playback_sessions`,
    );
    const beats = await rows<{ session_id: string; seq: number; received_at: unknown; ip: string; user_agent: string; payload: unknown; accepted: unknown; response: unknown }>(
      db,
      sql`SELECT session_id, seq, received_at, ip, user_agent, payload, accepted, response FROM heartbeats ORDER BY received_at, id`,
    );
    const progress = await rows<{ user_id: string; lecture_id: string; intervals: unknown; covered_seconds: number; completed_at: unknown; credit_minutes: number }>(
      db,
      sql`SELECT user_id, lecture_id, intervals, covered_seconds, completed_at, credit_minutes FROM lecture_progress`,
    );
    expect(beats.length).toBe(summary.heartbeats);
    expect(progress.filter((p) => p.completed_at !== null).length).toBeGreaterThan(200);

    const sessionById = new Map(sessions.map((s) => [s.id, { ...s, beats: [] as typeof beats }]));
    for (const h of beats) sessionById.get(h.session_id)!.beats.push(h);

    // each session: from a documentation address, under the real-time bound, its totals the sum of its heartbeats
    for (const s of sessionById.values()) {
      expect(s.ip).toMatch(/^(203\.0\.113|198\.51\.100)\.\d{1,3}$/);
      expect(s.user_agent).toMatch(/^Mozilla\/5\.0 /);
      expect(s.beats.map((h) => h.seq)).toEqual(s.beats.map((_, i) => i));
      let accepted = 0;
      for (const h of s.beats) {
        expect([h.ip, h.user_agent]).toEqual([s.ip, s.user_agent]);
        const body = json<{ intervals: Interval[]; playbackRate: number; visible: boolean }>(h.payload);
        const intervals = json<Interval[]>(h.accepted);
        // accepted media lies inside what the heartbeat reported playing, at the allowed rate, on a visible page
        if (intervals.length > 0) expect(body.visible && body.playbackRate <= 1).toBe(true);
        for (const [a, b] of intervals) expect(body.intervals.some(([x, y]) => x <= a && b <= y)).toBe(true);
        accepted += totalSeconds(intervals);
        expect(accepted).toBeLessThanOrEqual((ms(h.received_at) - ms(s.opened_at)) / 1000 + REAL_TIME_TOLERANCE_SECONDS + 1e-6);
        expect(ms(h.received_at)).toBeGreaterThanOrEqual(yearStart.getTime());
        expect(ms(h.received_at)).toBeLessThanOrEqual(now.getTime());
      }
      expect(Number(s.accepted_seconds)).toBeCloseTo(accepted, 2);
      expect(Number(s.version)).toBe(s.beats.length + (s.closed_at ? 1 : 0));
    }

    // one lecture at a time: opening a session closed the lawyer's previous one, after its last heartbeat
    const byUser = new Map<string, (typeof sessions)[number][]>();
    for (const s of sessions) byUser.set(s.user_id, [...(byUser.get(s.user_id) ?? []), s]);
    for (const list of byUser.values()) {
      list.sort((a, b) => ms(a.opened_at) - ms(b.opened_at));
      list.forEach((s, i) => {
        const next = list[i + 1];
        const last = sessionById.get(s.id)!.beats.at(-1);
        if (next) {
          expect([ms(s.closed_at), s.closed_reason]).toEqual([ms(next.opened_at), 'replaced']);
          if (last) expect(ms(last.received_at)).toBeLessThan(ms(next.opened_at));
        } else {
          expect(s.closed_at).toBeNull();
        }
      });
    }

    // coverage is the union of the accepted heartbeats; completion and credit are what the rules say
    const credited = new Map<string, number>();
    const watched = new Map<string, number>();
    for (const s of sessionById.values()) for (const h of s.beats) watched.set(s.user_id, (watched.get(s.user_id) ?? 0) + totalSeconds(json<Interval[]>(h.accepted)));
    for (const p of progress) {
      const lecture = lectures.get(p.lecture_id)!;
      const mine = [...sessionById.values()].filter((s) => s.user_id === p.user_id && s.lecture_id === p.lecture_id).flatMap((s) => s.beats);
      mine.sort((a, b) => ms(a.received_at) - ms(b.received_at));
      let union: Interval[] = [];
      let completedAt: number | null = null;
      for (const h of mine) {
        union = normalizeIntervals([...union, ...json<Interval[]>(h.accepted)]);
        if (completedAt === null && isComplete(totalSeconds(union), lecture.durationSeconds, 0.95)) completedAt = ms(h.received_at);
      }
      expect(normalizeIntervals(json<Interval[]>(p.intervals))).toEqual(union);
      expect(Number(p.covered_seconds)).toBeCloseTo(totalSeconds(union), 2);
      expect(p.completed_at === null ? null : ms(p.completed_at)).toBe(completedAt);
      const credit = completedAt === null ? 0 : lectureCreditMinutes(lecture);
      expect(Number(p.credit_minutes)).toBe(credit);
      if (completedAt !== null) {
        // the heartbeat that completed the lecture answered so
        const completing = mine.find((h) => ms(h.received_at) === completedAt)!;
        expect(json<{ completed: boolean; creditMinutes: number }>(completing.response)).toMatchObject({ completed: true, creditMinutes: credit });
        credited.set(p.user_id, (credited.get(p.user_id) ?? 0) + credit);
      }
    }
    // the media accepted behind each lawyer's credit: at least the completion share of every credited minute
    for (const [userId, minutes] of credited) expect(watched.get(userId)! + 1e-6).toBeGreaterThanOrEqual(minutes * 60 * 0.95);

    // and the report says the same of every lawyer, Sichuan's and Gansu's
    const national = await report(admin, server.demo!.national);
    expect(national.lawyers).toHaveLength(302);
    for (const row of national.lawyers) expect(row.creditMinutes, row.licenseNo).toBe(credited.get(row.id) ?? 0);
  });

  it('issues a certificate for each course completed, when its last lecture completed, for the credit of its lectures', async () => {
    const completions = await rows<{ user_id: string; course_id: string; completed_at: unknown; credit_minutes: number; serial: string | null; code: string | null; issued_at: unknown; certificate_minutes: number | null; holder_name: string | null; name: string }>(
      db,
      sql`SELECT cc.user_id, cc.course_id, cc.completed_at, cc.credit_minutes, ce.serial, ce.code, ce.issued_at, ce.credit_minutes AS certificate_minutes, ce.holder_name, u.name
          FROM course_completions cc JOIN users u ON u.id = cc.user_id
          LEFT JOIN certificates ce ON ce.user_id = cc.user_id AND ce.course_id = cc.course_id`,
    );
    expect(completions.length).toBe(summary.completions);
    expect(completions.length).toBeGreaterThan(50);
    const [certificateCount] = await rows<{ n: unknown }>(db, sql`SELECT count(*) AS n FROM certificates`);
    expect(Number(certificateCount!.n)).toBe(completions.length);
    const lectureRows = await rows<{ course_id: string; completed_at: unknown; credit_minutes: number; user_id: string | null }>(
      db,
      sql`SELECT l.course_id, p.completed_at, p.credit_minutes, p.user_id FROM lectures l LEFT JOIN lecture_progress p ON p.lecture_id = l.id`,
    );
    const lecturesPerCourse = new Map<string, number>();
    for (const [courseId, n] of (await rows<{ course_id: string; n: unknown }>(db, sql`SELECT course_id, count(*) AS n FROM lectures GROUP BY course_id`)).map((r) => [r.course_id, Number(r.n)] as const)) lecturesPerCourse.set(courseId, n);
    const serials = new Set<string>();
    for (const c of completions) {
      const done = lectureRows.filter((l) => l.user_id === c.user_id && l.course_id === c.course_id && l.completed_at !== null);
      expect(done).toHaveLength(lecturesPerCourse.get(c.course_id)!);
      expect(ms(c.completed_at)).toBe(Math.max(...done.map((l) => ms(l.completed_at))));
      expect(Number(c.credit_minutes)).toBe(done.reduce((sum, l) => sum + Number(l.credit_minutes), 0));
      expect(c.serial).toMatch(new RegExp(`^LC-${year}-\\d{6}$`));
      expect(c.code).toMatch(/^[2-9A-HJ-NP-Z]{10}$/);
      expect([ms(c.issued_at), Number(c.certificate_minutes), c.holder_name]).toEqual([ms(c.completed_at), Number(c.credit_minutes), c.name]);
      serials.add(c.serial!);
    }
    expect(serials.size).toBe(completions.length);
    // lawyers who finished every lecture of a course and have no certificate: none
    const [missing] = await rows<{ n: unknown }>(
      db,
      sql`SELECT count(*) AS n FROM (
            SELECT p.user_id, l.course_id FROM lecture_progress p JOIN lectures l ON l.id = p.lecture_id WHERE p.completed_at IS NOT NULL
            GROUP BY p.user_id, l.course_id HAVING count(*) = (SELECT count(*) FROM lectures x WHERE x.course_id = l.course_id)
          ) done WHERE NOT EXISTS (SELECT 1 FROM certificates ce WHERE ce.user_id = done.user_id AND ce.course_id = done.course_id)`,
    );
    expect(Number(missing!.n)).toBe(0);
    // a certificate verifies publicly
    const anonymous = createTestClient(server.baseUrl);
    const verified = await anonymous.expectStatus(200, anonymous.verifyCertificate(completions[0]!.code!));
    expect(verified).toMatchObject({ valid: true, holder: completions[0]!.name });
  });

  it("sets Sichuan's rules and its plan, so its report shows lawyers who met the year and lawyers who did not; Gansu's are not planned", async () => {
    const rules = await adminSc.expectStatus(200, adminSc.requirementRules(server.demo!.sichuan));
    expect(rules).toMatchObject({ own: SICHUAN_RULES, effective: SICHUAN_RULES });
    expect(rulesProblem(SICHUAN_RULES)).toBeNull();
    const [plan, ...more] = await adminSc.expectStatus(200, plansApi(adminSc).list(server.demo!.sichuan, year));
    expect(more).toHaveLength(0);
    expect(plan).toMatchObject(SICHUAN_PLAN);
    expect(plan!.requiredCourses.map((c) => c.id)).toContain(server.demo!.courseId);

    const sichuan = await report(adminSc, server.demo!.sichuan);
    expect(sichuan.totals.lawyers).toBe(233);
    expect(sichuan.totals.planned).toBe(233);
    expect(sichuan.totals.met).toBeGreaterThan(5);
    expect(sichuan.lawyers.filter((l) => l.met === false).length).toBeGreaterThan(50);
    expect(sichuan.totals.creditMinutes).toBeGreaterThan(1000);
    expect(sichuan.lawyers.filter((l) => l.basis === 'exempt_age').length).toBeGreaterThan(0);
    expect(sichuan.lawyers.filter((l) => l.basis === 'annual').length).toBeGreaterThan(150);
    // firms differ: the per-firm chart has something to show
    const metShare = (firm: string) => {
      const list = sichuan.lawyers.filter((l) => l.firm === firm);
      return list.filter((l) => l.met).length / list.length;
    };
    const shares = new Set([...new Set(sichuan.lawyers.map((l) => l.firm))].map(metShare));
    expect(shares.size).toBeGreaterThan(3);

    const gansu = await report(admin, server.demo!.gansu);
    expect(gansu.totals).toMatchObject({ lawyers: 69, planned: 0, met: 0 });
    expect(gansu.totals.creditMinutes).toBeGreaterThan(0);
    for (const l of gansu.lawyers) expect([l.planned, l.met, l.basis]).toEqual([false, null, 'not_planned']);
  });

  it('leaves the demo lawyer part of the way: credit earned, a required course still to finish', async () => {
    const lawyer = createTestClient(server.baseUrl);
    await lawyer.login('lawyer', 'lectern-demo');
    const mine = await lawyer.expectStatus(200, lawyer.myRequirement());
    expect(mine).toMatchObject({ planned: true, met: false, requiredMinutes: SICHUAN_PLAN.requiredMinutes });
    expect(mine.remainingMinutes).toBeGreaterThan(0);
    expect(mine.requiredCourses.find((c) => c.courseId === server.demo!.courseId)).toMatchObject({ completed: false });
    expect(mine.creditMinutes).toBe(40);
    expect(mine.requiredCourses.filter((c) => c.completed)).toHaveLength(1);
  });

  it('shows the evidence behind a lawyer who met the year', async () => {
    const sichuan = await report(adminSc, server.demo!.sichuan);
    const keen = sichuan.lawyers.find((l) => l.met && l.creditMinutes >= SICHUAN_PLAN.requiredMinutes)!;
    const evidence = await adminSc.expectStatus(200, evidenceApi(adminSc).lawyer(keen.id, year));
    expect(evidence.lectures.reduce((sum, l) => sum + l.creditMinutes, 0)).toBe(keen.creditMinutes);
    expect(evidence.certificates.length).toBeGreaterThan(0);
    for (const l of evidence.lectures.filter((x) => x.creditMinutes > 0)) {
      expect(l.sessions.reduce((sum, s) => sum + s.acceptedSeconds, 0)).toBeGreaterThanOrEqual(0.95 * DEMO_RECORDING_SECONDS - 1e-3);
    }
  });

  it('is the same demo on every fresh database seeded at the same moment', async () => {
    const other = await createTestDatabase(backend);
    try {
      await seedDemo(other.db);
      await seedProvince(other.db, { now });
      expect(JSON.stringify(await snapshot(other.db))).toBe(JSON.stringify(await snapshot(db)));
    } finally {
      await other.drop();
    }
  }, 180_000);
});
