/**
 * The audit log (docs/audit.md, "The audit log"): every administrative change writes one entry
 * with `AuditLog.record(tx, …)` inside the transaction that makes the change, so there is never a
 * change without its entry nor an entry for a change that was rolled back. Administrators of an
 * organization (or above it) read the entries of its subtree.
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import type { Tx } from '../db/client.ts';
import { badRequest } from '../http/errors.ts';
import { AuditRepository, type AuditAction, type AuditState, type AuditTargetType } from './repository.ts';
import type { AuditPage } from './schemas.ts';

export type { AuditAction, AuditRecord, AuditState, AuditTargetType } from './repository.ts';
export type { AuditEntry, AuditPage } from './schemas.ts';

export interface AuditEvent {
  /** who did it; null outside a login (the admin:create script) */
  actor: { id: string } | null;
  action: AuditAction;
  /** the organization of what was changed: its administrators and those above may read the entry */
  organizationId: string;
  targetType: AuditTargetType;
  targetId: string | null;
  before: AuditState | null;
  after: AuditState | null;
  /** the address the request came from (`request.ip`, the client's behind a trusted proxy) */
  ip: string | null;
}

export const DEFAULT_AUDIT_PAGE = 50;
export const MAX_AUDIT_PAGE = 200;

export class AuditLog {
  /** Writes one entry in the caller's transaction: it commits or rolls back with the change. */
  static async record(tx: Tx, event: AuditEvent): Promise<void> {
    await new AuditRepository(tx).insert({
      actorId: event.actor?.id ?? null,
      action: event.action,
      organizationId: event.organizationId,
      targetType: event.targetType,
      targetId: event.targetId,
      before: event.before,
      after: event.after,
      ip: event.ip,
    });
  }

  constructor(
    private readonly repo: AuditRepository,
    private readonly access: AccessPolicy,
  ) {}

  /**
   * One page of the organization's subtree, newest first. 403 unless the user administers the
   * organization or one above it (also for an unknown id); 400 unknown_cursor for a `before`
   * that is not an entry of this subtree, so a cursor cannot be used to look at another's log.
   */
  async list(user: SessionUser, organizationId: string, page: { before?: string | undefined; limit?: number | undefined }): Promise<AuditPage> {
    await this.access.assertRole(user, organizationId, 'admin');
    const before = page.before ?? null;
    if (before !== null && !(await this.repo.isInSubtree(organizationId, before))) {
      throw badRequest('unknown_cursor', 'This page position is not an entry of this organization’s audit log; load the first page again.');
    }
    const limit = page.limit ?? DEFAULT_AUDIT_PAGE;
    const rows = await this.repo.listForSubtree(organizationId, { before, limit: limit + 1 });
    const items = rows.slice(0, limit).map((e) => ({ ...e, at: e.at.toISOString() }));
    return { items, nextBefore: rows.length > limit ? items.at(-1)!.id : null };
  }
}
