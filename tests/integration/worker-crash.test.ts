/**
 * A worker killed with SIGKILL mid-job (issue 3, "Must show"): `npx tsx transcoder/main.ts` runs
 * as a child process against a fresh PostgreSQL database and a local storage folder with a 3 s
 * lease. Once its job is running with progress, the whole process group (node and ffmpeg) is
 * killed. Nothing half-published may be visible; a second worker takes the job over when the
 * lease runs out and finishes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { MediaWorkspace } from '../helpers/media.ts';
import { ladderFfmpegsOf } from '../helpers/worker-processes.ts';
import { seedDemo, type DemoIds } from '../../server/demo/seed.ts';
import { LocalStorage } from '../../server/storage/local.ts';
import { CatalogRepository } from '../../server/catalog/repository.ts';
import { transcodingServiceOver, sourceKey } from '../../server/transcoding/service.ts';
import { lectures, transcodeJobs } from '../../server/db/schema/index.ts';

const SECRET = 'test-secret-test-secret-test-secret-0123';
const LEASE_SECONDS = 3;
const hasPostgres = Boolean(process.env.DATABASE_URL);
if (!hasPostgres) console.warn('[worker-crash] skipped: needs PostgreSQL (set DATABASE_URL) — a separate worker process cannot share an in-memory PGlite.');

interface Child {
  process: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

describe.skipIf(!hasPostgres)('a transcode worker killed mid-job', () => {
  let database: TestDatabase;
  let demo: DemoIds;
  let dataDir: string;
  let storage: LocalStorage;
  let media: MediaWorkspace;
  const children: Child[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    demo = await seedDemo(database.db);
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'lectern-crash-'));
    storage = new LocalStorage({ root: path.join(dataDir, 'storage'), secret: SECRET, publicUrl: 'http://127.0.0.1' });
    media = await MediaWorkspace.create();
  });
  afterAll(async () => {
    for (const child of children) killGroup(child, 'SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await database?.drop();
    await media?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  function startWorkerProcess(ffmpegThreads: number): Child {
    const child = spawn(process.execPath, ['--import', 'tsx', 'transcoder/main.ts'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      // its own process group, so that killing it takes ffmpeg along, as when a machine dies
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: database.url!,
        DATA_DIR: dataDir,
        SESSION_SECRET: SECRET,
        S3_BUCKET: '',
        S3_ENDPOINT: '',
        TRANSCODER_LEASE_SECONDS: String(LEASE_SECONDS),
        TRANSCODER_POLL_MS: '200',
        TRANSCODER_CONCURRENCY: '1',
        FFMPEG_THREADS: String(ffmpegThreads),
        LOG_LEVEL: 'info',
      },
    });
    const output: string[] = [];
    child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    // One node process with tsx as a loader, as `npm run transcoder` and the compose file run it:
    // the tsx CLI would SIGKILL the worker when it does not acknowledge a SIGTERM within 30 ms,
    // which a loaded machine misses. 'close', not 'exit': wait for the pipe to be drained too.
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const handle = { process: child, output, exited };
    children.push(handle);
    return handle;
  }

  function killGroup(child: Child, signal: NodeJS.Signals) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return;
    try {
      process.kill(-child.process.pid!, signal);
    } catch {
      // already gone
    }
  }

  async function job(jobId: string) {
    const [row] = await database.db.select().from(transcodeJobs).where(eq(transcodeJobs.id, jobId));
    return row!;
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined | false>, child: Child, timeoutMs = 180_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; worker output:\n${child.output.join('').slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('publishes nothing half-done, and another worker finishes the job after the lease runs out', async () => {
    // Long enough at one ffmpeg thread that the kill lands mid-transcode.
    const clip = await media.video({ seconds: 30, width: 1280, height: 720, noise: 8, slideSeconds: 10 });
    const catalog = new CatalogRepository(database.db);
    const lecture = await catalog.insertLecture({ courseId: demo.draftCourseId, position: 1, title: '断电测试', status: 'uploading' });
    const service = transcodingServiceOver(database.db, storage);
    const sourceId = crypto.randomUUID();
    await storage.put(sourceKey(lecture.id, sourceId), createReadStream(clip));
    const queued = await database.db.transaction((tx) => service.enqueueSource(tx, { id: sourceId, lectureId: lecture.id, storageKey: sourceKey(lecture.id, sourceId), bytes: 1 }));

    const first = startWorkerProcess(1);
    // running, with its ladder ffmpeg alive, seen together; that ffmpeg is then stopped (SIGSTOP) so
    // the job cannot finish before the kill however fast this machine is (the group's SIGKILL ends it)
    const running = await until('the job to run, with its ffmpeg', async () => {
      const j = await job(queued.id);
      if (j.status !== 'running') return undefined;
      const ffmpegs = ladderFfmpegsOf(first.process.pid!);
      if (ffmpegs.length === 0) return undefined;
      for (const ffmpeg of ffmpegs) process.kill(ffmpeg, 'SIGSTOP');
      return j;
    }, first);
    expect(running.attempts).toBe(1);
    const deadOwner = running.leaseOwner;

    const deadPid = /"workerId":"[^"]*:(\d+):/.exec(first.output.join(''))?.[1];
    expect(deadPid).toBeTruthy();
    const jobDirsOf = async (pid: string) => (await readdir(os.tmpdir())).filter((name) => name.startsWith(`lectern-job-${pid}-`));
    expect(await jobDirsOf(deadPid!)).toHaveLength(1);

    killGroup(first, 'SIGKILL');
    await first.exited;
    expect(first.process.signalCode ?? 'SIGKILL').toBe('SIGKILL');

    // Nothing half-published: the lecture is not ready and no master playlist exists for it.
    const [afterKill] = await database.db.select().from(lectures).where(eq(lectures.id, lecture.id));
    expect(afterKill!.status).toBe('processing');
    expect(afterKill!.packagePrefix).toBeNull();
    const keys = (await storage.list(`lectures/${lecture.id}/`)).map((o) => o.key);
    expect(keys.filter((k) => k.endsWith('master.m3u8'))).toEqual([]);
    const stale = await job(queued.id);
    expect(stale).toMatchObject({ status: 'running', attempts: 1, leaseOwner: deadOwner });

    // A second worker takes over once the lease has run out, and finishes.
    const second = startWorkerProcess(0);
    const takenOver = await until('another worker to claim the job', async () => {
      const j = await job(queued.id);
      return j.leaseOwner && j.leaseOwner !== deadOwner ? j : undefined;
    }, second);
    expect(takenOver.attempts).toBe(2);
    const done = await until('the job to finish', async () => {
      const j = await job(queued.id);
      if (j.status === 'failed') throw new Error(`job failed: ${j.errorReason}\n${second.output.join('')}`);
      return j.status === 'done' ? j : undefined;
    }, second);
    expect(done.attempts).toBe(2);
    expect(done.progress).toBe(100);

    const [ready] = await database.db.select().from(lectures).where(eq(lectures.id, lecture.id));
    expect(ready!.status).toBe('ready');
    expect(ready!.durationSeconds).toBeGreaterThan(29);
    const published = (await storage.list(ready!.packagePrefix!)).map((o) => o.key.slice(ready!.packagePrefix!.length));
    for (const file of (done.result as { files: string[] }).files) expect(published).toContain(file);
    // and only that package exists for the lecture
    await expect
      .poll(async () => (await storage.list(`lectures/${lecture.id}/`)).map((o) => o.key).filter((k) => !k.startsWith(ready!.packagePrefix!)), { timeout: 10_000 })
      .toEqual([]);

    // the killed worker's temp folder (source copy, partial package) was swept by the new worker
    expect(await jobDirsOf(deadPid!)).toEqual([]);

    // A graceful stop: the worker hears SIGTERM and stops.
    killGroup(second, 'SIGTERM');
    await second.exited;
    expect(second.output.join('')).toContain('SIGTERM: stopping the transcode worker');
  }, 400_000);
});
