/**
 * `npx tsx bench/transcript-search.ts`: how long the catalog search takes once it also reads the
 * lectures' transcripts (docs/subtitles.md, "Search"). Seeds the embedded demo (the province's 10
 * courses) into a fresh database — PGlite in memory, or PostgreSQL when DATABASE_URL is set (a
 * database of its own, dropped at the end) — gives every lecture a transcript of
 * BENCH_MINUTES (45) minutes, one cue every 4 s, then times the catalog list (the count and the
 * page, then the snippets) for a word in one transcript only, a word in none and a title word.
 * BENCH_COPIES (1) repeats each lecture's transcript on that many extra hidden-free lectures, to
 * see the query on a larger catalog. Prints medians of BENCH_RUNS (15) and the plan of the count.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../server/db/client.ts';
import { runMigrations } from '../server/db/migrate.ts';
import { seedDemo } from '../server/demo/seed.ts';
import { seedProvince } from '../server/demo/province.ts';
import { CatalogRepository } from '../server/catalog/repository.ts';
import { CatalogService } from '../server/catalog/service.ts';
import { AccessPolicy } from '../server/auth/access.ts';
import { OrganizationsRepository } from '../server/organizations/repository.ts';
import { SubtitlesRepository } from '../server/subtitles/repository.ts';
import { transcriptOf, type Cue } from '../server/subtitles/parse.ts';
import { lectures } from '../server/db/schema/index.ts';
import { rowsOf } from '../server/db/rows.ts';

const MINUTES = Number(process.env.BENCH_MINUTES ?? 45);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const COPIES = Number(process.env.BENCH_COPIES ?? 1);
const PHRASES = ['根据民法典的规定', '当事人应当举证证明', '人民法院审理认为', '合同约定的违约金', '律师在执业过程中', '对方提出的抗辩理由', '这一点在实务中很常见', '我们来看一个案例'];
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function open(): Promise<Database & { drop(): Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const database = await openDatabase({ pgliteDir: 'memory://' });
    return { ...database, drop: () => database.close() };
  }
  const name = `lectern_bench_transcripts_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), maxConnections: 4 });
  return {
    ...database,
    async drop() {
      await database.close();
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

function transcript(lectureNo: number, unique: boolean): Cue[] {
  const cues: Cue[] = [];
  for (let t = 0, i = 0; t < MINUTES * 60; t += 4, i++) {
    cues.push({ start: t, end: t + 3.8, text: `${PHRASES[(i + lectureNo) % PHRASES.length]}，第${i}句。` });
  }
  // one word that only this lecture's transcript holds, near its end
  if (unique) cues[cues.length - 3]!.text = '这里讲到了情势变更原则的适用条件。';
  return cues;
}

const database = await open();
try {
  await runMigrations(database);
  const db = database.db;
  await seedDemo(db);
  await seedProvince(db);
  // as after the demo recording is transcoded (platform.ts does it at start): every lecture plays
  await db.execute(sql`UPDATE lectures SET status = 'ready', duration_seconds = ${MINUTES * 60}, package_prefix = 'bench/' WHERE removed_at IS NULL`);
  const all = await db.select().from(lectures);
  // the one lecture whose transcript holds the searched word: learners see it (ready, shown, published course)
  const [target] = rowsOf<{ id: string }>(await db.execute(sql`SELECT l.id FROM lectures l JOIN courses c ON c.id = l.course_id WHERE c.status = 'published' AND l.status = 'ready' AND NOT l.hidden ORDER BY c.title DESC, l.position LIMIT 1`));
  let n = 0;
  for (const lecture of all) {
    for (let copy = 0; copy < COPIES; copy++) {
      let lectureId = lecture.id;
      if (copy > 0) {
        const [row] = await db.insert(lectures).values({ courseId: lecture.courseId, position: 1000 + n, title: `${lecture.title}（副本 ${copy}）`, status: 'ready', durationSeconds: MINUTES * 60 }).returning();
        lectureId = row!.id;
      }
      const cues = transcript(copy === 0 ? n : 1000 + n, copy === 0 && lecture.id === target?.id);
      await db.transaction(async (tx) => new SubtitlesRepository(tx).replace({ lectureId, lang: 'zh-CN', storageKey: `bench/${lectureId}.vtt`, sourceFormat: 'srt', sourceBytes: 0, uploadedBy: null }, cues, transcriptOf(cues)));
      n++;
    }
  }
  const [size] = rowsOf<{ transcripts: number; chars: number; cues: number }>(
    await db.execute(sql`SELECT count(*)::int AS transcripts, coalesce(sum(length(transcript_text)), 0)::int AS chars, (SELECT count(*)::int FROM subtitle_cues) AS cues FROM lecture_subtitles`),
  );
  console.log(`${database.kind}: ${size!.transcripts} transcripts, ${size!.chars} characters, ${size!.cues} cues (${MINUTES} min each)`);

  const catalog = new CatalogService(new CatalogRepository(db), new AccessPolicy(new OrganizationsRepository(db)), new SubtitlesRepository(db));
  const cases: [string, string][] = [
    ['a word in one transcript', '情势变更'],
    ['a word in no transcript', '不存在的词语'],
    ['a title word', '劳动'],
  ];
  for (const [label, q] of cases) {
    const times: number[] = [];
    let total = 0;
    let hit = '';
    for (let i = 0; i <= RUNS; i++) {
      const t0 = performance.now();
      const answer = await catalog.listPublished({ q, page: 1, pageSize: 20 });
      const ms = performance.now() - t0;
      if (i > 0) times.push(ms); // the first is a warm-up
      total = answer.total;
      hit = answer.items.find((c) => c.transcriptMatch)?.transcriptMatch?.snippet ?? '';
    }
    console.log(`${label} (q=${q}): median ${median(times).toFixed(1)} ms over ${RUNS}, ${total} course(s)${hit ? `, snippet "${hit}"` : ''}`);
  }
  if (process.env.BENCH_EXPLAIN) {
    const like = '%情势变更%';
    const plan = rowsOf<Record<string, string>>(
      await db.execute(sql`EXPLAIN ANALYZE SELECT count(*) FROM courses WHERE status = 'published' AND (title ILIKE ${like} OR summary ILIKE ${like} OR EXISTS (SELECT 1 FROM lectures l JOIN lecture_subtitles s ON s.lecture_id = l.id WHERE l.course_id = courses.id AND l.removed_at IS NULL AND NOT l.hidden AND l.status = 'ready' AND strpos(s.transcript_folded, lower('情势变更')) > 0))`),
    );
    for (const row of plan) console.log(Object.values(row)[0]);
    const ids = rowsOf<{ id: string }>(await db.execute(sql`SELECT id FROM courses WHERE status = 'published'`)).map((r) => r.id);
    const t0 = performance.now();
    await new SubtitlesRepository(db).transcriptHits(ids, '情势变更');
    console.log(`transcriptHits over ${ids.length} courses: ${(performance.now() - t0).toFixed(1)} ms`);
    for (const [label, query] of [
      ['folded strpos', sql`EXPLAIN ANALYZE SELECT strpos(transcript_folded, lower('情势变更')) FROM lecture_subtitles`],
      ['lower+strpos', sql`EXPLAIN ANALYZE SELECT strpos(lower(transcript_text), lower('情势变更')) FROM lecture_subtitles`],
      ['strpos', sql`EXPLAIN ANALYZE SELECT strpos(transcript_text, '情势变更') FROM lecture_subtitles`],
      ['ilike', sql`EXPLAIN ANALYZE SELECT 1 FROM lecture_subtitles WHERE transcript_text ILIKE '%情势变更%'`],
      ['like', sql`EXPLAIN ANALYZE SELECT 1 FROM lecture_subtitles WHERE transcript_text LIKE '%情势变更%'`],
      ['full', sql`EXPLAIN ANALYZE SELECT DISTINCT ON (l.course_id) l.course_id, l.id AS lecture_id, l.title AS lecture_title, s.lang,
               substr(s.transcript_text, greatest(1, p.pos - 24), 52) AS snippet,
               (SELECT c.start_seconds FROM subtitle_cues c WHERE c.subtitle_id = s.id AND c.text_offset <= p.pos ORDER BY c.text_offset DESC LIMIT 1) AS at
          FROM lectures l
          JOIN lecture_subtitles s ON s.lecture_id = l.id
          CROSS JOIN LATERAL (SELECT strpos(s.transcript_folded, lower('情势变更')) AS pos OFFSET 0) p
         WHERE l.course_id IN ${ids}
           AND l.removed_at IS NULL AND NOT l.hidden AND l.status = 'ready'
           AND p.pos > 0
         ORDER BY l.course_id, l.position, (s.lang = 'zh-CN') DESC, s.lang`],
      ['cue', sql`EXPLAIN ANALYZE SELECT (SELECT c.start_seconds FROM subtitle_cues c WHERE c.subtitle_id = s.id AND c.text_offset <= 9000 ORDER BY c.text_offset DESC LIMIT 1) FROM lecture_subtitles s`],
    ] as const) {
      const rows = rowsOf<Record<string, string>>(await db.execute(query));
      if (label === 'full') for (const row of rows) console.log(Object.values(row)[0]);
      console.log(label, Object.values(rows[rows.length - 1]!)[0]);
    }
  }
} finally {
  await database.drop();
}
