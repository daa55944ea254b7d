/**
 * tus uploads at /api/uploads with tus-js-client (the library the web page uses), from Node:
 * chunked, interrupted and resumed; the finished upload is recorded as received before the
 * answer, then the upload_store job puts it into storage and queues its transcode. Plus the
 * checks: session, trainer role on the lecture's organization, owner of the upload, size.
 * Storage and replica failures: upload-durability.test.ts.
 *
 * raw() stays for the tus protocol itself (HEAD/PATCH/DELETE/OPTIONS with Tus-Resumable,
 * Upload-Offset and Upload-Length headers, odd bodies and CORS preflights): the typed client
 * speaks JSON only. The JSON routes around it (lectures, transcode status) use teachApi.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { Upload } from 'tus-js-client';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, type TestClient } from '../helpers/http.ts';
import { teachApi } from '../../web/src/routes/teach/teach-api.ts';
import { lectures, mediaSources, transcodeJobs, uploadReservations } from '../../server/db/schema/index.ts';
import { startTestS3, type TestS3 } from '../helpers/s3.ts';

const PASSWORD = 'lectern-demo';
const MAX_UPLOAD = 2 * 1024 * 1024;

interface TusOutcome {
  url: string | null;
  error?: Error & { originalResponse?: { getStatus(): number; getBody(): string } | null };
}

function cookieOf(client: TestClient): string {
  return client.jar.header() ?? '';
}

/** Runs a tus-js-client upload until success, error, or `stopAt` bytes (then aborts it). */
function tusUpload(
  baseUrl: string,
  body: Buffer,
  options: {
    cookie: string;
    metadata: Record<string, string>;
    chunkSize?: number;
    uploadUrl?: string;
    stopAt?: number;
    onChunk?: (offset: number) => void;
    uploadDataDuringCreation?: boolean;
  },
): Promise<TusOutcome> {
  return new Promise((resolve) => {
    const upload: Upload = new Upload(body, {
      endpoint: `${baseUrl}/api/uploads`,
      uploadUrl: options.uploadUrl,
      chunkSize: options.chunkSize ?? 256 * 1024,
      retryDelays: [],
      headers: { cookie: options.cookie },
      metadata: options.metadata,
      storeFingerprintForResuming: false,
      uploadDataDuringCreation: options.uploadDataDuringCreation ?? false,
      onChunkComplete(_chunk, accepted) {
        options.onChunk?.(accepted);
        if (options.stopAt !== undefined && accepted >= options.stopAt) {
          void upload.abort(false).then(() => resolve({ url: upload.url }));
        }
      },
      onSuccess: () => resolve({ url: upload.url }),
      onError: (error) => resolve({ url: upload.url, error: error as TusOutcome['error'] }),
    });
    upload.start();
  });
}

const TUS = { 'tus-resumable': '1.0.0' };
const metadataHeader = (values: Record<string, string>) =>
  Object.entries(values)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');

/** A tus error answer: JSON `{ error, message }` with the stable code, nothing else. */
function expectJsonError(res: { status: number; headers: Headers; json: unknown; text: string }, status: number, code: string): void {
  expect({ status: res.status, body: res.text }).toMatchObject({ status });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.json).toEqual({ error: code, message: expect.any(String) });
  const message = (res.json as { message: string }).message;
  expect(message.length).toBeGreaterThan(10);
  expect(message).not.toContain('\n');
}

describe('tus uploads', () => {
  let server: TestServer;
  let trainer: TestClient;
  let lawyer: TestClient;
  let adminSc: TestClient;

  beforeAll(async () => {
    server = await startTestServer({ env: { MAX_UPLOAD_BYTES: String(MAX_UPLOAD) } });
    const login = async (name: string) => {
      const c = createTestClient(server.baseUrl);
      await c.login(name, PASSWORD);
      return c;
    };
    [trainer, lawyer, adminSc] = await Promise.all([login('trainer'), login('lawyer'), login('admin-sc')]);
  });
  afterAll(async () => server?.close());

  async function newLecture(): Promise<string> {
    const lecture = await trainer.expectStatus(201, teachApi(trainer).addLecture(server.demo!.draftCourseId, `上传测试 ${randomBytes(2).toString('hex')}`));
    return lecture.id;
  }

  /** Waits until the lecture has this status (the store job runs right after the upload is received). */
  async function lectureStatus(lectureId: string, status: string): Promise<void> {
    await vi.waitFor(
      async () => {
        const [lecture] = await server.deps.db.select().from(lectures).where(eq(lectures.id, lectureId));
        expect(lecture!.status).toBe(status);
      },
      { timeout: 30_000, interval: 50 },
    );
  }

  it('takes a file in chunks, survives an interruption, resumes where it stopped, then stores it and queues the transcode', async () => {
    const lectureId = await newLecture();
    const file = randomBytes(1024 * 1024 + 12345);
    const metadata = { lectureId, filename: '第一讲.mp4', filetype: 'video/mp4' };

    const first = await tusUpload(server.baseUrl, file, { cookie: cookieOf(trainer), metadata, chunkSize: 128 * 1024, stopAt: 400 * 1024 });
    expect(first.error).toBeUndefined();
    expect(first.url).toMatch(/\/api\/uploads\/[0-9a-f]+$/);

    // the server kept what arrived; a HEAD tells the client where to go on
    const head = await trainer.raw('HEAD', new URL(first.url!).pathname, undefined, { 'tus-resumable': '1.0.0' });
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThanOrEqual(400 * 1024);
    expect(offset).toBeLessThan(file.length);
    expect((await server.deps.db.select().from(transcodeJobs).where(eq(transcodeJobs.lectureId, lectureId))).length).toBe(0);

    const offsets: number[] = [];
    const second = await tusUpload(server.baseUrl, file, { cookie: cookieOf(trainer), metadata, chunkSize: 128 * 1024, uploadUrl: first.url!, onChunk: (o) => offsets.push(o) });
    expect(second.error).toBeUndefined();
    expect(second.url).toBe(first.url);
    expect(offsets[0]).toBeGreaterThan(offset); // resumed, not restarted
    expect(offsets.at(-1)).toBe(file.length);

    // recorded before the answer; the store job takes it from there
    const id = first.url!.split('/').pop()!;
    const [reservation] = await server.deps.db.select().from(uploadReservations).where(eq(uploadReservations.id, id));
    expect(['received', 'stored']).toContain(reservation!.state);
    await lectureStatus(lectureId, 'processing');
    const sources = await server.deps.db.select().from(mediaSources).where(eq(mediaSources.lectureId, lectureId));
    expect(sources).toHaveLength(1);
    expect(sources[0]!).toMatchObject({ bytes: file.length, originalName: '第一讲.mp4', contentType: 'video/mp4', storageKey: `sources/${lectureId}/${sources[0]!.id}/original` });
    const stored = await server.deps.storage.get(sources[0]!.storageKey);
    const chunks: Buffer[] = [];
    for await (const chunk of stored.body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(file)).toBe(true);
    const jobs = await server.deps.db.select().from(transcodeJobs).where(eq(transcodeJobs.lectureId, lectureId));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!).toMatchObject({ status: 'queued', sourceId: sources[0]!.id, attempts: 0 });

    // the tus temp file is gone
    const uploadsDir = path.join(server.dataDir, 'uploads');
    await vi.waitFor(() => expect(existsSync(path.join(uploadsDir, id))).toBe(false));
    expect((await readdir(uploadsDir)).filter((f) => f.startsWith(id))).toEqual([]);

    const status = await teachApi(trainer).transcode(lectureId);
    expect(status).toMatchObject({ lectureStatus: 'processing', job: { status: 'queued', progress: 0 } });
  });

  it('refuses to start an upload for people who do not train for the lecture’s organization', async () => {
    const lectureId = await newLecture();
    for (const client of [lawyer, adminSc]) {
      const res = await tusUpload(server.baseUrl, randomBytes(1000), { cookie: cookieOf(client), metadata: { lectureId } });
      expect(res.error?.originalResponse?.getStatus()).toBe(403);
      expect(JSON.parse(res.error!.originalResponse!.getBody())).toMatchObject({ error: 'forbidden' });
    }
    const anonymous = await tusUpload(server.baseUrl, randomBytes(1000), { cookie: '', metadata: { lectureId } });
    expect(anonymous.error?.originalResponse?.getStatus()).toBe(401);
    expect((await server.deps.db.select().from(mediaSources).where(eq(mediaSources.lectureId, lectureId))).length).toBe(0);
  });

  it('refuses a missing or unknown lecture (400, 404) and a file over the size limit (413)', async () => {
    const missing = await tusUpload(server.baseUrl, randomBytes(1000), { cookie: cookieOf(trainer), metadata: { filename: 'x.mp4' } });
    expect(missing.error?.originalResponse?.getStatus()).toBe(400);
    const unknown = await tusUpload(server.baseUrl, randomBytes(1000), { cookie: cookieOf(trainer), metadata: { lectureId: '00000000-0000-4000-8000-000000000000' } });
    expect(unknown.error?.originalResponse?.getStatus()).toBe(404);
    const lectureId = await newLecture();
    const tooBig = await tusUpload(server.baseUrl, randomBytes(MAX_UPLOAD + 1), { cookie: cookieOf(trainer), metadata: { lectureId } });
    expect(tooBig.error?.originalResponse?.getStatus()).toBe(413);
    // a raw creation request declaring a huge length is refused before any byte is sent
    const raw = await trainer.raw('POST', '/api/uploads', undefined, {
      'tus-resumable': '1.0.0',
      'upload-length': String(50 * 1024 ** 3),
      'upload-metadata': `lectureId ${Buffer.from(lectureId).toString('base64')}`,
    });
    expect(raw.status).toBe(413);
  });

  it('refuses an empty file when the upload is created (400 JSON) and keeps nothing of it: no file, no source, no job, no reservation', async () => {
    const lectureId = await newLecture();
    const uploadsDir = path.join(server.dataDir, 'uploads');
    const before = await readdir(uploadsDir);

    const declared = await trainer.raw('POST', '/api/uploads', undefined, { ...TUS, 'upload-length': '0', 'upload-metadata': metadataHeader({ lectureId, filename: 'empty.mp4' }) });
    expectJsonError(declared, 400, 'empty_upload');
    const client = await tusUpload(server.baseUrl, Buffer.alloc(0), { cookie: cookieOf(trainer), metadata: { lectureId, filename: 'empty.mp4' } });
    expect(client.error?.originalResponse?.getStatus()).toBe(400);
    expect(JSON.parse(client.error!.originalResponse!.getBody())).toMatchObject({ error: 'empty_upload' });
    // a length declared later could be 0 as well, and cannot be reserved against the quota: refused
    const deferred = await trainer.raw('POST', '/api/uploads', undefined, { ...TUS, 'upload-defer-length': '1', 'upload-metadata': metadataHeader({ lectureId }) });
    expectJsonError(deferred, 400, 'upload_length_required');

    expect(await readdir(uploadsDir)).toEqual(before);
    expect(await server.deps.storage.list(`sources/${lectureId}/`)).toEqual([]);
    const { db } = server.deps;
    expect(await db.select().from(mediaSources).where(eq(mediaSources.lectureId, lectureId))).toEqual([]);
    expect(await db.select().from(transcodeJobs).where(eq(transcodeJobs.lectureId, lectureId))).toEqual([]);
    expect(await db.select().from(uploadReservations).where(eq(uploadReservations.lectureId, lectureId))).toEqual([]);
    const [lecture] = await db.select().from(lectures).where(eq(lectures.id, lectureId));
    expect(lecture!.status).toBe('uploading');
  });

  it('takes a small file sent whole with the creation request, and answers it as a success', async () => {
    const lectureId = await newLecture();
    const file = randomBytes(5000);
    const done = await tusUpload(server.baseUrl, file, { cookie: cookieOf(trainer), metadata: { lectureId, filename: 'short.mp4' }, uploadDataDuringCreation: true });
    expect(done.error?.originalResponse?.getBody() ?? done.error?.message).toBeUndefined();
    await lectureStatus(lectureId, 'processing');
    const sources = await server.deps.db.select().from(mediaSources).where(eq(mediaSources.lectureId, lectureId));
    expect(sources.map((s) => s.bytes)).toEqual([file.length]);
    expect((await server.deps.storage.head(sources[0]!.storageKey))?.bytes).toBe(file.length);
    // the tus file goes once it is stored
    const partial = path.join(server.dataDir, 'uploads', done.url!.split('/').pop()!);
    await vi.waitFor(() => expect(existsSync(partial) || existsSync(`${partial}.json`)).toBe(false));
  });

  it('answers every tus error as JSON { error, message } with a stable code', async () => {
    const lectureId = await newLecture();
    const metadata = metadataHeader({ lectureId, filename: 'x.mp4' });
    const created = await trainer.raw('POST', '/api/uploads', undefined, { ...TUS, 'upload-length': '1000', 'upload-metadata': metadata });
    expect(created.status).toBe(201);
    const uploadPath = created.headers.get('location')!;
    expect(uploadPath).toMatch(/^\/api\/uploads\/[0-9a-f]{32}$/);
    const octets = { 'content-type': 'application/offset+octet-stream' };

    expectJsonError(await trainer.raw('PATCH', uploadPath, 'abc', { ...octets, 'upload-offset': '0' }), 412, 'tus_resumable_required');
    expectJsonError(await trainer.raw('POST', '/api/uploads', undefined, { ...TUS, 'upload-length': 'lots', 'upload-metadata': metadata }), 400, 'invalid_upload_headers');
    expectJsonError(await trainer.raw('POST', '/api/uploads', undefined, { ...TUS, 'upload-metadata': metadata }), 400, 'upload_length_required');
    expectJsonError(await trainer.raw('POST', '/api/uploads', undefined, { ...TUS, 'upload-length': '10', 'upload-concat': 'partial' }), 400, 'upload_concat_unsupported');
    expectJsonError(await trainer.raw('POST', '/api/uploads', undefined, { ...TUS, 'upload-length': String(MAX_UPLOAD + 1), 'upload-metadata': metadata }), 413, 'upload_too_large');
    expectJsonError(await trainer.raw('PATCH', uploadPath, 'abc', { ...TUS, ...octets }), 400, 'invalid_upload_headers');
    expectJsonError(await trainer.raw('PATCH', uploadPath, 'abc', { ...TUS, 'upload-offset': '0' }), 400, 'invalid_upload_headers');
    expectJsonError(await trainer.raw('PATCH', uploadPath, 'abc', { ...TUS, ...octets, 'upload-offset': '7' }), 409, 'upload_offset_mismatch');
    expectJsonError(await trainer.raw('PATCH', uploadPath, 'x'.repeat(1001), { ...TUS, ...octets, 'upload-offset': '0' }), 413, 'upload_too_large');
    expectJsonError(await lawyer.raw('PATCH', uploadPath, 'abc', { ...TUS, ...octets, 'upload-offset': '0' }), 403, 'forbidden');
    expectJsonError(await lawyer.raw('DELETE', uploadPath, undefined, TUS), 403, 'forbidden');
    expectJsonError(await createTestClient(server.baseUrl).raw('PATCH', uploadPath, 'abc', { ...TUS, ...octets, 'upload-offset': '0' }), 401, 'unauthenticated');
    expectJsonError(await trainer.raw('PATCH', `/api/uploads/${'0'.repeat(32)}`, 'abc', { ...TUS, ...octets, 'upload-offset': '0' }), 404, 'not_found');
    expectJsonError(await trainer.raw('DELETE', `/api/uploads/${'0'.repeat(32)}`, undefined, TUS), 404, 'not_found');
    // HEAD answers carry no body; their type still says JSON
    const unknownHead = await trainer.raw('HEAD', `/api/uploads/${'0'.repeat(32)}`, undefined, TUS);
    expect(unknownHead.status).toBe(404);
    expect(unknownHead.headers.get('content-type')).toMatch(/^application\/json/);

    // an upload past its expiry (its creation date moved back 8 days, as time would)
    const infoFile = path.join(server.dataDir, 'uploads', `${uploadPath.split('/').pop()}.json`);
    const info = JSON.parse(await readFile(infoFile, 'utf8')) as { creation_date: string };
    await writeFile(infoFile, JSON.stringify({ ...info, creation_date: new Date(Date.now() - 8 * 24 * 3600 * 1000).toISOString() }));
    expect((await trainer.raw('HEAD', uploadPath, undefined, TUS)).status).toBe(410);
    expectJsonError(await trainer.raw('PATCH', uploadPath, 'abc', { ...TUS, ...octets, 'upload-offset': '0' }), 410, 'upload_expired');
  });

  it('answers no CORS headers at all, to a preflight or to an upload, whatever the Origin', async () => {
    const lectureId = await newLecture();
    const corsHeaders = (headers: Headers) => [...headers.keys()].filter((name) => name.startsWith('access-control-'));
    for (const origin of ['https://evil.example', server.baseUrl]) {
      const preflight = await trainer.raw('OPTIONS', '/api/uploads', undefined, {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'tus-resumable, upload-length, upload-metadata',
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('tus-version')).toBe('1.0.0');
      expect(corsHeaders(preflight.headers)).toEqual([]);
      // another site's page cannot create one at all (app.ts refuses cross-site state changes); this site's can
      const created = await trainer.raw('POST', '/api/uploads', undefined, { ...TUS, origin, 'upload-length': '10', 'upload-metadata': metadataHeader({ lectureId }) });
      expect(created.status).toBe(origin === server.baseUrl ? 201 : 403);
      expect(corsHeaders(created.headers)).toEqual([]);
      const refused = await trainer.raw('HEAD', `/api/uploads/${'0'.repeat(32)}`, undefined, { ...TUS, origin });
      expect(refused.status).toBe(404);
      expect(corsHeaders(refused.headers)).toEqual([]);
    }
  });

  it('lets nobody but its owner continue or inspect an upload', async () => {
    const lectureId = await newLecture();
    const started = await tusUpload(server.baseUrl, randomBytes(600 * 1024), { cookie: cookieOf(trainer), metadata: { lectureId }, chunkSize: 100 * 1024, stopAt: 100 * 1024 });
    expect(started.url).toBeTruthy();
    const uploadPath = new URL(started.url!).pathname;
    for (const client of [lawyer, adminSc]) {
      expect((await client.raw('HEAD', uploadPath, undefined, { 'tus-resumable': '1.0.0' })).status).toBe(403);
      const patch = await client.raw('PATCH', uploadPath, 'x'.repeat(10), { 'tus-resumable': '1.0.0', 'upload-offset': '102400', 'content-type': 'application/offset+octet-stream' });
      expect(patch.status).toBe(403);
    }
    expect((await createTestClient(server.baseUrl).raw('HEAD', uploadPath, undefined, { 'tus-resumable': '1.0.0' })).status).toBe(401);
    expect((await trainer.raw('HEAD', uploadPath, undefined, { 'tus-resumable': '1.0.0' })).status).toBe(200);
    // ids that are not upload ids never reach the file store
    for (const bad of ['..%2F..%2Fpglite', 'abc', `${uploadPath.split('/').pop()}.json`]) {
      expect((await trainer.raw('HEAD', `/api/uploads/${bad}`, undefined, { 'tus-resumable': '1.0.0' })).status).toBe(404);
    }
  });
});

describe('tus uploads with S3 storage', () => {
  let server: TestServer;
  let s3: TestS3;

  beforeAll(async () => {
    s3 = await startTestS3();
    server = await startTestServer({ config: { s3: s3.config } });
  });
  afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  it('stages the upload in the bucket, then streams it into place, queues the job and deletes the staged pieces', async () => {
    expect(server.deps.storage.driver).toBe('s3');
    const trainer = createTestClient(server.baseUrl);
    await trainer.login('trainer', PASSWORD);
    const lecture = await teachApi(trainer).addLecture(server.demo!.draftCourseId, 'S3 上传');
    const file = randomBytes(700 * 1024);
    const done = await tusUpload(server.baseUrl, file, { cookie: cookieOf(trainer), metadata: { lectureId: lecture.id, filename: 'a.mp4' }, chunkSize: 256 * 1024 });
    expect(done.error).toBeUndefined();
    const id = done.url!.split('/').pop()!;
    await vi.waitFor(
      async () => {
        const [reservation] = await server.deps.db.select().from(uploadReservations).where(eq(uploadReservations.id, id));
        expect(reservation).toMatchObject({ state: 'stored', staging: 'storage' });
        expect(reservation!.stagingRemovedAt).toBeInstanceOf(Date);
      },
      { timeout: 30_000, interval: 50 },
    );
    const [source] = await server.deps.db.select().from(mediaSources).where(eq(mediaSources.lectureId, lecture.id));
    const stored = await server.deps.storage.get(source!.storageKey);
    const chunks: Buffer[] = [];
    for await (const chunk of stored.body) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(file)).toBe(true);
    const jobs = await server.deps.db.select().from(transcodeJobs).where(eq(transcodeJobs.lectureId, lecture.id));
    expect(jobs.map((j) => j.status)).toEqual(['queued']);
    // nothing of it stays staged, in the bucket or on this machine's disk
    expect(await server.deps.storage.list(`uploads/${id}/`)).toEqual([]);
    expect(existsSync(path.join(server.dataDir, 'uploads', id))).toBe(false);
  });
});

describe('tus uploads when storage is down', () => {
  let server: TestServer;

  beforeAll(async () => {
    // an S3 endpoint nobody listens on: every put fails at once
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const s3 = { endpoint: `http://127.0.0.1:${closed}`, region: 'us-east-1', bucket: 'gone', accessKeyId: 'k', secretAccessKey: 's', forcePathStyle: true };
    server = await startTestServer({ config: { s3 } });
  });
  afterAll(async () => server?.close());

  it('answers 503 upload_storage_unavailable when storage cannot take the bytes, and claims nothing stored: the upload stays open where it was', async () => {
    const trainer = createTestClient(server.baseUrl);
    await trainer.login('trainer', PASSWORD);
    const lecture = await teachApi(trainer).addLecture(server.demo!.draftCourseId, '存储故障');
    const size = 300 * 1024;
    const done = await tusUpload(server.baseUrl, randomBytes(size), { cookie: cookieOf(trainer), metadata: { lectureId: lecture.id }, chunkSize: 100 * 1024 });
    expect(done.error?.originalResponse?.getStatus()).toBe(503);
    expect(JSON.parse(done.error!.originalResponse!.getBody())).toMatchObject({ error: 'upload_storage_unavailable' });

    // a HEAD tells the client the truth: not complete, so it sends again when storage is back
    const uploadPath = new URL(done.url!).pathname;
    const head = await trainer.raw('HEAD', uploadPath, undefined, TUS);
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('upload-offset'))).toBeLessThan(size);
    const id = uploadPath.split('/').pop()!;
    const [reservation] = await server.deps.db.select().from(uploadReservations).where(eq(uploadReservations.id, id));
    expect(reservation).toMatchObject({ state: 'receiving', endedAt: null });
    expect(await server.deps.db.select().from(mediaSources).where(eq(mediaSources.lectureId, lecture.id))).toEqual([]);
  });
});
