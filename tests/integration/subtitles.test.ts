/**
 * Subtitles and transcripts (issue 11 item 2, docs/subtitles.md) on both databases: a trainer of
 * the course uploads an SRT or WebVTT file as the body, a bad file is a 422 naming its line with
 * nothing stored, each change is audited, learners get the normalised WebVTT, the cues and the
 * session's list of tracks, and the catalog search finds a word that is only in a transcript.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { catalogApi } from '../../web/src/lib/api/learning.ts';
import { teachApi, type SubtitleView } from '../../web/src/routes/teach/teach-api.ts';
import { availableBackends } from '../helpers/database.ts';
import { AuthService } from '../../server/auth/service.ts';
import { AuthRepository } from '../../server/auth/repository.ts';
import { auditLog, lectureSubtitles, lectures } from '../../server/db/schema/index.ts';

const PASSWORD = 'lectern-demo';

const SRT = `1
00:00:01,000 --> 00:00:04,000
各位律师，大家好。

2
00:00:05,000 --> 00:00:09,500
今天讲<i>合同解除</i>的法定事由。

3
00:00:20,000 --> 00:00:25,000
第三点：情势变更与不可抗力的区分。
`;


describe.each(availableBackends())('subtitles on %s', (backend) => {
  let server: TestServer;
  let trainer: TestClient;
  let sichuanTrainer: TestClient;
  let lawyer: TestClient;
  let lectureId: string;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    const auth = new AuthService(new AuthRepository(server.deps.db), { attemptsPerMinute: 100 });
    const user = await auth.createUser({ login: 'trainer-sc', name: '四川讲师', password: PASSWORD, organizationId: server.demo!.sichuan, licenseNo: null });
    await new AuthRepository(server.deps.db).grantRole(user.id, server.demo!.sichuan, 'trainer');
    const login = async (name: string) => {
      const c = createTestClient(server.baseUrl);
      await c.login(name, PASSWORD);
      return c;
    };
    [trainer, sichuanTrainer, lawyer] = await Promise.all([login('trainer'), login('trainer-sc'), login('lawyer')]);
    // a shown, ready lecture of 60 s in the demo's published course (the package is not fetched here)
    lectureId = (await trainer.expectStatus(201, teachApi(trainer).addLecture(server.demo!.courseId, '合同解除实务'))).id;
    await server.deps.db
      .update(lectures)
      .set({ status: 'ready', durationSeconds: 60, packagePrefix: `lectures/${lectureId}/p/`, mediaVersion: 1, hidden: false })
      .where(eq(lectures.id, lectureId));
  }, 120_000);
  afterAll(async () => server?.close());

  const upload = (client: TestClient, body: string | Uint8Array, contentType = 'application/x-subrip', lang = 'zh-CN') =>
    fetch(`${server.baseUrl}/api/lectures/${lectureId}/subtitles/${lang}`, {
      method: 'PUT',
      headers: { 'content-type': contentType, cookie: client.jar.header() ?? '' },
      body: typeof body === 'string' ? body : Buffer.from(body),
    }).then(async (r) => ({ status: r.status, json: (await r.json().catch(() => null)) as Record<string, unknown> | null }));
  const entries = async () => (await server.deps.db.select().from(auditLog).where(eq(auditLog.targetId, lectureId)).orderBy(auditLog.at)).filter((e) => e.action.startsWith('lecture.subtitles'));

  it('refuses bad files with 422, the code and the line, storing nothing', async () => {
    const cases: [string | Uint8Array, string, number][] = [
      [Buffer.concat([Buffer.from('1\n00:00:01,000 --> 00:00:02,000\n'), Buffer.from([0xb8, 0xf7, 0xce, 0xbb]), Buffer.from('\n')]), 'subtitle_not_utf8', 3],
      [SRT.replace('00:00:05,000 --> 00:00:09,500', '00:00:09,000 --> 00:00:08,000'), 'subtitle_end_before_start', 6],
      [SRT.replace('00:00:20,000 --> 00:00:25,000', '00:00:00,500 --> 00:00:25,000'), 'subtitle_out_of_order', 10],
      [SRT.replace('00:00:20,000 --> 00:00:25,000', '00:01:20,000 --> 00:01:25,000'), 'subtitle_beyond_duration', 10],
      [SRT.replace('00:00:05,000', '00:00:5.0000'), 'subtitle_bad_timestamp', 6],
      ['', 'subtitle_no_cues', 1],
    ];
    for (const [body, code, line] of cases) {
      const res = await upload(trainer, body);
      expect(res.status, code).toBe(422);
      expect(res.json).toMatchObject({ error: code, line });
    }
    const vtt = await upload(trainer, SRT, 'text/vtt');
    expect(vtt.json).toMatchObject({ error: 'subtitle_bad_header', line: 1 });
    expect(await server.deps.db.select().from(lectureSubtitles).where(eq(lectureSubtitles.lectureId, lectureId))).toEqual([]);
    expect(await entries()).toEqual([]);
  });

  it('takes only its two content types, a small body, and trainers of the course', async () => {
    expect((await upload(trainer, SRT, 'text/plain')).status).toBe(415);
    expect((await upload(trainer, `${SRT}\n${'x'.repeat(2 * 1024 * 1024)}`)).status).toBe(413);
    expect((await upload(sichuanTrainer, SRT)).status).toBe(403);
    expect((await upload(lawyer, SRT)).status).toBe(403);
    expect((await upload(trainer, SRT, 'application/x-subrip', 'fr')).status).toBe(400);
    expect((await errorOf(teachApi(sichuanTrainer).removeSubtitles(lectureId, 'zh-CN'))).status).toBe(403);
    expect((await errorOf(teachApi(sichuanTrainer).subtitles(lectureId))).status).toBe(403);
  });

  it('stores an SRT as normalised WebVTT and cues, audited, and serves both to learners', async () => {
    const res = await upload(trainer, SRT);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ lang: 'zh-CN', label: '中文', cueCount: 3 });
    const [entry] = await entries();
    expect(entry).toMatchObject({ action: 'lecture.subtitles_uploaded', targetType: 'lecture', organizationId: server.demo!.national, before: null });
    expect(entry!.after).toMatchObject({ lang: 'zh-CN', cueCount: 3, format: 'srt' });

    const url = (res.json as unknown as SubtitleView).url;
    const file = await lawyer.raw('GET', url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    expect(file.headers.get('cache-control')).toBe('private, max-age=86400');
    expect(file.text).toBe('WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n各位律师，大家好。\n\n00:00:05.000 --> 00:00:09.500\n今天讲合同解除的法定事由。\n\n00:00:20.000 --> 00:00:25.000\n第三点：情势变更与不可抗力的区分。\n');
    const again = await lawyer.raw('GET', url, undefined, { 'if-none-match': file.headers.get('etag')! });
    expect(again.status).toBe(304);

    const transcript = await lawyer.expectStatus(200, lawyer.transcript(lectureId));
    expect(transcript).toMatchObject({ lang: 'zh-CN', languages: [{ lang: 'zh-CN', label: '中文', cueCount: 3 }] });
    expect(transcript.cues[1]).toEqual({ start: 5, end: 9.5, text: '今天讲合同解除的法定事由。' });

    const session = await lawyer.expectStatus(201, lawyer.openSession(lectureId));
    expect(session.subtitles).toEqual([expect.objectContaining({ lang: 'zh-CN', label: '中文', url })]);
    // no file in that language; a lecture learners cannot open is not served either
    expect((await lawyer.raw('GET', `/api/lectures/${lectureId}/subtitles/en.vtt`)).status).toBe(404);
    await server.deps.db.update(lectures).set({ hidden: true }).where(eq(lectures.id, lectureId));
    expect((await lawyer.raw('GET', url)).status).toBe(404);
    expect((await errorOf(lawyer.transcript(lectureId))).status).toBe(404);
    expect((await trainer.raw('GET', url)).status).toBe(200); // its trainer's preview
    await server.deps.db.update(lectures).set({ hidden: false }).where(eq(lectures.id, lectureId));
  });

  it('finds a word only in a transcript, naming the lecture, a snippet and the cue time', async () => {
    const body = await lawyer.expectStatus(200, catalogApi(lawyer).list({ q: '情势变更' }));
    expect(body.items.map((c) => c.id)).toEqual([server.demo!.courseId]);
    expect(body.items[0]!.transcriptMatch).toEqual({ lectureId, lectureTitle: '合同解除实务', lang: 'zh-CN', snippet: expect.stringContaining('情势变更'), atSeconds: 20 });
    expect((await catalogApi(lawyer).list({ q: '不存在的词语' })).total).toBe(0);
    // hidden lectures' transcripts are not searched
    await server.deps.db.update(lectures).set({ hidden: true }).where(eq(lectures.id, lectureId));
    expect((await catalogApi(lawyer).list({ q: '情势变更' })).total).toBe(0);
    await server.deps.db.update(lectures).set({ hidden: false }).where(eq(lectures.id, lectureId));
  });

  it('replaces and removes, each audited, the old file gone from storage', async () => {
    const [before] = await server.deps.db.select().from(lectureSubtitles).where(eq(lectureSubtitles.lectureId, lectureId));
    const vtt = 'WEBVTT\n\n00:00:02.000 --> 00:00:03.000\n新的字幕 Force Majeure\n';
    const res = await upload(trainer, vtt, 'text/vtt');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ cueCount: 1 });
    expect(await server.deps.storage.head(before!.storageKey)).toBeNull();
    // the search folds case (and a % or _ in the words is just a character)
    const found = await catalogApi(lawyer).list({ q: 'force MAJEURE' });
    expect(found.items[0]!.transcriptMatch!.snippet).toContain('Force Majeure');
    expect((await catalogApi(lawyer).list({ q: '%' })).total).toBe(0);
    const en = await upload(trainer, vtt, 'text/vtt', 'en');
    expect(en.json).toMatchObject({ lang: 'en', label: 'English' });
    expect((await teachApi(trainer).subtitles(lectureId)).map((s) => s.lang)).toEqual(['zh-CN', 'en']);

    await trainer.expectStatus(204, teachApi(trainer).removeSubtitles(lectureId, 'zh-CN'));
    expect((await errorOf(teachApi(trainer).removeSubtitles(lectureId, 'zh-CN'))).status).toBe(404);
    expect((await lawyer.raw('GET', `/api/lectures/${lectureId}/subtitles/zh-CN.vtt`)).status).toBe(404);
    const transcript = await lawyer.transcript(lectureId);
    expect(transcript).toMatchObject({ lang: 'en', cues: [{ start: 2, end: 3, text: '新的字幕 Force Majeure' }] });
    expect((await entries()).map((e) => e.action)).toEqual(['lecture.subtitles_uploaded', 'lecture.subtitles_replaced', 'lecture.subtitles_uploaded', 'lecture.subtitles_removed']);
  });
});
