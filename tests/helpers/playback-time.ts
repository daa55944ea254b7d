/**
 * Server time passing for a playback session, without sleeping: the session is made `seconds`
 * older (its opening and its allowance's clock), as if the player had been open and reporting all
 * that time (last heard now). The allowance then grows as it would have, up to its cap
 * (server/playback/allowance.ts). Idle sessions are tested by moving last_heard_at on its own.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../../server/db/client.ts';
import { REAL_TIME_TOLERANCE_SECONDS } from '../../server/playback/allowance.ts';

export async function ageSession(db: Database['db'] | { execute: (q: ReturnType<typeof sql>) => Promise<unknown> }, sessionId: string, seconds: number): Promise<void> {
  await (db as { execute: (q: ReturnType<typeof sql>) => Promise<unknown> }).execute(sql`
    UPDATE playback_sessions SET
      opened_at = opened_at - make_interval(secs => ${seconds}),
      allowance_at = allowance_at - make_interval(secs => ${seconds}),
      last_heard_at = now(),
      -- what an API process remembers of the session is stale now: it re-reads on the database clock
      version = version + 1
    WHERE id = ${sessionId}`);
}

/**
 * Gives a session more allowance than it can bank naturally (the cap is 600 s), for tests about
 * something else (races, completion) that need a whole lecture credited at once.
 */
export async function grantAllowance(db: { execute: (q: ReturnType<typeof sql>) => Promise<unknown> }, sessionId: string, seconds: number): Promise<void> {
  await db.execute(sql`
    UPDATE playback_sessions SET allowance_seconds = ${seconds}, allowance_at = now(), last_heard_at = now(), version = version + 1,
      opened_at = least(opened_at, now() - make_interval(secs => ${seconds}))
    WHERE id = ${sessionId}`);
}

/**
 * Closes every open session (of one lawyer, or of everyone) and leaves each session at least the
 * tolerance, so the next session a test opens carries exactly REAL_TIME_TOLERANCE_SECONDS.
 * Without it the carry depends on how long ago the demo seeded its "still watching" session
 * (what that session banked by now), which is a few seconds on a fast run and more on a slow one.
 */
export async function startFromFullTolerance(db: { execute: (q: ReturnType<typeof sql>) => Promise<unknown> }, userId?: string): Promise<void> {
  const whose = userId ? sql`user_id = ${userId}` : sql`true`;
  await db.execute(sql`
    UPDATE playback_sessions SET
      closed_at = coalesce(closed_at, now()),
      closed_reason = coalesce(closed_reason, 'test_reset'),
      allowance_seconds = greatest(allowance_seconds, ${REAL_TIME_TOLERANCE_SECONDS}::float8),
      version = version + 1
    WHERE ${whose}`);
}
