/**
 * Handouts (issue 11, docs/handouts.md) over PostgreSQL (or PGlite without DATABASE_URL), on the
 * local folder and on S3 (s3rver): upload as the raw body with the type read from the bytes, the
 * size cap, who may attach and who may download, the audit entries, downloads with ranges (a
 * broken download resumed) or a signed S3 redirect, the course answers carrying the handouts,
 * rename and delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { catalogApi } from '../../web/src/lib/api/learning.ts';
import { teachApi } from '../../web/src/routes/teach/teach-api.ts';
import { startTestS3, type TestS3 } from '../helpers/s3.ts';
import { ooxml, tinyPdf } from '../helpers/handouts.ts';
import { AuthService } from '../../server/auth/service.ts';
import { AuthRepository } from '../../server/auth/repository.ts';
import { auditLog } from '../../server/db/schema/index.ts';

const PASSWORD = 'lectern-demo';
const CAP = 64 * 1024;

interface Handout {
  id: string;
  title: string;
  type: string;
  bytes: number;
  lectureId: string | null;
  fileName: string;
  url: string;
}

describe.each(['local', 's3'] as const)('handouts on %s storage', (driver) => {
  let server: TestServer;
  let s3: TestS3 | undefined;
  let trainer: TestClient;
  let gansuTrainer: TestClient;
  let lawyer: TestClient;
  let pdf: Buffer;

  beforeAll(async () => {
    if (driver === 's3') s3 = await startTestS3();
    server = await startTestServer({ config: { handoutMaxBytes: CAP, ...(s3 ? { s3: s3.config } : {}) } });
    const auth = new AuthService(new AuthRepository(server.deps.db), { attemptsPerMinute: 100 });
    const user = await auth.createUser({ login: 'trainer-gs', name: '甘肃讲师', password: PASSWORD, organizationId: server.demo!.gansu, licenseNo: null });
    await new AuthRepository(server.deps.db).grantRole(user.id, server.demo!.gansu, 'trainer');
    const login = async (name: string) => {
      const c = createTestClient(server.baseUrl);
      await c.login(name, PASSWORD);
      return c;
    };
    [trainer, gansuTrainer, lawyer] = await Promise.all([login('trainer'), login('trainer-gs'), login('lawyer')]);
    pdf = await tinyPdf('证据规则讲义', 3);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  /** POST the bytes as the body, as the web page does. */
  const upload = async (client: TestClient, courseId: string, body: Buffer | ReadableStream<Uint8Array>, query: Record<string, string>, headers: Record<string, string> = {}) => {
    const init: RequestInit & { duplex?: 'half' } = {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', cookie: client.jar.header() ?? '', ...headers },
      body: body as BodyInit,
    };
    if (!(body instanceof Buffer)) init.duplex = 'half';
    const response = await fetch(`${server.baseUrl}/api/courses/${courseId}/handouts?${new URLSearchParams(query).toString()}`, init);
    const text = await response.text();
    return { status: response.status, json: (text ? JSON.parse(text) : undefined) as Handout & { error?: string } };
  };
  const download = async (client: TestClient, url: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.baseUrl}${url}`, { headers: { cookie: client.jar.header() ?? '', ...headers }, redirect: 'manual' });
    return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
  };
  /** Follows the download to the bytes: on S3 through the signed redirect, with the same Range. */
  const bytesOf = async (client: TestClient, url: string, headers: Record<string, string> = {}) => {
    const first = await download(client, url, headers);
    if (first.status !== 302) return first;
    const location = first.headers.get('location')!;
    const response = await fetch(location, { headers });
    return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
  };
  const entries = async (targetId: string) => server.deps.db.select().from(auditLog).where(eq(auditLog.targetId, targetId)).orderBy(auditLog.at);
  const draftCourse = async () => {
    return (await trainer.expectStatus(201, teachApi(trainer).createCourse({ title: '合同纠纷实务', category: 'civil_commercial', organizationId: server.demo!.sichuan }))).id;
  };

  it('a trainer attaches a PDF to a published course; its type, size and audit entry', async () => {
    const courseId = server.demo!.courseId;
    const res = await upload(trainer, courseId, pdf, { name: '第一讲 证据规则.pdf' });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ title: '第一讲 证据规则', type: 'pdf', bytes: pdf.length, lectureId: null, fileName: '第一讲 证据规则.pdf' });
    const [entry] = await entries(res.json.id);
    expect(entry).toMatchObject({ action: 'handout.added', targetType: 'handout', actorId: server.demo!.users.trainer, before: null });
    expect(entry!.after).toMatchObject({ courseId, lectureId: null, type: 'pdf', bytes: pdf.length });

    // the lawyer's course page and the trainer's listing carry it
    const detail = await catalogApi(lawyer).course(courseId);
    expect(detail.handouts).toContainEqual(res.json);
    const overview = await teachApi(trainer).overview();
    expect(overview.handoutMaxBytes).toBe(CAP);
    expect(overview.items.find((c) => c.id === courseId)!.handouts.map((h) => h.id)).toContain(res.json.id);
  });

  it('reads the type from the bytes: DOCX and PPTX whatever they are called, an HTML page named .pdf refused', async () => {
    const courseId = await draftCourse();
    const docx = await upload(trainer, courseId, ooxml('word'), { name: 'notes.bin' });
    expect(docx.status).toBe(201);
    expect(docx.json).toMatchObject({ type: 'docx', title: 'notes.bin', fileName: 'notes.bin.docx' });
    const pptx = await upload(trainer, courseId, ooxml('ppt'), { name: '幻灯片.pptx', title: '第二讲幻灯片' });
    expect(pptx.json).toMatchObject({ type: 'pptx', title: '第二讲幻灯片', fileName: '幻灯片.pptx' });

    const html = await upload(trainer, courseId, Buffer.from('<html><script>alert(1)</script></html>'), { name: 'evil.pdf' });
    expect(html).toMatchObject({ status: 415, json: { error: 'unsupported_handout_type' } });
    const empty = await upload(trainer, courseId, Buffer.alloc(0), { name: 'empty.pdf' });
    expect(empty).toMatchObject({ status: 400, json: { error: 'empty_handout' } });
    // a control character in the name is refused like in any title
    const bad = await upload(trainer, courseId, pdf, { name: 'a\u0007b.pdf' });
    expect(bad.status).toBe(400);
    // a form cannot send it: the request guard answers before the route
    const form = await upload(trainer, courseId, pdf, { name: 'a.pdf' }, { 'content-type': 'multipart/form-data; boundary=x' });
    expect(form).toMatchObject({ status: 415, json: { error: 'unsupported_media_type' } });
    // nothing of the refused files was kept
    const listed = await teachApi(trainer).overview();
    expect(listed.items.find((c) => c.id === courseId)!.handouts).toHaveLength(2);
  });

  it('refuses a file over the cap: by its Content-Length at once, or as the bytes arrive', async () => {
    const courseId = await draftCourse();
    const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(CAP)]);
    const declared = await upload(trainer, courseId, big, { name: 'big.pdf' });
    expect(declared).toMatchObject({ status: 413, json: { error: 'handout_too_large' } });
    // streamed without a length (chunked): counted while it arrives
    const chunks = [big.subarray(0, 16 * 1024), big.subarray(16 * 1024, 48 * 1024), big.subarray(48 * 1024)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(new Uint8Array(next));
        else controller.close();
      },
    });
    const streamed = await upload(trainer, courseId, stream, { name: 'big.pdf' });
    expect(streamed).toMatchObject({ status: 413, json: { error: 'handout_too_large' } });
    // exactly the cap is fine
    const atCap = await upload(trainer, courseId, big.subarray(0, CAP), { name: 'cap.pdf' });
    expect(atCap.status).toBe(201);
  });

  it('only a trainer of the course’s organization attaches; a lawyer sees a draft’s handouts as nothing', async () => {
    const courseId = await draftCourse(); // Sichuan's
    expect((await upload(gansuTrainer, courseId, pdf, { name: 'x.pdf' })).status).toBe(403);
    expect((await upload(lawyer, courseId, pdf, { name: 'x.pdf' })).status).toBe(403);
    const attached = await upload(trainer, courseId, pdf, { name: '草稿讲义.pdf' });
    expect(attached.status).toBe(201);
    expect((await download(lawyer, attached.json.url)).status).toBe(404);
    expect((await download(gansuTrainer, attached.json.url)).status).toBe(404);
    // editing is the course editor's rule: 403 for whoever does not train for the organization
    expect((await errorOf(teachApi(lawyer).renameHandout(attached.json.id, 'x'))).status).toBe(403);
    expect((await errorOf(teachApi(gansuTrainer).renameHandout(attached.json.id, 'x'))).status).toBe(403);
    // a lecture of another course is not this course's
    const other = await upload(trainer, courseId, pdf, { name: 'x.pdf', lectureId: server.demo!.lectureId });
    expect(other.status).toBe(404);
    // signed out
    const anonymous = createTestClient(server.baseUrl);
    expect((await upload(anonymous, courseId, pdf, { name: 'x.pdf' })).status).toBe(401);
  });

  it('a lecture’s handout: listed with its lecture, hidden with it', async () => {
    const courseId = server.demo!.courseId;
    const res = await upload(trainer, courseId, pdf, { name: 'lecture.pdf', lectureId: server.demo!.lectureId });
    expect(res).toMatchObject({ status: 201, json: { lectureId: server.demo!.lectureId } });
    // a lecture added to a published course starts hidden: its handout is the trainers' only
    const hiddenLecture = (await teachApi(trainer).addLecture(courseId, '隐藏的讲座')).id;
    const hidden = await upload(trainer, courseId, pdf, { name: 'hidden.pdf', lectureId: hiddenLecture });
    expect(hidden.status).toBe(201);
    const detail = await catalogApi(lawyer).course(courseId);
    expect(detail.handouts.map((h) => h.id)).toContain(res.json.id);
    expect(detail.handouts.map((h) => h.id)).not.toContain(hidden.json.id);
    expect((await download(lawyer, hidden.json.url)).status).toBe(404);
    expect((await bytesOf(trainer, hidden.json.url)).status).toBe(200);
  });

  it(driver === 'local' ? 'downloads with ranges: 206, 416, a broken download resumed, ETag' : 'redirects to a short-lived signed URL that names the file; ranges there resume', async () => {
    const courseId = server.demo!.courseId;
    const res = await upload(trainer, courseId, pdf, { name: '证据规则（第二版）.pdf' });
    const url = res.json.url;
    const whole = await download(lawyer, url);
    if (driver === 'local') {
      expect(whole.status).toBe(200);
      expect(whole.body.equals(pdf)).toBe(true);
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      expect(whole.headers.get('content-length')).toBe(String(pdf.length));
      expect(whole.headers.get('content-type')).toBe('application/pdf');
      expect(whole.headers.get('cache-control')).toMatch(/^private/);
      expect(whole.headers.get('content-disposition')).toBe(`attachment; filename="handout-${res.json.id.slice(0, 8)}.pdf"; filename*=UTF-8''${encodeURIComponent('证据规则（第二版）.pdf')}`);
      const etag = whole.headers.get('etag')!;
      expect(etag).toBeTruthy();
      expect((await download(lawyer, url, { 'if-none-match': etag })).status).toBe(304);

      const part = await download(lawyer, url, { range: 'bytes=10-99' });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 10-99/${pdf.length}`);
      expect(part.body.equals(pdf.subarray(10, 100))).toBe(true);
      const beyond = await download(lawyer, url, { range: `bytes=${pdf.length}-` });
      expect(beyond.status).toBe(416);
      expect(beyond.headers.get('content-range')).toBe(`bytes */${pdf.length}`);
      const head = await fetch(`${server.baseUrl}${url}`, { method: 'HEAD', headers: { cookie: lawyer.jar.header()! } });
      expect(head.headers.get('content-length')).toBe(String(pdf.length));
    } else {
      expect(whole.status).toBe(302);
      expect(whole.headers.get('cache-control')).toBe('no-store');
      const location = new URL(whole.headers.get('location')!);
      expect(location.origin).toBe(s3!.endpoint);
      expect(location.searchParams.get('response-content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('证据规则（第二版）.pdf')}`);
      const fetched = await fetch(location);
      expect(fetched.status).toBe(200);
      expect(fetched.headers.get('content-type')).toBe('application/pdf');
      expect(fetched.headers.get('content-disposition')).toContain("filename*=UTF-8''");
      expect(Buffer.from(await fetched.arrayBuffer()).equals(pdf)).toBe(true);
    }

    // A slow line drops the connection part-way: the rest comes with a Range from where it stopped.
    const response = await fetch(`${server.baseUrl}${url}`, { headers: { cookie: lawyer.jar.header()! } });
    const reader = response.body!.getReader();
    const received: Buffer[] = [];
    let got = 0;
    while (got < 1000) {
      const { value, done } = await reader.read();
      if (done) break;
      received.push(Buffer.from(value));
      got += value.length;
    }
    await reader.cancel(); // the line broke
    const start = Math.min(got, 1000);
    const head = Buffer.concat(received).subarray(0, start);
    const rest = await bytesOf(lawyer, url, { range: `bytes=${start}-` });
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-range')).toBe(`bytes ${start}-${pdf.length - 1}/${pdf.length}`);
    expect(Buffer.concat([head, rest.body]).equals(pdf)).toBe(true);
  });

  it('rename and delete, each audited; a deleted handout’s file leaves storage', async () => {
    const courseId = await draftCourse();
    const res = await upload(trainer, courseId, pdf, { name: 'old.pdf' });
    expect(await trainer.expectStatus(200, teachApi(trainer).renameHandout(res.json.id, '新标题'))).toMatchObject({ title: '新标题', fileName: 'old.pdf' });
    // a title with a bidi override: refused by the schema, raw
    expect((await trainer.raw('PATCH', `/api/handouts/${res.json.id}`, { title: 'x\u202Ey' })).status).toBe(400);
    expect((await errorOf(teachApi(gansuTrainer).deleteHandout(res.json.id))).status).toBe(403);

    const key = `handouts/${courseId}/${res.json.id}/file.pdf`;
    expect(await server.deps.storage.head(key)).toMatchObject({ bytes: pdf.length });
    await trainer.expectStatus(204, teachApi(trainer).deleteHandout(res.json.id));
    expect(await server.deps.storage.head(key)).toBeNull();
    expect((await download(trainer, res.json.url)).status).toBe(404);
    expect((await errorOf(teachApi(trainer).deleteHandout(res.json.id))).status).toBe(404);
    expect((await entries(res.json.id)).map((e) => e.action)).toEqual(['handout.added', 'handout.renamed', 'handout.deleted']);
    const [, rename, removal] = await entries(res.json.id);
    expect(rename).toMatchObject({ before: { title: 'old' }, after: { title: '新标题' } });
    expect(removal).toMatchObject({ after: null, before: { title: '新标题', type: 'pdf', bytes: pdf.length } });
  });
});
