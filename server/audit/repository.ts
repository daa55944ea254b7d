/**
 * The only code that touches `audit_log` (docs/audit.md, "The audit log"). It inserts, inside the
 * caller's transaction, and lists; it has no update and no delete, because an entry is evidence
 * of what an administrator did and must read the same for as long as it is kept.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { dateOf, jsonOf, rowsOf } from '../db/rows.ts';
import { subtreeIds } from '../organizations/repository.ts';

/** What was done, dotted: the kind of thing, then what happened to it. */
export type AuditAction =
  | 'user.password_reset'
  | 'user.disabled'
  | 'user.enabled'
  | 'roster.imported'
  | 'plan.created'
  | 'plan.deleted'
  | 'organization.settings_changed'
  | 'organization.created'
  | 'organization.updated'
  | 'organization.closed'
  | 'organization.reopened'
  | 'staff.created'
  | 'role.granted'
  | 'role.revoked'
  | 'lecture.transcode_retried'
  | 'lecture.credit_minutes_changed'
  | 'organization.certificate_settings_changed'
  | 'course.created'
  | 'course.updated'
  | 'course.published'
  | 'course.archived'
  | 'course.lectures_reordered'
  | 'lecture.created'
  | 'lecture.renamed'
  | 'lecture.visibility_changed'
  | 'lecture.removed'
  | 'lecture.recording_replaced'
  | 'lecture.subtitles_uploaded'
  | 'lecture.subtitles_replaced'
  | 'lecture.subtitles_removed';

export type AuditTargetType = 'user' | 'organization' | 'plan' | 'course' | 'lecture';

/** The changed thing's state as JSON. Never a password, a one-time password or a hash. */
export type AuditState = Record<string, unknown>;

export interface NewAuditEntry {
  /** null for changes made outside a login (the admin:create script) */
  actorId: string | null;
  action: AuditAction;
  /** whose administrators (and those above) may read the entry: the target's organization */
  organizationId: string;
  targetType: AuditTargetType;
  targetId: string | null;
  before: AuditState | null;
  after: AuditState | null;
  ip: string | null;
}

export interface AuditRecord {
  id: string;
  at: Date;
  actor: { id: string; login: string; name: string } | null;
  action: AuditAction;
  organizationId: string;
  targetType: AuditTargetType;
  targetId: string | null;
  before: AuditState | null;
  after: AuditState | null;
  ip: string | null;
}

// Written with ::jsonb casts of JSON text, as the heartbeats are: both drivers then store an
// object, never a JSON string inside the jsonb.
const jsonb = (state: AuditState | null): SQL => (state === null ? sql`NULL` : sql`${JSON.stringify(state)}::jsonb`);

/** The organization and its whole subtree, as a subquery of ids. */
const subtreeOf = (rootId: string): SQL => sql`(${subtreeIds([rootId])})`;

export class AuditRepository {
  /** `db` is the caller's transaction when an entry is written with the change it records. */
  constructor(private readonly db: DbOrTx) {}

  async insert(entry: NewAuditEntry): Promise<void> {
    await this.db.execute(sql`
      INSERT INTO audit_log (actor_id, action, organization_id, target_type, target_id, before, after, ip)
      VALUES (${entry.actorId}, ${entry.action}, ${entry.organizationId}, ${entry.targetType}, ${entry.targetId},
              ${jsonb(entry.before)}, ${jsonb(entry.after)}, ${entry.ip})`);
  }

  /** True when the entry exists and belongs to the organization's subtree (a usable page cursor). */
  async isInSubtree(rootId: string, entryId: string): Promise<boolean> {
    const rows = await this.db.execute(sql`SELECT 1 FROM audit_log WHERE id = ${entryId} AND organization_id IN ${subtreeOf(rootId)}`);
    return rowsOf(rows).length > 0;
  }

  /**
   * Entries of the organization's subtree, newest first, `limit` of them after the entry
   * `before` (keyset on (at, id): entries of one transaction share their `at`, the id orders them,
   * and a page never repeats or skips a row however many are written meanwhile).
   */
  async listForSubtree(rootId: string, page: { before: string | null; limit: number }): Promise<AuditRecord[]> {
    const after = page.before === null ? sql`` : sql`AND (a.at, a.id) < (SELECT c.at, c.id FROM audit_log c WHERE c.id = ${page.before})`;
    const rows = await this.db.execute(sql`
      SELECT a.id, a.at, a.actor_id, u.login AS actor_login, u.name AS actor_name, a.action, a.organization_id,
             a.target_type, a.target_id, a.before, a.after, a.ip
      FROM audit_log a
      LEFT JOIN users u ON u.id = a.actor_id
      WHERE a.organization_id IN ${subtreeOf(rootId)} ${after}
      ORDER BY a.at DESC, a.id DESC
      LIMIT ${page.limit}`);
    return rowsOf<Record<string, unknown>>(rows).map((r) => ({
      id: String(r.id),
      at: dateOf(r.at)!,
      actor: r.actor_id == null ? null : { id: String(r.actor_id), login: String(r.actor_login), name: String(r.actor_name) },
      action: r.action as AuditAction,
      organizationId: String(r.organization_id),
      targetType: r.target_type as AuditTargetType,
      targetId: r.target_id == null ? null : String(r.target_id),
      before: r.before == null ? null : jsonOf<AuditState>(r.before),
      after: r.after == null ? null : jsonOf<AuditState>(r.after),
      ip: r.ip == null ? null : String(r.ip),
    }));
  }
}
