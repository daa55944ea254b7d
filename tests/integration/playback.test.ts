/**
 * Sessions, heartbeats and credit over HTTP on both stores: the same suite on PostgreSQL (when
 * DATABASE_URL is set) and on PGlite, the embedded default, so the playback repository behaves the
 * same on both (with tests/integration/credit-v2.test.ts). Time is never slept: a session's opened_at is moved back with an UPDATE to stand for
 * the server time that passed.
 *
 * Calls go through the typed client; raw() stays for malformed bodies, a missing field, a bad
 * query string, the byte-for-byte idempotence check and the files (playlist, presence image).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startFromFullTolerance, ageSession, grantAllowance } from '../helpers/playback-time.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { availableBackends } from '../helpers/database.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import type { HeartbeatRequest, MediaInterval } from '../../web/src/lib/api/types.ts';
import { rowsOf } from '../../server/db/rows.ts';
import { sqlRunner, type SqlRunner } from '../../server/db/runner.ts';
import { hashToken } from '../../server/auth/service.ts';
import { CatalogRepository } from '../../server/catalog/repository.ts';
import { CatalogService } from '../../server/catalog/service.ts';
import { PlaybackRepository } from '../../server/playback/repository.ts';
import { PlaybackService } from '../../server/playback/service.ts';

describe.each(availableBackends())('playback on %s', (backend) => {
  let server: TestServer;
  let lawyer: TestClient;
  let lawyer2: TestClient;
  let lectureId: string;
  let courseId: string;

  const DURATION = 600;

  async function q<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
    return rowsOf<T>(await server.deps.db.execute(query));
  }

  /** Stands for `seconds` of server time passing since the session opened (tests/helpers/playback-time.ts). */
  async function age(sessionId: string, seconds: number) {
    await ageSession(server.deps.db, sessionId, seconds);
  }

  async function countHeartbeats(sessionId?: string): Promise<number> {
    const rows = sessionId ? await q<{ n: unknown }>(sql`SELECT count(*) AS n FROM heartbeats WHERE session_id = ${sessionId}`) : await q<{ n: unknown }>(sql`SELECT count(*) AS n FROM heartbeats`);
    return Number(rows[0]!.n);
  }

  function open(client: TestClient = lawyer, id = lectureId) {
    return client.expectStatus(201, client.openSession(id));
  }

  /** A well-formed heartbeat through the typed client: playing at 1×, visible, unless the body says otherwise. */
  function beat(client: TestClient, sessionId: string, body: Pick<HeartbeatRequest, 'seq' | 'intervals'> & Partial<HeartbeatRequest>) {
    return client.sendHeartbeat(sessionId, { playbackRate: 1, visible: true, position: 0, ...body });
  }

  /** The same heartbeat answered as bytes: the idempotence test compares the answers byte for byte. */
  function rawBeat(client: TestClient, sessionId: string, body: Pick<HeartbeatRequest, 'seq' | 'intervals'> & Partial<HeartbeatRequest>) {
    return client.raw('POST', `/api/sessions/${sessionId}/heartbeats`, { playbackRate: 1, visible: true, position: 0, ...body });
  }

  beforeAll(async () => {
    server = await startTestServer({ backend });
    courseId = server.demo!.courseId;
    lectureId = server.demo!.lectureId;
    lawyer = createTestClient(server.baseUrl);
    lawyer2 = createTestClient(server.baseUrl);
    await lawyer.login('lawyer', 'lectern-demo');
    await lawyer2.login('lawyer2', 'lectern-demo');
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  /** Each test starts from a ready 10-minute lecture with the default rules and no progress. */
  beforeEach(async () => {
    await q(sql`UPDATE lectures SET status = 'ready', duration_seconds = ${DURATION}, credit_minutes_override = NULL, package_prefix = ${`lectures/${lectureId}/pkg-test/`} WHERE id = ${lectureId}`);
    await q(sql`UPDATE courses SET max_playback_rate = 1, completion_ratio = 0.95, require_visible = true, presence_checks = false WHERE id = ${courseId}`);
    await startFromFullTolerance(server.deps.db);
    await q(sql`DELETE FROM lecture_progress`);
    await q(sql`DELETE FROM certificates`);
    await q(sql`DELETE FROM course_completions`);
  });

  describe('opening a session', () => {
    it('answers 201 with the resume point, rules and signed media URLs', async () => {
      const s = await open();
      expect(s).toMatchObject({ lectureId, resumeAt: 0, heartbeatSeconds: 15, maxPlaybackRate: 1, completionRatio: 0.95 });
      expect(s).toMatchObject({ courseId, title: '第一讲：会见与阅卷要点', courseTitle: '县域律师刑事辩护实务' });
      const media = s.media as Record<string, string>;
      for (const key of ['master', 'audio', 'slides', 'poster']) expect(media[key]).toMatch(/^\/api\/media\/\d+\/[A-Za-z0-9_-]{43}\/lectures\//);
      expect(media.master).toMatch(/master\.m3u8$/);
      // no master stored under this package: the player fetches it by its URL (and sees why)
      expect(s).not.toHaveProperty('masterPlaylist');
    });

    it('carries the master and the start media playlists as stored, the same text their signed URLs serve', async () => {
      const prefix = `lectures/${lectureId}/pkg-master/`;
      const text = [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="中文",DEFAULT=YES,URI="audio/index.m3u8"',
        '#EXT-X-STREAM-INF:BANDWIDTH=180000,RESOLUTION=426x240,AUDIO="aud"',
        '240p/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=55722,RESOLUTION=256x144,AUDIO="aud"',
        '144p/index.m3u8',
        '',
      ].join('\n');
      const mediaText = (name: string) => `#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2.000,\nseg-00000.m4s\n#EXT-X-ENDLIST\n# ${name}\n`;
      const type = { contentType: 'application/vnd.apple.mpegurl' };
      await server.deps.storage.put(`${prefix}master.m3u8`, text, type);
      for (const name of ['144p', '240p', 'audio']) await server.deps.storage.put(`${prefix}${name}/index.m3u8`, mediaText(name), type);
      await q(sql`UPDATE lectures SET package_prefix = ${prefix} WHERE id = ${lectureId}`);
      const s = await open();
      expect(s.masterPlaylist).toBe(text);
      // the lowest rendition and its audio, not the 240p one
      expect(s.mediaPlaylists).toEqual({ '144p/index.m3u8': mediaText('144p'), 'audio/index.m3u8': mediaText('audio') });
      const master = (s.media as Record<string, string>).master!;
      expect((await lawyer.raw('GET', master)).text).toBe(text);
      for (const [uri, carried] of Object.entries(s.mediaPlaylists!)) {
        const served = await lawyer.raw('GET', master.replace(/master\.m3u8$/, uri));
        expect(served.status, uri).toBe(200);
        expect(served.text, uri).toBe(carried);
      }
    });

    it('404 for an unknown lecture, 409 for a lecture that is not ready, 401 without a login', async () => {
      expect((await errorOf(lawyer.openSession('00000000-0000-4000-8000-000000000000'))).status).toBe(404);
      await q(sql`UPDATE lectures SET status = 'processing' WHERE id = ${lectureId}`);
      const notReady = await errorOf(lawyer.openSession(lectureId));
      expect(notReady.status).toBe(409);
      expect(notReady.code).toBe('lecture_not_ready');
      expect((await errorOf(createTestClient(server.baseUrl).openSession(lectureId))).status).toBe(401);
    });

    it('resumes where the lawyer left off', async () => {
      const s = await open();
      await age(s.sessionId, 120);
      await beat(lawyer, s.sessionId, { seq: 0, intervals: [[0, 100]], position: 100 });
      expect((await open()).resumeAt).toBe(100);
    });

    it('a second session closes the first: 409 session_closed', async () => {
      const first = await open();
      const second = await open();
      const refused = await errorOf(beat(lawyer, first.sessionId, { seq: 0, intervals: [[0, 1]] }));
      expect(refused.status).toBe(409);
      expect(refused.code).toBe('session_closed');
      const [row] = await q<{ closed_reason: string }>(sql`SELECT closed_reason FROM playback_sessions WHERE id = ${first.sessionId}`);
      expect(row!.closed_reason).toBe('replaced');
      await lawyer.expectStatus(200, beat(lawyer, second.sessionId, { seq: 0, intervals: [[0, 1]] }));
      const open_ = await q<{ n: unknown }>(sql`SELECT count(*) AS n FROM playback_sessions WHERE user_id = ${server.demo!.users.lawyer} AND closed_at IS NULL`);
      expect(Number(open_[0]!.n)).toBe(1);
    });
  });

  describe('heartbeats', () => {
    it('credits what was played and answers with coverage', async () => {
      const s = await open();
      await age(s.sessionId, 60);
      const res = await lawyer.expectStatus(200, beat(lawyer, s.sessionId, { seq: 0, intervals: [[0, 14.8]], position: 14.8 }));
      expect(res).toEqual({ acceptedSeconds: 14.8, rejected: [], coverageSeconds: 14.8, coverageRatio: 0.0247, completed: false, creditMinutes: 0 });
      const [hb] = await q<Record<string, unknown>>(sql`SELECT * FROM heartbeats WHERE session_id = ${s.sessionId}`);
      expect(hb!.ip).toBeTruthy();
      expect(hb!.user_agent).toBeTruthy();
      expect(hb!.received_at).toBeTruthy();
    });

    it('403 for another lawyer’s session, 404 for an unknown one', async () => {
      const s = await open();
      expect((await errorOf(beat(lawyer2, s.sessionId, { seq: 0, intervals: [[0, 10]] }))).status).toBe(403);
      expect((await errorOf(beat(lawyer, '00000000-0000-4000-8000-000000000000', { seq: 0, intervals: [] }))).status).toBe(404);
      expect(await countHeartbeats(s.sessionId)).toBe(0);
    });

    it('401 for a heartbeat without a cookie, with an expired login or for a disabled user, and nothing is stored', async () => {
      const s = await open();
      await age(s.sessionId, 3600);
      const body = { seq: 0, intervals: [[0, 10]] as MediaInterval[] };
      expect((await errorOf(beat(createTestClient(server.baseUrl), s.sessionId, body))).status).toBe(401);
      const [owner] = await q<{ user_id: string }>(sql`SELECT user_id FROM playback_sessions WHERE id = ${s.sessionId}`);
      await q(sql`UPDATE auth_sessions SET expires_at = expires_at - interval '1000 days' WHERE user_id = ${owner!.user_id}`);
      try {
        expect((await errorOf(beat(lawyer, s.sessionId, body))).status).toBe(401);
      } finally {
        await q(sql`UPDATE auth_sessions SET expires_at = expires_at + interval '1000 days' WHERE user_id = ${owner!.user_id}`);
      }
      await q(sql`UPDATE users SET disabled = true WHERE id = ${owner!.user_id}`);
      try {
        expect((await errorOf(beat(lawyer, s.sessionId, body))).status).toBe(401);
      } finally {
        await q(sql`UPDATE users SET disabled = false WHERE id = ${owner!.user_id}`);
      }
      expect(await countHeartbeats(s.sessionId)).toBe(0);
      await lawyer.expectStatus(200, beat(lawyer, s.sessionId, body));
    });

    it('400 for malformed bodies, and nothing is stored', async () => {
      const s = await open();
      await age(s.sessionId, 3600);
      const good: HeartbeatRequest = { seq: 0, intervals: [[0, 10]], playbackRate: 1, visible: true, position: 10 };
      const bad: unknown[] = [
        { ...good, seq: -1 },
        { ...good, seq: 1.5 },
        { ...good, seq: '1' },
        { ...good, intervals: [[0]] },
        { ...good, intervals: [[0, 1, 2]] },
        { ...good, intervals: [['0', '10']] },
        { ...good, intervals: [[10, 0]] },
        { ...good, intervals: 'all of it' },
        { ...good, intervals: Array.from({ length: 201 }, (_, i) => [i, i + 0.5]) },
        { ...good, playbackRate: 0 },
        { ...good, playbackRate: 17 },
        { ...good, visible: 'true' },
        { ...good, position: -1 },
        { ...good, extra: 1 },
        Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'visible')),
        [],
      ];
      for (const body of bad) {
        const res = await lawyer.raw('POST', `/api/sessions/${s.sessionId}/heartbeats`, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.json).toMatchObject({ error: expect.any(String), message: expect.any(String) });
      }
      const notJson = await lawyer.raw('POST', `/api/sessions/${s.sessionId}/heartbeats`, '{"seq":', { 'content-type': 'application/json' });
      expect(notJson.status).toBe(400);
      expect(await countHeartbeats(s.sessionId)).toBe(0);
      const [row] = await q<{ accepted_seconds: number }>(sql`SELECT accepted_seconds FROM playback_sessions WHERE id = ${s.sessionId}`);
      expect(Number(row!.accepted_seconds)).toBe(0);
      await lawyer.expectStatus(200, beat(lawyer, s.sessionId, good));
    });

    it('the same seq again answers exactly as the first time and changes nothing', async () => {
      const s = await open();
      await age(s.sessionId, 3600);
      const first = await rawBeat(lawyer, s.sessionId, { seq: 7, intervals: [[0, 30]], position: 30 });
      const again = await rawBeat(lawyer, s.sessionId, { seq: 7, intervals: [[0, 30]], position: 30 });
      const altered = await rawBeat(lawyer, s.sessionId, { seq: 7, intervals: [[30, 300]], position: 300 });
      expect(again.text).toBe(first.text);
      expect(altered.text).toBe(first.text);
      expect(await countHeartbeats(s.sessionId)).toBe(1);
      const [p] = await q<{ covered_seconds: number }>(sql`SELECT covered_seconds FROM lecture_progress WHERE lecture_id = ${lectureId}`);
      expect(Number(p!.covered_seconds)).toBe(30);
    });

    it('out-of-order heartbeats each count once, and a late one does not move the resume point back', async () => {
      const s = await open();
      await age(s.sessionId, 3600);
      expect(await beat(lawyer, s.sessionId, { seq: 2, intervals: [[30, 45]], position: 45 })).toMatchObject({ coverageSeconds: 15 });
      expect(await beat(lawyer, s.sessionId, { seq: 0, intervals: [[0, 15]], position: 15 })).toMatchObject({ coverageSeconds: 30 });
      expect(await beat(lawyer, s.sessionId, { seq: 1, intervals: [[15, 30]], position: 30 })).toMatchObject({ coverageSeconds: 45 });
      const [p] = await q<{ last_position: number; intervals: unknown }>(sql`SELECT last_position, intervals FROM lecture_progress WHERE lecture_id = ${lectureId}`);
      expect(Number(p!.last_position)).toBe(45);
      expect(p!.intervals).toEqual([[0, 45]]);
    });

    it('outside_lecture: the part beyond the duration is rejected', async () => {
      const s = await open();
      await age(s.sessionId, 3600);
      const res = await beat(lawyer, s.sessionId, { seq: 0, intervals: [[590, 640]], position: 600 });
      expect(res).toMatchObject({ acceptedSeconds: 10, rejected: [{ from: 600.5, to: 640, reason: 'outside_lecture' }] });
    });

    it('rate_too_high: a heartbeat played faster than the course allows earns nothing', async () => {
      const s = await open();
      await age(s.sessionId, 3600);
      const res = await beat(lawyer, s.sessionId, { seq: 0, intervals: [[0, 30]], playbackRate: 2, position: 30 });
      expect(res).toMatchObject({ acceptedSeconds: 0, rejected: [{ from: 0, to: 30, reason: 'rate_too_high' }], coverageSeconds: 0 });
      await q(sql`UPDATE courses SET max_playback_rate = 2 WHERE id = ${courseId}`);
      expect(await beat(lawyer, s.sessionId, { seq: 1, intervals: [[0, 30]], playbackRate: 2, position: 30 })).toMatchObject({ acceptedSeconds: 30 });
    });

    it('hidden_page: a hidden page earns nothing when the course requires visibility', async () => {
      const s = await open();
      await age(s.sessionId, 3600);
      expect(await beat(lawyer, s.sessionId, { seq: 0, intervals: [[0, 30]], visible: false })).toMatchObject({ acceptedSeconds: 0, rejected: [{ from: 0, to: 30, reason: 'hidden_page' }] });
      await q(sql`UPDATE courses SET require_visible = false WHERE id = ${courseId}`);
      expect(await beat(lawyer, s.sessionId, { seq: 1, intervals: [[0, 30]], visible: false })).toMatchObject({ acceptedSeconds: 30, rejected: [] });
    });

    it('faster_than_real_time: claiming 10 minutes one minute after opening credits about one minute', async () => {
      const s = await open();
      await age(s.sessionId, 60);
      const answer = await beat(lawyer, s.sessionId, { seq: 0, intervals: [[0, 600]], position: 600 });
      expect(answer.acceptedSeconds).toBeGreaterThanOrEqual(60);
      expect(answer.acceptedSeconds).toBeLessThanOrEqual(66);
      expect(answer.rejected).toHaveLength(1);
      expect(answer.rejected[0]).toMatchObject({ to: 600, reason: 'faster_than_real_time' });
      expect(answer.coverageSeconds).toBe(answer.acceptedSeconds);
      // many small heartbeats do not get around the bound either
      const started = Date.now();
      const s2 = await open();
      await age(s2.sessionId, 60);
      let total = 0;
      for (let i = 0; i < 40; i++) total += (await beat(lawyer, s2.sessionId, { seq: i, intervals: [[i * 15, i * 15 + 15]], position: i * 15 + 15 })).acceptedSeconds;
      expect(total).toBeLessThanOrEqual(65 + (Date.now() - started) / 1000 + 0.01);
    });

    it('presence_unconfirmed: past a due check nothing is credited until its code is typed back; unanswered, it is lost', async () => {
      await q(sql`UPDATE courses SET presence_checks = true WHERE id = ${courseId}`);
      await q(sql`DELETE FROM presence_checks WHERE user_id = ${server.demo!.users.lawyer}`);
      const s = await open();
      await age(s.sessionId, 3600);
      const planned = await q<{ due_at_media: number }>(sql`SELECT due_at_media FROM presence_checks WHERE user_id = ${server.demo!.users.lawyer} AND lecture_id = ${lectureId}`);
      expect(planned).toHaveLength(1); // a 10-minute lecture: one check
      const due = Number(planned[0]!.due_at_media);
      expect(due).toBeGreaterThan(0);
      expect(due).toBeLessThan(DURATION);

      // one heartbeat carrying media past the due moment: credited up to it, the rest held
      const end = Math.ceil(due) + 10;
      const first = await beat(lawyer, s.sessionId, { seq: 0, intervals: [[0, end]], position: end });
      expect(first.presenceCheck).toBeDefined();
      expect(first.acceptedSeconds).toBeCloseTo(due, 2);
      expect(first.rejected).toEqual([{ from: due, to: end, reason: 'presence_unconfirmed' }]);
      // the answer carries no code; the image does
      expect(JSON.stringify(first)).not.toMatch(/"code"/);
      const image = await lawyer.raw('GET', first.presenceCheck!.image);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');
      expect((await lawyer2.raw('GET', first.presenceCheck!.image)).status).toBe(403);

      // the player does not answer; the check expires: what it held is lost, and a fresh one asks at once
      await q(sql`UPDATE presence_checks SET expires_at = now() - interval '1 second' WHERE id = ${first.presenceCheck!.id}`);
      const blocked = await beat(lawyer, s.sessionId, { seq: 1, intervals: [[end, end + 15]] });
      expect(blocked.acceptedSeconds).toBe(0);
      expect(blocked.rejected.map((r) => r.reason)).toEqual(['presence_unconfirmed']);
      expect(blocked.presenceCheck!.id).not.toBe(first.presenceCheck!.id);

      // a new session does not escape it: the check is the lawyer's on this lecture
      const again = await open();
      await age(again.sessionId, 3600);
      const still = await beat(lawyer, again.sessionId, { seq: 0, intervals: [[end + 15, end + 30]] });
      expect(still.acceptedSeconds).toBe(0);
      expect(still.presenceCheck!.id).toBe(blocked.presenceCheck!.id);

      const code = (await q<{ code: string }>(sql`SELECT code FROM presence_checks WHERE id = ${blocked.presenceCheck!.id}`))[0]!.code;
      const confirm = (client: TestClient, checkId: string, typed: string) => client.confirmPresence(again.sessionId, checkId, typed);
      expect((await errorOf(confirm(lawyer, first.presenceCheck!.id, code))).status).toBe(409); // too late
      expect((await errorOf(confirm(lawyer2, blocked.presenceCheck!.id, code))).status).toBe(403);
      expect((await lawyer.raw('POST', `/api/sessions/${again.sessionId}/presence`, { checkId: blocked.presenceCheck!.id })).status).toBe(400); // no code
      const wrong = await errorOf(confirm(lawyer, blocked.presenceCheck!.id, code === '0000' ? '1111' : '0000'));
      expect(wrong.status).toBe(422);
      expect(wrong.code).toBe('presence_code_wrong');
      await lawyer.expectStatus(204, confirm(lawyer, blocked.presenceCheck!.id, code));
      await lawyer.expectStatus(204, confirm(lawyer, blocked.presenceCheck!.id, code)); // a retry

      // what was held under the confirmed check is credited now
      const [p] = await q<{ covered_seconds: number }>(sql`SELECT covered_seconds FROM lecture_progress WHERE user_id = ${server.demo!.users.lawyer} AND lecture_id = ${lectureId}`);
      expect(Number(p!.covered_seconds)).toBeCloseTo(due + 30, 2); // both heartbeats held under the confirmed check
      const resumed = await beat(lawyer, again.sessionId, { seq: 1, intervals: [[end + 30, end + 45]] });
      expect(resumed.acceptedSeconds).toBe(15);
      expect(resumed.presenceCheck).toBeUndefined();
    });

    it('completion grants the lecture credit once and issues a course certificate that verifies', async () => {
      const s = await open();
      await age(s.sessionId, 3600);
      let last: Record<string, unknown> = {};
      for (let i = 0; i < 40; i++) {
        last = await beat(lawyer, s.sessionId, { seq: i, intervals: [[i * 15, i * 15 + 15]], position: i * 15 + 15 });
        if (i === 37) {
          // 570 s of 600 = 0.95: complete
          expect(last).toMatchObject({ completed: true, creditMinutes: 10, coverageSeconds: 570 });
          expect(last.certificateCode).toMatch(/^[2-9A-HJ-NP-Z]{10}$/);
        }
        if (i < 37) expect(last).toMatchObject({ completed: false, creditMinutes: 0 });
      }
      expect(last).toMatchObject({ completed: true, creditMinutes: 10, coverageSeconds: 600, coverageRatio: 1 });
      expect(last.certificateCode).toBeUndefined();
      // watching again in a new session grants nothing more
      const again = await open();
      await age(again.sessionId, 3600);
      expect(await beat(lawyer, again.sessionId, { seq: 0, intervals: [[0, 600]] })).toMatchObject({ completed: true, creditMinutes: 10 });
      const completions = await q<{ n: unknown }>(sql`SELECT count(*) AS n FROM course_completions`);
      expect(Number(completions[0]!.n)).toBe(1);
      const certs = await q<{ code: string; serial: string; credit_minutes: number }>(sql`SELECT code, serial, credit_minutes FROM certificates`);
      expect(certs).toHaveLength(1);
      expect(certs[0]!.serial).toMatch(/^LC-\d{4}-\d{6}$/);
      const anyone = createTestClient(server.baseUrl);
      const verify = await anyone.expectStatus(200, anyone.verifyCertificate(certs[0]!.code));
      expect(verify).toMatchObject({ valid: true, holder: '李明', course: '县域律师刑事辩护实务', creditMinutes: 10 });
      const credits = await lawyer.myCredits();
      expect(credits.creditMinutes).toBe(10);
      expect(credits.courses).toContainEqual(expect.objectContaining({ courseId, completed: true, certificateCode: certs[0]!.code }));
    });

    it('the evidence table refuses UPDATE and DELETE', async () => {
      const s = await open();
      await age(s.sessionId, 60);
      await beat(lawyer, s.sessionId, { seq: 0, intervals: [[0, 10]] });
      const failure = (query: ReturnType<typeof sql>) =>
        server.deps.db.execute(query).then(
          () => 'no error',
          (e: Error & { cause?: Error }) => `${e.message} ${e.cause?.message ?? ''}`,
        );
      expect(await failure(sql`UPDATE heartbeats SET accepted = '[]'::jsonb WHERE session_id = ${s.sessionId}`)).toMatch(/append-only/);
      expect(await failure(sql`DELETE FROM heartbeats WHERE session_id = ${s.sessionId}`)).toMatch(/append-only/);
      expect(await countHeartbeats(s.sessionId)).toBe(1);
    });
  });

  describe('a session the API process remembers (its next heartbeat skips the read)', () => {
    it('the second plain heartbeat of a session is one statement, and is judged the same as after a read', async () => {
      // The service over the real database, with a runner that counts the statements it sends.
      let statements = 0;
      const real = sqlRunner(server.deps.db);
      const counting: SqlRunner = { ...real, run: (query) => ((statements += 1), real.run(query)), runBatched: (batch, item) => ((statements += 1), real.runBatched(batch, item)) };
      const service = new PlaybackService(new PlaybackRepository(counting), new CatalogService(new CatalogRepository(server.deps.db), server.app.services.access), { mediaSecret: 'x' });
      const s = await open();
      await age(s.sessionId, 3600);
      const token = `remembered-${crypto.randomUUID()}`;
      await q(sql`INSERT INTO auth_sessions (token_hash, user_id, expires_at) VALUES (${hashToken(token)}, ${server.demo!.users.lawyer}, now() + interval '1 hour')`);
      const meta = { ip: '127.0.0.1', userAgent: 'test' };
      const body = (seq: number) => ({ seq, intervals: [[seq * 15, seq * 15 + 15]] as [number, number][], playbackRate: 1, visible: true, position: seq * 15 + 15 });

      const first = (await service.heartbeatByToken(hashToken(token), s.sessionId, body(0), meta))?.answer;
      expect(first).toMatchObject({ acceptedSeconds: 15, coverageSeconds: 15 });
      expect(statements).toBe(2); // the read, then the write
      expect(service.recent.size).toBe(1);
      const second = (await service.heartbeatByToken(hashToken(token), s.sessionId, body(1), meta))?.answer;
      expect(second).toMatchObject({ acceptedSeconds: 15, coverageSeconds: 30 });
      expect(statements).toBe(3); // the write only
      // Another cookie of the same lawyer is not served from memory.
      expect(await service.heartbeatByToken(hashToken('another'), s.sessionId, body(2), meta)).toBeNull();
      // The database agrees with what was answered.
      const [row] = await q<{ accepted_seconds: unknown; version: unknown }>(sql`SELECT accepted_seconds, version FROM playback_sessions WHERE id = ${s.sessionId}`);
      expect(Number(row!.accepted_seconds)).toBe(30);
      expect(await countHeartbeats(s.sessionId)).toBe(2);
    });

    it('after a remembered heartbeat, a logout, a disabled account, a replaced session, a moved opening time or a shorter lecture still count', async () => {
      const s = await open();
      await age(s.sessionId, 60);
      expect(await beat(lawyer, s.sessionId, { seq: 0, intervals: [[0, 15]], position: 15 })).toMatchObject({ acceptedSeconds: 15 });

      // The opening time moves back an hour (standing for time passing): the real-time bound follows it.
      await age(s.sessionId, 3600);
      expect(await beat(lawyer, s.sessionId, { seq: 1, intervals: [[15, 315]], position: 315 })).toMatchObject({ acceptedSeconds: 300, rejected: [] });

      // The lecture is now 320 s long: what lies beyond is outside it.
      await q(sql`UPDATE lectures SET duration_seconds = 320 WHERE id = ${lectureId}`);
      expect(await beat(lawyer, s.sessionId, { seq: 2, intervals: [[315, 330]], position: 320 })).toMatchObject({ acceptedSeconds: 5, rejected: [{ to: 330, reason: 'outside_lecture' }] });
      await q(sql`UPDATE lectures SET duration_seconds = ${DURATION} WHERE id = ${lectureId}`);

      // A course rule changes by whatever statement: its trigger bumps the rules version, so the
      // remembered judgment is not reused (a hidden page now counts; then it does not again).
      const [{ v: rulesBefore }] = (await q<{ v: number }>(sql`SELECT rules_version AS v FROM courses WHERE id = ${courseId}`)) as [{ v: number }];
      await q(sql`UPDATE courses SET require_visible = false, title = title WHERE id = ${courseId}`);
      const [{ v: rulesAfter }] = (await q<{ v: number }>(sql`SELECT rules_version AS v FROM courses WHERE id = ${courseId}`)) as [{ v: number }];
      expect(Number(rulesAfter)).toBe(Number(rulesBefore) + 1);
      await q(sql`UPDATE courses SET title = title || '' WHERE id = ${courseId}`); // not a rule: no bump
      expect(Number((await q<{ v: number }>(sql`SELECT rules_version AS v FROM courses WHERE id = ${courseId}`))[0]!.v)).toBe(Number(rulesAfter));
      expect(await beat(lawyer, s.sessionId, { seq: 20, intervals: [[320, 330]], visible: false, position: 330 })).toMatchObject({ acceptedSeconds: 10, rejected: [] });
      await q(sql`UPDATE courses SET require_visible = true WHERE id = ${courseId}`);
      expect(await beat(lawyer, s.sessionId, { seq: 21, intervals: [[330, 335]], visible: false, position: 335 })).toMatchObject({ acceptedSeconds: 0, rejected: [{ reason: 'hidden_page' }] });

      // The login expires, then the account is disabled: 401, nothing stored.
      const before = await countHeartbeats(s.sessionId);
      await q(sql`UPDATE auth_sessions SET expires_at = expires_at - interval '1000 days' WHERE user_id = ${server.demo!.users.lawyer}`);
      try {
        expect((await errorOf(beat(lawyer, s.sessionId, { seq: 3, intervals: [[330, 345]] }))).status).toBe(401);
      } finally {
        await q(sql`UPDATE auth_sessions SET expires_at = expires_at + interval '1000 days' WHERE user_id = ${server.demo!.users.lawyer}`);
      }
      await lawyer.expectStatus(200, beat(lawyer, s.sessionId, { seq: 3, intervals: [[330, 345]], position: 345 }));
      await q(sql`UPDATE users SET disabled = true WHERE id = ${server.demo!.users.lawyer}`);
      try {
        expect((await errorOf(beat(lawyer, s.sessionId, { seq: 4, intervals: [[345, 360]] }))).status).toBe(401);
      } finally {
        await q(sql`UPDATE users SET disabled = false WHERE id = ${server.demo!.users.lawyer}`);
      }
      expect(await countHeartbeats(s.sessionId)).toBe(before + 1);

      // A newer session elsewhere closes this one: 409, even though this process remembers it open.
      await lawyer.expectStatus(200, beat(lawyer, s.sessionId, { seq: 4, intervals: [[345, 360]], position: 360 }));
      await open();
      const closed = await errorOf(beat(lawyer, s.sessionId, { seq: 5, intervals: [[360, 375]] }));
      expect(closed.status).toBe(409);
      expect(closed.code).toBe('session_closed');
    });
  });

  describe('races', () => {
    // PGlite runs one query at a time, so a race there proves little; PostgreSQL runs them truly in parallel.
    if (backend === 'pglite' && !process.env.DATABASE_URL) console.warn('[playback.test] DATABASE_URL is not set: the parallel-heartbeat race runs on PGlite only (serialised), not on PostgreSQL.');

    it('parallel heartbeats (distinct and repeated seqs) grant credit exactly once', async () => {
      const s = await open();
      await grantAllowance(server.deps.db, s.sessionId, 3600); // room for all of them: the race is what is tested
      const distinct = Array.from({ length: 40 }, (_, i) => beat(lawyer, s.sessionId, { seq: i, intervals: [[i * 15, i * 15 + 15]], position: i * 15 + 15 }));
      const repeated = Array.from({ length: 20 }, () => beat(lawyer, s.sessionId, { seq: 1000, intervals: [[0, 600]], position: 600 }));
      // every one answered 2xx (a refusal rejects Promise.all); the repeated seq's answers are identical
      const answers = await Promise.all([...distinct, ...repeated]);
      expect(answers).toHaveLength(60);
      const repeatedTexts = new Set(answers.slice(40).map((a) => JSON.stringify(a)));
      expect(repeatedTexts.size).toBe(1);
      expect(await countHeartbeats(s.sessionId)).toBe(41);
      const [p] = await q<{ covered_seconds: number; credit_minutes: number; completed_at: unknown }>(sql`SELECT covered_seconds, credit_minutes, completed_at FROM lecture_progress WHERE lecture_id = ${lectureId}`);
      expect(Number(p!.covered_seconds)).toBe(600);
      expect(Number(p!.credit_minutes)).toBe(10);
      expect(p!.completed_at).toBeTruthy();
      // one completing heartbeat carries the certificate code (its retries replay the same answer)
      const codes = new Set(answers.map((a) => a.certificateCode).filter(Boolean));
      expect(codes.size).toBe(1);
      const [c] = await q<{ n: unknown }>(sql`SELECT count(*) AS n FROM course_completions`);
      expect(Number(c!.n)).toBe(1);
      const [cert] = await q<{ n: unknown }>(sql`SELECT count(*) AS n FROM certificates`);
      expect(Number(cert!.n)).toBe(1);
      const [sess] = await q<{ accepted_seconds: number }>(sql`SELECT accepted_seconds FROM playback_sessions WHERE id = ${s.sessionId}`);
      // the real-time bound holds under the race too: 3600 s elapsed + 5 s tolerance
      expect(Number(sess!.accepted_seconds)).toBeLessThanOrEqual(3605);
    });

    it('parallel heartbeats never break the real-time bound, and the session total matches the evidence', async () => {
      const started = Date.now();
      const s = await open();
      await age(s.sessionId, 60);
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => beat(lawyer, s.sessionId, { seq: i, intervals: [[i * 15, i * 15 + 15]], position: i * 15 + 15 })));
      expect(answers).toHaveLength(40); // every one answered 2xx: a refusal rejects Promise.all
      const accepted = answers.reduce((sum, a) => sum + a.acceptedSeconds, 0);
      expect(accepted).toBeLessThanOrEqual(65 + (Date.now() - started) / 1000 + 0.01);
      expect(accepted).toBeGreaterThanOrEqual(60);
      const [sess] = await q<{ accepted_seconds: number; version: number }>(sql`SELECT accepted_seconds, version FROM playback_sessions WHERE id = ${s.sessionId}`);
      expect(Number(sess!.accepted_seconds)).toBeCloseTo(accepted, 6);
      expect(Number(sess!.version)).toBe(41); // 40 heartbeats and the aging
      const evidence = await q<{ accepted: [number, number][] }>(sql`SELECT accepted FROM heartbeats WHERE session_id = ${s.sessionId}`);
      expect(evidence).toHaveLength(40);
      const evidenceSeconds = evidence.flatMap((e) => e.accepted).reduce((sum, [a, b]) => sum + (b - a), 0);
      expect(evidenceSeconds).toBeCloseTo(accepted, 6);
      const [p] = await q<{ covered_seconds: number }>(sql`SELECT covered_seconds FROM lecture_progress WHERE lecture_id = ${lectureId}`);
      expect(Number(p!.covered_seconds)).toBeCloseTo(accepted, 6);
    });

    it('parallel session opens leave exactly one open session', async () => {
      // every open answered 2xx (a refusal rejects Promise.all); lastStatus cannot tell racing calls apart
      const results = await Promise.all(Array.from({ length: 8 }, () => lawyer.openSession(lectureId)));
      expect(results.every((r) => typeof r.sessionId === 'string')).toBe(true);
      const [row] = await q<{ n: unknown }>(sql`SELECT count(*) AS n FROM playback_sessions WHERE user_id = ${server.demo!.users.lawyer} AND closed_at IS NULL`);
      expect(Number(row!.n)).toBe(1);
    });
  });

  describe('GET /api/me/credits', () => {
    async function completeAt(when: string) {
      await open();
      await q(sql`UPDATE lecture_progress SET covered_seconds = ${DURATION}, intervals = ${JSON.stringify([[0, DURATION]])}::jsonb, completed_at = ${when}::timestamptz, credit_minutes = 10 WHERE lecture_id = ${lectureId}`);
    }

    it('counts credit in the training year it was earned, in Asia/Shanghai', async () => {
      // 00:00 on 1 January 2026 in Shanghai is 16:00 UTC on 31 December 2025
      await completeAt('2025-12-31T16:00:00Z');
      const y2026 = await lawyer.myCredits(2026);
      expect(y2026).toMatchObject({ year: 2026, creditMinutes: 10, minutesPerClassHour: 45, classHours: 0.22 });
      expect(y2026.lectures).toEqual([expect.objectContaining({ lectureId, courseId, completed: true, creditMinutes: 10, coverageRatio: 1 })]);
      expect(await lawyer.myCredits(2025)).toMatchObject({ year: 2025, creditMinutes: 0, lectures: [] });

      await completeAt('2025-12-31T15:59:59Z');
      expect(await lawyer.myCredits(2025)).toMatchObject({ creditMinutes: 10 });
      expect(await lawyer.myCredits(2026)).toMatchObject({ creditMinutes: 0 });
    });

    it('follows the firm’s inherited training-year start month and class-hour length', async () => {
      const { national } = server.demo!;
      try {
        await q(sql`UPDATE organizations SET training_year_start_month = 4, minutes_per_class_hour = 40 WHERE id = ${national}`);
        await completeAt('2026-03-31T15:59:59Z'); // 23:59:59 on 31 March in Shanghai: still 2025's year
        expect(await lawyer.myCredits(2025)).toMatchObject({ creditMinutes: 10, classHours: 0.25, minutesPerClassHour: 40, trainingYearStartMonth: 4 });
        expect(await lawyer.myCredits(2026)).toMatchObject({ creditMinutes: 0 });
        await completeAt('2026-03-31T16:00:00Z');
        expect(await lawyer.myCredits(2026)).toMatchObject({ creditMinutes: 10 });
      } finally {
        await q(sql`UPDATE organizations SET training_year_start_month = 1, minutes_per_class_hour = 45 WHERE id = ${national}`);
      }
    });

    it('defaults to the current training year and rejects a bad year', async () => {
      const res = await lawyer.myCredits();
      expect(res.year).toBe(new Date(Date.now() + 8 * 3600_000).getUTCFullYear());
      expect((await lawyer.raw('GET', '/api/me/credits?year=abc')).status).toBe(400);
      expect((await errorOf(createTestClient(server.baseUrl).myCredits())).status).toBe(401);
    });
  });

  type Statement = { id: string; verb: { id: string }; result?: { extensions: Record<string, unknown> }; context: { registration: string } };

  describe('GET /api/organizations/:orgId/evidence.xapi.json', () => {
    it('gives an administrator the evidence of the lawyers below as xAPI Video Profile statements', async () => {
      const s = await open();
      await age(s.sessionId, 3600);
      for (let i = 0; i < 39; i++) await beat(lawyer, s.sessionId, { seq: i, intervals: [[i * 15, i * 15 + 15]], position: i * 15 + 15 });
      await beat(lawyer, s.sessionId, { seq: 39, intervals: [[585, 600]], visible: false });
      // a second session replaces the first: the first registration is now terminated
      const second = await open();
      await age(second.sessionId, 3600);
      await beat(lawyer, second.sessionId, { seq: 0, intervals: [[0, 10]], position: 10 });
      const admin = createTestClient(server.baseUrl);
      await admin.login('admin-sc', 'lectern-demo');
      const { sichuan, gansu } = server.demo!;
      const first = await admin.expectStatus(200, admin.evidenceXapi(sichuan, null, 1));
      const page1 = { statements: first.statements as Statement[], more: first.more };
      // a page is whole registrations (playback sessions): here one
      expect(new Set(page1.statements.map((st) => st.context.registration)).size).toBe(1);
      expect(page1.more).toMatch(/after=\d+/);
      const statements = [...page1.statements];
      for (let more = page1.more, pages = 0; more && pages < 100; pages++) {
        const next = await admin.evidenceXapiMore(more);
        const page = { statements: next.statements as Statement[], more: next.more };
        expect(new Set(page.statements.map((st) => st.context.registration)).size).toBe(1);
        statements.push(...page.statements);
        more = page.more;
      }
      expect(statements.filter((st) => st.context.registration === second.sessionId).map((st) => st.verb.id.split('/').pop())).toEqual(['initialized', 'played']);
      expect(new Set(statements.map((st) => st.id)).size).toBe(statements.length);
      expect(statements.some((st) => st.verb.id === 'http://adlnet.gov/expapi/verbs/completed')).toBe(true);
      // the first session: initialized, 39 played (the hidden-page heartbeat is not played), completed
      // by the 38th (570 of 600 s: the 95 % threshold), terminated when the second session replaced it
      const mine = statements.filter((st) => st.context.registration === s.sessionId);
      expect(mine.map((st) => st.verb.id.split('/').pop())).toEqual(['initialized', ...Array<string>(38).fill('played'), 'completed', 'played', 'terminated']);
      expect(mine[1]).toMatchObject({
        actor: { name: '李明', account: { name: '15107202110000001' } },
        object: { id: expect.stringContaining(`/lectures/${lectureId}`), definition: { type: 'https://w3id.org/xapi/video/activity-type/video' } },
        result: { extensions: { 'https://w3id.org/xapi/video/extensions/played-segments': '0[.]15', 'https://w3id.org/xapi/video/extensions/time': 0 } },
        context: { registration: s.sessionId },
      });
      expect(mine[40]!.result!.extensions['https://w3id.org/xapi/video/extensions/played-segments']).toBe(Array.from({ length: 39 }, (_, i) => `${i * 15}[.]${i * 15 + 15}`).join('[,]'));
      // the hidden-page heartbeat is in the evidence with its reason, on the registration's last statement (terminated)
      expect(JSON.stringify(mine.at(-1)!.result!.extensions)).toContain('hidden_page');
      expect((await errorOf(admin.evidenceXapi(gansu, null))).status).toBe(403);
      expect((await errorOf(lawyer.evidenceXapi(sichuan, null))).status).toBe(403);
    });
  });
});
