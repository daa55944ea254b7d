import { describe, expect, it } from 'vitest';
import type { HeartbeatRequest, HeartbeatResponse } from '../../web/src/lib/api/types.ts';
import { backoffMs, HeartbeatQueue, memoryStore, outcomeForStatus, webStore, type SendOutcome } from '../../web/src/lib/player/heartbeat-queue.ts';

function answer(coverageSeconds: number): HeartbeatResponse {
  return { acceptedSeconds: 1, rejected: [], coverageSeconds, coverageRatio: coverageSeconds / 100, completed: false, creditMinutes: 0 };
}

const beat = (from: number, to: number) => ({ intervals: [[from, to]] as [number, number][], playbackRate: 1, visible: true, position: to });

describe('HeartbeatQueue', () => {
  it('numbers heartbeats per session and keeps them across a "reload" (a new queue on the same store)', () => {
    const store = memoryStore();
    const first = new HeartbeatQueue(store);
    first.open('s1', 'l1', 'u1');
    expect(first.enqueue('s1', beat(0, 15)).seq).toBe(0);
    expect(first.enqueue('s1', beat(15, 30)).seq).toBe(1);

    const reloaded = new HeartbeatQueue(store);
    expect(reloaded.sessions('u1').map((r) => r.sessionId)).toEqual(['s1']);
    expect(reloaded.sessions('someone-else')).toEqual([]);
    expect(reloaded.pending('s1').map((h) => h.seq)).toEqual([0, 1]);
    // Re-opening the same session keeps its counter: a seq is never reused for other content.
    reloaded.open('s1', 'l1', 'u1');
    expect(reloaded.enqueue('s1', beat(30, 45)).seq).toBe(2);
  });

  it('sends in seq order, stops at the first failure, and resumes in order when the line returns', async () => {
    const queue = new HeartbeatQueue(memoryStore());
    queue.open('s1', 'l1', 'u1');
    for (let i = 0; i < 4; i++) queue.enqueue('s1', beat(i * 15, (i + 1) * 15));
    const seen: number[] = [];
    let online = true;
    const send = async (_session: string, body: HeartbeatRequest): Promise<SendOutcome> => {
      if (!online || body.seq === 2) {
        online = false;
        return { kind: 'retry' };
      }
      seen.push(body.seq);
      return { kind: 'ok', response: answer((body.seq + 1) * 15) };
    };
    const first = await queue.flush('s1', send, { keepRecord: true });
    expect(first).toMatchObject({ sent: 2, stoppedBy: 'retry', remaining: 2 });
    expect(queue.pending('s1').map((h) => h.seq)).toEqual([2, 3]);

    online = true;
    const sendAll = async (_session: string, body: HeartbeatRequest): Promise<SendOutcome> => {
      seen.push(body.seq);
      return { kind: 'ok', response: answer((body.seq + 1) * 15) };
    };
    const second = await queue.flush('s1', sendAll, { keepRecord: true });
    expect(second).toMatchObject({ sent: 2, stoppedBy: null, remaining: 0 });
    expect(second.lastResponse?.coverageSeconds).toBe(60);
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(queue.record('s1')).not.toBeNull(); // kept for the live session
  });

  it('a thrown error counts as "no line": nothing is lost', async () => {
    const queue = new HeartbeatQueue(memoryStore());
    queue.open('s1', 'l1', 'u1');
    queue.enqueue('s1', beat(0, 15));
    const result = await queue.flush('s1', async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(result.stoppedBy).toBe('retry');
    expect(queue.pendingCount('s1')).toBe(1);
  });

  it('session_closed still delivers the rest of that session (the server credits what fits before it closed), then forgets it', async () => {
    const queue = new HeartbeatQueue(memoryStore());
    queue.open('old', 'l1', 'u1');
    queue.enqueue('old', beat(0, 10));
    queue.enqueue('old', beat(10, 15));
    const sent: number[] = [];
    const result = await queue.flush('old', async (_id, body) => (sent.push(body.seq), { kind: 'closed', reason: 'replaced' }), { keepRecord: true });
    expect(sent).toEqual([0, 1]);
    expect(result).toMatchObject({ stoppedBy: 'closed', closedReason: 'replaced', droppedSeconds: 0, sent: 2 });
    expect(queue.sessions()).toEqual([]);
  });

  it('drops an entry the server will never accept (400) and goes on with the next', async () => {
    const queue = new HeartbeatQueue(memoryStore());
    queue.open('s1', 'l1', 'u1');
    queue.enqueue('s1', beat(0, 5));
    queue.enqueue('s1', beat(5, 10));
    const result = await queue.flush('s1', async (_s, body) => (body.seq === 0 ? { kind: 'reject' } : { kind: 'ok', response: answer(5) }));
    expect(result).toMatchObject({ sent: 1, droppedSeconds: 5, stoppedBy: null });
    expect(queue.sessions()).toEqual([]); // an old session's outbox goes once empty
  });

  it('keeps everything on 401 (signed out) for the next sign-in', async () => {
    const queue = new HeartbeatQueue(memoryStore());
    queue.open('s1', 'l1', 'u1');
    queue.enqueue('s1', beat(0, 5));
    const result = await queue.flush('s1', async () => ({ kind: 'unauthenticated' }));
    expect(result.stoppedBy).toBe('unauthenticated');
    expect(queue.pendingCount('s1')).toBe(1);
  });

  it('skips unreadable entries instead of failing', () => {
    const store = memoryStore();
    const queue = new HeartbeatQueue(store);
    queue.open('s1', 'l1', 'u1');
    queue.enqueue('s1', beat(0, 5));
    store.setItem('lectern.hb.s1#7', '{not json');
    expect(queue.pending('s1').map((h) => h.seq)).toEqual([0]);
  });
});

describe('webStore', () => {
  it('falls back to memory for writes the storage refuses (quota full)', () => {
    const map = new Map<string, string>();
    let full = false;
    const storage = {
      get length() {
        return map.size;
      },
      key: (i: number) => [...map.keys()][i] ?? null,
      getItem: (k: string) => map.get(k) ?? null,
      setItem: (k: string, v: string) => {
        if (full) throw new Error('QuotaExceededError');
        map.set(k, v);
      },
      removeItem: (k: string) => void map.delete(k),
    };
    const store = webStore(storage)!;
    full = true;
    store.setItem('a', '1');
    expect(store.getItem('a')).toBe('1');
    expect(store.keys()).toContain('a');
    store.removeItem('a');
    expect(store.getItem('a')).toBeNull();
  });
});

describe('backoff and outcomes', () => {
  it('doubles up to a minute, with jitter', () => {
    expect(backoffMs(0, 1)).toBe(1000);
    expect(backoffMs(3, 1)).toBe(8000);
    expect(backoffMs(20, 1)).toBe(60_000);
    expect(backoffMs(3, 0)).toBe(4000);
  });

  it('maps HTTP answers to what the queue does', () => {
    expect(outcomeForStatus(409, 'session_closed')).toEqual({ kind: 'closed', reason: 'replaced' });
    expect(outcomeForStatus(409, 'session_expired')).toEqual({ kind: 'closed', reason: 'idle' });
    expect(outcomeForStatus(401, 'unauthenticated').kind).toBe('unauthenticated');
    expect(outcomeForStatus(400, 'invalid_request').kind).toBe('reject');
    expect(outcomeForStatus(403, 'forbidden').kind).toBe('reject');
    expect(outcomeForStatus(0, 'network').kind).toBe('retry');
    expect(outcomeForStatus(503, 'unavailable').kind).toBe('retry');
    expect(outcomeForStatus(429, 'too_many').kind).toBe('retry');
  });
});

describe('two tabs', () => {
  it('a tab whose outbox record was removed by another tab keeps numbering from its own count', () => {
    const store = memoryStore();
    const mine = new HeartbeatQueue(store);
    mine.open('s1', 'l1', 'u1');
    mine.enqueue('s1', beat(0, 5));
    mine.enqueue('s1', beat(5, 10));
    new HeartbeatQueue(store).forget('s1'); // the other tab delivered and forgot it
    expect(() => mine.enqueue('s1', beat(10, 15))).toThrow();
    const entry = mine.enqueue('s1', beat(10, 15), 2, { lectureId: 'l1', userId: 'u1' });
    expect(entry.seq).toBe(2);
    expect(mine.record('s1')?.nextSeq).toBe(3);
  });
});
