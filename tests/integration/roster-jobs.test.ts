/**
 * Long roster imports as background jobs: 202 and a job id, progress while the passwords are
 * hashed, the accounts stored all at once at the end, the one-time passwords answered once (to
 * the administrator who started it) and then gone from the database, a conflict that fails the
 * whole job, and 403 for everyone outside the job's organization.
 *
 * The runner is the platform's own; the test holds it at its first progress report (the
 * runner's onProgress hook) to look at a job that is known to be running, instead of hoping to
 * catch it at the right moment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq, inArray, like } from 'drizzle-orm';
import writeXlsxFile from 'write-excel-file/node';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTestClient, errorOf, type TestClient } from '../helpers/http.ts';
import { auditLog, backgroundJobs, users } from '../../server/db/schema/index.ts';
import { BACKGROUND_ABOVE } from '../../server/roster/service.ts';
import { AuthRepository } from '../../server/auth/repository.ts';
import { hashPassword } from '../../server/auth/password.ts';
import type { BackgroundJob } from '../../web/src/lib/api/types.ts';

/** A gate the runner waits at after a progress report, once closed, until released. */
class Gate {
  private held: { arrived: () => void; opened: Promise<void> } | null = null;
  private open: () => void = () => {};
  /** The next progress report waits until release(); answers when that report has arrived. */
  close(): Promise<void> {
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    const opened = new Promise<void>((resolve) => (this.open = resolve));
    this.held = { arrived, opened };
    return arrival;
  }
  /** the runner's onProgress */
  async pass(): Promise<void> {
    const held = this.held;
    if (!held) return;
    this.held = null;
    held.arrived();
    await held.opened;
  }
  release(): void {
    this.open();
  }
}

const gate = new Gate();
let server: TestServer;
let adminSc: TestClient;
let admin: TestClient;
let adminGs: TestClient;
let lawyer: TestClient;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  server = await startTestServer({ backgroundJobs: { pollMs: 200, onProgress: () => gate.pass() } });
  adminSc = createTestClient(server.baseUrl);
  await adminSc.login('admin-sc', 'lectern-demo');
  admin = createTestClient(server.baseUrl);
  await admin.login('admin', 'lectern-demo');
  lawyer = createTestClient(server.baseUrl);
  await lawyer.login('lawyer', 'lectern-demo');
  // An administrator of Gansu, to be refused Sichuan's job.
  const auth = new AuthRepository(server.deps.db);
  const gansuAdmin = await auth.insertUser({ login: 'admin-gs', name: '甘肃管理员', organizationId: server.demo!.gansu, passwordHash: await hashPassword('gansu-admin-password') });
  await auth.grantRole(gansuAdmin.id, server.demo!.gansu, 'admin');
  adminGs = createTestClient(server.baseUrl);
  await adminGs.login('admin-gs', 'gansu-admin-password');
});
afterAll(async () => {
  gate.release();
  await server?.close();
});

const rows = BACKGROUND_ABOVE + 1;
const licence = (series: number, i: number) => `1510720239${series}${String(i).padStart(6, '0')}`;
async function roster(series: number): Promise<string> {
  const data = [['执业证号', '姓名', '律师事务所', '执业开始日期', '兼职', '出生年份'], ...Array.from({ length: rows }, (_, i) => [licence(series, i), `律师${i}`, i % 2 ? '三台县明理律师事务所' : '绵阳涪城正衡律师事务所', '2020-09-01', i % 3 ? '否' : '是', String(1970 + (i % 30))])];
  return (await writeXlsxFile(data).toBuffer()).toString('base64');
}
const imported = async (series: number) => Number((await server.deps.db.select({ n: count() }).from(users).where(like(users.licenseNo, `1510720239${series}%`)))[0]!.n);

/** Polls as the national administrator (who never takes the passwords) until the job has ended. */
async function ended(jobId: string): Promise<BackgroundJob> {
  for (;;) {
    const job = await admin.job(jobId);
    if (job.status === 'done' || job.status === 'failed') return job;
    await sleep(100);
  }
}

describe('a long roster import runs as a background job', () => {
  let jobId: string;

  it(`more than ${BACKGROUND_ABOVE} rows answer 202 with a job that reports progress while nothing is stored yet`, async () => {
    const reached = gate.close();
    // raw: the whole 202 body is checked (ApiClient.importRoster answers its kind, id and total)
    const res = await adminSc.raw('POST', `/api/organizations/${server.demo!.sichuan}/roster`, { xlsx: await roster(1) });
    expect(res.status, res.text).toBe(202);
    const body = res.json as { jobId: string; total: number; status: string };
    expect(body).toEqual({ jobId: expect.any(String), total: rows, status: 'queued' });
    jobId = body.jobId;

    await reached; // the runner has written its first progress and waits
    const running = await adminSc.job(jobId);
    expect(running).toMatchObject({ id: jobId, kind: 'roster_import', organizationId: server.demo!.sichuan, status: 'running', total: rows });
    expect(running.progress).toBeGreaterThan(0);
    expect(running.progress).toBeLessThan(rows);
    expect(running.accounts).toBeUndefined();
    expect(await imported(1)).toBe(0);

    // The same lawyers again while the job runs: refused, not queued twice.
    const again = await errorOf(adminSc.importRoster(server.demo!.sichuan, { xlsx: await roster(1) }));
    expect([again.status, again.code]).toEqual([409, 'roster_import_pending']);
  });

  it('403 for the job outside its organization’s administrators; another administrator above sees it without passwords', async () => {
    for (const client of [adminGs, lawyer]) expect((await errorOf(client.job(jobId))).status).toBe(403);
    expect((await errorOf(adminSc.job('00000000-0000-4000-8000-000000000000'))).status).toBe(403);
    expect((await errorOf(createTestClient(server.baseUrl).job(jobId))).status).toBe(401);
    gate.release();
    const done = await ended(jobId);
    expect(done).toMatchObject({ status: 'done', progress: rows, total: rows, imported: rows, passwords: 'actor_only' });
    expect(done.accounts).toHaveLength(rows);
    expect(done.accounts!.every((a) => a.initialPassword === undefined)).toBe(true);
  });

  it('once done, the first answer to its administrator carries every password; the next answers and the database do not', async () => {
    const first = await adminSc.job(jobId);
    expect(first).toMatchObject({ status: 'done', imported: rows, passwords: 'included' });
    expect(first.accounts!.map((a) => a.licenseNo)).toEqual(Array.from({ length: rows }, (_, i) => licence(1, i)));
    const passwords = first.accounts!.map((a) => a.initialPassword!);
    expect(new Set(passwords).size).toBe(rows);

    const second = await adminSc.job(jobId);
    expect(second).toMatchObject({ status: 'done', imported: rows, passwords: 'taken' });
    expect(second.accounts!.every((a) => a.initialPassword === undefined)).toBe(true);
    const [row] = await server.deps.db.select().from(backgroundJobs).where(eq(backgroundJobs.id, jobId));
    expect(row!.resultReadAt).not.toBeNull();
    expect(row!.input).toBeNull(); // the rows are in the accounts now, not kept twice
    const stored = JSON.stringify(row!.result);
    expect(passwords.filter((p) => stored.includes(p))).toEqual([]);

    // The accounts are there, with the optional columns, and the passwords work.
    expect(await imported(1)).toBe(rows);
    const [sample] = await server.deps.db.select().from(users).where(eq(users.licenseNo, licence(1, 3)));
    expect(sample).toMatchObject({ name: '律师3', organizationId: server.demo!.santaiFirm, practiceStartedOn: '2020-09-01', partTime: true, birthYear: 1973, passwordChangeRequired: true });
    const newcomer = createTestClient(server.baseUrl);
    await newcomer.login(licence(1, 3), passwords[3]!);
    expect((await newcomer.me()).name).toBe('律师3');

    // One audit entry for the whole import, naming the job, without passwords.
    const entries = await server.deps.db.select().from(auditLog).where(eq(auditLog.action, 'roster.imported'));
    const mine = entries.filter((e) => (e.after as { jobId?: string }).jobId === jobId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ actorId: server.demo!.users['admin-sc'], organizationId: server.demo!.sichuan, after: { imported: rows, jobId } });
    expect(passwords.filter((p) => JSON.stringify(mine[0]).includes(p))).toEqual([]);
  });

  it('a lawyer registered while the job hashes fails the whole job (roster_conflict): nobody of the file is imported', async () => {
    const reached = gate.close();
    const queued = await adminSc.expectStatus(202, adminSc.importRoster(server.demo!.sichuan, { xlsx: await roster(2) }));
    if (queued.kind !== 'queued') throw new Error('expected a background job');
    const conflicted = queued.jobId;
    await reached;
    // Someone else registers row 10's lawyer in the meantime.
    await server.deps.db.insert(users).values({ login: licence(2, 10), licenseNo: licence(2, 10), name: '别处导入', organizationId: server.demo!.santaiFirm });
    gate.release();
    const failed = await ended(conflicted);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'roster_conflict', message: expect.stringMatching(/nothing from this file was imported/) } });
    expect(failed.accounts).toBeUndefined();
    expect(await imported(2)).toBe(1); // only the one registered by hand
    const [row] = await server.deps.db.select().from(backgroundJobs).where(inArray(backgroundJobs.id, [conflicted]));
    expect(row!.result).toBeNull();
  });
});
