/**
 * kill -9 of a transcode worker mid-job, with the production defaults (issue 10, "Must show"):
 * two `transcoder/main.ts` processes on PostgreSQL and local storage, the default lease (20 s,
 * renewed every 5 s) and poll (2 s). Only the worker's own process is killed — not its process
 * group — so its ffmpeg survives unless the worker's guard kills it (transcoder/child-guard.ts).
 *
 * Shows: the dead worker's ffmpeg stops; the other worker takes the job over once the lease runs
 * out and the lecture ends ready, published once; the dead worker's temp folder is swept. How
 * long the take-over and the whole recovery took is printed (not asserted: a loaded machine).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
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
const hasPostgres = Boolean(process.env.DATABASE_URL);
if (!hasPostgres) console.warn('[worker-kill] skipped: needs PostgreSQL (set DATABASE_URL) — worker processes cannot share an in-memory PGlite.');

interface Child {
  process: ChildProcess;
  output: string[];
  exited: Promise<void>;
}

/** Still running: exists and is not a zombie. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe.skipIf(!hasPostgres || process.platform !== 'linux')('kill -9 of a transcode worker mid-job (production defaults)', () => {
  let database: TestDatabase;
  let demo: DemoIds;
  let dataDir: string;
  let tempDir: string;
  let storage: LocalStorage;
  let media: MediaWorkspace;
  const children: Child[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    demo = await seedDemo(database.db);
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'lectern-kill-'));
    tempDir = path.join(dataDir, 'tmp');
    await mkdir(tempDir);
    storage = new LocalStorage({ root: path.join(dataDir, 'storage'), secret: SECRET, publicUrl: 'http://127.0.0.1' });
    media = await MediaWorkspace.create();
  }, 120_000);
  afterAll(async () => {
    for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await database?.drop();
    await media?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  function startWorkerProcess(): Child {
    // node itself runs the worker (no npx/tsx wrapper process), so its pid is the worker's
    const child = spawn(process.execPath, ['--import', 'tsx', 'transcoder/main.ts'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: database.url!,
        DATA_DIR: dataDir,
        TMPDIR: tempDir,
        SESSION_SECRET: SECRET,
        S3_BUCKET: '',
        S3_ENDPOINT: '',
        TRANSCODER_LEASE_SECONDS: '',
        TRANSCODER_POLL_MS: '',
        TRANSCODER_CONCURRENCY: '1',
        FFMPEG_THREADS: '1',
        LOG_LEVEL: 'info',
      },
    });
    const output: string[] = [];
    child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    // 'close', not 'exit': the launcher may exit before the worker's last lines are in the pipe
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const handle = { process: child, output, exited };
    children.push(handle);
    return handle;
  }

  async function job(jobId: string) {
    const [row] = await database.db.select().from(transcodeJobs).where(eq(transcodeJobs.id, jobId));
    return row!;
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 300_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; worker output:\n${children.map((c) => c.output.join('').slice(-2000)).join('\n---\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('stops the dead worker’s ffmpeg, and the other worker finishes the job', async () => {
    const workers = [startWorkerProcess(), startWorkerProcess()];
    await until('both workers to start', () => workers.every((w) => w.output.join('').includes('transcode worker started')));
    const started = workers[0]!.output.join('');
    expect(started).toContain('"leaseSeconds":20');
    expect(started).toContain('"renewEverySeconds":5');

    // long enough at one ffmpeg thread that the kill lands mid-transcode
    const clip = await media.video({ seconds: 30, width: 1280, height: 720, noise: 8, slideSeconds: 10 });
    const catalog = new CatalogRepository(database.db);
    const lecture = await catalog.insertLecture({ courseId: demo.draftCourseId, position: 1, title: 'kill -9', status: 'uploading' });
    const service = transcodingServiceOver(database.db, storage);
    const sourceId = crypto.randomUUID();
    await storage.put(sourceKey(lecture.id, sourceId), createReadStream(clip));
    const queued = await database.db.transaction((tx) => service.enqueueSource(tx, { id: sourceId, lectureId: lecture.id, storageKey: sourceKey(lecture.id, sourceId), bytes: 1 }));

    // The job running and the holder's ladder ffmpeg alive, seen together; that ffmpeg is then
    // stopped (SIGSTOP) so the job cannot finish before the kill, however fast this machine is.
    // A stopped process still dies of the SIGKILL the worker's watchdog sends it.
    const { runningJob, holderPid, ffmpegs } = await until('the job to run, with the holder’s ffmpeg', async () => {
      const j = await job(queued.id);
      if (j.status !== 'running' || !j.leaseOwner) return undefined;
      const pid = Number(j.leaseOwner.split(':').at(-2));
      const pids = ladderFfmpegsOf(pid);
      if (pids.length === 0) return undefined;
      for (const ffmpeg of pids) process.kill(ffmpeg, 'SIGSTOP');
      return { runningJob: j, holderPid: pid, ffmpegs: pids };
    });
    const victim = workers.find((w) => w.process.pid === holderPid)!;
    const survivor = workers.find((w) => w !== victim)!;
    expect(victim).toBeTruthy();
    const jobDirs = async () => (await readdir(tempDir)).filter((name) => name.startsWith(`lectern-job-${holderPid}-`));
    expect(await jobDirs()).toHaveLength(1);

    process.kill(holderPid, 'SIGKILL'); // the worker only, not its process group
    const killedAt = Date.now();
    await victim.exited;
    expect(victim.process.signalCode).toBe('SIGKILL');

    // its ffmpeg does not go on encoding for nobody
    await until('the dead worker’s ffmpeg to stop', () => ffmpegs.every((pid) => !running(pid)), 15_000);
    const ffmpegGoneMs = Date.now() - killedAt;

    const takenOver = await until('the other worker to take the job over', async () => {
      const j = await job(queued.id);
      return j.leaseOwner && j.leaseOwner !== runningJob.leaseOwner ? j : undefined;
    });
    const takenOverMs = Date.now() - killedAt;
    expect(takenOver.leaseOwner).toContain(`:${survivor.process.pid}:`);
    expect(takenOver.attempts).toBe(2);

    const done = await until('the job to finish', async () => {
      const j = await job(queued.id);
      if (j.status === 'failed') throw new Error(`job failed: ${j.errorCode} ${j.errorReason}`);
      return j.status === 'done' ? j : undefined;
    });
    const readyMs = Date.now() - killedAt;
    expect(done.attempts).toBe(2);
    const [ready] = await database.db.select().from(lectures).where(eq(lectures.id, lecture.id));
    expect(ready!.status).toBe('ready');
    // one package for the lecture, and the dead worker's folder (partial package) is gone
    await expect
      .poll(async () => (await storage.list(`lectures/${lecture.id}/`)).map((o) => o.key).filter((k) => !k.startsWith(ready!.packagePrefix!)), { timeout: 10_000 })
      .toEqual([]);
    expect(await jobDirs()).toEqual([]);

    console.log(
      `[worker-kill] kill -9 of the worker holding the job: its ffmpeg stopped after ${(ffmpegGoneMs / 1000).toFixed(1)} s; ` +
        `taken over after ${(takenOverMs / 1000).toFixed(1)} s (lease 20 s, heartbeat 5 s, poll 2 s); ` +
        `lecture ready ${(readyMs / 1000).toFixed(1)} s after the kill (full redo of a 30 s 720p clip at one ffmpeg thread)`,
    );

    survivor.process.kill('SIGTERM');
    await survivor.exited;
    expect(survivor.output.join('')).toContain('SIGTERM: stopping the transcode worker');
  }, 600_000);
});
