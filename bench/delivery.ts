/**
 * API CPU per viewer-minute in S3 mode: `npm run bench:delivery` (docs/storage.md, "Shared playlists").
 *
 * Starts s3rver and the real API on PostgreSQL (a fresh database on BENCH_DATABASE_URL's server,
 * default postgres://postgres@127.0.0.1:5432) with S3 storage, as a child process whose CPU is read
 * from /proc. A synthetic 2-hour package (5 renditions and audio, 2-s then 6-s segments, as the
 * ladder makes them) is put in the bucket, N lawyers get a session each; then, in interleaved rounds,
 * autocannon drives each of:
 *   - a bare route of the same server (the floor: Fastify + HTTP here);
 *   - the master playlist and a 2-hour media playlist (shared, from memory, brotli as browsers ask);
 *   - one segment through the API (the 302 to a presigned URL every segment used to take);
 *   - a heartbeat (a fresh session and seq each).
 * The viewer-minute is then: 60/15 heartbeats, the session's playlists spread over its length, and
 * (before) 20 segments — a 6-s video and a 6-s audio segment every 6 s — or (now) none. Printed per
 * 10,000 viewers, with every figure also as a ratio to the bare route of the same run, and written
 * to the "## Delivery" section of docs/benchmarks.md.
 *
 * Options (env): BENCH_SECONDS (15 per route, split over BENCH_ROUNDS = 3), BENCH_CONNECTIONS (32),
 * BENCH_LAWYERS (200), BENCH_SESSION_MINUTES (30: how long a viewer's session lasts on average),
 * BENCH_NO_DOCS=1 (print only).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import autocannon from 'autocannon';
import postgres from 'postgres';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const LAWYERS = Number(process.env.BENCH_LAWYERS ?? 200);
const SESSION_MINUTES = Number(process.env.BENCH_SESSION_MINUTES ?? 30);
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BARE_PATH = '/api/bench/bare';
const LECTURE_SECONDS = 7200;
const RENDITIONS = ['144p', '240p', '360p', '480p', '720p'];
/** playlists a session reads: master, one video rendition and the audio, and two ABR switches */
const PLAYLISTS_PER_SESSION = { master: 1, media: 4 };
const HEARTBEATS_PER_MINUTE = 60 / 15;
/** a 6-s video and a 6-s audio segment every 6 s */
const SEGMENTS_PER_MINUTE = 2 * (60 / 6);

/** Segment durations as the ladder writes them: three of 2 s, then 6 s (docs/transcoding.md). */
function mediaPlaylist(seconds: number): { text: string; segments: number } {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:6', '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-MAP:URI="init.mp4"'];
  let t = 0;
  let i = 0;
  while (t < seconds) {
    const d = Math.min(i < 3 ? 2 : 6, seconds - t);
    lines.push(`#EXTINF:${d.toFixed(6)},`, `seg-${String(i).padStart(5, '0')}.m4s`);
    t += d;
    i++;
  }
  lines.push('#EXT-X-ENDLIST', '');
  return { text: lines.join('\n'), segments: i };
}

function masterPlaylist(): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS', '', '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="zh",NAME="中文",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="1",URI="audio/index.m3u8"', ''];
  RENDITIONS.forEach((r, i) => lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${(i + 1) * 30000},CODECS="avc1.42c01e,mp4a.40.2",RESOLUTION=${256 * (i + 1)}x${144 * (i + 1)},AUDIO="audio"`, `${r}/index.m3u8`));
  return `${lines.join('\n')}\n`;
}

/** Child process: the real app over PostgreSQL and S3, with a bare route. */
async function serve(databaseUrl: string, s3Endpoint: string, secret: string) {
  const { loadConfig } = await import('../server/config.ts');
  const { openDatabase } = await import('../server/db/client.ts');
  const { runMigrations } = await import('../server/db/migrate.ts');
  const { createStorage } = await import('../server/storage/index.ts');
  const { buildApp } = await import('../server/app.ts');
  const { seedDemo } = await import('../server/demo/seed.ts');
  const dataDir = path.join(os.tmpdir(), `lectern-bench-delivery-${process.pid}`);
  mkdirSync(dataDir, { recursive: true });
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: secret,
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'silent',
    TRANSCODER_IN_PROCESS: 'false',
    S3_BUCKET: 'lectern-bench',
    S3_ENDPOINT: s3Endpoint,
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
  });
  const database = await openDatabase({ databaseUrl, maxConnections: 4 });
  await runMigrations(database);
  const demo = await seedDemo(database.db);
  const storage = createStorage(config, config.sessionSecret);
  const app = await buildApp({ config, database, db: database.db, storage }, { serveWeb: false, logger: false });
  app.get(BARE_PATH, async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, demo })}\n`);
  process.on('SIGTERM', async () => {
    await app.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}

function firstLine(child: ChildProcess): Promise<{ url: string; demo: { lectureId: string; santaiFirm: string } }> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const nl = buffer.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buffer.slice(0, nl)));
    });
    child.on('exit', (code) => reject(new Error(`the server exited with ${code} before listening`)));
  });
}

/** User + system CPU of a process so far, in µs (Linux /proc). */
function cpuOf(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

interface Measured {
  name: string;
  rps: number;
  p99: number;
  cpuMicros: number;
  bad: number;
  requests: number;
}

async function run(name: string, pid: number, options: autocannon.Options, expectStatus = 200): Promise<Measured> {
  const before = cpuOf(pid);
  const result = await autocannon({ connections: CONNECTIONS, duration: Math.max(2, Math.round(SECONDS / ROUNDS)), ...options });
  const cpu = cpuOf(pid) - before;
  const good = result.statusCodeStats?.[String(expectStatus)]?.count ?? (expectStatus === 200 ? result['2xx'] : result['3xx']);
  return { name, rps: result.requests.average, p99: result.latency.p99, cpuMicros: good > 0 ? cpu / good : 0, bad: result.requests.total - good + result.errors, requests: result.requests.total };
}

function median(list: Measured[]): Measured {
  const mid = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { name: list[0]!.name, rps: mid(list.map((m) => m.rps)), p99: mid(list.map((m) => m.p99)), cpuMicros: mid(list.map((m) => m.cpuMicros)), bad: list.reduce((s, m) => s + m.bad, 0), requests: list.reduce((s, m) => s + m.requests, 0) };
}

async function main() {
  const { startTestS3 } = await import('../tests/helpers/s3.ts');
  const { S3Storage } = await import('../server/storage/s3.ts');
  const { mediaUrls } = await import('../server/media/service.ts');
  const { SharedPlaylists } = await import('../server/media/playlists.ts');
  const s3 = await startTestS3('lectern-bench');
  const dbName = `lectern_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(SERVER_URL);
  dbUrl.pathname = `/${dbName}`;
  const sql = postgres(dbUrl.toString(), { max: 4, onnotice: () => {} });
  const secret = randomBytes(32).toString('hex');
  let child: ChildProcess | undefined;
  try {
    child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', dbUrl.toString(), s3.endpoint, secret], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const { url, demo } = await firstLine(child);
    const pid = child.pid!;

    // The package: playlists and the objects the measured requests name.
    const storage = new S3Storage(s3.config);
    const prefix = `lectures/${demo.lectureId}/bench-2h/`;
    const media = mediaPlaylist(LECTURE_SECONDS);
    await storage.put(`${prefix}master.m3u8`, masterPlaylist());
    for (const dir of [...RENDITIONS, 'audio']) {
      await storage.put(`${prefix}${dir}/index.m3u8`, media.text);
      await storage.put(`${prefix}${dir}/init.mp4`, Buffer.alloc(800));
      await storage.put(`${prefix}${dir}/seg-00005.m4s`, Buffer.alloc(5000));
    }
    await sql`UPDATE lectures SET status = 'ready', duration_seconds = ${LECTURE_SECONDS}, package_prefix = ${prefix} WHERE id = ${demo.lectureId}`;

    // Lawyers with a session cookie and an open playback session each.
    const { SESSION_COOKIE } = await import('../server/auth/cookie.ts');
    const users = Array.from({ length: LAWYERS }, (_, i) => ({ login: `bench${i}`, name: `压测律师${i}`, organization_id: demo.santaiFirm }));
    const inserted = await sql<{ id: string }[]>`INSERT INTO users ${sql(users)} RETURNING id`;
    const cookies: string[] = [];
    const rows = inserted.map((u) => {
      const token = randomBytes(32).toString('base64url');
      cookies.push(`${SESSION_COOKIE}=${token}`);
      return { token_hash: createHash('sha256').update(token).digest('base64url'), user_id: u.id, expires_at: new Date(Date.now() + 86_400_000) };
    });
    await sql`INSERT INTO auth_sessions ${sql(rows)}`;
    const sessionIds: string[] = [];
    let masterLink = '';
    for (const cookie of cookies) {
      const res = await fetch(`${url}/api/lectures/${demo.lectureId}/sessions`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
      if (res.status !== 201) throw new Error(`opening a session answered ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { sessionId: string; media: { master: string } };
      sessionIds.push(body.sessionId);
      masterLink = body.media.master;
    }
    await sql`UPDATE playback_sessions SET opened_at = opened_at - interval '10 hours', allowance_seconds = 36000, allowance_at = now(), last_heard_at = now(), version = version + 1`;
    if (masterLink !== mediaUrls(secret, prefix).master) throw new Error('the session gave another master link than expected');
    const masterPath = masterLink;
    const mediaPath = masterLink.replace('master.m3u8', '144p/index.m3u8');
    const segmentPath = masterLink.replace('master.m3u8', '144p/seg-00005.m4s');

    // What a viewer downloads before playing, and what building one shared playlist costs (once per window).
    const shared = await (await fetch(`${url}${mediaPath}`, { headers: { 'accept-encoding': 'identity' } })).text();
    const sizes = {
      plain: { raw: media.text.length, gzip: gzipSync(media.text).length, br: brotliCompressSync(media.text).length },
      shared: { raw: Buffer.byteLength(shared), gzip: gzipSync(shared, { level: 9 }).length, br: brotliCompressSync(shared).length },
    };
    const builder = new SharedPlaylists(storage);
    const buildCpu: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = process.cpuUsage();
      await builder.get(`${prefix}144p/index.m3u8`, prefix, 1_000_000 + i * 86_400);
      const used = process.cpuUsage(before);
      buildCpu.push((used.user + used.system) / 1000);
    }
    const buildMs = [...buildCpu].sort((a, b) => a - b)[1]!;

    // Warm up, then interleaved rounds.
    await autocannon({ url: `${url}${BARE_PATH}`, connections: 8, duration: 2 });
    await autocannon({ url: `${url}${mediaPath}`, connections: 8, duration: 1, headers: { 'accept-encoding': 'br' } });
    const load: [number, number] = [os.loadavg()[0]!, 0];
    let counter = 0;
    const seqs = new Array<number>(LAWYERS).fill(0);
    const heartbeat: autocannon.Options = {
      url,
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => {
            const i = counter++ % LAWYERS;
            const seq = seqs[i]!++;
            const from = (seq * 15) % LECTURE_SECONDS;
            request.path = `/api/sessions/${sessionIds[i]}/heartbeats`;
            request.headers = { ...request.headers, cookie: cookies[i]!, 'content-type': 'application/json' };
            request.body = JSON.stringify({ seq, intervals: [[from, from + 15]], playbackRate: 1, visible: true, position: from + 15 });
            return request;
          },
        },
      ],
    };
    const cases: [string, () => Promise<Measured>][] = [
      ['bare route (no auth, no database): the floor', () => run('bare route (no auth, no database): the floor', pid, { url: `${url}${BARE_PATH}` })],
      ['master playlist (shared, from memory, br)', () => run('master playlist (shared, from memory, br)', pid, { url: `${url}${masterPath}`, headers: { 'accept-encoding': 'br' } })],
      [`2-hour media playlist (${media.segments} segments, shared, from memory, br)`, () => run(`2-hour media playlist (${media.segments} segments, shared, from memory, br)`, pid, { url: `${url}${mediaPath}`, headers: { 'accept-encoding': 'br' } })],
      ['segment through the API (302 to a presigned URL: before)', () => run('segment through the API (302 to a presigned URL: before)', pid, { url: `${url}${segmentPath}` }, 302)],
      ['POST heartbeats (fresh session, seq each)', () => run('POST heartbeats (fresh session, seq each)', pid, heartbeat)],
    ];
    const results = new Map<string, Measured[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < cases.length; k++) {
        const [name, measure] = cases[(k + round) % cases.length]!;
        const m = await measure();
        results.set(name, [...(results.get(name) ?? []), m]);
        console.log(`round ${round + 1}: ${name}: ${Math.round(m.rps)}/s, ${Math.round(m.cpuMicros)} µs CPU, ${m.bad} bad`);
      }
    }
    load[1] = os.loadavg()[0]!;
    const [bare, master, playlist, segment, beat] = cases.map(([name]) => median(results.get(name)!));
    report({ bare: bare!, master: master!, playlist: playlist!, segment: segment!, beat: beat!, sizes, buildMs, segments: media.segments, load });
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await sql.end();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    await s3.close();
  }
}

function report(r: {
  bare: Measured; master: Measured; playlist: Measured; segment: Measured; beat: Measured;
  sizes: { plain: { raw: number; gzip: number; br: number }; shared: { raw: number; gzip: number; br: number } };
  buildMs: number; segments: number; load: [number, number];
}) {
  const perMinute = {
    heartbeats: HEARTBEATS_PER_MINUTE * r.beat.cpuMicros,
    playlists: (PLAYLISTS_PER_SESSION.master * r.master.cpuMicros + PLAYLISTS_PER_SESSION.media * r.playlist.cpuMicros) / SESSION_MINUTES,
    segmentsBefore: SEGMENTS_PER_MINUTE * r.segment.cpuMicros,
  };
  const now = perMinute.heartbeats + perMinute.playlists;
  const before = now + perMinute.segmentsBefore;
  const cores = (micros: number) => (micros * 10_000) / 60e6;
  const x = (m: Measured) => (m.cpuMicros / r.bare.cpuMicros).toFixed(1);
  const rows = [r.bare, r.master, r.playlist, r.segment, r.beat];
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const lines = [
    '## Delivery',
    '',
    `\`npm run bench:delivery\` (bench/delivery.ts), ${new Date().toISOString().slice(0, 10)}: the real API on PostgreSQL (fresh database) with S3 storage (s3rver), ` +
      `a synthetic 2-hour package (5 renditions and audio, ${r.segments} segments each), ${LAWYERS} lawyers each with an open session; autocannon with ${CONNECTIONS} connections, ` +
      `${ROUNDS} interleaved rounds of ${Math.max(2, Math.round(SECONDS / ROUNDS))} s per case (medians); API CPU from /proc of the API process only (not PostgreSQL's, not s3rver's). ` +
      `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}) shared by the API, PostgreSQL, s3rver and autocannon; 1-minute load average ${r.load[0].toFixed(1)} before and ${r.load[1].toFixed(1)} after.`,
    '',
    '| request | requests/s | p99 ms | API CPU µs/request | ÷ bare route | non-expected/errors |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((m) => `| ${m.name} | ${Math.round(m.rps).toLocaleString('en')} | ${m.p99} | ${Math.round(m.cpuMicros)} | ${x(m)}× | ${m.bad} |`),
    '',
    `A viewer-minute: ${HEARTBEATS_PER_MINUTE} heartbeats; ${PLAYLISTS_PER_SESSION.master} master and ${PLAYLISTS_PER_SESSION.media} media playlists per session (one rendition, the audio, two ABR switches) over a ${SESSION_MINUTES}-minute session; ` +
      `before this change also ${SEGMENTS_PER_MINUTE} segment requests (a 6-s video and a 6-s audio segment every 6 s), now none (they go to the store).`,
    '',
    '| API CPU per viewer-minute | µs | cores per 10,000 viewers | in bare-route requests |',
    '|---|---:|---:|---:|',
    `| heartbeats | ${Math.round(perMinute.heartbeats)} | ${cores(perMinute.heartbeats).toFixed(3)} | ${(perMinute.heartbeats / r.bare.cpuMicros).toFixed(1)} |`,
    `| playlists | ${Math.round(perMinute.playlists)} | ${cores(perMinute.playlists).toFixed(3)} | ${(perMinute.playlists / r.bare.cpuMicros).toFixed(1)} |`,
    `| segments (now: none through the API) | 0 | 0 | 0 |`,
    `| **total now** | **${Math.round(now)}** | **${cores(now).toFixed(3)}** | ${(now / r.bare.cpuMicros).toFixed(1)} |`,
    `| before: segments as 302s | ${Math.round(perMinute.segmentsBefore)} | ${cores(perMinute.segmentsBefore).toFixed(3)} | ${(perMinute.segmentsBefore / r.bare.cpuMicros).toFixed(1)} |`,
    `| before: total | ${Math.round(before)} | ${cores(before).toFixed(3)} | ${(before / r.bare.cpuMicros).toFixed(1)} |`,
    '',
    `- aim ≤ 0.2 cores per 10,000 viewers → ${cores(now) <= 0.2 ? '**met**' : '**not met**'} (${cores(now).toFixed(3)}; before ${cores(before).toFixed(2)}: ${(before / now).toFixed(1)}× as much). Heartbeats are ${Math.round((100 * perMinute.heartbeats) / now)} % of what is left.`,
    `- the same viewer-minute in bare-route requests (the floor of this run): ${(now / r.bare.cpuMicros).toFixed(1)} now, ${(before / r.bare.cpuMicros).toFixed(1)} before.`,
    `- building one shared 2-hour media playlist (read, ${r.segments} presigned URLs, gzip and brotli): ${r.buildMs.toFixed(0)} ms of CPU, once per playlist per 6-hour window per API process.`,
    `- what a viewer downloads for one 2-hour media playlist: stored ${kb(r.sizes.plain.raw)} (brotli ${kb(r.sizes.plain.br)}, gzip ${kb(r.sizes.plain.gzip)}); shared with presigned URLs ${kb(r.sizes.shared.raw)} (brotli ${kb(r.sizes.shared.br)}, gzip ${kb(r.sizes.shared.gzip)}). ` +
      `At 128 kbit/s the brotli difference is ${(((r.sizes.shared.br - r.sizes.plain.br) * 8) / 128_000).toFixed(1)} s per playlist before the first frame (a video and an audio playlist are read).`,
    '',
  ];
  const text = lines.join('\n');
  console.log(`\n${text}`);
  if (process.env.BENCH_NO_DOCS === '1') return;
  const file = path.join(root, 'docs', 'benchmarks.md');
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = doc.indexOf('\n## Delivery');
  const next = start >= 0 ? doc.indexOf('\n## ', start + 1) : -1;
  const out = start >= 0 ? `${doc.slice(0, start + 1)}${text}${next >= 0 ? doc.slice(next) : ''}` : `${doc.replace(/\n*$/, '\n\n')}${text}`;
  writeFileSync(file, out);
  console.log(`wrote ${path.relative(root, file)}`);
}

if (process.argv[2] === '--serve') await serve(process.argv[3]!, process.argv[4]!, process.argv[5]!);
else await main();
