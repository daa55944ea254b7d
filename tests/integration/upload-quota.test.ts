/**
 * The per-trainer upload quota: the bytes of a trainer's unfinished tus uploads (their
 * upload_reservations) plus a new upload's Upload-Length must fit in UPLOAD_QUOTA_BYTES.
 * Cancelling or finishing an upload gives its bytes back; abandoned ones expire (the sweep, run
 * here with an injected "now" rather than by waiting). Parallel creations cannot overrun it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { and, eq, isNull } from 'drizzle-orm';
import { Upload } from 'tus-js-client';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, type TestClient } from '../helpers/http.ts';
import { teachApi } from '../../web/src/routes/teach/teach-api.ts';
import { uploadReservations } from '../../server/db/schema/index.ts';
import { AuthRepository } from '../../server/auth/repository.ts';
import { AuthService } from '../../server/auth/service.ts';
import { type UploadsService, uploadsServiceOver } from '../../server/uploads/service.ts';

const PASSWORD = 'lectern-demo';
const MiB = 1024 * 1024;
const MAX_UPLOAD = 2 * MiB;
const QUOTA = 5 * MiB;
const DAY = 24 * 3600 * 1000;
const TUS = { 'tus-resumable': '1.0.0' };

describe('upload quota per trainer', () => {
  let server: TestServer;
  let uploads: UploadsService;
  let trainerNumber = 0;

  beforeAll(async () => {
    server = await startTestServer({ env: { MAX_UPLOAD_BYTES: String(MAX_UPLOAD), UPLOAD_QUOTA_BYTES: String(QUOTA) } });
    const { db, storage, config } = server.deps;
    // the same service and staging folder the routes use, so the sweep can be run with a chosen "now"
    uploads = uploadsServiceOver({ db, storage, config }, server.app.services.access);
  });
  afterAll(async () => server?.close());

  /** A fresh national trainer (its own quota), logged in. */
  async function newTrainer(): Promise<{ client: TestClient; userId: string }> {
    const login = `trainer-q${++trainerNumber}`;
    const auth = new AuthService(new AuthRepository(server.deps.db), { attemptsPerMinute: 100 });
    const user = await auth.createUser({ login, name: `讲师${trainerNumber}`, password: PASSWORD, organizationId: server.demo!.national, licenseNo: null });
    await new AuthRepository(server.deps.db).grantRole(user.id, server.demo!.national, 'trainer');
    const client = createTestClient(server.baseUrl);
    await client.login(login, PASSWORD);
    return { client, userId: user.id };
  }

  async function newLecture(client: TestClient): Promise<string> {
    return (await client.expectStatus(201, teachApi(client).addLecture(server.demo!.draftCourseId, `配额 ${randomBytes(2).toString('hex')}`))).id;
  }

  /** Starts an upload (creation only, no bytes): what an abandoned upload looks like. */
  function create(client: TestClient, lectureId: string, bytes: number) {
    return client.raw('POST', '/api/uploads', undefined, { ...TUS, 'upload-length': String(bytes), 'upload-metadata': `lectureId ${Buffer.from(lectureId).toString('base64')}` });
  }

  async function openReservations(userId: string) {
    return server.deps.db
      .select()
      .from(uploadReservations)
      .where(and(eq(uploadReservations.userId, userId), isNull(uploadReservations.endedAt)));
  }

  it('counts unfinished uploads against the trainer and refuses one that does not fit, saying how much is reserved and how to free it', async () => {
    const { client, userId } = await newTrainer();
    const lectureId = await newLecture(client);
    expect((await create(client, lectureId, 2 * MiB)).status).toBe(201);
    expect((await create(client, lectureId, 2 * MiB)).status).toBe(201);

    const refused = await create(client, lectureId, 2 * MiB);
    expect(refused.status).toBe(413);
    expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
    expect(refused.json).toMatchObject({ error: 'upload_quota_exceeded' });
    const message = (refused.json as { message: string }).message;
    expect(message).toContain('4.0 MiB'); // reserved
    expect(message).toContain('5.0 MiB'); // the quota
    expect(message).toContain('7 days'); // when abandoned uploads expire
    expect(message).toMatch(/cancel/i);

    // what still fits is taken: 4 + 1 = 5 MiB
    expect((await create(client, lectureId, 1 * MiB)).status).toBe(201);
    const open = await openReservations(userId);
    expect(open.map((r) => r.bytes).sort()).toEqual([1 * MiB, 2 * MiB, 2 * MiB]);
    expect(open.every((r) => r.lectureId === lectureId)).toBe(true);

    // the quota is per trainer: another trainer is not held back by this one's uploads
    const other = await newTrainer();
    expect((await create(other.client, await newLecture(other.client), 2 * MiB)).status).toBe(201);
  });

  it('gives the bytes back when the trainer cancels an upload (tus DELETE)', async () => {
    const { client, userId } = await newTrainer();
    const lectureId = await newLecture(client);
    const first = await create(client, lectureId, 2 * MiB);
    expect((await create(client, lectureId, 2 * MiB)).status).toBe(201);
    expect((await create(client, lectureId, 2 * MiB)).status).toBe(413);

    const location = first.headers.get('location')!;
    expect((await client.raw('DELETE', location, undefined, TUS)).status).toBe(204);
    const id = location.split('/').pop()!;
    // @tus/server answers 204 and then emits POST_TERMINATE, whose handler ends the reservation:
    // wait for that state rather than racing it
    const endedAt = async () => (await server.deps.db.select().from(uploadReservations).where(eq(uploadReservations.id, id)))[0]?.endedAt ?? null;
    await expect.poll(endedAt, { timeout: 30_000, interval: 50 }).toBeInstanceOf(Date);
    expect((await create(client, lectureId, 2 * MiB)).status).toBe(201);
    expect((await openReservations(userId)).length).toBe(2);
  });

  it('gives the bytes back when an upload finishes', async () => {
    const { client, userId } = await newTrainer();
    const lectureId = await newLecture(client);
    expect((await create(client, lectureId, 2 * MiB)).status).toBe(201);
    const file = randomBytes(2 * MiB);
    const error = await new Promise<Error | null>((resolve) => {
      new Upload(file, {
        endpoint: `${server.baseUrl}/api/uploads`,
        chunkSize: 512 * 1024,
        retryDelays: [],
        headers: { cookie: client.jar.header() ?? '' },
        metadata: { lectureId, filename: 'full.mp4' },
        storeFingerprintForResuming: false,
        onSuccess: () => resolve(null),
        onError: (err) => resolve(err),
      }).start();
    });
    expect(error).toBeNull();
    expect((await openReservations(userId)).map((r) => r.bytes)).toEqual([2 * MiB]);
    expect((await create(client, lectureId, 2 * MiB)).status).toBe(201);
    expect((await create(client, lectureId, 2 * MiB)).status).toBe(413);
  });

  it('lets no burst of parallel creations overrun the quota', async () => {
    const { client, userId } = await newTrainer();
    const lectureId = await newLecture(client);
    const answers = await Promise.all(Array.from({ length: 8 }, () => create(client, lectureId, 2 * MiB)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 413, 413, 413, 413, 413, 413]);
    const open = await openReservations(userId);
    expect(open.reduce((sum, r) => sum + r.bytes, 0)).toBe(4 * MiB);
  });

  it('expires abandoned uploads after 7 days: the sweep removes their partial files and ends their reservations', async () => {
    const { client, userId } = await newTrainer();
    const lectureId = await newLecture(client);
    const started = await create(client, lectureId, 2 * MiB);
    expect(started.status).toBe(201);
    const location = started.headers.get('location')!;
    expect(Date.parse(started.headers.get('upload-expires')!) - Date.now()).toBeGreaterThan(6.9 * DAY);
    const patched = await client.raw('PATCH', location, 'x'.repeat(1000), { ...TUS, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' });
    expect(patched.status).toBe(204);
    expect((await create(client, lectureId, 2 * MiB)).status).toBe(201);
    const partial = path.join(server.dataDir, 'uploads', location.split('/').pop()!);
    expect(existsSync(partial)).toBe(true);

    // six days on: nothing has expired yet
    const early = await uploads.sweepExpired({ asOf: new Date(Date.now() + 6 * DAY) });
    expect(early.endedReservations).toBe(0);
    expect((await openReservations(userId)).length).toBe(2);

    const late = await uploads.sweepExpired({ asOf: new Date(Date.now() + 7 * DAY + 60_000) });
    expect(late.endedReservations).toBeGreaterThanOrEqual(2);
    expect(await openReservations(userId)).toEqual([]);
    expect(existsSync(partial)).toBe(false);
    expect(existsSync(`${partial}.json`)).toBe(false);
    expect((await client.raw('HEAD', location, undefined, TUS)).status).toBe(404);
    expect((await create(client, lectureId, 2 * MiB)).status).toBe(201);
    expect((await create(client, lectureId, 2 * MiB)).status).toBe(201);
  });
});
