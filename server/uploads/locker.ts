/**
 * A tus Locker that works across API replicas: PostgreSQL session advisory locks
 * (`pg_try_advisory_lock` / `pg_advisory_unlock`) held on one connection this process reserves
 * from its pool for the purpose, with a bounded wait. @tus/server's default MemoryLocker only
 * excludes requests of one process, so two replicas could write one upload at once.
 *
 * - **One holder per upload in this process** (an in-process gate, as MemoryLocker), then the
 *   database lock; a session's advisory locks are re-entrant, so the gate is what keeps two
 *   requests of this process apart.
 * - **Asking the holder to let go.** tus wants a new request for an upload (a client that
 *   reconnected after a dropped line) to take over from a stale one: in this process the holder's
 *   `cancelReq` is called directly; in another process through `NOTIFY lectern_upload_release`,
 *   which every process LISTENs to. The holder then finishes what arrived within @tus/server's
 *   `lockDrainTimeout` (3 s) and unlocks.
 * - **Bounded wait**: a request that cannot get the lock within `timeoutMs` fails with tus'
 *   ERR_LOCK_TIMEOUT (423 `upload_busy`, which tus-js-client retries).
 * - **A lost connection loses the locks** (the server ends the session): the process notices
 *   (the reserved connection's backend pid changes or a check fails, checked every 2 s while it
 *   holds locks) and asks every holder to stop. Writes stay safe in the meantime: the storage
 *   staging commits each piece with a compare-and-set on the offset (storage-staging.ts), and the
 *   file store writes each byte at its own position.
 *
 * PGlite (the embedded mode) is one process: MemoryLocker is used there (routes.ts).
 */
import type { Sql, ReservedSql } from 'postgres';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/utils';

export const RELEASE_CHANNEL = 'lectern_upload_release';
const CHECK_MS = 2000;

interface Logger {
  warn(obj: object, msg: string): void;
}

interface Holder {
  requestRelease: RequestRelease;
  /** true once the database lock is ours too (only then may a release request reach it) */
  acquired: boolean;
  released: Promise<void>;
  release(): void;
}

export interface PostgresLockerOptions {
  /** the longest a request waits for a lock before 423 (default 10 s) */
  timeoutMs?: number;
  log?: Logger;
}

export class PostgresLocker implements Locker {
  readonly timeoutMs: number;
  private readonly holders = new Map<string, Holder>();
  private reserving: Promise<ReservedSql> | null = null;
  /** the backend pid of the reserved connection's current session, as last seen */
  private sessionPid: number | null = null;
  /** uploads whose database lock this session holds, and the backend pid it was taken on */
  private readonly remote = new Map<string, number>();
  /** locks whose unlock failed (and the pid they were taken on): retried by the check, or re-used by the next holder */
  private readonly pendingUnlock = new Map<string, number>();
  private listening: Promise<{ unlisten(): Promise<void> }> | null = null;
  private checkTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly sql: Sql,
    private readonly options: PostgresLockerOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  newLock(id: string): Lock {
    return new PostgresLock(this, id);
  }

  /** Starts listening for release requests (routes.ts awaits it once, so a failure shows at start-up). */
  async start(): Promise<void> {
    this.listening ??= this.sql.listen(RELEASE_CHANNEL, (id) => {
      const holder = this.holders.get(id);
      if (holder?.acquired) void holder.requestRelease();
    });
    await this.listening;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.checkTimer) clearInterval(this.checkTimer);
    const listening = this.listening;
    this.listening = null;
    await listening?.then((l) => l.unlisten()).catch(() => {});
    const reserving = this.reserving;
    this.reserving = null;
    const sql = await reserving?.catch(() => null);
    if (!sql) return;
    // the connection goes back to the pool: it must hold no upload lock there
    await sql`select pg_advisory_unlock_all()`.catch(() => {});
    sql.release();
  }

  // ---- used by PostgresLock ----

  /** The in-process gate: waits (asking the holder to let go) until this process holds no lock on `id`. */
  async enterLocal(id: string, requestRelease: RequestRelease, deadline: number, signal: AbortSignal): Promise<Holder> {
    for (;;) {
      const current = this.holders.get(id);
      if (!current) {
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        const holder: Holder = { requestRelease, acquired: false, released, release };
        this.holders.set(id, holder);
        return holder;
      }
      if (current.acquired) void current.requestRelease();
      const stop = new AbortController();
      const waited = await Promise.race([
        current.released.then(() => true),
        sleep(Math.max(0, deadline - Date.now()), AbortSignal.any([signal, stop.signal])).then(() => false),
      ]);
      stop.abort();
      if (!waited || signal.aborted) throw ERRORS.ERR_LOCK_TIMEOUT;
    }
  }

  leaveLocal(id: string, holder: Holder): void {
    if (this.holders.get(id) === holder) this.holders.delete(id);
    holder.release();
  }

  async tryRemote(id: string): Promise<boolean> {
    const sql = await this.reserved();
    const pending = this.pendingUnlock.get(id);
    if (pending !== undefined) {
      // its unlock had failed: if the session is the same, it is still ours (taking it again would count it twice)
      this.pendingUnlock.delete(id);
      if ((await this.pidOf(sql)) === pending) {
        this.remote.set(id, pending);
        return true;
      }
    }
    const [row] = await sql<{ ok: boolean; pid: number }[]>`select pg_try_advisory_lock(hashtextextended(${lockName(id)}, 0)) as ok, pg_backend_pid() as pid`;
    if (!row) return false;
    this.seeSession(row.pid);
    if (row.ok) {
      this.remote.set(id, row.pid);
      this.startChecks();
    }
    return row.ok;
  }

  async unlockRemote(id: string): Promise<void> {
    const pid = this.remote.get(id);
    this.remote.delete(id);
    if (pid === undefined) return; // lost with its session
    try {
      const sql = await this.reserved();
      const [row] = await sql<{ pid: number }[]>`select pg_advisory_unlock(hashtextextended(${lockName(id)}, 0)) as ok, pg_backend_pid() as pid`;
      if (row) this.seeSession(row.pid);
    } catch (err) {
      this.pendingUnlock.set(id, pid);
      this.startChecks();
      this.options.log?.warn({ err, uploadId: id }, 'upload lock: unlock failed, retrying');
    }
  }

  /** Asks whichever process holds the lock to let go. */
  async requestRemoteRelease(id: string): Promise<void> {
    await this.sql`select pg_notify(${RELEASE_CHANNEL}, ${id})`;
  }

  /**
   * The connection this locker keeps reserved for its whole life (never handed back to the pool
   * while it may hold a lock). postgres.js reconnects it after a failure: a new session, without
   * the old one's locks (seeSession notices).
   */
  private reserved(): Promise<ReservedSql> {
    if (this.closed) return Promise.reject(new Error('the upload locker is closed'));
    if (!this.reserving) {
      const reserving = this.sql.reserve();
      this.reserving = reserving;
      reserving.catch(() => {
        if (this.reserving === reserving) this.reserving = null;
      });
    }
    return this.reserving;
  }

  private async pidOf(sql: ReservedSql): Promise<number> {
    const [row] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    this.seeSession(row!.pid);
    return row!.pid;
  }

  private seeSession(pid: number): void {
    if (this.sessionPid !== null && this.sessionPid !== pid) this.sessionLost(`the lock connection reconnected (session ${this.sessionPid} → ${pid})`);
    this.sessionPid = pid;
  }

  private startChecks(): void {
    if (this.checkTimer) return;
    this.checkTimer = setInterval(() => void this.check(), CHECK_MS);
    this.checkTimer.unref();
  }

  /** While locks are held: is the session that holds them still there? Retries failed unlocks. */
  private async check(): Promise<void> {
    if (this.remote.size === 0 && this.pendingUnlock.size === 0) {
      if (this.checkTimer) clearInterval(this.checkTimer);
      this.checkTimer = null;
      return;
    }
    try {
      const sql = await this.reserved();
      const pid = await this.pidOf(sql);
      for (const [id, lockPid] of [...this.pendingUnlock]) {
        if (this.holders.has(id)) continue; // a new holder is about to re-use it
        if (lockPid === pid) await sql`select pg_advisory_unlock(hashtextextended(${lockName(id)}, 0))`;
        this.pendingUnlock.delete(id);
      }
    } catch (err) {
      // A session that does not answer cannot be trusted to hold its locks: their requests stop.
      // It may still be alive, so the locks are unlocked later if it is (pendingUnlock).
      this.sessionLost(err instanceof Error ? err.message : String(err), false);
    }
  }

  /** `gone`: the session ended (its locks went with it); otherwise it may hold them still. */
  private sessionLost(why: string, gone = true): void {
    if (gone) this.pendingUnlock.clear();
    if (this.remote.size === 0) return;
    this.options.log?.warn({ uploads: this.remote.size, why }, 'upload locks lost with their database session: asking their requests to stop');
    if (!gone) for (const [id, pid] of this.remote) this.pendingUnlock.set(id, pid);
    this.remote.clear();
    for (const holder of this.holders.values()) if (holder.acquired) void holder.requestRelease();
  }
}

class PostgresLock implements Lock {
  private holder: Holder | null = null;

  constructor(
    private readonly locker: PostgresLocker,
    private readonly id: string,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const deadline = Date.now() + this.locker.timeoutMs;
    const holder = await this.locker.enterLocal(this.id, requestRelease, deadline, signal);
    try {
      let asked = 0;
      for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
        if (await this.locker.tryRemote(this.id)) break;
        // ask the other process once, and again every second in case it missed it
        if (Date.now() - asked > 1000) {
          asked = Date.now();
          await this.locker.requestRemoteRelease(this.id);
        }
        if (signal.aborted || Date.now() + delay > deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
        await sleep(delay, signal);
      }
      holder.acquired = true;
      this.holder = holder;
    } catch (err) {
      this.locker.leaveLocal(this.id, holder);
      throw err;
    }
  }

  async unlock(): Promise<void> {
    const holder = this.holder;
    if (!holder) throw new Error('Releasing an unlocked lock!');
    this.holder = null;
    holder.acquired = false;
    try {
      await this.locker.unlockRemote(this.id);
    } finally {
      this.locker.leaveLocal(this.id, holder);
    }
  }
}

function lockName(id: string): string {
  return `tus_upload:${id}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
