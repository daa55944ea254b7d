/**
 * ffmpeg dies with its worker (transcoder/child-guard.ts): a Node process starts two real ffmpeg
 * encodes that would run forever (a lavfi source at real-time speed, output discarded, no pipe to
 * the parent that could break), one guarded and one not, and is killed with SIGKILL. The guarded
 * ffmpeg stops; the unguarded one — the control — is still running, so the guard is what stopped
 * it (not a broken pipe or the process group).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { resolveFfmpegTools } from '../../transcoder/ffmpeg.ts';

const linux = process.platform === 'linux';
if (!linux) console.warn('[ffmpeg-guard] skipped: reads /proc (Linux) to see which processes run.');

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe.skipIf(!linux)('ffmpeg started by a worker', () => {
  const leftovers: number[] = [];
  let dir: string | undefined;
  afterAll(async () => {
    for (const pid of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stops when the worker process is killed with SIGKILL', async () => {
    const { ffmpegPath } = resolveFfmpegTools();
    dir = await mkdtemp(path.join(os.tmpdir(), 'lectern-guard-'));
    const script = path.join(dir, 'parent.ts');
    const guard = path.resolve(import.meta.dirname, '../../transcoder/child-guard.ts');
    await writeFile(
      script,
      `import { spawn } from 'node:child_process';
import { killWithParent } from ${JSON.stringify(guard)};
const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-f', 'null', '-'];
const guarded = spawn(${JSON.stringify(ffmpegPath)}, args, { stdio: 'ignore' });
const watchdog = killWithParent(guarded);
const control = spawn(${JSON.stringify(ffmpegPath)}, args, { stdio: 'ignore', detached: true });
console.log(JSON.stringify({ guarded: guarded.pid, control: control.pid, watchdog }));
setInterval(() => {}, 1000);
`,
    );
    const parent = spawn(process.execPath, ['--import', 'tsx', script], { cwd: path.resolve(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    const pids = await new Promise<{ guarded: number; control: number; watchdog: number }>((resolve, reject) => {
      createInterface({ input: parent.stdout! }).once('line', (line) => resolve(JSON.parse(line) as { guarded: number; control: number; watchdog: number }));
      parent.once('exit', (code) => reject(new Error(`the parent exited (${code}) before starting ffmpeg`)));
    });
    leftovers.push(pids.guarded, pids.control, pids.watchdog);
    expect(pids.watchdog).toBeGreaterThan(0);
    expect(running(pids.guarded)).toBe(true);
    expect(running(pids.control)).toBe(true);

    const exited = new Promise((resolve) => parent.once('exit', resolve));
    process.kill(parent.pid!, 'SIGKILL');
    await exited;

    await expect.poll(() => running(pids.guarded), { timeout: 30_000, interval: 100 }).toBe(false);
    expect(running(pids.watchdog)).toBe(false);
    // the control, started the same way without the guard, still encodes for nobody
    expect(running(pids.control)).toBe(true);
  }, 60_000);
});
