/**
 * The heartbeat outbox. Every heartbeat is written to local storage BEFORE it is sent and removed
 * only when the server has answered it, so a dropped line, a closed tab or a reload loses nothing:
 * whatever is left is sent, in seq order, when the line returns or on the next page load.
 *
 * Layout (one key per heartbeat, so two tabs never rewrite the same key):
 *   lectern.hb.<sessionId>          {v, sessionId, lectureId, userId, nextSeq, createdAt}  (owner tab writes)
 *   lectern.hb.<sessionId>#<seq>    the HeartbeatRequest exactly as first built (a retry is byte-identical)
 * The server is idempotent by (session, seq), so sending an entry twice is harmless.
 *
 * Pure apart from the injected store and sender, so it is unit-tested in Node.
 */
import { OUTBOX_PREFIX } from './outbox-keys.ts';
import type { HeartbeatRequest, HeartbeatResponse } from '../api/types.ts';

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  keys(): string[];
}

/** The part of the Web Storage API used here (structural, so Node tests need no DOM types). */
export interface WebStorageLike {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * window.localStorage (or any Web Storage) as a KeyValueStore, or null when storage is unusable.
 * A write that fails (quota full) lands in memory instead, so this page still sends it.
 */
export function webStore(storage: WebStorageLike | undefined | null): KeyValueStore | null {
  if (!storage) return null;
  try {
    const probe = 'lectern.hb.probe';
    storage.setItem(probe, '1');
    storage.removeItem(probe);
  } catch {
    return null;
  }
  const overflow = new Map<string, string>();
  return {
    getItem: (key) => overflow.get(key) ?? storage.getItem(key),
    setItem: (key, value) => {
      try {
        storage.setItem(key, value);
        overflow.delete(key);
      } catch {
        overflow.set(key, value);
      }
    },
    removeItem: (key) => {
      overflow.delete(key);
      storage.removeItem(key);
    },
    keys: () => {
      const out = new Set<string>(overflow.keys());
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i);
        if (key !== null) out.add(key);
      }
      return [...out];
    },
  };
}

/** An in-memory store: the fallback when local storage is disabled, and the unit tests' store. */
export function memoryStore(): KeyValueStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
    keys: () => [...map.keys()],
  };
}

export interface SessionRecord {
  v: 1;
  sessionId: string;
  lectureId: string;
  userId: string;
  nextSeq: number;
  createdAt: number;
}

/** What one attempt to deliver a heartbeat came to, decided from the HTTP answer. */
export type SendOutcome =
  | { kind: 'ok'; response: HeartbeatResponse }
  /** no answer, 5xx, 429: keep it and try again later */
  | { kind: 'retry' }
  /**
   * 409 session_closed (another session replaced this one) or session_expired (it sat idle too
   * long): the server still judged and stored this heartbeat, crediting what was played before the
   * session closed; the rest of its outbox is sent the same way, then the session stops.
   */
  | { kind: 'closed'; reason: 'replaced' | 'idle' }
  /** 400/403/404: this entry can never be accepted; drop it and go on */
  | { kind: 'reject' }
  /** 401: signed out; keep everything for when the user signs in again */
  | { kind: 'unauthenticated' };

export type Sender = (sessionId: string, body: HeartbeatRequest) => Promise<SendOutcome>;

export interface FlushResult {
  sent: number;
  /** the last answer received (the freshest coverage figures) */
  lastResponse: HeartbeatResponse | null;
  /** every answer, in order (presence checks may ride on any of them) */
  responses: HeartbeatResponse[];
  /** why the flush stopped (or, for 'closed', why the session will take no more), if it did */
  stoppedBy: 'retry' | 'closed' | 'unauthenticated' | null;
  /** with stoppedBy 'closed': replaced by another session, or closed after a long pause */
  closedReason?: 'replaced' | 'idle';
  /** media seconds that were dropped (session closed, or rejected as malformed) */
  droppedSeconds: number;
  remaining: number;
}

const PREFIX = OUTBOX_PREFIX;

function recordKey(sessionId: string): string {
  return `${PREFIX}${sessionId}`;
}
function entryKey(sessionId: string, seq: number): string {
  return `${PREFIX}${sessionId}#${seq}`;
}

function intervalSeconds(body: HeartbeatRequest): number {
  return body.intervals.reduce((sum, [a, b]) => sum + Math.max(0, b - a), 0);
}

export class HeartbeatQueue {
  constructor(private readonly store: KeyValueStore) {}

  /** Starts (or resumes, on the same session id) the outbox of one session. */
  open(sessionId: string, lectureId: string, userId: string, nowMs = Date.now()): SessionRecord {
    const existing = this.record(sessionId);
    if (existing) return existing;
    const record: SessionRecord = { v: 1, sessionId, lectureId, userId, nextSeq: 0, createdAt: nowMs };
    this.write(record);
    return record;
  }

  record(sessionId: string): SessionRecord | null {
    const raw = this.safeGet(recordKey(sessionId));
    if (!raw) return null;
    try {
      const parsed = JSON.parse(raw) as SessionRecord;
      return parsed && parsed.v === 1 && typeof parsed.nextSeq === 'number' ? parsed : null;
    } catch {
      return null;
    }
  }

  /**
   * Numbers the heartbeat with the session's next seq and stores it; returns what will be sent.
   * `minSeq` is the caller's own count: if another tab (flushing leftovers) removed this session's
   * record meanwhile, numbering resumes from there, so a seq is never reused for other content.
   */
  enqueue(sessionId: string, body: Omit<HeartbeatRequest, 'seq'>, minSeq = 0, owner?: { lectureId: string; userId: string }): HeartbeatRequest {
    let record = this.record(sessionId);
    if (!record) {
      if (!owner) throw new Error(`no outbox for session ${sessionId}`);
      record = { v: 1, sessionId, lectureId: owner.lectureId, userId: owner.userId, nextSeq: 0, createdAt: Date.now() };
    }
    const seq = Math.max(record.nextSeq, minSeq);
    const entry: HeartbeatRequest = { seq, ...body };
    // Entry first, then the counter: a crash in between re-uses the seq for the same entry slot.
    this.store.setItem(entryKey(sessionId, seq), JSON.stringify(entry));
    this.write({ ...record, nextSeq: seq + 1 });
    return entry;
  }

  /** The stored heartbeats of a session, in seq order. */
  pending(sessionId: string): HeartbeatRequest[] {
    const prefix = `${recordKey(sessionId)}#`;
    const out: HeartbeatRequest[] = [];
    for (const key of this.store.keys()) {
      if (!key.startsWith(prefix)) continue;
      const raw = this.safeGet(key);
      try {
        const entry = raw ? (JSON.parse(raw) as HeartbeatRequest) : null;
        if (entry && typeof entry.seq === 'number') out.push(entry);
        else this.store.removeItem(key);
      } catch {
        this.store.removeItem(key); // unreadable: nothing can be done with it
      }
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  pendingCount(sessionId: string): number {
    const prefix = `${recordKey(sessionId)}#`;
    return this.store.keys().filter((key) => key.startsWith(prefix)).length;
  }

  /** Sessions with an outbox on this device (optionally only one user's), oldest first. */
  sessions(userId?: string): SessionRecord[] {
    const out: SessionRecord[] = [];
    for (const key of this.store.keys()) {
      if (!key.startsWith(PREFIX) || key.includes('#')) continue;
      const record = this.record(key.slice(PREFIX.length));
      if (record && (userId === undefined || record.userId === userId)) out.push(record);
    }
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Removes a session's outbox entirely (record and entries). */
  forget(sessionId: string): void {
    const base = recordKey(sessionId);
    for (const key of this.store.keys()) if (key === base || key.startsWith(`${base}#`)) this.store.removeItem(key);
  }

  /**
   * Sends the session's stored heartbeats in seq order, one at a time, each removed once answered.
   * Stops at the first one that must be retried, so order is kept across line drops.
   * `keepRecord` keeps the (empty) outbox for a live session; old sessions are forgotten when empty.
   */
  async flush(sessionId: string, send: Sender, options: { keepRecord?: boolean } = {}): Promise<FlushResult> {
    const result: FlushResult = { sent: 0, lastResponse: null, responses: [], stoppedBy: null, droppedSeconds: 0, remaining: 0 };
    const entries = this.pending(sessionId);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      let outcome: SendOutcome;
      try {
        outcome = await send(sessionId, entry);
      } catch {
        outcome = { kind: 'retry' };
      }
      if (outcome.kind === 'ok') {
        this.store.removeItem(entryKey(sessionId, entry.seq));
        result.sent++;
        result.lastResponse = outcome.response;
        result.responses.push(outcome.response);
        continue;
      }
      if (outcome.kind === 'reject') {
        this.store.removeItem(entryKey(sessionId, entry.seq));
        result.droppedSeconds += intervalSeconds(entry);
        continue;
      }
      if (outcome.kind === 'closed') {
        // Judged and stored as a late heartbeat of a closed session: what was played before it
        // closed is credited. The rest of its outbox goes the same way; then the session is done.
        this.store.removeItem(entryKey(sessionId, entry.seq));
        result.sent++;
        result.stoppedBy = 'closed';
        result.closedReason = outcome.reason;
        continue;
      }
      result.stoppedBy = outcome.kind;
      result.remaining = entries.length - i;
      return result;
    }
    if (!options.keepRecord || result.stoppedBy === 'closed') this.forget(sessionId);
    return result;
  }

  private write(record: SessionRecord): void {
    this.store.setItem(recordKey(record.sessionId), JSON.stringify(record));
  }

  private safeGet(key: string): string | null {
    try {
      return this.store.getItem(key);
    } catch {
      return null;
    }
  }
}

/** Retry delay after `failures` failed attempts in a row: 1 s, 2 s, 4 s … capped at `capMs` (60 s), with jitter in [0.5, 1]. */
export function backoffMs(failures: number, random: number = Math.random(), capMs = 60_000): number {
  const base = Math.min(capMs, 1000 * 2 ** Math.max(0, failures));
  return Math.round(base * (0.5 + 0.5 * Math.min(1, Math.max(0, random))));
}

/** How an HTTP status (or no answer at all) is treated. */
export function outcomeForStatus(status: number, code: string): Exclude<SendOutcome, { kind: 'ok' }> {
  if (status === 409 && code === 'session_closed') return { kind: 'closed', reason: 'replaced' };
  if (status === 409 && code === 'session_expired') return { kind: 'closed', reason: 'idle' };
  if (status === 401) return { kind: 'unauthenticated' };
  if (status === 400 || status === 403 || status === 404 || status === 409 || status === 422) return { kind: 'reject' };
  return { kind: 'retry' }; // 0 (no answer), 408, 429, 5xx
}
