/**
 * One-time passwords for many accounts at once, without starving logins.
 *
 * scrypt (server/auth/password.ts; one-time passwords at N=2^12, 4 MiB, about 12 ms each) runs on libuv's
 * threadpool, so it never blocks the event loop; but that pool is small (4 threads by default)
 * and shared with logins (which hash too), file system calls and DNS. An import that queued
 * 20,000 hashes at once would put every login behind them. So all bulk hashing of the process
 * (inline imports and background jobs alike) goes through one gate that lets at most
 * BULK_HASHES_AT_ONCE run together: one on a 2-core machine, leaving a core and three pool
 * threads to everything else (docs/benchmarks.md, "Roster import and logins").
 */
import os from 'node:os';
import { hashOneTimePassword, oneTimePassword } from '../auth/password.ts';

export const BULK_HASHES_AT_ONCE = Math.max(1, Math.min(2, os.availableParallelism() - 1));

let running = 0;
const waiting: (() => void)[] = [];

async function gated<T>(work: () => Promise<T>): Promise<T> {
  if (running >= BULK_HASHES_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next(); // the slot passes on directly
    else running--;
  }
}

export interface HashedPassword {
  password: string;
  hash: string;
}

/**
 * `count` fresh one-time passwords and their hashes, in order. `onHashed(done)` is awaited after
 * each; an aborted `signal` stops before the next hash (throwing its reason).
 */
export async function hashOneTimePasswords(count: number, options: { signal?: AbortSignal; onHashed?: (done: number) => Promise<void> | void } = {}): Promise<HashedPassword[]> {
  const out: HashedPassword[] = new Array(count);
  let next = 0;
  let done = 0;
  // As many lanes as the gate admits: each lane takes the next row when its hash is done.
  const lane = async () => {
    try {
      while (next < count) {
        options.signal?.throwIfAborted();
        const i = next++;
        const password = oneTimePassword();
        out[i] = { password, hash: await gated(() => hashOneTimePassword(password)) };
        done++;
        await options.onHashed?.(done);
      }
    } catch (err) {
      next = count; // the other lanes stop too
      throw err;
    }
  };
  await Promise.all(Array.from({ length: Math.min(BULK_HASHES_AT_ONCE, count) }, lane));
  return out;
}
