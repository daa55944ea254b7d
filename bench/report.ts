/**
 * `npm run bench:report` (DATABASE_URL must point at PostgreSQL): seeds a country-sized tree
 * (31 provinces, 310 cities, 2,015 firms, 20,150 lawyers, ~300,000 lecture progress rows, plans with
 * targets, elective minimums and required courses, course completions and certificates, Shanghai-style
 * requirement rules on every province, lawyers' practice start, part-time and birth year) and the
 * evidence behind it (playback sessions, ~15-s heartbeats, presence checks) into a fresh database,
 * then times over HTTP the audit report — the national JSON, one province, the national CSV — and
 * the evidence page of the lawyer with the most evidence and of a median one, each beside the bare
 * repository query it rests on. Runs are interleaved (every case once per round, the order rotated),
 * and every figure is also given as a ratio to the bare national report query of the same run: the
 * machine is shared, so absolute times move with the load and the ratios are what compares.
 * Prints the figures and writes the "## Reports" section of docs/benchmarks.md (other sections kept).
 * With in-person sessions in every city (two each, 40 % of the city's lawyers at one), it also times
 * the dashboard and the bulletin (通报: PDF and XLSX) of the national association and of one
 * province, against the same floor, and writes the "## Dashboard and bulletin (通报)" section.
 *
 * Options (env): BENCH_RUNS (9 timed rounds after one warm-up), BENCH_SESSIONS_MAX (3: each lawyer
 * with progress gets 1..this many sessions), BENCH_EXPLAIN=1 (print EXPLAIN ANALYZE of the report
 * statement and of the evidence statements of the heaviest lawyer).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { loadConfig } from '../server/config.ts';
import { startPlatform } from '../server/platform.ts';
import { AuthRepository } from '../server/auth/repository.ts';
import { AuthService } from '../server/auth/service.ts';
import type { Db } from '../server/db/client.ts';
import { courses, lectures, organizations, trainingPlanCourses, trainingPlans, trainingPlanTargets } from '../server/db/schema/index.ts';
import { EvidenceRepository } from '../server/evidence/repository.ts';
import { ReportsRepository } from '../server/reports/repository.ts';
import { BulletinRepository } from '../server/bulletin/repository.ts';
import { toReportLawyer, type RequirementBasis } from '../server/reports/rows.ts';
import { storedRules, type RequirementRules } from '../server/requirements/rules.ts';
import { rowsOf } from '../server/db/rows.ts';
import { trainingYearRange } from '../server/playback/credit.ts';
import postgres from 'postgres';
import { openDatabase } from '../server/db/client.ts';
import { runMigrations } from '../server/db/migrate.ts';

const PROVINCES = 31;
const CITIES_PER_PROVINCE = 10;
const FIRMS_PER_CITY = 6.5; // alternating 6 and 7
const LAWYERS_PER_FIRM = 10;
const COURSES = 50;
const LECTURES_PER_COURSE = 10;
const LECTURE_SECONDS = 2700;
const HEARTBEAT_SECONDS = 15;
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const SESSIONS_MAX = Number(process.env.BENCH_SESSIONS_MAX ?? 3);
/** one lawyer in this many watched every lecture they have progress on, in a session each */
const HEAVY_ONE_IN = 1000;
const YEAR = 2026;

/** Shanghai's rules (上海市律师协会): 40 学时; started during the year ≥ 6 months → 40, 2–6 → 20, < 2 → exempt; part-time 24; 65 and over exempt. */
const SHANGHAI_RULES: RequirementRules = {
  annualClassHours: 40,
  proRating: [
    { minMonthsPractised: 6, classHours: 40 },
    { minMonthsPractised: 2, classHours: 20 },
  ],
  partTimeClassHours: 24,
  exemptFromAge: 65,
};

const USER_AGENTS = [
  'Mozilla/5.0 (Linux; Android 12; V2118A Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5061 MMWEBSDK/20230405 MMWEBID/1234 MicroMessenger/8.0.35.2360(0x28002339) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 Edg/123.0.2420.81',
];

if (!process.env.DATABASE_URL) {
  console.error('bench/report.ts needs DATABASE_URL (PostgreSQL), e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres');
  process.exit(1);
}
if (storedRules(SHANGHAI_RULES) === null) throw new Error('bench/report.ts: the Shanghai rules are refused by rules.ts');

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const loadNow = () => os.loadavg().map((l) => l.toFixed(1)).join(' / ');
const num = (v: unknown) => Number(v ?? 0);

/**
 * A fresh, migrated database of the bench's own (not lectern_t_…: the shared server's test
 * clean-ups drop those, and took one mid-seed), dropped at the end.
 */
async function benchDatabase() {
  const adminUrl = process.env.DATABASE_URL!;
  const name = `lectern_bench_report_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const opened = await openDatabase({ databaseUrl: url.toString(), maxConnections: 20 });
  await runMigrations(opened);
  return {
    ...opened,
    async drop() {
      await opened.close();
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

const database = await benchDatabase();
const db = database.db;
const dataDir = path.join(os.tmpdir(), `lectern-bench-report-${process.pid}`);
const seedSteps: { step: string; seconds: number }[] = [];
const step = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  const result = await fn();
  const seconds = (performance.now() - t0) / 1000;
  seedSteps.push({ step: label, seconds });
  console.log(`  ${label}: ${seconds.toFixed(1)} s (load ${loadNow()})`);
  return result;
};

try {
  const loadAtSeed = loadNow();
  const seedStarted = performance.now();
  console.log(`seeding (load ${loadAtSeed})`);
  // ── the tree ──
  const national = randomUUID();
  const provinces: string[] = [];
  const cities: string[] = [];
  const firms: string[] = [];
  await step('organizations', async () => {
    const orgRows: (typeof organizations.$inferInsert)[] = [{ id: national, kind: 'national', name: '中华全国律师协会', regionCode: '100000', minutesPerClassHour: 45, trainingYearStartMonth: 1 }];
    for (let p = 0; p < PROVINCES; p++) {
      const province = randomUUID();
      provinces.push(province);
      orgRows.push({ id: province, parentId: national, kind: 'province', name: `第${p + 1}省律师协会`, regionCode: `${11 + p}0000`, requirementRules: SHANGHAI_RULES });
      for (let c = 0; c < CITIES_PER_PROVINCE; c++) {
        const city = randomUUID();
        cities.push(city);
        orgRows.push({ id: city, parentId: province, kind: 'city', name: `第${p + 1}省第${c + 1}市律师协会`, regionCode: `${11 + p}${String(c + 1).padStart(2, '0')}00` });
        const firmCount = c % 2 === 0 ? Math.floor(FIRMS_PER_CITY) : Math.ceil(FIRMS_PER_CITY);
        for (let f = 0; f < firmCount; f++) {
          const firm = randomUUID();
          firms.push(firm);
          orgRows.push({ id: firm, parentId: city, kind: 'firm', name: `第${p + 1}省第${c + 1}市第${f + 1}律师事务所`, regionCode: `${11 + p}${String(c + 1).padStart(2, '0')}${String(f + 21).padStart(2, '0')}`, county: f % 3 !== 0 });
        }
      }
    }
    for (let i = 0; i < orgRows.length; i += 1000) await db.insert(organizations).values(orgRows.slice(i, i + 1000));
  });

  // ── lawyers (plain SQL: 20k rows in one statement), then what the rules read of them ──
  await step('lawyers and their profiles', async () => {
    const firmArray = `{${firms.join(',')}}`;
    await db.execute(sql`
      INSERT INTO users (login, name, organization_id, license_no)
      SELECT 'lawyer-' || g, '律师' || g, (${firmArray}::uuid[])[1 + (g - 1) / ${LAWYERS_PER_FIRM}], '5' || lpad(g::text, 16, '0')
      FROM generate_series(1, ${firms.length * LAWYERS_PER_FIRM}) g`);
    // 6 % born 1952–1961 (65 or older in 2026: exempt), the rest 1962–1999; 5 % part-time
    await db.execute(sql`
      UPDATE users SET
        birth_year = CASE WHEN abs(hashtext(id::text || '/age')) % 100 < 6 THEN 1952 + abs(hashtext(id::text || '/born')) % 10
                          ELSE 1962 + abs(hashtext(id::text || '/born')) % 38 END,
        part_time = abs(hashtext(id::text || '/part')) % 100 < 5
      WHERE license_no IS NOT NULL`);
    // 8 % started practising during 2026 (any day: some ≥ 6 months, some 2–6, some < 2); the rest
    // between 24 and 36 years of age, and before 2026
    await db.execute(sql`
      UPDATE users SET practice_started_on = CASE
        WHEN abs(hashtext(id::text || '/new')) % 100 < 8 THEN date '2026-01-01' + abs(hashtext(id::text || '/day')) % 365
        ELSE least(date '2025-12-31', make_date(birth_year + 24, 1, 1) + abs(hashtext(id::text || '/day')) % (12 * 365)) END
      WHERE license_no IS NOT NULL`);
  });

  // ── courses and lectures ──
  const courseIds: string[] = [];
  await step('courses and lectures', async () => {
    for (let c = 0; c < COURSES; c++) {
      const [course] = await db.insert(courses).values({ organizationId: national, title: `课程${c + 1}`, category: 'criminal', status: 'published', publishedAt: new Date() }).returning({ id: courses.id });
      courseIds.push(course!.id);
      await db.insert(lectures).values(Array.from({ length: LECTURES_PER_COURSE }, (_, i) => ({ courseId: course!.id, position: i + 1, title: `第${i + 1}讲`, status: 'ready' as const, durationSeconds: LECTURE_SECONDS })));
    }
  });

  // ── progress: each lawyer on ~15 of the 500 lectures, 85 % completed between mid-2025 and mid-2027 ──
  await step('lecture progress and course completions', async () => {
    await db.execute(sql`
      INSERT INTO lecture_progress (user_id, lecture_id, intervals, covered_seconds, completed_at, credit_minutes)
      SELECT u.id, l.id, '[]'::jsonb, 2600,
        CASE WHEN abs(hashtext(u.id::text || l.id::text)) % 100 < 85
          THEN timestamptz '2025-06-01 00:00:00+08' + (abs(hashtext(l.id::text || u.id::text)) % (730 * 24 * 60)) * interval '1 minute' END,
        CASE WHEN abs(hashtext(u.id::text || l.id::text)) % 100 < 85 THEN 20 + abs(hashtext(u.id::text)) % 40 ELSE 0 END
      FROM users u JOIN lectures l ON abs(hashtext(u.id::text || '/' || l.id::text)) % 33 = 0
      WHERE u.license_no IS NOT NULL`);
    // a third of the lawyers completed the first course (a province requirement), two fifths the second (the national one)
    await db.execute(sql`
      INSERT INTO course_completions (user_id, course_id, completed_at, credit_minutes)
      SELECT u.id, ${courseIds[0]!}::uuid, timestamptz '2026-05-01 00:00:00+08', 450 FROM users u
      WHERE u.license_no IS NOT NULL AND abs(hashtext(u.id::text)) % 3 = 0`);
    await db.execute(sql`
      INSERT INTO course_completions (user_id, course_id, completed_at, credit_minutes)
      SELECT u.id, ${courseIds[1]!}::uuid, timestamptz '2026-02-01 00:00:00+08' + abs(hashtext(u.id::text || '/c2')) % (300 * 24) * interval '1 hour', 450 FROM users u
      WHERE u.license_no IS NOT NULL AND abs(hashtext(u.id::text || '/c2')) % 5 < 2`);
    // the certificate of each completion, as the server issues it
    await db.execute(sql`
      INSERT INTO certificates (serial, code, user_id, course_id, holder_name, course_title, credit_minutes, issued_at)
      SELECT 'LC-' || extract(year FROM cc.completed_at AT TIME ZONE 'Asia/Shanghai') || '-' || lpad(nextval('certificate_serial_seq')::text, 6, '0'),
        upper(substr(md5(cc.user_id::text || cc.course_id::text), 1, 12)), cc.user_id, cc.course_id, u.name, c.title, cc.credit_minutes, cc.completed_at
      FROM (SELECT * FROM course_completions ORDER BY completed_at, user_id) cc
      JOIN users u ON u.id = cc.user_id JOIN courses c ON c.id = cc.course_id`);
  });

  // ── plans: a national one for everyone with a required course; one per province on half its
  //    cities with an elective minimum (选修), half of them with a required course ──
  await step('plans', async () => {
    const [nationalPlan] = await db.insert(trainingPlans).values({ organizationId: national, year: YEAR, name: '全国年度培训', requiredMinutes: 180 }).returning();
    await db.insert(trainingPlanCourses).values({ planId: nationalPlan!.id, courseId: courseIds[1]! });
    for (let p = 0; p < PROVINCES; p++) {
      const [plan] = await db
        .insert(trainingPlans)
        .values({ organizationId: provinces[p]!, year: YEAR, name: '省级县域律师培训', requiredMinutes: 240 + (p % 4) * 30, electiveMinutes: 8 * 45 + (p % 3) * 4 * 45 })
        .returning();
      await db.insert(trainingPlanTargets).values(cities.slice(p * CITIES_PER_PROVINCE, p * CITIES_PER_PROVINCE + 5).map((organizationId) => ({ planId: plan!.id, organizationId })));
      if (p % 2 === 0) await db.insert(trainingPlanCourses).values({ planId: plan!.id, courseId: courseIds[0]! });
    }
  });

  // ── in person (现场培训): every city holds two sessions of 8 学时 in 2026; 40 % of its lawyers attend one ──
  await step('in-person sessions and attendances', async () => {
    await db.execute(sql`
      INSERT INTO in_person_sessions (organization_id, title, held_on, place, minutes)
      SELECT c.id, '县域律师现场培训（第' || k || '期）', date '2026-03-01' + abs(hashtext(c.id::text || '/ip' || k)) % 270, c.name || '会议室', 360
      FROM organizations c CROSS JOIN generate_series(1, 2) k WHERE c.kind = 'city'`);
    await db.execute(sql`
      INSERT INTO in_person_attendances (session_id, user_id, source)
      SELECT DISTINCT ON (u.id) s.id, u.id, 'sheet'
      FROM users u JOIN organizations f ON f.id = u.organization_id JOIN in_person_sessions s ON s.organization_id = f.parent_id
      WHERE u.license_no IS NOT NULL AND abs(hashtext(u.id::text || '/attends')) % 10 < 4
      ORDER BY u.id, hashtext(u.id::text || s.id::text)`);
  });

  // ── evidence: playback sessions on lectures of each lawyer's progress (1..SESSIONS_MAX lectures,
  //    every one for one lawyer in HEAVY_ONE_IN), a session opened before the lecture's completion
  //    and running to it (a full watch: 180 heartbeats); not completed: 40–159 heartbeats in 2026.
  //    Opening a session closes the lawyer's previous one as 'replaced' (as the server does). ──
  const uaArray = `{${USER_AGENTS.map((ua) => `"${ua}"`).join(',')}}`;
  await step('playback sessions', async () => {
    await db.execute(sql`
      WITH picked AS (
        SELECT lp.user_id, lp.lecture_id, lp.completed_at,
          row_number() OVER (PARTITION BY lp.user_id ORDER BY hashtext(lp.lecture_id::text || lp.user_id::text)) AS rn,
          abs(hashtext(lp.user_id::text || '/heavy')) % ${HEAVY_ONE_IN}::int = 0 AS heavy,
          1 + abs(hashtext(lp.user_id::text || '/sessions')) % ${SESSIONS_MAX}::int AS wanted
        FROM lecture_progress lp
      ),
      chosen AS (
        SELECT user_id, lecture_id, completed_at,
          CASE WHEN completed_at IS NOT NULL THEN ${LECTURE_SECONDS / HEARTBEAT_SECONDS}::int ELSE 40 + abs(hashtext(lecture_id::text || user_id::text)) % 120 END AS beats
        FROM picked WHERE heavy OR rn <= wanted
      ),
      timed AS (
        SELECT user_id, lecture_id, beats,
          coalesce(completed_at - beats * ${HEARTBEAT_SECONDS}::int * interval '1 second',
                   timestamptz '2026-01-01 08:00:00+08' + abs(hashtext(user_id::text || lecture_id::text || '/open')) % (360 * 24 * 60) * interval '1 minute') AS opened_at
        FROM chosen
      )
      INSERT INTO playback_sessions (user_id, lecture_id, opened_at, closed_at, closed_reason, accepted_seconds, last_position, version, ip, user_agent)
      SELECT user_id, lecture_id, opened_at,
        lead(opened_at) OVER w, CASE WHEN lead(opened_at) OVER w IS NOT NULL THEN 'replaced' END,
        beats * ${HEARTBEAT_SECONDS}::int, beats * ${HEARTBEAT_SECONDS}::int, beats,
        '10.' || abs(hashtext(user_id::text)) % 250 || '.' || abs(hashtext(user_id::text || '/ip')) % 250 || '.' || 1 + abs(hashtext(lecture_id::text)) % 250,
        (${uaArray}::text[])[1 + abs(hashtext(user_id::text || '/ua')) % ${USER_AGENTS.length}::int]
      FROM timed
      WINDOW w AS (PARTITION BY user_id ORDER BY opened_at)`);
  });

  // Heartbeats: insert-only (append-only evidence), one statement per sequence number so a
  // session's heartbeats lie far apart in the table, as when thousands watch at once (one
  // statement per lawyer would pack each session into a few pages and flatter the evidence query).
  // 1 in 40 reports a hidden page and is refused. Two statements at a time: the machine has two cores.
  const maxBeats = num(rowsOf<{ n: string }>(await db.execute(sql`SELECT max(version) AS n FROM playback_sessions`))[0]!.n);
  await step('heartbeats', async () => {
    const insertSeq = (g: number) =>
      db.execute(sql`
        INSERT INTO heartbeats (session_id, seq, received_at, ip, user_agent, payload, accepted, rejected, response)
        SELECT x.id, ${g}::int, x.opened_at + ${g * HEARTBEAT_SECONDS}::int * interval '1 second', x.ip, x.user_agent,
          jsonb_build_object('seq', ${g}::int, 'intervals', jsonb_build_array(jsonb_build_array(x.a, x.b)), 'playbackRate', 1, 'visible', x.v, 'position', x.b),
          CASE WHEN x.v THEN jsonb_build_array(jsonb_build_array(x.a, x.b)) ELSE '[]'::jsonb END,
          CASE WHEN x.v THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('from', x.a, 'to', x.b, 'reason', 'hidden_page')) END,
          jsonb_build_object(
            'acceptedSeconds', CASE WHEN x.v THEN ${HEARTBEAT_SECONDS}::int ELSE 0 END,
            'rejected', CASE WHEN x.v THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('from', x.a, 'to', x.b, 'reason', 'hidden_page')) END,
            'coverageSeconds', x.b, 'coverageRatio', round(x.b::numeric / ${LECTURE_SECONDS}::int, 4), 'completed', x.b >= ${LECTURE_SECONDS}::int, 'creditMinutes', 0)
        FROM (
          SELECT s.id, s.opened_at, s.ip, s.user_agent, ${(g - 1) * HEARTBEAT_SECONDS}::int AS a, ${g * HEARTBEAT_SECONDS}::int AS b,
            abs(hashtext(s.id::text || '/' || ${g}::int)) % 40 <> 0 AS v
          FROM playback_sessions s WHERE s.version >= ${g}::int
        ) x`);
    let next = 1;
    const worker = async () => {
      while (next <= maxBeats) await insertSeq(next++);
    };
    await Promise.all([worker(), worker()]);
  });

  // presence checks: one per 15 minutes of media watched, due at a random moment of each quarter
  // hour, 19 in 20 confirmed 12 s after they were shown
  await step('presence checks', async () => {
    await db.execute(sql`
      INSERT INTO presence_checks (session_id, due_at_media, issued_at, expires_at, confirmed_at)
      SELECT s.id, c.due, s.opened_at + c.due * interval '1 second', s.opened_at + (c.due + 60) * interval '1 second',
        CASE WHEN abs(hashtext(s.id::text || '/confirm' || k)) % 20 <> 0 THEN s.opened_at + (c.due + 12) * interval '1 second' END
      FROM playback_sessions s
      CROSS JOIN generate_series(1, ${Math.ceil(LECTURE_SECONDS / 900)}::int) k
      CROSS JOIN LATERAL (SELECT (k - 1) * 900 + 300 + abs(hashtext(s.id::text || '/due' || k)) % 600 AS due) c
      WHERE c.due <= s.version * ${HEARTBEAT_SECONDS}::int`);
  });

  // autovacuum would have visited a table this size in production: hint bits and statistics set
  await step('VACUUM ANALYZE', () => db.execute(sql`VACUUM ANALYZE`));

  const counts = rowsOf<Record<string, string>>(
    await db.execute(sql`SELECT
      (SELECT count(*) FROM users WHERE license_no IS NOT NULL) AS lawyers,
      (SELECT count(*) FROM lecture_progress) AS progress,
      (SELECT count(*) FROM organizations) AS orgs,
      (SELECT count(*) FROM organizations WHERE kind = 'firm') AS firms,
      (SELECT count(*) FROM playback_sessions) AS sessions,
      (SELECT count(DISTINCT user_id) FROM playback_sessions) AS lawyers_with_sessions,
      (SELECT count(*) FROM heartbeats) AS heartbeats,
      (SELECT count(*) FROM presence_checks) AS checks,
      (SELECT count(*) FROM certificates) AS certificates,
      (SELECT count(*) FROM course_completions) AS completions,
      (SELECT count(*) FROM in_person_sessions) AS in_person_sessions,
      (SELECT count(*) FROM in_person_attendances) AS attendances,
      pg_total_relation_size('heartbeats') AS heartbeat_bytes`),
  )[0]!;
  const seeded = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)])) as Record<string, number>;
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  console.log(`seeded in ${seedSeconds.toFixed(1)} s:`, seeded);

  // ── whose evidence: the lawyer with the most heartbeats in the year's sessions, and the median lawyer ──
  const { start, end } = trainingYearRange(YEAR, 1);
  const perLawyer = rowsOf<Record<string, string>>(
    await db.execute(sql`
      SELECT u.id, count(s.id) AS sessions, coalesce(sum(s.version), 0) AS beats
      FROM users u LEFT JOIN playback_sessions s ON s.user_id = u.id AND s.opened_at >= ${start.toISOString()}::timestamptz AND s.opened_at < ${end.toISOString()}::timestamptz
      WHERE u.license_no IS NOT NULL
      GROUP BY u.id ORDER BY coalesce(sum(s.version), 0), u.id`),
  );
  const heaviest = perLawyer.at(-1)!;
  const middle = perLawyer[Math.floor(perLawyer.length / 2)]!;

  // ── the API ──
  const config = { ...loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-01', LOG_LEVEL: 'warn', SEED_DEMO: 'false', TRANSCODER_IN_PROCESS: 'false' }) };
  const platform = await startPlatform(config, { serveWeb: false, logger: false, database });
  const auth = new AuthService(new AuthRepository(db), { attemptsPerMinute: 100 });
  const admin = await auth.createUser({ login: 'bench-admin', name: '管理员', password: 'bench-password', organizationId: national });
  await new AuthRepository(db).grantRole(admin.id, national, 'admin');
  const login = await fetch(`${platform.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'bench-admin', password: 'bench-password' }) });
  if (!login.ok) throw new Error(`login: ${login.status} ${await login.text()}`);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

  const fetchOk = async (url: string) => {
    const res = await fetch(`${platform.url}${url}`, { headers: { cookie, 'accept-encoding': 'identity' } });
    if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    return res;
  };
  const get = (url: string) => async () => (await (await fetchOk(url)).arrayBuffer()).byteLength;

  // The evidence repository over a database handle that times each statement it runs (and can
  // keep the statements for EXPLAIN, or switch JIT off for the transaction as a diagnostic):
  // which of the page's statements costs what.
  const timing = (options: { jitOff: boolean }) => {
    const statementMs: number[][] = [];
    const state: { captured: SQL[] | null } = { captured: null };
    const handle = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop !== 'transaction') return Reflect.get(target, prop, receiver);
        return (fn: (tx: unknown) => Promise<unknown>, txOptions: unknown) =>
          (target.transaction as (f: (tx: unknown) => Promise<unknown>, o: unknown) => Promise<unknown>).call(
            target,
            async (tx) => {
              if (options.jitOff) await (tx as Db).execute(sql`SET LOCAL jit = off`);
              let index = 0;
              const timedTx = new Proxy(tx as object, {
                get(t, p) {
                  const value = Reflect.get(t, p, t) as unknown;
                  if (p !== 'execute') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
                  return async (query: SQL) => {
                    state.captured?.push(query);
                    const t0 = performance.now();
                    const result = await (value as (q: SQL) => Promise<unknown>).call(t, query);
                    (statementMs[index++] ??= []).push(performance.now() - t0);
                    return result;
                  };
                },
              });
              return fn(timedTx);
            },
            txOptions,
          );
      },
    }) as Db;
    return { repo: new EvidenceRepository(handle), statementMs, state };
  };
  const heavyTimed = timing({ jitOff: false });
  const middleTimed = timing({ jitOff: false });
  const heavyNoJit = timing({ jitOff: true });
  const reports = new ReportsRepository(db);
  const bulletinRepo = new BulletinRepository(db);

  // what the report says, and what the two evidence pages hold
  const rows = await reports.lawyerFacts({ organizationId: national, year: YEAR, start, end });
  const bases = new Map<RequirementBasis, number>();
  let met = 0;
  for (const r of rows) {
    const lawyer = toReportLawyer(r, { year: YEAR, range: { start, end }, minutesPerClassHour: 45 });
    bases.set(lawyer.basis, (bases.get(lawyer.basis) ?? 0) + 1);
    if (lawyer.met === true) met++;
  }
  const evidenceOf = async (userId: string) => {
    const body = (await (await fetchOk(`/api/users/${userId}/evidence?year=${YEAR}`)).json()) as { lectures: { sessions: { heartbeats: number; presenceChecks: unknown[] }[] }[]; certificates: unknown[] };
    const sessions = body.lectures.flatMap((l) => l.sessions);
    return {
      lectures: body.lectures.length,
      sessions: sessions.length,
      heartbeats: sessions.reduce((sum, s) => sum + s.heartbeats, 0),
      checks: sessions.reduce((sum, s) => sum + s.presenceChecks.length, 0),
      certificates: body.certificates.length,
    };
  };
  const heavyPage = await evidenceOf(heaviest.id!);
  const middlePage = await evidenceOf(middle.id!);
  console.log('heaviest lawyer:', heavyPage, 'median lawyer:', middlePage);

  // EXPLAIN ANALYZE as the code runs it: the report with JIT off (its repository switches it off),
  // the evidence statements with JIT on as well as off (the evidence repository switches it off
  // since this bench showed the sessions statement spending most of its time compiling).
  const explain = async (query: SQL, jitOff: boolean) => {
    const plan = await db.transaction(async (tx) => {
      if (jitOff) await tx.execute(sql`SET LOCAL jit = off`);
      return rowsOf<Record<string, string>>(await tx.execute(sql`EXPLAIN (ANALYZE, BUFFERS) ${query}`));
    });
    return plan.map((r) => String(Object.values(r)[0])).join('\n');
  };
  const show = (label: string, plan: string) => {
    if (process.env.BENCH_EXPLAIN) console.log(`── EXPLAIN ${label}\n${plan}`);
  };
  show('report, national', await explain(reports.reportSql({ organizationId: national, year: YEAR, start, end }), true));
  heavyTimed.state.captured = [];
  await heavyTimed.repo.year(heaviest.id!, start, end);
  // the read's own SET LOCAL jit = off is not a statement to explain
  const evidenceStatements: SQL[] = heavyTimed.state.captured.filter((q) => !/SET LOCAL/.test(JSON.stringify(q.queryChunks)));
  heavyTimed.state.captured = null;
  const sessionPlans = { jit: '', noJit: '' };
  for (const [i, q] of evidenceStatements.entries()) {
    const plan = await explain(q, false);
    show(`evidence statement ${i + 1}, most evidence`, plan);
    if (i === 1) {
      sessionPlans.jit = plan;
      sessionPlans.noJit = await explain(q, true);
      show(`evidence statement ${i + 1}, most evidence, jit = off`, sessionPlans.noJit);
    }
  }
  const jitAboveCost = num(rowsOf<{ jit_above_cost: string }>(await db.execute(sql`SHOW jit_above_cost`))[0]!.jit_above_cost);
  const planFigure = (plan: string, pattern: RegExp) => pattern.exec(plan)?.[1] ?? '?';
  const sessionsPlan = {
    cost: planFigure(sessionPlans.jit, /^\S.*\(cost=[\d.]+\.\.([\d.]+) /m),
    execution: planFigure(sessionPlans.jit, /Execution Time: ([\d.]+) ms/),
    jit: planFigure(sessionPlans.jit, /Timing: (Generation .*Total [\d.]+ ms)/),
    functions: planFigure(sessionPlans.jit, /Functions: (\d+)/),
    executionNoJit: planFigure(sessionPlans.noJit, /Execution Time: ([\d.]+) ms/),
  };
  console.log('sessions statement, most evidence:', sessionsPlan);

  // ── timing: every case once per round, the starting case rotated; one warm-up round ──
  interface Case {
    label: string;
    /** which section of docs/benchmarks.md the row goes to */
    section?: 'bulletin';
    run: () => Promise<number>;
    /** the bare query this figure rests on (its own label for a bare query) */
    floor: string;
    body: (n: number) => string;
  }
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  const sessionCount = (n: number) => `${n} session${n === 1 ? '' : 's'}`;
  const FLOOR = 'query only (report repository), national';
  const cases: Case[] = [
    { label: FLOOR, floor: FLOOR, run: async () => (await reports.lawyerFacts({ organizationId: national, year: YEAR, start, end })).length, body: (n) => `${n.toLocaleString('en')} rows` },
    { label: 'query only (report repository), one province', floor: 'query only (report repository), one province', run: async () => (await reports.lawyerFacts({ organizationId: provinces[0]!, year: YEAR, start, end })).length, body: (n) => `${n.toLocaleString('en')} rows` },
    { label: 'GET report, national (JSON)', floor: FLOOR, run: get(`/api/organizations/${national}/report?year=${YEAR}`), body: kib },
    { label: 'GET report, one province (JSON)', floor: 'query only (report repository), one province', run: get(`/api/organizations/${provinces[0]}/report?year=${YEAR}`), body: kib },
    { label: 'GET report.csv, national', floor: FLOOR, run: get(`/api/organizations/${national}/report.csv?year=${YEAR}`), body: kib },
    { label: 'query only (evidence repository), most evidence', floor: 'query only (evidence repository), most evidence', run: async () => sessionsOf(await heavyTimed.repo.year(heaviest.id!, start, end)), body: sessionCount },
    { label: 'query only (evidence repository), most evidence, jit = off (diagnostic)', floor: 'query only (evidence repository), most evidence', run: async () => sessionsOf(await heavyNoJit.repo.year(heaviest.id!, start, end)), body: sessionCount },
    { label: 'query only (evidence repository), median lawyer', floor: 'query only (evidence repository), median lawyer', run: async () => sessionsOf(await middleTimed.repo.year(middle.id!, start, end)), body: sessionCount },
    { label: 'GET evidence, most evidence', floor: 'query only (evidence repository), most evidence', run: get(`/api/users/${heaviest.id}/evidence?year=${YEAR}`), body: kib },
    { label: 'GET evidence, median lawyer', floor: 'query only (evidence repository), median lawyer', run: get(`/api/users/${middle.id}/evidence?year=${YEAR}`), body: kib },
    // the dashboard and bulletin (通报): the report statement + the credit statement, then pure sums
    { section: 'bulletin', label: 'query only (bulletin credit statement), national, year', floor: FLOOR, run: async () => (await bulletinRepo.credit({ organizationId: national, start, end }, start)).byFirmMonth.length, body: (n) => `${n.toLocaleString('en')} firm-months` },
    { section: 'bulletin', label: 'GET dashboard, national, year', floor: FLOOR, run: get(`/api/organizations/${national}/dashboard?period=${YEAR}`), body: kib },
    { section: 'bulletin', label: 'GET dashboard, national, one quarter', floor: FLOOR, run: get(`/api/organizations/${national}/dashboard?period=${YEAR}-Q2`), body: kib },
    { section: 'bulletin', label: 'GET dashboard, one province, year', floor: FLOOR, run: get(`/api/organizations/${provinces[0]}/dashboard?period=${YEAR}`), body: kib },
    { section: 'bulletin', label: 'GET bulletin.pdf, national, year', floor: FLOOR, run: get(`/api/organizations/${national}/bulletin.pdf?period=${YEAR}`), body: kib },
    { section: 'bulletin', label: 'GET bulletin.xlsx, national, year', floor: FLOOR, run: get(`/api/organizations/${national}/bulletin.xlsx?period=${YEAR}`), body: kib },
  ];
  function sessionsOf(e: { sessions: unknown[] }) {
    return e.sessions.length;
  }
  const samples = new Map<string, number[]>(cases.map((c) => [c.label, []]));
  const bodies = new Map<string, number>();
  const loadAtTiming = loadNow();
  const otherActive = num(
    rowsOf<{ n: string }>(await db.execute(sql`SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND datname IS DISTINCT FROM current_database() AND backend_type = 'client backend'`))[0]!.n,
  );
  const timingStarted = performance.now();
  for (let round = 0; round <= RUNS; round++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + round) % cases.length]!;
      const t0 = performance.now();
      const n = await c.run();
      const ms = performance.now() - t0;
      bodies.set(c.label, n);
      if (round > 0) samples.get(c.label)!.push(ms);
    }
    // the warm-up's statements are not counted
    if (round === 0) for (const t of [heavyTimed, middleTimed, heavyNoJit]) t.statementMs.length = 0;
  }
  const timingSeconds = (performance.now() - timingStarted) / 1000;
  const loadAfterTiming = loadNow();
  // what the national dashboard says (for the docs), before the API stops
  const dashboardBody = (await (await fetchOk(`/api/organizations/${national}/dashboard?period=${YEAR}`)).json()) as { total: { all: Record<string, number | null>; countyFirms: { lawyers: number }; young: { lawyers: number } }; provinces: unknown[]; cities: unknown[]; commendation: { firms: unknown[]; lawyers: unknown[] } };
  await platform.close();

  const medians = new Map([...samples].map(([label, ms]) => [label, median(ms)]));
  const floorMs = medians.get(FLOOR)!;
  const results = cases.map((c) => {
    const ms = samples.get(c.label)!;
    const m = medians.get(c.label)!;
    return { ...c, median: m, min: Math.min(...ms), max: Math.max(...ms), overFloor: m / floorMs, overOwn: m / medians.get(c.floor)!, bytes: bodies.get(c.label)! };
  });
  for (const r of results) console.log(`${r.label}: median ${r.median.toFixed(1)} ms (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)}), ${r.overFloor.toFixed(3)}× floor, ${r.overOwn.toFixed(2)}× own query, ${r.body(r.bytes)}`);
  // the timed evidence repository ran only for the heaviest lawyer: its statements in order
  const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
  const STATEMENTS = ['lectures', 'sessions with heartbeat totals', 'presence checks', 'certificates'];
  const perStatement = (t: { statementMs: number[][] }) => t.statementMs.map((ms, i) => `${STATEMENTS[i] ?? `statement ${i + 1}`} ${fmt(median(ms))} ms`).join(', ');
  console.log(`evidence statements, most evidence: ${perStatement(heavyTimed)}; jit = off: ${perStatement(heavyNoJit)}; median lawyer: ${perStatement(middleTimed)}`);
  console.log(`timing took ${timingSeconds.toFixed(0)} s; load ${loadAtTiming} → ${loadAfterTiming}`);

  const ratio = (x: number) => (x >= 0.1 ? `${x.toFixed(2)}×` : `${x.toFixed(3)}×`);
  const basisOrder: RequirementBasis[] = ['annual', 'pro_rated', 'part_time', 'exempt_new_practice', 'exempt_age', 'not_planned'];
  const heartbeatSeconds = seedSteps.find((s) => s.step === 'heartbeats')!.seconds;
  const section = [
    '## Reports',
    '',
    `\`npm run bench:report\` (bench/report.ts), ${new Date().toISOString().slice(0, 10)}: PostgreSQL (fresh database), ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}); API, database and client on one machine.`,
    '',
    `**Load.** ${os.cpus().length} cores; a 1-minute load above that means other work shared them. Load average (1 / 5 / 15 min): ${loadAtSeed} when seeding started, ${loadAtTiming} when timing started, ${loadAfterTiming} when it ended; ${otherActive} other client backend(s) were active on the PostgreSQL server at the start of timing. Absolute times are upper bounds that move with that load; the ratios to the bare report query, measured in the same interleaved rounds, are the figures to compare between runs.`,
    '',
    `**Seed** (${seedSeconds.toFixed(0)} s, of which heartbeats ${heartbeatSeconds.toFixed(0)} s): ${seeded.orgs!.toLocaleString('en')} organizations (${seeded.firms!.toLocaleString('en')} firms), ${seeded.lawyers!.toLocaleString('en')} lawyers, ${seeded.progress!.toLocaleString('en')} lecture progress rows (85 % completed, mid-2025 to mid-2027), ${seeded.completions!.toLocaleString('en')} course completions with their certificates, ${PROVINCES + 1} plans for ${YEAR} (national for all, with a required course; each province on half its cities with an elective minimum of 8–16 学时, half of them with a required course).`,
    `Every province has Shanghai's rules (40 学时; started during the year ≥ 6 months → 40, 2–6 → 20, < 2 → exempt; part-time 24; 65 and over exempt); 8 % of the lawyers started practising during ${YEAR}, 5 % are part-time, 6 % are 65 or older.`,
    `Evidence: ${seeded.sessions!.toLocaleString('en')} playback sessions for ${seeded.lawyers_with_sessions!.toLocaleString('en')} lawyers (every lawyer with progress: 1–${SESSIONS_MAX} lectures, one in ${HEAVY_ONE_IN.toLocaleString('en')} every lecture of theirs; a completed lecture watched in full), ${seeded.heartbeats!.toLocaleString('en')} heartbeats (${HEARTBEAT_SECONDS} s each with its accepted interval, 1 in 40 refused as a hidden page; ${(seeded.heartbeat_bytes! / 2 ** 30).toFixed(1)} GiB with indexes; inserted one sequence number at a time, so a session's heartbeats lie on different pages as under real concurrent viewing), ${seeded.checks!.toLocaleString('en')} presence checks. Then VACUUM ANALYZE.`,
    '',
    `The national report for ${YEAR}: ${rows.length.toLocaleString('en')} lawyers, ${met.toLocaleString('en')} met; by basis: ${basisOrder.map((b) => `${b} ${(bases.get(b) ?? 0).toLocaleString('en')}`).join(', ')}. (The seed's credit, ~${Math.round(rows.reduce((s, r) => s + r.creditMinutes, 0) / rows.length)} minutes a lawyer in ${YEAR}, is far below 40 学时, so nearly only the exempt meet the year; the report's work does not depend on it.)`,
    `Evidence pages for ${YEAR}, as the national admin: the lawyer with the most evidence — ${heavyPage.lectures} lectures, ${heavyPage.sessions} sessions, ${heavyPage.heartbeats.toLocaleString('en')} heartbeats, ${heavyPage.checks} presence checks, ${heavyPage.certificates} certificate(s); the median lawyer (by heartbeats in the year) — ${middlePage.lectures} lecture(s), ${middlePage.sessions} session(s), ${middlePage.heartbeats.toLocaleString('en')} heartbeats, ${middlePage.checks} presence checks, ${middlePage.certificates} certificate(s).`,
    '',
    `Median of ${RUNS} interleaved rounds (every case once per round, the starting case rotated) after one warm-up round; "÷ floor" is the median over the bare national report query's median (${fmt(floorMs)} ms) of the same run, "÷ own query" over the bare repository query the route rests on:`,
    '',
    '| what | median ms | min ms | max ms | ÷ floor | ÷ own query | body |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.filter((r) => !r.section).map((r) => `| ${r.label} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${ratio(r.overFloor)} | ${r.label === r.floor ? '—' : ratio(r.overOwn)} | ${r.body(r.bytes)} |`),
    '',
    `- The evidence page's statements (median over the timed rounds; one read-only REPEATABLE READ transaction), the lawyer with the most evidence: ${perStatement(heavyTimed)}; the same with \`SET LOCAL jit = off\` (diagnostic, not what the server does): ${perStatement(heavyNoJit)}; the median lawyer: ${perStatement(middleTimed)}.`,
    `- EXPLAIN ANALYZE of the sessions statement for the lawyer with the most evidence, with JIT on (as the server ran it before the evidence read switched JIT off): estimated cost ${sessionsPlan.cost} (jit_above_cost is ${jitAboveCost.toLocaleString('en')}), so PostgreSQL JIT-compiles ${sessionsPlan.functions} functions — ${sessionsPlan.jit} — for an execution of ${sessionsPlan.execution} ms in all; with JIT off it executes in ${sessionsPlan.executionNoJit} ms. The estimate is high because the per-session aggregates of heartbeats (the \`beats\` and \`accepted\` CTEs) are estimated at one group per session of the whole table and the correlated \`refused\` subquery is costed once per such row; the actual work is a few thousand heartbeats read through the (session_id, seq) index.`,
    '- JIT is switched off for the report statement (`SET LOCAL jit = off`): the CTEs’ row estimates are so high that PostgreSQL JIT-compiled the plan, 2.5 s of compiling for a query that runs in under 0.3 s.',
    '- One SQL statement per report (recursive CTE over the subtree with each organization’s path and the requirement rules in force there, plans matched by array overlap, credit, elective credit and missing courses aggregated per lawyer); the rules are applied per row in rows.ts; the rest is JSON or CSV serialisation.',
    '',
    '',
  ].join('\n');
  const bulletinSection = [
    '## Dashboard and bulletin (通报)',
    '',
    `Measured in the same \`npm run bench:report\` run as "Reports" above (${new Date().toISOString().slice(0, 10)}, same seed, same interleaved rounds, same load), plus in-person records: ${seeded.in_person_sessions!.toLocaleString('en')} sessions of 8 学时 (two per city in ${YEAR}) and ${seeded.attendances!.toLocaleString('en')} attendances (40 % of the lawyers at one), which count toward the year with the online credit.`,
    `The national dashboard for ${YEAR}: ${dashboardBody.total.all.lawyers!.toLocaleString('en')} lawyers (${dashboardBody.total.countyFirms.lawyers.toLocaleString('en')} in county firms, ${dashboardBody.total.young.lawyers.toLocaleString('en')} young), participation ${((dashboardBody.total.all.participation ?? 0) * 100).toFixed(1)} %, compliance ${((dashboardBody.total.all.compliance ?? 0) * 100).toFixed(1)} %, ${dashboardBody.total.all.classHoursPerLawyer} 学时 per lawyer; ${dashboardBody.provinces.length} provinces and ${dashboardBody.cities.length} cities, each with its months; commendation ${dashboardBody.commendation.firms.length} firms and ${dashboardBody.commendation.lawyers.length} lawyers (default rules).`,
    '',
    `"÷ floor" is the median over the bare national report query's median (${fmt(floorMs)} ms) of the same run — the statement the dashboard rests on for compliance; the machine is shared, so the ratios are what compares between runs:`,
    '',
    '| what | median ms | min ms | max ms | ÷ floor | body |',
    '|---|---:|---:|---:|---:|---:|',
    `| ${FLOOR} (the floor) | ${fmt(floorMs)} | ${fmt(results.find((r) => r.label === FLOOR)!.min)} | ${fmt(results.find((r) => r.label === FLOOR)!.max)} | 1.00× | ${rows.length.toLocaleString('en')} rows |`,
    ...results.filter((r) => r.section === 'bulletin').map((r) => `| ${r.label} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${ratio(r.overFloor)} | ${r.body(r.bytes)} |`),
    '',
    '- A dashboard is two statements run side by side: the report statement (compliance needs the requirement rules, applied per lawyer in rows.ts) over the training year up to the period’s end, and one credit statement aggregating online minutes, in-person minutes and completions per firm and month, and per lawyer for the period (server/bulletin/repository.ts); the sums per city, province and the whole association and the commendation ranking are pure code (server/bulletin/figures.ts, commendation.ts).',
    '- The PDF (pdfkit, the CJK font subset embedded) and the XLSX (write-excel-file) are made from the same answer; their cost over the JSON dashboard is the rendering.',
    '',
    '',
  ].join('\n');
  const file = path.resolve(import.meta.dirname, '../docs/benchmarks.md');
  let doc = '';
  try {
    doc = await readFile(file, 'utf8');
  } catch {
    doc = '# Benchmarks\n\n';
  }
  const replaceSection = (text: string, heading: string, body: string, after?: string) => {
    const startIdx = text.indexOf(`${heading}\n`);
    if (startIdx >= 0) {
      const next = text.indexOf('\n## ', startIdx + 1);
      return text.slice(0, startIdx) + body + (next >= 0 ? text.slice(next + 1) : '');
    }
    // a new section: right after `after` when it is there, else at the end
    const afterIdx = after ? text.indexOf(`${after}\n`) : -1;
    if (afterIdx >= 0) {
      const next = text.indexOf('\n## ', afterIdx + 1);
      if (next >= 0) return text.slice(0, next + 1) + body + text.slice(next + 1);
    }
    return `${text.trimEnd()}\n\n${body}`;
  };
  doc = replaceSection(doc, '## Reports', section);
  doc = replaceSection(doc, '## Dashboard and bulletin (通报)', bulletinSection, '## Reports');
  await writeFile(file, doc);
  console.log(`wrote the "## Reports" and "## Dashboard and bulletin (通报)" sections of ${path.relative(process.cwd(), file)}`);
} finally {
  await database.drop();
}
