/**
 * The two-command promise, as a new user meets it: the real entry point on an empty data
 * folder, embedded PGlite, and no ffmpeg on the PATH (the npm-shipped binaries take over).
 * It prints the URL and demo logins, serves the app, and the demo lecture becomes ready
 * through the in-process transcoder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/ports.ts';
import { createTestClient } from '../helpers/http.ts';

const root = path.resolve(import.meta.dirname, '../..');
let dataDir: string;
let binDir: string;
let child: ChildProcess | undefined;
let output = '';
let baseUrl = '';

async function start(): Promise<void> {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  output = '';
  // PATH holds node and nothing else: no ffmpeg, no ffprobe, no PostgreSQL client.
  child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { PATH: binDir, HOME: dataDir, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 90_000;
  while (!output.includes('Lectern is running')) {
    if (child.exitCode !== null) throw new Error(`the server exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`no start banner in 90 s: ${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stop(): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child!.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'lectern-first-start-'));
  binDir = await mkdtemp(path.join(os.tmpdir(), 'lectern-bin-'));
  await symlink(process.execPath, path.join(binDir, 'node'));
  await start();
});
afterAll(async () => {
  await stop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(binDir, { recursive: true, force: true });
});

describe('npm start on a fresh machine', () => {
  it('prints the URL and the five demo logins', () => {
    expect(output).toContain(`Lectern is running: ${baseUrl}`);
    for (const login of ['lawyer', 'lawyer2', 'trainer', 'admin-sc', 'admin']) expect(output).toMatch(new RegExp(`\\n\\s+${login}\\s`));
    expect(output).toContain('lectern-demo');
    expect(output).toMatch(/PGlite/);
  });

  it('serves the web app and the API, and every demo login works', async () => {
    const page = await fetch(`${baseUrl}/login`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<div id="app"|<script type="module"/);
    expect(await (await fetch(`${baseUrl}/api/health`)).json()).toEqual({ status: 'ok' });
    for (const login of ['lawyer', 'lawyer2', 'trainer', 'admin-sc', 'admin']) {
      const client = createTestClient(baseUrl);
      const res = await client.login(login, 'lectern-demo');
      expect(res.user.login).toBe(login);
    }
  });

  it('makes the demo lecture ready with the npm ffmpeg, and it plays through signed links', async () => {
    const lawyer = createTestClient(baseUrl);
    await lawyer.login('lawyer', 'lectern-demo');
    const { items } = await lawyer.listCourses({});
    expect(items.length).toBeGreaterThan(0);
    const courseId = items[0]!.id;
    let lecture: { id: string; status: string; durationSeconds: number | null } | undefined;
    const deadline = Date.now() + 8 * 60_000;
    while (Date.now() < deadline) {
      lecture = (await lawyer.getCourse(courseId)).lectures[0];
      if (lecture?.status === 'ready' || lecture?.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 3000));
    }
    expect(lecture?.status, output).toBe('ready');
    expect(lecture!.durationSeconds).toBeGreaterThanOrEqual(60);
    const session = await lawyer.openSession(lecture!.id);
    const master = await fetch(new URL(session.media.master, baseUrl));
    expect(master.status).toBe(200);
    expect(await master.text()).toMatch(/#EXT-X-STREAM-INF:.*BANDWIDTH=\d+/);
    expect((await fetch(new URL(session.media.audio, baseUrl))).status).toBe(200);
  }, 9 * 60_000);

  it('a restart keeps the data and seeds nothing twice', async () => {
    const before = createTestClient(baseUrl);
    await before.login('lawyer', 'lectern-demo');
    const coursesBefore = (await before.listCourses({})).total;
    expect(coursesBefore).toBeGreaterThanOrEqual(5); // the demo province: courses across the categories
    await stop();
    await start();
    expect(output).toContain('Lectern is running');
    const admin = createTestClient(baseUrl);
    await admin.login('admin', 'lectern-demo');
    const tree = (await admin.organizations()) as unknown[];
    expect(tree).toHaveLength(1);
    const lawyer = createTestClient(baseUrl);
    await lawyer.login('lawyer', 'lectern-demo');
    expect((await lawyer.listCourses({})).total).toBe(coursesBefore);
  });
});
