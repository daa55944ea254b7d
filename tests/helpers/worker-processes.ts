/**
 * Processes of a transcode worker under test, read from Linux /proc: its ffmpeg children, and the
 * ladder's among them. The worker tests stop (SIGSTOP) the ladder's ffmpeg once the job runs, so a
 * fast machine cannot finish the job before the test has killed the worker.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The ladder's ffmpeg (the one that reports `-progress pipe:2`) among the children of `pid`. */
export function ladderFfmpegsOf(pid: number): number[] {
  return ffmpegChildrenOf(pid).filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').join(' ').includes('-progress pipe:2');
    } catch {
      return false;
    }
  });
}

/** ffmpeg processes whose parent is `pid` (Linux /proc). */
export function ffmpegChildrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && comm.startsWith('ffmpeg')) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
