/**
 * ffmpeg dies with its worker. When a worker process is killed (kill -9, the OOM killer, a
 * crash), Node runs no more code, so its ffmpeg children would be reparented to init and keep
 * encoding — burning a core for a job whose lease another worker now holds.
 *
 * The mechanism: each ffmpeg/ffprobe gets a watchdog, `/bin/sh -c 'read _; kill -KILL <pid>'`,
 * whose stdin is a pipe from the worker. The worker never writes to it; only the kernel closes
 * it, when the worker process is gone (for any reason, SIGKILL included: the kernel closes every
 * descriptor of a dead process). `read` then sees end-of-file and the watchdog kills ffmpeg.
 * When ffmpeg ends normally the worker kills the watchdog first, so nothing is killed twice.
 * Node opens its pipes close-on-exec, so ffmpeg itself does not hold the pipe open.
 *
 * Why not PR_SET_PDEATHSIG (`setpriv --pdeathsig KILL`): it needs a wrapper around the binary
 * that fluent-ffmpeg spawns, fires on the death of the spawning *thread*, and is Linux only; the
 * pipe works with any spawned child and any POSIX shell. Cost: one idle `sh` (about 1 MB) per
 * running ffmpeg. Not on Windows (no /bin/sh): there the guard does nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const WATCHDOG = 'read _ || :; kill -KILL "$1" 2>/dev/null';

export const guardSupported = process.platform !== 'win32';

/**
 * Makes `child` die when this process dies. Call right after spawning it. Answers the watchdog's
 * pid (tests look at it), or undefined when no guard was set up.
 */
export function killWithParent(child: ChildProcess): number | undefined {
  if (!guardSupported || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return undefined;
  let watchdog: ChildProcess;
  try {
    watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'lectern-ffmpeg-guard', String(child.pid)], { stdio: ['pipe', 'ignore', 'ignore'] });
  } catch {
    return undefined;
  }
  watchdog.on('error', () => {}); // no /bin/sh: nothing to guard with
  watchdog.stdin?.on('error', () => {});
  // neither the watchdog nor its pipe keeps the worker's event loop alive
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  const release = () => {
    // SIGKILL, not closing stdin: a closed stdin is what tells the watchdog to kill
    if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
  };
  if (child.exitCode !== null || child.signalCode !== null) release();
  else child.once('exit', release);
  return watchdog.pid;
}
