/**
 * Durable uploads (docs/jobs-and-uploads.md, "Durable uploads"): storage and replica failures at
 * the moments that used to lose a finished upload, with S3 staging on a real s3rver reached
 * through a TCP proxy the test cuts (a storage outage), PostgreSQL or PGlite, tus-js-client as
 * the web page uses it, and the real transcoder for "ready".
 *
 * - storage down when the last chunk arrives: 503, the upload stays incomplete (nothing is
 *   claimed), and the resumed upload ends ready once storage is back;
 * - storage down after the upload was received, for longer than its store job's attempts: the
 *   upload waits ("received", retrying) and ends ready once storage is back;
 * - a complete upload that no request recorded (the process died after the last byte) is recorded
 *   by the next HEAD before it answers, or by the sweep;
 * - abandoned uploads: the expiry sweep deletes their staged pieces from the bucket.
 * On PostgreSQL only (two API instances on one database and one bucket): a resume through the
 * other replica, two PATCHes of one upload at once through both, and the advisory-lock locker
 * itself (bounded wait, release requests, a lost session).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { Upload } from 'tus-js-client';
import { ERRORS } from '@tus/utils';
import { availableBackends, type Backend } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, type TestClient } from '../helpers/http.ts';
import { teachApi } from '../../web/src/routes/teach/teach-api.ts';
import { startTestS3, type TestS3 } from '../helpers/s3.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { MediaWorkspace } from '../helpers/media.ts';
import { backgroundJobs, lectures, mediaSources, uploadChunks, uploadReservations } from '../../server/db/schema/index.ts';
import { loadConfig } from '../../server/config.ts';
import { openDatabase, type Database } from '../../server/db/client.ts';
import { startPlatform, type Platform } from '../../server/platform.ts';
import { type UploadsService, uploadsServiceOver } from '../../server/uploads/service.ts';
import { StorageStaging, stagingPrefix } from '../../server/uploads/storage-staging.ts';
import { PostgresLocker } from '../../server/uploads/locker.ts';
import { S3Storage } from '../../server/storage/s3.ts';
import { startWorker, type Worker } from '../../transcoder/worker.ts';

const PASSWORD = 'lectern-demo';
const TUS = { 'tus-resumable': '1.0.0' };
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const onPostgres = Boolean(process.env.DATABASE_URL);
if (!onPostgres) console.warn('[tests] upload-durability: the two-replica and lock tests need PostgreSQL (DATABASE_URL); PGlite is one process.');

interface TusOutcome {
  url: string | null;
  offsets: number[];
  error?: Error & { originalResponse?: { getStatus(): number; getBody(): string } | null };
}

/** tus-js-client without retries: until success, error, or `stopAt` bytes (then it aborts). */
function tusUpload(
  baseUrl: string,
  body: Buffer,
  options: { cookie: string; metadata: Record<string, string>; chunkSize: number; uploadUrl?: string; stopAt?: number; beforeLastChunk?: () => void },
): Promise<TusOutcome> {
  return new Promise((resolve) => {
    const offsets: number[] = [];
    const upload: Upload = new Upload(body, {
      endpoint: `${baseUrl}/api/uploads`,
      uploadUrl: options.uploadUrl,
      chunkSize: options.chunkSize,
      retryDelays: [],
      headers: { cookie: options.cookie },
      metadata: options.metadata,
      storeFingerprintForResuming: false,
      onChunkComplete(_chunk, accepted) {
        offsets.push(accepted);
        if (options.stopAt !== undefined && accepted >= options.stopAt) void upload.abort(false).then(() => resolve({ url: upload.url, offsets }));
        else if (accepted < body.length && accepted + options.chunkSize >= body.length) options.beforeLastChunk?.();
      },
      onSuccess: () => resolve({ url: upload.url, offsets }),
      onError: (error) => resolve({ url: upload.url, offsets, error: error as TusOutcome['error'] }),
    });
    upload.start();
  });
}

const idOf = (url: string) => url.split('/').pop()!;

async function bytesAt(platform: Pick<Platform, 'deps'>, key: string): Promise<Buffer> {
  const stored = await platform.deps.storage.get(key);
  const chunks: Buffer[] = [];
  for await (const chunk of stored.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function reservation(server: TestServer, id: string) {
  const [row] = await server.deps.db.select().from(uploadReservations).where(eq(uploadReservations.id, id));
  return row!;
}

async function until<T>(what: () => Promise<T>, timeout = 60_000): Promise<T> {
  return vi.waitFor(what, { timeout, interval: 100 });
}

describe.each(availableBackends())('durable uploads with S3 staging on %s', (backend: Backend) => {
  let s3: TestS3;
  let proxy: TcpProxy;
  let server: TestServer;
  let trainer: TestClient;
  let worker: Worker;
  let media: MediaWorkspace;
  let clip: Buffer;
  let uploads: UploadsService;
  /** the bucket as the test sees it, not through the proxy the API's outage goes through */
  let bucket: S3Storage;
  /** called once when the next upload_store job starts (after it claimed the job, before it touches storage) */
  let onStoreStart: (() => void) | null = null;

  beforeAll(async () => {
    s3 = await startTestS3();
    proxy = await startTcpProxy(s3.endpoint);
    bucket = new S3Storage(s3.config);
    server = await startTestServer({
      backend,
      config: { s3: { ...s3.config, endpoint: proxy.endpoint } },
      backgroundJobs: {
        retryBackoffSeconds: 1,
        onProgress: (job) => {
          if (job.kind !== 'upload_store' || !onStoreStart) return;
          const hook = onStoreStart;
          onStoreStart = null;
          hook();
        },
      },
    });
    trainer = createTestClient(server.baseUrl);
    await trainer.login('trainer', PASSWORD);
    const { db, storage, config } = server.deps;
    uploads = uploadsServiceOver({ db, storage, config }, server.app.services.access);
    worker = startWorker({ db, storage, config, pollMs: 200, leaseSeconds: 30, ffmpegThreads: 2, logger: quiet });
    media = await MediaWorkspace.create('lectern-durability-');
    clip = await readFile(await media.video({ seconds: 2, width: 320, height: 180 }));
  });
  afterAll(async () => {
    await worker?.stop();
    await server?.close();
    proxy?.up();
    await proxy?.close();
    await s3?.close();
    await media?.dispose();
  });

  afterEach(() => {
    onStoreStart = null;
    proxy.up(); // a failed test leaves no outage behind
  });

  async function newLecture(title: string): Promise<string> {
    return (await trainer.expectStatus(201, teachApi(trainer).addLecture(server.demo!.draftCourseId, `${title} ${randomBytes(2).toString('hex')}`))).id;
  }

  async function lectureStatus(lectureId: string): Promise<string> {
    const [lecture] = await server.deps.db.select().from(lectures).where(eq(lectures.id, lectureId));
    return lecture!.status;
  }

  async function expectReadyWith(lectureId: string, file: Buffer): Promise<void> {
    await until(async () => expect(await lectureStatus(lectureId)).toBe('ready'), 180_000);
    const sources = await server.deps.db.select().from(mediaSources).where(eq(mediaSources.lectureId, lectureId));
    expect(sources).toHaveLength(1);
    expect((await bytesAt(server, sources[0]!.storageKey)).equals(file)).toBe(true);
  }

  it('storage down when the last chunk arrives: 503, nothing claimed; resumed once storage is back, the lecture ends ready', async () => {
    const lectureId = await newLecture('最后一块');
    const metadata = { lectureId, filename: '第一讲.mp4', filetype: 'video/mp4' };
    const chunkSize = Math.ceil(clip.length / 4);
    const first = await tusUpload(server.baseUrl, clip, { cookie: trainer.jar.header()!, metadata, chunkSize, beforeLastChunk: () => proxy.down() });
    expect(first.error?.originalResponse?.getStatus()).toBe(503);
    expect(JSON.parse(first.error!.originalResponse!.getBody())).toMatchObject({ error: 'upload_storage_unavailable' });

    // the truth, not "complete": the client sends the last chunk again
    const head = await trainer.raw('HEAD', new URL(first.url!).pathname, undefined, TUS);
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBe(first.offsets.at(-1));
    expect(offset).toBeLessThan(clip.length);
    expect(await reservation(server, idOf(first.url!))).toMatchObject({ state: 'receiving', stagedBytes: offset });
    expect(await lectureStatus(lectureId)).toBe('uploading');

    proxy.up();
    const resumed = await tusUpload(server.baseUrl, clip, { cookie: trainer.jar.header()!, metadata, chunkSize, uploadUrl: first.url! });
    expect(resumed.error).toBeUndefined();
    expect(resumed.offsets[0]).toBe(clip.length); // only the last chunk was sent again
    await expectReadyWith(lectureId, clip);
  });

  it('storage down after the upload was received, longer than its store job tries: it waits as "received", then ends ready once storage is back', async () => {
    const lectureId = await newLecture('已收到');
    const metadata = { lectureId, filename: '第二讲.mp4', filetype: 'video/mp4' };
    onStoreStart = () => proxy.down();
    const done = await tusUpload(server.baseUrl, clip, { cookie: trainer.jar.header()!, metadata, chunkSize: Math.ceil(clip.length / 3) });
    expect(done.error).toBeUndefined();
    const id = idOf(done.url!);
    // recorded before the answer came back
    const received = await reservation(server, id);
    expect(received.state).toBe('received');
    expect(received.receivedAt).toBeInstanceOf(Date);

    // the store job tries while storage is away, and gives up after its attempts
    const firstJob = received.storeJobId!;
    await until(async () => {
      const [job] = await server.deps.db.select().from(backgroundJobs).where(eq(backgroundJobs.id, firstJob));
      expect(job!.status).toBe('failed');
    });
    expect(proxy.refused).toBeGreaterThan(0);
    // nothing lost, and the trainer sees where it stands
    expect(await reservation(server, id)).toMatchObject({ state: 'received' });
    expect(await lectureStatus(lectureId)).toBe('uploading');
    expect((await bucket.list(stagingPrefix(id))).length).toBeGreaterThan(0);
    const view = await trainer.expectStatus(200, trainer.lectureUpload(lectureId));
    expect(view).toMatchObject({ lectureId, upload: { id, state: 'received', bytes: clip.length, retrying: true } });
    // the client that asks again hears "complete": it was received
    const head = await trainer.raw('HEAD', new URL(done.url!).pathname, undefined, TUS);
    expect(Number(head.headers.get('upload-offset'))).toBe(clip.length);

    // storage is back: the sweep (every minute in each API process; run here at once) queues it again
    proxy.up();
    const sweep = await uploads.sweepReceipts();
    expect(sweep).toMatchObject({ requeued: 1, errors: [] });
    await expectReadyWith(lectureId, clip);
    await until(async () => expect((await reservation(server, id)).stagingRemovedAt).toBeInstanceOf(Date));
    expect(await server.deps.storage.list(stagingPrefix(id))).toEqual([]);
    const after = await trainer.lectureUpload(lectureId);
    expect(after).toMatchObject({ upload: { id, state: 'stored', retrying: false } });
  });

  it('records a complete upload that no request recorded: the next HEAD does before it answers, else the sweep', async () => {
    const { db, storage, config } = server.deps;
    const staging = new StorageStaging(db, storage, config.uploadExpiryDays * 24 * 3600 * 1000);
    const metadataHeader = (lectureId: string) => `lectureId ${Buffer.from(lectureId).toString('base64')},filename ${Buffer.from('x.mp4').toString('base64')}`;
    /** as a process that wrote the last byte and died before recording it */
    const completeButUnrecorded = async (lectureId: string, file: Buffer) => {
      const created = await trainer.raw('POST', '/api/uploads', undefined, { ...TUS, 'upload-length': String(file.length), 'upload-metadata': metadataHeader(lectureId) });
      expect(created.status).toBe(201);
      const id = idOf(created.headers.get('location')!);
      expect(await staging.write(Readable.from([file]), id, 0)).toBe(file.length);
      expect(await reservation(server, id)).toMatchObject({ state: 'receiving', stagedBytes: file.length });
      return { id, path: created.headers.get('location')! };
    };

    const byHead = await newLecture('HEAD 补记');
    const viaHead = await completeButUnrecorded(byHead, clip);
    const head = await trainer.raw('HEAD', viaHead.path, undefined, TUS);
    expect(Number(head.headers.get('upload-offset'))).toBe(clip.length);
    expect(['received', 'stored']).toContain((await reservation(server, viaHead.id)).state);
    await expectReadyWith(byHead, clip);

    const bySweep = await newLecture('清扫补记');
    const file = randomBytes(70_000);
    const viaSweep = await completeButUnrecorded(bySweep, file);
    // the sweep leaves uploads younger than a minute to their own requests
    expect((await uploads.sweepReceipts()).recorded).toBe(0);
    await db.update(uploadReservations).set({ createdAt: sql`now() - interval '2 minutes'` }).where(eq(uploadReservations.id, viaSweep.id));
    expect((await uploads.sweepReceipts()).recorded).toBe(1);
    await until(async () => expect(await lectureStatus(bySweep)).not.toBe('uploading'));
    const [source] = await db.select().from(mediaSources).where(eq(mediaSources.lectureId, bySweep));
    expect((await bytesAt(server, source!.storageKey)).equals(file)).toBe(true);
  });

  it('expires an abandoned upload after UPLOAD_EXPIRY_DAYS: its staged pieces leave the bucket, its rows say expired', async () => {
    const lectureId = await newLecture('放弃');
    const file = randomBytes(300 * 1024);
    const started = await tusUpload(server.baseUrl, file, { cookie: trainer.jar.header()!, metadata: { lectureId }, chunkSize: 100 * 1024, stopAt: 100 * 1024 });
    const id = idOf(started.url!);
    expect((await server.deps.storage.list(stagingPrefix(id))).length).toBeGreaterThan(0);
    expect((await uploads.sweepExpired({ asOf: new Date(Date.now() + 6 * 24 * 3600 * 1000) })).endedReservations).toBe(0);
    const swept = await uploads.sweepExpired({ asOf: new Date(Date.now() + 7 * 24 * 3600 * 1000 + 60_000) });
    expect(swept.endedReservations).toBeGreaterThanOrEqual(1);
    expect(await server.deps.storage.list(stagingPrefix(id))).toEqual([]);
    expect(await server.deps.db.select().from(uploadChunks).where(eq(uploadChunks.uploadId, id))).toEqual([]);
    expect(await reservation(server, id)).toMatchObject({ state: 'expired' });
    expect((await trainer.raw('HEAD', new URL(started.url!).pathname, undefined, TUS)).status).toBe(404);
  });
});

describe.skipIf(!onPostgres)('two API replicas on one PostgreSQL database and one bucket', () => {
  let s3: TestS3;
  let a: TestServer;
  let b: { platform: Platform; database: Database; dataDir: string };
  let trainer: TestClient;

  beforeAll(async () => {
    s3 = await startTestS3();
    a = await startTestServer({ config: { s3: s3.config } });
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lectern-replica-b-'));
    const database = await openDatabase({ databaseUrl: a.testDatabase.url!, maxConnections: 10 });
    const config = {
      ...loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SESSION_SECRET: a.deps.config.sessionSecret, LOG_LEVEL: 'warn', SEED_DEMO: 'false', TRANSCODER_IN_PROCESS: 'false' }),
      s3: s3.config,
    };
    b = { platform: await startPlatform(config, { serveWeb: false, logger: false, database }), database, dataDir };
    trainer = createTestClient(a.baseUrl);
    await trainer.login('trainer', PASSWORD);
  });
  afterAll(async () => {
    await b?.platform.close();
    await b?.database.close();
    if (b) await rm(b.dataDir, { recursive: true, force: true });
    await a?.close();
    await s3?.close();
  });

  async function newLecture(): Promise<string> {
    return (await trainer.expectStatus(201, teachApi(trainer).addLecture(a.demo!.draftCourseId, `两个副本 ${randomBytes(2).toString('hex')}`))).id;
  }

  it('continues on replica B an upload started on replica A: the offset goes on, the file is intact', async () => {
    const lectureId = await newLecture();
    const file = randomBytes(900 * 1024 + 777);
    const metadata = { lectureId, filename: '跨副本.mp4' };
    const onA = await tusUpload(a.baseUrl, file, { cookie: trainer.jar.header()!, metadata, chunkSize: 128 * 1024, stopAt: 300 * 1024 });
    expect(onA.error).toBeUndefined();
    const uploadPath = new URL(onA.url!).pathname;
    const offsetOnA = onA.offsets.at(-1)!;

    // B knows where the upload stands
    const fromB = createTestClient(b.platform.url);
    for (const [name, value] of trainer.jar.cookies) fromB.jar.cookies.set(name, value);
    const head = await fromB.raw('HEAD', uploadPath, undefined, TUS);
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('upload-offset'))).toBe(offsetOnA);

    const onB = await tusUpload(b.platform.url, file, { cookie: trainer.jar.header()!, metadata, chunkSize: 128 * 1024, uploadUrl: `${b.platform.url}${uploadPath}` });
    expect(onB.error).toBeUndefined();
    expect(onB.offsets[0]).toBe(offsetOnA + 128 * 1024); // resumed, not restarted
    expect(onB.offsets.at(-1)).toBe(file.length);

    await until(async () => {
      const [lecture] = await a.deps.db.select().from(lectures).where(eq(lectures.id, lectureId));
      expect(lecture!.status).toBe('processing');
    });
    const [source] = await a.deps.db.select().from(mediaSources).where(eq(mediaSources.lectureId, lectureId));
    expect((await bytesAt(a, source!.storageKey)).equals(file)).toBe(true);
  });

  it('two PATCHes of one upload at once, one through each replica: one waits or is refused, and the file ends intact', async () => {
    const lectureId = await newLecture();
    const file = randomBytes(256 * 1024);
    const created = await trainer.raw('POST', '/api/uploads', undefined, {
      ...TUS,
      'upload-length': String(file.length),
      'upload-metadata': `lectureId ${Buffer.from(lectureId).toString('base64')}`,
    });
    expect(created.status).toBe(201);
    const uploadPath = created.headers.get('location')!;
    const headers = { ...TUS, cookie: trainer.jar.header()!, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' };

    // A: a PATCH whose sender stalls half-way through, holding the upload's lock
    const stream = new TransformStream<Uint8Array, Uint8Array>();
    const writer = stream.writable.getWriter();
    void writer.write(file.subarray(0, 100 * 1024));
    const slow = fetch(`${a.baseUrl}${uploadPath}`, { method: 'PATCH', headers, body: stream.readable, duplex: 'half' } as RequestInit).then(
      (res) => res.status,
      () => 'connection closed' as const,
    );
    const advisoryLocks = async () => {
      const rows = await a.deps.db.execute<{ n: number }>(sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())`);
      return Number((rows as unknown as { n: number }[])[0]?.n ?? 0);
    };
    await until(async () => expect(await advisoryLocks()).toBeGreaterThan(0));

    // B: the same upload at the same offset, with all of it
    const fast = await fetch(`${b.platform.url}${uploadPath}`, { method: 'PATCH', headers: { ...headers, 'content-length': String(file.length) }, body: file });
    const fastBody = await fast.text();
    await writer.close().catch(() => {});
    const slowStatus = await slow;
    // B asked A to let go; A kept what had arrived, so B's offset no longer matched (409), or B was refused (423) or went first (204)
    expect([204, 409, 423], fastBody).toContain(fast.status);
    expect([204, 400, 409, 'connection closed']).toContain(slowStatus);

    // whatever happened, a client resuming from the server's offset ends with the exact file
    const resumed = await tusUpload(b.platform.url, file, {
      cookie: trainer.jar.header()!,
      metadata: { lectureId },
      chunkSize: 64 * 1024,
      uploadUrl: `${b.platform.url}${uploadPath}`,
    });
    expect(resumed.error).toBeUndefined();
    await until(async () => {
      const [lecture] = await a.deps.db.select().from(lectures).where(eq(lectures.id, lectureId));
      expect(lecture!.status).toBe('processing');
    });
    const [source] = await a.deps.db.select().from(mediaSources).where(eq(mediaSources.lectureId, lectureId));
    expect((await bytesAt(a, source!.storageKey)).equals(file)).toBe(true);
    // staged pieces gone after the store
    await until(async () => expect(await a.deps.db.select().from(uploadChunks).where(eq(uploadChunks.uploadId, idOf(uploadPath)))).toEqual([]));
    expect(await a.deps.storage.list(stagingPrefix(idOf(uploadPath)))).toEqual([]);
  });

  it('the advisory-lock locker: a bounded wait, the holder asked to let go, and a lost session detected', async () => {
    const url = a.testDatabase.url!;
    const one = postgres(url, { max: 3, onnotice: () => {} });
    const two = postgres(url, { max: 3, onnotice: () => {} });
    const lockerOne = new PostgresLocker(one, { timeoutMs: 10_000 });
    const impatient = new PostgresLocker(two, { timeoutMs: 600 });
    const patient = new PostgresLocker(two, { timeoutMs: 10_000 });
    try {
      await lockerOne.start();
      await impatient.start();
      const id = randomBytes(16).toString('hex');
      let asked = 0;
      const held = lockerOne.newLock(id);
      await held.lock(new AbortController().signal, () => {
        asked++; // a stubborn holder: does not let go
      });
      await expect(impatient.newLock(id).lock(new AbortController().signal, () => {})).rejects.toBe(ERRORS.ERR_LOCK_TIMEOUT);
      expect(asked).toBeGreaterThan(0); // the release request (NOTIFY) reached the holder's process

      // once let go, the other process gets it
      await held.unlock();
      const second = patient.newLock(id);
      await second.lock(new AbortController().signal, () => {});
      await second.unlock();

      // a holder whose database session ends is asked to stop, and the lock is free for others
      let stopped = false;
      const again = lockerOne.newLock(id);
      await again.lock(new AbortController().signal, () => {
        stopped = true;
      });
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      await admin`select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and granted and pid <> pg_backend_pid() and database = (select oid from pg_database where datname = current_database())`;
      await admin.end();
      await until(async () => expect(stopped).toBe(true), 15_000);
      const third = patient.newLock(id);
      await third.lock(new AbortController().signal, () => {});
      await third.unlock();
      await again.unlock();
    } finally {
      await lockerOne.close();
      await impatient.close();
      await patient.close();
      await one.end();
      await two.end();
    }
  });
});
