/**
 * How the player talks to the API about watching: sending one heartbeat (with a timeout, and the
 * answer turned into what the outbox should do) and the last-chance send when the page goes away.
 */
import { api } from '../api/browser.ts';
import { ApiError } from '../api/client.ts';
import type { HeartbeatRequest, HeartbeatResponse, PlaybackSession } from '../api/types.ts';
import { noteFailure } from '../errors.ts';
import { outcomeForStatus, type SendOutcome } from './heartbeat-queue.ts';

/** What the session route answers (its schema: server/playback/schemas.ts). */
export type SessionInfo = PlaybackSession;

/** The heartbeat answer (certificateCode set when this heartbeat completed a course). */
export type HeartbeatAnswer = HeartbeatResponse;

/** A request that got no answer in this long is treated as "no line" and retried later. */
const HEARTBEAT_TIMEOUT_MS = 30_000;

function heartbeatPath(sessionId: string): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}/heartbeats`;
}

export async function sendHeartbeat(sessionId: string, body: HeartbeatRequest): Promise<SendOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), HEARTBEAT_TIMEOUT_MS);
  try {
    const response = await api.request<HeartbeatAnswer>('POST', heartbeatPath(sessionId), { body, signal: controller.signal });
    return { kind: 'ok', response };
  } catch (error) {
    if (error instanceof ApiError) {
      noteFailure(error); // 401 sends the user to /login; the outbox keeps everything meanwhile
      return outcomeForStatus(error.status, error.code);
    }
    return { kind: 'retry' };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The page is being closed or reloaded: fire the stored heartbeats with `keepalive` so they may
 * still arrive. Nothing is removed from the outbox here (no answer will be read); the next page
 * load sends them again and the server, idempotent by (session, seq), answers as the first time.
 */
export function sendOnExit(sessionId: string, bodies: HeartbeatRequest[]): void {
  let budget = 60_000; // keepalive requests share a 64 KiB budget per page
  for (const body of bodies) {
    const text = JSON.stringify(body);
    budget -= text.length + 200;
    if (budget < 0) break;
    try {
      void fetch(heartbeatPath(sessionId), {
        method: 'POST',
        keepalive: true,
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: text,
      }).catch(() => undefined);
    } catch {
      break;
    }
  }
}

export function openSession(lectureId: string): Promise<SessionInfo> {
  return api.openSession(lectureId) as Promise<SessionInfo>;
}

export function confirmPresence(sessionId: string, checkId: string, code: string): Promise<void> {
  return api.confirmPresence(sessionId, checkId, code);
}
