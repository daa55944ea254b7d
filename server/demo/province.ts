/**
 * The demo province (issue 8, item 6): on top of the core demo (seed.ts), more of the tree —
 * Sichuan with three cities and nine firms, Gansu with three — ten published courses across the
 * categories, 300 lawyers with varied progress in the current training year and the evidence
 * behind it (sessions, heartbeats, certificates), Sichuan's requirement rules and its plan, so
 * reports, charts and the evidence page show something real on first start.
 *
 * The seed is the one place allowed to write many tables directly (the domains' repositories
 * write one change at a time): everything goes in with a few bulk statements per table in one
 * transaction, the rows made in JS first (people.ts, activity.ts). Heartbeats are only ever
 * inserted (the table is append-only). The progress is simulated heartbeat by heartbeat through
 * the real credit rules, so every credited minute has the evidence the server would have kept.
 *
 * Every lecture of the province plays one demo recording (media.ts): they are seeded
 * 'processing' with the recording's length, and become ready together when it is transcoded.
 */
import { REAL_TIME_TOLERANCE_SECONDS } from '../playback/allowance.ts';
import { randomUUID } from 'node:crypto';
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.ts';
import { courses, lectures, organizations, users } from '../db/schema/index.ts';
import { PlansRepository } from '../plans/repository.ts';
import { newVerificationCode } from '../certificates/service.ts';
import { shanghaiYear, trainingYearOf, trainingYearRange } from '../playback/credit.ts';
import type { RequirementRules } from '../requirements/rules.ts';
import { planViews, simulateLearner, type Engagement, type Learner, type SimCourse, type SimHeartbeat, type SimLecture, type SimResult, type View } from './activity.ts';
import { planLawyers, type DemoLawyer } from './people.ts';
import { COURSES, DESKTOP_AGENTS, FIRMS, NEW_CITIES, PHONE_AGENTS, type CityKey, type CourseKey, type FirmKey } from './province-data.ts';
import { Random } from './random.ts';
import { findDemo } from './seed.ts';

/** The PRNG seed: change it and every fresh demo gets other people (and the tests other numbers). */
export const DEMO_SEED = 20_260_107;

/** The demo recording every province lecture plays (media.ts makes it this long). */
export const DEMO_RECORDING_SECONDS = 600;
/** Credit per demo lecture, set as a trainer would (the recording's whole minutes, pinned so a few ms of probe drift cannot change it). */
export const DEMO_LECTURE_CREDIT_MINUTES = 10;

/** The course rules the demo courses keep (the schema's defaults, written out so the simulation uses the same). */
const COURSE_RULES = { maxPlaybackRate: 1, completionRatio: 0.95, requireVisible: true } as const;

/**
 * Sichuan's rules, in 学时 of 45 minutes: 2 a year (the demo asks little so its evidence stays
 * small), 1 for someone who practised 2–5 months of the year, nothing under 2 months, 1 for a
 * part-time lawyer, nothing from 65.
 */
export const SICHUAN_RULES: RequirementRules = {
  annualClassHours: 2,
  proRating: [
    { minMonthsPractised: 2, classHours: 1 },
    { minMonthsPractised: 6, classHours: 2 },
  ],
  partTimeClassHours: 1,
  exemptFromAge: 65,
};

/** The plan's minutes: 2 学时, of which 30 minutes from courses that are not required. */
export const SICHUAN_PLAN = { requiredMinutes: 90, electiveMinutes: 30 } as const;

/** The core demo logins' licence numbers, and what they did this year. */
const DEMO_LAWYER = '15107202110000001';
const DEMO_LAWYER2 = '16205202210000002';
const FIXED_VIEWS: Record<string, View[]> = {
  // /me shows a remaining requirement: the ethics course done (with its certificate), two
  // electives, the required criminal course begun but not finished
  [DEMO_LAWYER]: [
    { lecture: 'ethics#1', share: 1 },
    { lecture: 'ethics#2', share: 1, splitAt: 0.5 },
    { lecture: 'contract#1', share: 1 },
    { lecture: 'land#1', share: 1 },
    { lecture: 'criminal#1', share: 0.4 },
  ],
  [DEMO_LAWYER2]: [
    { lecture: 'labour#1', share: 1 },
    { lecture: 'labour#2', share: 1 },
    { lecture: 'labour#3', share: 0.5 },
  ],
};

export interface ProvinceSummary {
  year: number;
  organizations: number;
  lawyers: number;
  courses: number;
  lectures: number;
  sessions: number;
  heartbeats: number;
  progress: number;
  completions: number;
  certificates: number;
  /** what the seed took, in milliseconds */
  ms: number;
}

export interface ProvinceOptions {
  /** the seed's moment (default: now); the training year and every time in the demo follow from it */
  now?: Date;
  /** the certificates' verification codes (default: the CSPRNG, as for real certificates) */
  newCode?: () => string;
}

const DAY_MS = 86_400_000;

/** True when the province layer is already in the database (南充's association is its first row). */
export async function provinceSeeded(db: Db | Tx): Promise<boolean> {
  const rows = await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.regionCode, NEW_CITIES[0]!.regionCode)).limit(1);
  return rows.length > 0;
}

/**
 * Adds the province to a database holding the core demo (seedDemo), in one transaction. Throws
 * when the core demo is not there.
 */
export async function seedProvince(db: Db, options: ProvinceOptions = {}): Promise<ProvinceSummary> {
  const started = performance.now();
  const now = (options.now ?? new Date()).getTime();
  const newCode = options.newCode ?? newVerificationCode;
  const summary = await db.transaction(async (tx) => {
    const demo = await findDemo(tx);
    if (!demo) throw new Error('the demo province needs the core demo (seedDemo) in the database');

    const [root] = await tx.select({ month: organizations.trainingYearStartMonth }).from(organizations).where(eq(organizations.id, demo.national));
    const startMonth = root?.month ?? 1;
    const year = trainingYearOf(new Date(now), startMonth);
    const range = trainingYearRange(year, startMonth);
    const yearStart = range.start.getTime();

    // ── the tree ─────────────────────────────────────────────────────────────────────────
    const cityIds = new Map<CityKey, string>([['mianyang', demo.mianyang], ['tianshui', demo.tianshui]]);
    const newCities = await tx
      .insert(organizations)
      .values(NEW_CITIES.map((c) => ({ kind: 'city' as const, name: c.name, regionCode: c.regionCode, parentId: demo.sichuan })))
      .returning({ id: organizations.id, regionCode: organizations.regionCode });
    for (const c of NEW_CITIES) cityIds.set(c.key, newCities.find((r) => r.regionCode === c.regionCode)!.id);
    const firmIds = new Map<FirmKey, string>([['santai', demo.santaiFirm], ['fucheng', demo.mianyangCityFirm], ['gangu', demo.ganguFirm]]);
    const added = FIRMS.filter((f) => !f.core);
    const newFirms = await tx
      .insert(organizations)
      .values(added.map((f) => ({ kind: 'firm' as const, name: f.name, regionCode: f.regionCode, county: f.county, parentId: cityIds.get(f.city)! })))
      .returning({ id: organizations.id, regionCode: organizations.regionCode });
    for (const f of added) firmIds.set(f.key, newFirms.find((r) => r.regionCode === f.regionCode)!.id);

    // ── the catalogue ────────────────────────────────────────────────────────────────────
    const publishedAt = (days: number) => new Date(yearStart - days * DAY_MS);
    const courseIds = new Map<CourseKey, string>([['criminal', demo.courseId]]);
    const core = COURSES.find((c) => c.key === 'criminal')!;
    // the core course was "published" at seeding; in the province it is last year's catalogue, newest first
    await tx
      .update(courses)
      .set({ publishedAt: publishedAt(core.publishedDaysBefore), createdAt: publishedAt(core.publishedDaysBefore + 7), ...COURSE_RULES, presenceChecks: false })
      .where(eq(courses.id, demo.courseId));
    const insertedCourses = await tx
      .insert(courses)
      .values(
        COURSES.filter((c) => c.key !== 'criminal').map((spec) => ({
          organizationId: spec.owner === 'national' ? demo.national : demo.sichuan,
          title: spec.title,
          summary: spec.summary,
          category: spec.category,
          audience: spec.audience,
          status: 'published' as const,
          publishedAt: publishedAt(spec.publishedDaysBefore),
          createdAt: publishedAt(spec.publishedDaysBefore + 7),
          createdBy: demo.users.trainer,
          ...COURSE_RULES,
          presenceChecks: false,
        })),
      )
      .returning({ id: courses.id, title: courses.title });
    for (const spec of COURSES) if (spec.key !== 'criminal') courseIds.set(spec.key, insertedCourses.find((c) => c.title === spec.title)!.id);

    const lectureIds = new Map<string, string>();
    const lectureRows: (typeof lectures.$inferInsert)[] = [];
    const lectureValues = { status: 'processing' as const, durationSeconds: DEMO_RECORDING_SECONDS, creditMinutesOverride: DEMO_LECTURE_CREDIT_MINUTES };
    for (const spec of COURSES) {
      spec.lectures.forEach((title, i) => {
        const key = `${spec.key}#${i + 1}`;
        if (spec.key === 'criminal' && i === 0) {
          lectureIds.set(key, demo.lectureId);
          return;
        }
        const id = randomUUID();
        lectureIds.set(key, id);
        lectureRows.push({ id, courseId: courseIds.get(spec.key)!, position: i + 1, title, ...lectureValues });
      });
    }
    await tx.update(lectures).set(lectureValues).where(eq(lectures.id, demo.lectureId));
    await tx.insert(lectures).values(lectureRows);

    // ── the lawyers ──────────────────────────────────────────────────────────────────────
    const people = planLawyers(DEMO_SEED, FIRMS, year, yearStart, now);
    const inserted = await tx
      .insert(users)
      .values(
        people.map((p) => ({
          // imported lawyers log in with their licence number; these have no password at all, so
          // only the five demo logins can sign in
          login: p.licenseNo,
          name: p.name,
          passwordHash: null,
          organizationId: firmIds.get(p.firm)!,
          licenseNo: p.licenseNo,
          practiceStartedOn: p.practiceStartedOn,
          partTime: p.partTime,
          birthYear: p.birthYear,
        })),
      )
      .returning({ id: users.id, licenseNo: users.licenseNo });
    const userIds = new Map(inserted.map((u) => [u.licenseNo!, u.id]));
    await tx.update(users).set({ practiceStartedOn: '2021-07-12', birthYear: 1991 }).where(eq(users.id, demo.users.lawyer));
    await tx.update(users).set({ practiceStartedOn: '2022-03-01', birthYear: 1994 }).where(eq(users.id, demo.users.lawyer2));
    userIds.set(DEMO_LAWYER, demo.users.lawyer);
    userIds.set(DEMO_LAWYER2, demo.users.lawyer2);

    // ── Sichuan's rules and plan (Gansu has none: its lawyers are "not planned") ───────────
    // JSON text cast to jsonb, as RequirementsRepository writes it: an object on both drivers
    await tx.update(organizations).set({ requirementRules: sql`${JSON.stringify(SICHUAN_RULES)}::jsonb` }).where(eq(organizations.id, demo.sichuan));
    const planId = await new PlansRepository(tx).insert({
      organizationId: demo.sichuan,
      year,
      name: `${year}年度四川省律师线上培训计划`,
      requiredMinutes: SICHUAN_PLAN.requiredMinutes,
      electiveMinutes: SICHUAN_PLAN.electiveMinutes,
      targetOrganizationIds: [],
      requiredCourseIds: COURSES.filter((c) => c.required).map((c) => courseIds.get(c.key)!),
    });
    if (!planId) throw new Error('the demo plan exists already');

    // ── the year's viewing, heartbeat by heartbeat ──────────────────────────────────────────
    const simLectures = new Map<string, SimLecture>();
    const simCourses = new Map<string, SimCourse>();
    for (const spec of COURSES) {
      const keys = spec.lectures.map((_, i) => `${spec.key}#${i + 1}`);
      simCourses.set(spec.key, { key: spec.key, lectures: keys, rules: COURSE_RULES });
      for (const key of keys) simLectures.set(key, { key, course: spec.key, durationSeconds: DEMO_RECORDING_SECONDS, creditMinutesOverride: DEMO_LECTURE_CREDIT_MINUTES });
    }
    const catalogue = COURSES.map((c) => ({ key: c.key, lectures: c.lectures.map((_, i) => `${c.key}#${i + 1}`), required: c.required === true }));
    const learners = [
      ...people.map((p) => learnerOf(p, year, yearStart, now, catalogue)),
      fixedLearner(DEMO_LAWYER, 'santai', yearStart, now),
      fixedLearner(DEMO_LAWYER2, 'gangu', yearStart, now),
    ];
    const results = learners.map((l) => simulateLearner(DEMO_SEED, l, simLectures, simCourses, newCode));
    const counts = await insertActivity(tx, results, { userIds, lectureIds, courseIds });

    return {
      year,
      organizations: NEW_CITIES.length + added.length,
      lawyers: people.length,
      courses: COURSES.length - 1,
      lectures: lectureRows.length,
      ...counts,
    };
  });
  return { ...summary, ms: Math.round(performance.now() - started) };
}

const FIRM_INDEX = new Map(FIRMS.map((f, i) => [f.key, i]));

/** The office network of a firm (all its desktops share one address): 198.51.100.0/24, documentation only. */
function officeIp(firm: FirmKey): string {
  return `198.51.100.${20 + FIRM_INDEX.get(firm)! * 9}`;
}

function devices(rng: Random, firm: FirmKey) {
  return { officeIp: officeIp(firm), homeIp: `203.0.113.${rng.int(2, 254)}`, desktopAgent: rng.pick(DESKTOP_AGENTS), phoneAgent: rng.pick(PHONE_AGENTS) };
}

/** From 08:00 on 1 January (China time) — or the day after practice began — to ten minutes before the seed. */
function windowOf(yearStart: number, now: number, practiceStartedOn: string | null, newThisYear: boolean) {
  const began = newThisYear && practiceStartedOn ? Date.parse(`${practiceStartedOn}T00:00:00+08:00`) + DAY_MS : yearStart;
  return { from: Math.max(yearStart + 8 * 3600_000, began), to: now - 10 * 60_000 };
}

function learnerOf(p: DemoLawyer, year: number, yearStart: number, now: number, catalogue: { key: string; lectures: string[]; required: boolean }[]): Learner {
  const rng = Random.derive(DEMO_SEED, 'learner', p.licenseNo);
  const firm = FIRMS[FIRM_INDEX.get(p.firm)!]!;
  const planned = firm.city !== 'tianshui';
  const senior = p.birthYear !== null && year - p.birthYear >= 65;
  // Most lawyers leave their hours to the end of the year; a keen few are done. The evidence of
  // every credited minute is seeded (4 heartbeats a minute), so these shares also keep the seed fast.
  const drive = firm.drive * 8;
  const weights: [Engagement, number][] = senior
    ? [['none', 60], ['light', 30], ['medium', 10], ['full', 0]]
    : p.newThisYear
      ? [['none', 35], ['light', 40], ['medium', 25], ['full', 0]]
      : p.partTime
        ? [['none', 40], ['light', 35], ['medium', 20], ['full', 5]]
        : planned
          ? [['none', 48 - drive], ['light', 26], ['medium', 12], ['full', 14 + drive]]
          : [['none', 52 - drive], ['light', 30], ['medium', 14], ['full', 4 + drive / 2]];
  const engagement = rng.weighted(weights);
  return {
    key: p.licenseNo,
    views: planViews(rng, engagement, catalogue),
    ...windowOf(yearStart, now, p.practiceStartedOn, p.newThisYear),
    ...devices(rng, p.firm),
  };
}

function fixedLearner(licenseNo: string, firm: FirmKey, yearStart: number, now: number): Learner {
  const rng = Random.derive(DEMO_SEED, 'learner', licenseNo);
  return { key: licenseNo, views: FIXED_VIEWS[licenseNo]!, ...windowOf(yearStart, now, null, false), ...devices(rng, firm) };
}

/** Rows per statement: a few statements per table, none too large for the drivers. */
const CHUNK = 8000;

function chunks<T>(rows: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/**
 * A heartbeat as the few numbers its stored shapes are built from. The simulation plays one
 * interval per heartbeat at rate 1, credited whole or refused as a hidden page; anything else
 * would not fit this form, so it is refused here rather than stored wrong.
 */
function compactHeartbeat(n: number, session: string, h: SimHeartbeat) {
  const [[a, b]] = h.payload.intervals as [[number, number]];
  const v = h.payload.visible;
  const fits =
    h.payload.intervals.length === 1 &&
    h.payload.playbackRate === 1 &&
    h.payload.position === b &&
    (v
      ? h.accepted.length === 1 && h.accepted[0]![0] === a && h.accepted[0]![1] === b && h.rejected.length === 0
      : h.accepted.length === 0 && h.rejected.length === 1 && h.rejected[0]!.reason === 'hidden_page' && h.rejected[0]!.from === a && h.rejected[0]!.to === b) &&
    (v || h.response.acceptedSeconds === 0);
  if (!fits) throw new Error(`demo heartbeat ${h.seq} of session ${session} does not fit the compact form`);
  const r = h.response;
  return { n, s: session, q: h.seq, t: iso(h.receivedAt), a, b, v, acc: r.acceptedSeconds, cs: r.coverageSeconds, cr: r.coverageRatio, d: r.completed, cm: r.creditMinutes, k: r.certificateCode ?? null };
}

/**
 * Runs one bulk statement; a failure names the table in a line, never the megabytes of rows that
 * drizzle's error would repeat into the log.
 */
async function bulk(tx: Tx, table: string, query: SQL): Promise<void> {
  try {
    await tx.execute(query);
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    throw new Error(`demo seed: inserting ${table} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The simulated year into playback_sessions, heartbeats, lecture_progress, course_completions and
 * certificates. Each statement reads its rows from one JSON parameter (jsonb_to_recordset), so a
 * table takes one round trip per few thousand rows on either driver.
 */
async function insertActivity(
  tx: Tx,
  results: SimResult[],
  ids: { userIds: Map<string, string>; lectureIds: Map<string, string>; courseIds: Map<CourseKey, string> },
) {
  const user = (licenseNo: string) => ids.userIds.get(licenseNo)!;
  const lecture = (key: string) => ids.lectureIds.get(key)!;

  const sessions = results.flatMap((r) => r.sessions).map((s) => ({ ...s, id: randomUUID() }));
  for (const rows of chunks(sessions)) {
    const json = rows.map((s) => ({
      id: s.id,
      u: user(s.learner),
      l: lecture(s.lecture),
      o: iso(s.openedAt),
      c: iso(s.closedAt),
      r: s.closedReason,
      a: s.acceptedSeconds,
      p: s.lastPosition,
      v: s.version,
      ip: s.ip,
      ua: s.userAgent,
      hc: s.heartbeats.length,
      ls: s.heartbeats.reduce((max, h) => Math.max(max, h.seq), -1),
    }));
    await bulk(tx, 'playback_sessions', sql`
      INSERT INTO playback_sessions (id, user_id, lecture_id, opened_at, closed_at, closed_reason, accepted_seconds, last_position, presence_blocked, version, ip, user_agent,
                                     allowance_seconds, allowance_at, carried_in_seconds, last_heard_at, heartbeat_count, last_seq)
      SELECT x.id, x.u, x.l, x.o, x.c, x.r, x.a, x.p, false, x.v, x.ip, x.ua,
             ${REAL_TIME_TOLERANCE_SECONDS}::float8, coalesce(x.c, x.o), ${REAL_TIME_TOLERANCE_SECONDS}::float8, coalesce(x.c, x.o), x.hc, x.ls
      FROM jsonb_to_recordset(${JSON.stringify(json)}::jsonb)
        AS x(id uuid, u uuid, l uuid, o timestamptz, c timestamptz, r text, a float8, p float8, v int, ip text, ua text, hc int, ls int)`);
  }

  // in order of arrival, so the evidence ids follow the server's clock as real ones do
  const beats = sessions.flatMap((s) => s.heartbeats.map((h) => ({ session: s.id, h }))).sort((x, y) => x.h.receivedAt - y.h.receivedAt);
  for (const rows of chunks(beats)) {
    const json = rows.map(({ session, h }, n) => compactHeartbeat(n, session, h));
    // Built back into the stored shapes here (a third cheaper than sending them whole); the
    // address and browser are the session's: one device per session.
    await bulk(tx, 'heartbeats', sql`
      INSERT INTO heartbeats (session_id, seq, received_at, ip, user_agent, payload, accepted, rejected, response)
      SELECT x.s, x.q, x.t, ps.ip, ps.user_agent,
        jsonb_build_object('seq', x.q, 'intervals', jsonb_build_array(jsonb_build_array(x.a, x.b)), 'playbackRate', 1, 'visible', x.v, 'position', x.b),
        CASE WHEN x.v THEN jsonb_build_array(jsonb_build_array(x.a, x.b)) ELSE '[]'::jsonb END,
        CASE WHEN x.v THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('from', x.a, 'to', x.b, 'reason', 'hidden_page')) END,
        jsonb_build_object(
          'acceptedSeconds', CASE WHEN x.v THEN x.acc ELSE 0 END,
          'rejected', CASE WHEN x.v THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('from', x.a, 'to', x.b, 'reason', 'hidden_page')) END,
          'coverageSeconds', x.cs, 'coverageRatio', x.cr, 'completed', x.d, 'creditMinutes', x.cm
        ) || CASE WHEN x.k IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('certificateCode', x.k) END
      FROM json_to_recordset(${JSON.stringify(json)}::json)
        AS x(n int, s uuid, q int, t timestamptz, a numeric, b numeric, v boolean, acc numeric, cs numeric, cr numeric, d boolean, cm int, k text)
      JOIN playback_sessions ps ON ps.id = x.s
      ORDER BY x.n`);
  }

  const progress = results.flatMap((r) => r.progress);
  for (const rows of chunks(progress)) {
    const json = rows.map((p) => ({
      u: user(p.learner),
      l: lecture(p.lecture),
      iv: p.intervals,
      cs: p.coveredSeconds,
      lp: p.lastPosition,
      ca: iso(p.completedAt),
      cm: p.creditMinutes,
      ua: iso(p.updatedAt),
    }));
    await bulk(tx, 'lecture_progress', sql`
      INSERT INTO lecture_progress (user_id, lecture_id, intervals, covered_seconds, last_position, completed_at, credit_minutes, updated_at)
      SELECT x.u, x.l, x.iv, x.cs, x.lp, x.ca, x.cm, x.ua
      FROM jsonb_to_recordset(${JSON.stringify(json)}::jsonb)
        AS x(u uuid, l uuid, iv jsonb, cs float8, lp float8, ca timestamptz, cm int, ua timestamptz)`);
  }

  const completions = results.flatMap((r) => r.completions).sort((a, b) => a.completedAt - b.completedAt);
  if (completions.length > 0) {
    const json = JSON.stringify(
      completions.map((c, n) => ({ n, u: user(c.learner), c: ids.courseIds.get(c.course as CourseKey)!, t: iso(c.completedAt), y: shanghaiYear(new Date(c.completedAt)), cm: c.creditMinutes, k: c.certificateCode })),
    );
    await bulk(tx, 'course_completions', sql`
      INSERT INTO course_completions (user_id, course_id, completed_at, credit_minutes)
      SELECT x.u, x.c, x.t, x.cm FROM jsonb_to_recordset(${json}::jsonb) AS x(u uuid, c uuid, t timestamptz, cm int)`);
    // serials from the certificates' own sequence, in the order they were issued
    await bulk(tx, 'certificates', sql`
      INSERT INTO certificates (serial, code, user_id, course_id, holder_name, course_title, credit_minutes, issued_at)
      SELECT 'LC-' || s.y || '-' || lpad(s.serial_no::text, greatest(6, length(s.serial_no::text)), '0'), s.k, s.u, s.c, s.name, s.title, s.cm, s.t
      FROM (
        SELECT o.*, nextval('certificate_serial_seq') AS serial_no FROM (
          SELECT x.u, x.c, x.t, x.y, x.cm, x.k, x.n, u.name, c.title
          FROM jsonb_to_recordset(${json}::jsonb) AS x(n int, u uuid, c uuid, t timestamptz, y int, cm int, k text)
          JOIN users u ON u.id = x.u JOIN courses c ON c.id = x.c
          ORDER BY x.n
        ) o
      ) s`);
  }

  return {
    sessions: sessions.length,
    heartbeats: beats.length,
    progress: progress.length,
    completions: completions.length,
    certificates: completions.length,
  };
}
