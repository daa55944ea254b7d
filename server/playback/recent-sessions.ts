/**
 * What this API process knows of the playback sessions it served a heartbeat for: the state right
 * after its last write. The next heartbeat of that session (15 s later, from the same cookie) is
 * judged on it and written with one statement, without the read. Nothing here is trusted: the write
 * checks in the database that the session, its rules, its progress and the login are unchanged
 * (PlaybackRepository.recordHeartbeatIfUnchanged) and otherwise does not apply, and the caller then
 * reads afresh. So several API processes, a crash or an eviction cost a read, never a wrong credit.
 */
import type { LockedSession } from './repository.ts';

interface Entry {
  state: LockedSession;
  /** the cookie's token hash that the state was read with */
  tokenHash: string;
  storedAt: number;
}

export class RecentSessions {
  private readonly entries = new Map<string, Entry>();

  constructor(
    /** at most this many sessions: about 2.7 kB each, so 20,000 ≈ 55 MB; sessions beyond it take the read as before */
    private readonly maxEntries = 20_000,
    /** a session not heard of for this long is forgotten (a heartbeat comes every 15 s) */
    private readonly maxIdleMs = 120_000,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The state for this session and cookie, or undefined (unknown, another cookie, or idle too long). */
  get(sessionId: string, tokenHash: string, now: number): LockedSession | undefined {
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    if (entry.tokenHash !== tokenHash || now - entry.storedAt > this.maxIdleMs) {
      this.entries.delete(sessionId);
      return undefined;
    }
    return entry.state;
  }

  /**
   * Remembers the state. When full, idle sessions make room; if none is idle, the new one is not
   * remembered (evicting a live one instead would, with more live sessions than room, turn every
   * heartbeat into a miss; this way the first `maxEntries` keep hitting).
   */
  set(state: LockedSession, tokenHash: string, now: number): void {
    // delete first: a Map keeps insertion order, so the first keys are the least recently stored
    const known = this.entries.delete(state.id);
    if (!known && this.entries.size >= this.maxEntries) {
      for (const [id, entry] of this.entries) {
        if (now - entry.storedAt <= this.maxIdleMs) break;
        this.entries.delete(id);
      }
      if (this.entries.size >= this.maxEntries) return;
    }
    this.entries.set(state.id, { state, tokenHash, storedAt: now });
  }

  forget(sessionId: string): void {
    this.entries.delete(sessionId);
  }
}
