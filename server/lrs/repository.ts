/**
 * The only code that touches `lrs_statements` (server/db/schema/lrs.ts), the LRS outbox. Delivery
 * claims due statements with FOR UPDATE SKIP LOCKED and a lease of their own, so two runners (a
 * job taken over after its lease ran out) never post the same statement at once. Times are on the
 * database clock.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client.ts';
import { dateOf, jsonOf, rowsOf } from '../db/rows.ts';
import { IDLE_CLOSE_SECONDS } from '../playback/allowance.ts';
import type { LrsErrorCode } from './client.ts';

export interface OutboxStatement {
  id: string;
  payload: unknown;
  attempts: number;
}

export interface OutboxStatus {
  queued: number;
  sent: number;
  failed: number;
  lastSentAt: Date | null;
  lastError: { code: string; detail: string | null; at: Date } | null;
}

const idList = (ids: string[]) => sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `);

export class LrsRepository {
  constructor(private readonly db: DbOrTx) {}

  /** Runs `work` in one transaction with a repository bound to it (the audit entry is written with the same `tx`). */
  async transaction<T>(work: (repo: LrsRepository, tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(new LrsRepository(tx), tx));
  }

  /**
   * Closes sessions that went idle (no heartbeat for IDLE_CLOSE_SECONDS) at the moment they went
   * idle, as their next heartbeat would (PlaybackRepository.closeIdleSession): a lawyer who never
   * comes back would otherwise leave a registration open, and never final, for ever.
   */
  async closeIdleSessions(): Promise<number> {
    const rows = await this.db.execute(sql`
      UPDATE playback_sessions
      SET closed_at = coalesce(last_heard_at, opened_at) + make_interval(secs => ${IDLE_CLOSE_SECONDS}), closed_reason = 'idle', version = version + 1
      WHERE closed_at IS NULL AND coalesce(last_heard_at, opened_at) + make_interval(secs => ${IDLE_CLOSE_SECONDS}) < now()
      RETURNING id`);
    return rowsOf(rows).length;
  }

  /**
   * Sessions whose statements are final and not yet in the outbox: closed, not a preview, with at
   * least one heartbeat, and quiet (no close, no heartbeat) for `settleMinutes`.
   */
  async finalSessions(settleMinutes: number, limit: number): Promise<string[]> {
    const quiet = sql`now() - make_interval(mins => ${settleMinutes})`;
    const rows = rowsOf<{ id: string }>(
      await this.db.execute(sql`
        SELECT s.id FROM playback_sessions s
        WHERE s.closed_at IS NOT NULL AND s.closed_at <= ${quiet} AND NOT s.preview
          AND NOT EXISTS (SELECT 1 FROM lrs_statements o WHERE o.session_id = s.id)
          AND EXISTS (SELECT 1 FROM heartbeats h WHERE h.session_id = s.id)
          AND NOT EXISTS (SELECT 1 FROM heartbeats h WHERE h.session_id = s.id AND h.received_at > ${quiet})
        ORDER BY s.closed_at, s.id
        LIMIT ${limit}`),
    );
    return rows.map((r) => String(r.id));
  }

  /** Queues a registration's statements, frozen; ids already queued keep their first content. */
  async queue(sessionId: string, statements: { id: string }[]): Promise<void> {
    if (statements.length === 0) return;
    const values = sql.join(
      statements.map((st, i) => sql`(${st.id}::uuid, ${sessionId}::uuid, ${i}, ${JSON.stringify(st)}::jsonb)`),
      sql`, `,
    );
    await this.db.execute(sql`INSERT INTO lrs_statements (id, session_id, position, payload) VALUES ${values} ON CONFLICT (id) DO NOTHING`);
  }

  /** Takes up to `limit` due statements (oldest registration first, in pattern order) for `leaseSeconds`. */
  async claimDue(owner: string, leaseSeconds: number, limit: number): Promise<OutboxStatement[]> {
    const rows = rowsOf<Record<string, unknown>>(
      await this.db.execute(sql`
        UPDATE lrs_statements o SET lease_owner = ${owner}, lease_until = now() + make_interval(secs => ${leaseSeconds})
        WHERE o.id IN (
          SELECT id FROM lrs_statements
          WHERE state = 'queued' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
          ORDER BY queued_at, session_id, position
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING o.id, o.payload, o.attempts, o.queued_at, o.session_id, o.position`),
    );
    rows.sort((a, b) => dateOf(a.queued_at)!.getTime() - dateOf(b.queued_at)!.getTime() || String(a.session_id).localeCompare(String(b.session_id)) || Number(a.position) - Number(b.position));
    return rows.map((r) => ({ id: String(r.id), payload: jsonOf(r.payload), attempts: Number(r.attempts) }));
  }

  async markSent(owner: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.execute(sql`
      UPDATE lrs_statements SET state = 'sent', attempts = attempts + 1, sent_at = now(), last_attempt_at = now(), lease_owner = NULL, lease_until = NULL
      WHERE id IN (${idList(ids)}) AND lease_owner = ${owner}`);
  }

  /** A passing failure: queued again after `delaySeconds`. */
  async reschedule(owner: string, ids: string[], code: LrsErrorCode, detail: string, delaySeconds: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db.execute(sql`
      UPDATE lrs_statements SET attempts = attempts + 1, last_attempt_at = now(), last_error_code = ${code}, last_error_detail = ${detail}, last_error_at = now(),
        next_attempt_at = now() + make_interval(secs => ${Math.max(0, Math.round(delaySeconds))}), lease_owner = NULL, lease_until = NULL
      WHERE id IN (${idList(ids)}) AND lease_owner = ${owner}`);
  }

  async markFailed(owner: string, ids: string[], code: LrsErrorCode, detail: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db.execute(sql`
      UPDATE lrs_statements SET state = 'failed', attempts = attempts + 1, last_attempt_at = now(), last_error_code = ${code}, last_error_detail = ${detail}, last_error_at = now(),
        lease_owner = NULL, lease_until = NULL
      WHERE id IN (${idList(ids)}) AND lease_owner = ${owner}`);
  }

  /** Failed statements back to the queue, due now, with their attempts counted afresh. */
  async retryFailed(): Promise<number> {
    const rows = await this.db.execute(sql`
      UPDATE lrs_statements SET state = 'queued', attempts = 0, next_attempt_at = now(), lease_owner = NULL, lease_until = NULL
      WHERE state = 'failed' RETURNING id`);
    return rowsOf(rows).length;
  }

  async hasDue(): Promise<boolean> {
    const rows = rowsOf(await this.db.execute(sql`SELECT 1 FROM lrs_statements WHERE state = 'queued' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now()) LIMIT 1`));
    return rows.length > 0;
  }

  async status(): Promise<OutboxStatus> {
    const [counts] = rowsOf<Record<string, unknown>>(
      await this.db.execute(sql`
        SELECT count(*) FILTER (WHERE state = 'queued') AS queued, count(*) FILTER (WHERE state = 'sent') AS sent,
               count(*) FILTER (WHERE state = 'failed') AS failed, max(sent_at) AS last_sent_at
        FROM lrs_statements`),
    );
    const [error] = rowsOf<Record<string, unknown>>(
      await this.db.execute(sql`SELECT last_error_code, last_error_detail, last_error_at FROM lrs_statements WHERE last_error_at IS NOT NULL ORDER BY last_error_at DESC LIMIT 1`),
    );
    return {
      queued: Number(counts?.queued ?? 0),
      sent: Number(counts?.sent ?? 0),
      failed: Number(counts?.failed ?? 0),
      lastSentAt: dateOf(counts?.last_sent_at),
      lastError: error ? { code: String(error.last_error_code), detail: (error.last_error_detail as string | null) ?? null, at: dateOf(error.last_error_at)! } : null,
    };
  }

  /** The national association (the platform's root): LRS jobs and audit entries belong to it. */
  async rootOrganization(): Promise<string | null> {
    const [row] = rowsOf<{ id: string }>(await this.db.execute(sql`SELECT id FROM organizations WHERE parent_id IS NULL ORDER BY created_at, id LIMIT 1`));
    return row ? String(row.id) : null;
  }
}
