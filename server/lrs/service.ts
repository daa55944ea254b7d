/**
 * The LRS outbox as administrators see it: counts, last success, last error, and "retry failed".
 * Only an administrator of the national association (the platform's root) may see or change it:
 * it spans every province.
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import type { Db } from '../db/client.ts';
import { AuditLog } from '../audit/service.ts';
import { forbidden } from '../http/errors.ts';
import { LRS_ERROR_TEXT, type LrsErrorCode } from './client.ts';
import { queueLrsDelivery } from './job.ts';
import type { LrsRepository } from './repository.ts';
import type { LrsRetryAnswer, LrsStatus } from './schemas.ts';

export class LrsService {
  constructor(
    private readonly db: Db,
    private readonly repo: LrsRepository,
    private readonly access: AccessPolicy,
    private readonly configured: boolean,
  ) {}

  private async assertPlatformAdmin(user: SessionUser): Promise<string> {
    const root = await this.repo.rootOrganization();
    if (!root || !(await this.access.hasRole(user, root, 'admin'))) throw forbidden('Only an administrator of the national association may manage LRS delivery');
    return root;
  }

  async status(user: SessionUser): Promise<LrsStatus> {
    await this.assertPlatformAdmin(user);
    const s = await this.repo.status();
    return {
      configured: this.configured,
      queued: s.queued,
      sent: s.sent,
      failed: s.failed,
      lastSentAt: s.lastSentAt?.toISOString() ?? null,
      lastError: s.lastError
        ? { code: s.lastError.code, message: LRS_ERROR_TEXT[s.lastError.code as LrsErrorCode] ?? 'The LRS refused the statements.', detail: s.lastError.detail, at: s.lastError.at.toISOString() }
        : null,
    };
  }

  /** Failed statements back to the queue (after the credentials or the endpoint were fixed); audited. */
  async retryFailed(user: SessionUser, ip: string | null): Promise<LrsRetryAnswer> {
    const root = await this.assertPlatformAdmin(user);
    const requeued = await this.repo.transaction(async (repo, tx) => {
      const count = await repo.retryFailed();
      await AuditLog.record(tx, { actor: user, action: 'lrs.failed_retried', organizationId: root, targetType: 'lrs_outbox', targetId: null, before: { failed: count }, after: { requeued: count }, ip });
      return count;
    });
    if (requeued > 0 && this.configured) await queueLrsDelivery(this.db);
    return { requeued };
  }
}
