/**
 * Watching together on a firm's computer (集体观看, docs/credit.md "Group watching"), over HTTP on
 * both databases (PostgreSQL when DATABASE_URL is set, and PGlite) with a really transcoded
 * lecture. The shared screen is the host's client; each colleague confirms with their own password
 * or a one-time code from their own phone (their own client). Time is never slept: sessions are
 * aged and a presence check's expiry moved, standing for time that passed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { AuthRepository } from '../../server/auth/repository.ts';
import { AuthService } from '../../server/auth/service.ts';
import { CatalogRepository } from '../../server/catalog/repository.ts';
import { rowsOf } from '../../server/db/rows.ts';
import { availableBackends } from '../helpers/database.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { createReadyLecture } from '../helpers/lecture.ts';
import { ageSession, startFromFullTolerance } from '../helpers/playback-time.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { groupsApi, type GroupsApi, type GroupMemberBeat } from '../../web/src/lib/api/groups.ts';
import { evidenceApi } from '../../web/src/routes/evidence/evidence-api.ts';

const PASSWORD = 'group-watch-pass-1';
const beat = (seq: number, intervals: [number, number][]) => ({ seq, intervals, playbackRate: 1, visible: true, position: intervals.at(-1)?.[1] ?? 0 });

describe.each(availableBackends())('group watching on %s', (backend) => {
  let server: TestServer;
  let host: TestClient; // the firm's computer, logged in as 李明
  let hostApi: GroupsApi;
  let phoneB: TestClient; // 周律师's own phone
  let phoneC: TestClient; // 吴律师's own phone
  let other: TestClient; // a lawyer of another firm
  let trainer: TestClient;
  let lectureId: string;
  let groupId: string;
  let hostId: string;
  let bId: string;
  let cId: string;
  let hostSession: string;
  let bSession: string;

  const q = async <T = Record<string, unknown>>(query: ReturnType<typeof sql>) => rowsOf<T>(await server.deps.db.execute(query));
  const login = async (name: string, password = PASSWORD) => {
    const client = createTestClient(server.baseUrl);
    await client.login(name, password);
    return client;
  };
  const coverage = async (userId: string) => Number((await q<{ covered_seconds: unknown }>(sql`SELECT covered_seconds FROM lecture_progress WHERE user_id = ${userId} AND lecture_id = ${lectureId}`))[0]!.covered_seconds);
  const checkOf = async (checkId: string) => (await q<{ code: string }>(sql`SELECT code FROM presence_checks WHERE id = ${checkId}`))[0]!;
  const part = (members: GroupMemberBeat[], userId: string) => members.find((m) => m.userId === userId);

  beforeAll(async () => {
    server = await startTestServer({ backend });
    const demo = server.demo!;
    const auth = new AuthService(new AuthRepository(server.deps.db), { attemptsPerMinute: 10 });
    bId = (await auth.createUser({ login: 'zhou-b', name: '周律师', password: PASSWORD, organizationId: demo.santaiFirm, licenseNo: '15107202310000011' })).id;
    cId = (await auth.createUser({ login: 'wu-c', name: '吴律师', password: PASSWORD, organizationId: demo.santaiFirm, licenseNo: '15107202310000012' })).id;
    hostId = demo.users.lawyer;
    const course = await new CatalogRepository(server.deps.db).insertCourse({
      organizationId: demo.national,
      title: '律所集体观看测试课',
      category: 'practice_management',
      status: 'published',
      publishedAt: new Date(),
      presenceChecks: true,
    });
    lectureId = await createReadyLecture(server, { courseId: course.id, seconds: 20, title: '第一讲：律所管理' });
    await startFromFullTolerance(server.deps.db);
    host = await login('lawyer', 'lectern-demo');
    hostApi = groupsApi(host);
    phoneB = await login('zhou-b');
    phoneC = await login('wu-c');
    other = await login('lawyer2', 'lectern-demo');
    trainer = await login('trainer', 'lectern-demo');
  }, 300_000);

  afterAll(async () => {
    await server?.close();
  });

  it('a lawyer of a firm starts a group; their own session opens as usual', async () => {
    expect(await errorOf(groupsApi(trainer).start(lectureId))).toMatchObject({ status: 403, code: 'group_needs_firm_lawyer' });
    // one PlaybackService judges the player's heartbeats and the group's (built once in server/services.ts)
    expect(server.app.services.groups.playback).toBe(server.app.services.playback);
    const { group, session } = await hostApi.start(lectureId);
    groupId = group.id;
    hostSession = session.sessionId;
    expect(group).toMatchObject({ lectureId, host: { id: hostId, name: '李明' }, firm: { name: '三台县明理律师事务所' }, endedAt: null });
    expect(group.members).toEqual([expect.objectContaining({ userId: hostId, confirmedBy: 'host', present: true, sessionId: hostSession })]);
    // the session route's own answer (its schema, so nothing is dropped): the start-up playlists and subtitles too
    expect(session).toMatchObject({ lectureId, title: '第一讲：律所管理', preview: false, subtitles: [], masterPlaylist: expect.stringContaining('#EXTM3U'), mediaPlaylists: expect.any(Object) });
  });

  it('adds colleagues of the same firm by their own password or their phone’s one-time code, never someone else', async () => {
    // 周律师 was watching on the phone: joining the group closes that session (one at a time)
    const phoneSession = (await phoneB.openSession(lectureId)).sessionId;
    expect(await errorOf(hostApi.addMember(groupId, { login: 'zhou-b', password: 'not-it' }))).toMatchObject({ status: 422, code: 'group_credentials_wrong' });
    expect(await errorOf(hostApi.addMember(groupId, { login: 'lawyer2', password: 'lectern-demo' }))).toMatchObject({ status: 403, code: 'group_member_outside_firm' });
    const added = await hostApi.addMember(groupId, { login: 'zhou-b', password: PASSWORD });
    const b = added.members.find((m) => m.userId === bId)!;
    expect(b).toMatchObject({ confirmedBy: 'password', present: true });
    bSession = b.sessionId;
    expect(await errorOf(hostApi.addMember(groupId, { login: 'zhou-b', password: PASSWORD }))).toMatchObject({ status: 409, code: 'group_member_present' });
    const [closed] = await q<{ closed_reason: string }>(sql`SELECT closed_reason FROM playback_sessions WHERE id = ${phoneSession}`);
    expect(closed!.closed_reason).toBe('replaced');

    // 吴律师 makes a code on the phone: 6 digits, once
    const { code, expiresAt } = await groupsApi(phoneC).joinCode();
    expect(code).toMatch(/^\d{6}$/);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60_000 + 5_000);
    const stored = await q<{ code_hash: string }>(sql`SELECT code_hash FROM group_join_codes WHERE user_id = ${cId}`);
    expect(stored[0]!.code_hash).not.toContain(code);
    expect(await errorOf(hostApi.addMember(groupId, { login: 'wu-c', code: code === '000000' ? '111111' : '000000' }))).toMatchObject({ status: 422, code: 'group_join_code_wrong' });
    const withC = await hostApi.addMember(groupId, { login: 'wu-c', code });
    expect(withC.members.find((m) => m.userId === cId)).toMatchObject({ confirmedBy: 'phone_code', present: true });
    // 吴律师 leaves from the phone; the same code cannot bring anyone back
    const afterLeave = await groupsApi(phoneC).leave(groupId, cId);
    expect(afterLeave.members.find((m) => m.userId === cId)).toMatchObject({ present: false, leftReason: 'left' });
    expect(await errorOf(hostApi.addMember(groupId, { login: 'wu-c', code }))).toMatchObject({ status: 422, code: 'group_join_code_wrong' });
  });

  it('answers 403 to everyone but the host (and a member for their own leave)', async () => {
    const body = beat(0, []);
    for (const client of [other, phoneB, trainer]) {
      const api = groupsApi(client);
      for (const call of [
        () => api.get(groupId),
        () => api.addMember(groupId, { login: 'wu-c', password: PASSWORD }),
        () => api.end(groupId),
        () => api.heartbeat(groupId, body),
        () => api.confirmOnScreen(groupId, bId, { checkId: hostSession, code: '1234', password: PASSWORD }),
      ]) {
        expect((await errorOf(call())).status).toBe(403);
      }
      expect((await client.raw('GET', `/api/group-sessions/${groupId}/members/${bId}/presence/${hostSession}/image.png`)).status).toBe(403);
    }
    expect((await errorOf(groupsApi(other).leave(groupId, bId))).status).toBe(403);
    expect((await errorOf(groupsApi(phoneB).leave(groupId, hostId))).status).toBe(403);
    for (const call of [() => groupsApi(trainer).joinCode(), () => groupsApi(trainer).myGroup()]) expect(await errorOf(call())).toMatchObject({ status: 403, code: 'group_needs_firm_lawyer' });
    const anonymous = createTestClient(server.baseUrl);
    expect((await errorOf(groupsApi(anonymous).heartbeat(groupId, body))).status).toBe(401);
    // a code typed on the shared screen alone is no confirmation: the password is required (schema)
    expect((await host.raw('POST', `/api/group-sessions/${groupId}/members/${bId}/presence`, { checkId: hostSession, code: '1234' })).status).toBe(400);
  });

  it('judges each member on their own session: own presence check, own credit; the one who misses it loses the held stretch', async () => {
    // both checks pinned at 3 s of coverage, both sessions 60 s old: the allowance is not what limits here
    await q(sql`UPDATE presence_checks SET due_at_media = 3 WHERE lecture_id = ${lectureId} AND user_id IN (${hostId}, ${bId}) AND issued_at IS NULL`);
    await ageSession(server.deps.db, hostSession, 60);
    await ageSession(server.deps.db, bSession, 60);

    const first = await hostApi.heartbeat(groupId, beat(1, [[0, 10]]));
    expect(first.members.map((m) => m.userId).sort()).toEqual([hostId, bId].sort()); // 吴律师 has left
    const a1 = part(first.members, hostId)!;
    const b1 = part(first.members, bId)!;
    for (const m of [a1, b1]) {
      expect(m).toMatchObject({ state: 'recorded', acceptedSeconds: 3 });
      expect(m.presenceCheck!.image).toBe(`/api/group-sessions/${groupId}/members/${m.userId}/presence/${m.presenceCheck!.id}/image.png`);
    }
    const png = await host.raw('GET', b1.presenceCheck!.image);
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    // 周律师's phone knows there is a check to answer, and which
    expect((await groupsApi(phoneB).myGroup()).group).toMatchObject({ id: groupId, sessionId: bSession, hostName: '李明', presenceCheck: { id: b1.presenceCheck!.id } });

    // 李明 confirms at the shared screen with the code and his own password
    const aCode = (await checkOf(a1.presenceCheck!.id)).code;
    expect(await errorOf(hostApi.confirmOnScreen(groupId, hostId, { checkId: a1.presenceCheck!.id, code: aCode, password: 'wrong' }))).toMatchObject({ status: 422, code: 'group_credentials_wrong' });
    await hostApi.confirmOnScreen(groupId, hostId, { checkId: a1.presenceCheck!.id, code: aCode, password: 'lectern-demo' });
    // 周律师 does not answer: someone at the keyboard who knows the code but not his password cannot
    const bCode = (await checkOf(b1.presenceCheck!.id)).code;
    expect(await errorOf(hostApi.confirmOnScreen(groupId, bId, { checkId: b1.presenceCheck!.id, code: bCode, password: 'lectern-demo' }))).toMatchObject({ status: 422, code: 'group_credentials_wrong' });
    // …and the 90 s pass
    await q(sql`UPDATE presence_checks SET expires_at = now() - interval '1 second' WHERE id = ${b1.presenceCheck!.id}`);

    const second = await hostApi.heartbeat(groupId, beat(2, [[10, 20]]));
    const a2 = part(second.members, hostId)!;
    const b2 = part(second.members, bId)!;
    expect(a2.acceptedSeconds).toBeGreaterThan(9);
    expect(a2.presenceCheck).toBeUndefined();
    expect(b2.acceptedSeconds).toBe(0);
    expect(b2.rejected.every((r) => r.reason === 'presence_unconfirmed')).toBe(true);
    expect(b2.presenceCheck).toBeDefined(); // a fresh check at once
    expect(await coverage(hostId)).toBeGreaterThan(19);
    expect(await coverage(bId)).toBeCloseTo(3, 3);

    // 周律师 answers the fresh one on his own phone: what it held counts, the lost stretch does not
    const fresh = (await groupsApi(phoneB).myGroup()).group!.presenceCheck!;
    expect(fresh.id).toBe(b2.presenceCheck!.id);
    await phoneB.confirmPresence(bSession, fresh.id, (await checkOf(fresh.id)).code);
    const bCoverage = await coverage(bId);
    expect(bCoverage).toBeGreaterThan(12);
    expect(bCoverage).toBeLessThan(14);
    // a retried group heartbeat changes nothing for anyone
    const again = await hostApi.heartbeat(groupId, beat(2, [[10, 20]]));
    expect(part(again.members, hostId)!.acceptedSeconds).toBe(a2.acceptedSeconds);
    expect(await coverage(bId)).toBe(bCoverage);
  });

  it('a member who opens a lecture elsewhere leaves the group; they are never in two sessions at once', async () => {
    await phoneB.openSession(lectureId);
    const group = await hostApi.get(groupId);
    expect(group.members.find((m) => m.userId === bId)).toMatchObject({ present: false, leftReason: 'session_elsewhere' });
    const third = await hostApi.heartbeat(groupId, beat(3, [[20, 20.5]]));
    expect(third.members.map((m) => m.userId)).toEqual([hostId]);
    const open = await q<{ n: unknown }>(sql`SELECT count(*) AS n FROM playback_sessions WHERE user_id = ${bId} AND closed_at IS NULL`);
    expect(Number(open[0]!.n)).toBe(1);
  });

  it('the evidence of a member’s session shows the group: host, firm, members, how each confirmed', async () => {
    const admin = await login('admin-sc', 'lectern-demo');
    const evidence = await evidenceApi(admin).lawyer(bId);
    const lecture = evidence.lectures.find((l) => l.lectureId === lectureId)!;
    const session = lecture.sessions.find((s) => s.id === bSession)!;
    expect(session.group).toMatchObject({ id: groupId, host: { name: '李明' }, firm: { name: '三台县明理律师事务所' } });
    const members = session.group!.members;
    expect(members.map((m) => [m.name, m.confirmedBy, m.leftReason])).toEqual([
      ['李明', 'host', null],
      ['周律师', 'password', 'session_elsewhere'],
      ['吴律师', 'phone_code', 'left'],
    ]);
    expect(members.every((m) => typeof m.joinedAt === 'string')).toBe(true);
    const other = lecture.sessions.find((s) => s.id !== bSession && s.group === null);
    expect(other).toBeDefined(); // the phone sessions were not in a group
  });

  it('the host ends the group: everyone leaves, further heartbeats are refused', async () => {
    const ended = await hostApi.end(groupId);
    expect(ended).toMatchObject({ endedReason: 'host_ended' });
    expect(ended.members.every((m) => !m.present)).toBe(true);
    expect(await errorOf(hostApi.heartbeat(groupId, beat(4, [[0, 1]])))).toMatchObject({ status: 409, code: 'group_ended' });
    expect((await groupsApi(phoneB).myGroup()).group).toBeNull();
  });

  it('a join code expires after 5 minutes and is void after 5 wrong tries', async () => {
    const { group } = await hostApi.start(lectureId);
    const cApi = groupsApi(phoneC);
    const first = await cApi.joinCode();
    await q(sql`UPDATE group_join_codes SET expires_at = now() - interval '1 second' WHERE user_id = ${cId}`);
    expect(await errorOf(hostApi.addMember(group.id, { login: 'wu-c', code: first.code }))).toMatchObject({ status: 422, code: 'group_join_code_wrong' });
    const second = await cApi.joinCode();
    const other = second.code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) expect(await errorOf(hostApi.addMember(group.id, { login: 'wu-c', code: other }))).toMatchObject({ status: 422 });
    expect(await errorOf(hostApi.addMember(group.id, { login: 'wu-c', code: second.code }))).toMatchObject({ status: 422, code: 'group_join_code_wrong' });
    const third = await cApi.joinCode();
    expect((await hostApi.addMember(group.id, { login: 'wu-c', code: third.code })).members.find((m) => m.userId === cId)).toMatchObject({ present: true, confirmedBy: 'phone_code' });
    await hostApi.end(group.id);
  });

  it('a member is judged only for ticks after joining; the host opening a lecture elsewhere ends the group', async () => {
    const { group, session } = await hostApi.start(lectureId);
    await ageSession(server.deps.db, session.sessionId, 30);
    const before = await hostApi.heartbeat(group.id, beat(1, [[0, 1]]));
    expect(before.members.map((m) => m.userId)).toEqual([hostId]);
    const joined = await hostApi.addMember(group.id, { login: 'zhou-b', password: PASSWORD });
    const bStretch = joined.members.find((m) => m.userId === bId && m.present)!;
    // a retry of a tick from before the join is not the member's: only the host is judged for it
    expect((await hostApi.heartbeat(group.id, beat(1, [[0, 1]]))).members.map((m) => m.userId)).toEqual([hostId]);
    expect((await hostApi.heartbeat(group.id, beat(2, [[1, 2]]))).members.map((m) => m.userId).sort()).toEqual([hostId, bId].sort());
    // the host opens a lecture on another device: the group ends and everyone leaves it
    await host.openSession(lectureId);
    expect(await errorOf(hostApi.heartbeat(group.id, beat(3, [[2, 3]])))).toMatchObject({ status: 409, code: 'group_ended' });
    const ended = await hostApi.get(group.id);
    expect(ended.endedReason).toBe('host_left');
    expect(ended.members.find((m) => m.userId === hostId)).toMatchObject({ leftReason: 'session_elsewhere' });
    expect(ended.members.find((m) => m.sessionId === bStretch.sessionId)).toMatchObject({ leftReason: 'group_ended', present: false });
    const [closed] = await q<{ closed_reason: string }>(sql`SELECT closed_reason FROM playback_sessions WHERE id = ${bStretch.sessionId}`);
    expect(closed!.closed_reason).toBe('group_left');
  });
});
