/**
 * Server time passing for a playback session, without sleeping: the session is made `seconds`
 * older (its opening and its allowance's clock), as if the player had been open and reporting all
 * that time (last heard now). The allowance then grows as it would have, up to its cap
 * (server/playback/allowance.ts). Idle sessions are tested by moving last_heard_at on its own.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../../server/db/client.ts';

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
