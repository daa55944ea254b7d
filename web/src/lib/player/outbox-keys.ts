/**
 * Where the outbox keeps its records (heartbeat-queue.ts), and the one question the entry asks
 * of it before /api/me answers (early-start.ts): does this user have heartbeats waiting? Its own
 * module so the entry does not carry the queue.
 */
import type { KeyValueStore, SessionRecord } from './heartbeat-queue.ts';

/** `lectern.hb.<sessionId>` is a session's record, `lectern.hb.<sessionId>#<seq>` a heartbeat */
export const OUTBOX_PREFIX = 'lectern.hb.';

/** Whether `userId` has an outbox on this device: `HeartbeatQueue.sessions(userId)` is not empty. */
export function hasOutbox(store: Pick<KeyValueStore, 'getItem' | 'keys'>, userId: string): boolean {
  return store.keys().some((key) => {
    if (!key.startsWith(OUTBOX_PREFIX) || key.includes('#')) return false;
    try {
      const record = JSON.parse(store.getItem(key) ?? 'null') as SessionRecord | null;
      return !!record && record.v === 1 && typeof record.nextSeq === 'number' && record.userId === userId;
    } catch {
      return false;
    }
  });
}
