/**
 * The account lifecycle (docs/accounts.md): a person changes their own password; an
 * administrator resets a forgotten one or disables an account, inside the subtree they administer
 * and never a peer's (the peer rule). Every reset, disable and re-enable is in the audit log.
 * Nothing here deletes a user: watch history, credit and certificates are audit evidence.
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { AuditLog } from '../audit/service.ts';
import { hashPassword, oneTimePassword } from '../auth/password.ts';
import type { AuthService } from '../auth/service.ts';
import { badRequest, notFound } from '../http/errors.ts';
import { passwordProblem, passwordProblemMessage } from './password-rules.ts';
import type { UsersRepository } from './repository.ts';
import type { Account, PasswordReset } from './schemas.ts';

export type { PasswordReset } from './schemas.ts';

export class UsersService {
  constructor(
    private readonly repo: UsersRepository,
    private readonly auth: AuthService,
    private readonly access: AccessPolicy,
  ) {}

  /**
   * Changes the caller's password. The current password is checked like a login (same 401, same
   * rate limit: 429), then the new one against the rules (400); the caller's other sessions are
   * closed, the one making the change stays open, and the must-change flag is cleared.
   */
  async changeOwnPassword(user: SessionUser, sessionTokenHash: string, currentPassword: string, newPassword: string, ip: string): Promise<void> {
    const account = await this.auth.checkPassword(user.login, currentPassword, ip);
    const problem = passwordProblem(account, currentPassword, newPassword);
    if (problem) throw badRequest(problem, passwordProblemMessage(problem));
    const hash = await hashPassword(newPassword);
    await this.repo.transaction((repo) => repo.replacePassword(account.id, hash, { changeRequired: false, keepTokenHash: sessionTokenHash }));
  }

  /**
   * A new one-time password, answered once; every session of that account is closed. The
   * change and its audit entry are one transaction; the entry says that the password was
   * replaced and sessions closed, never the password or its hash.
   */
  async resetPassword(admin: SessionUser, userId: string, ip: string): Promise<PasswordReset> {
    const account = await this.manageable(admin, userId);
    const password = oneTimePassword();
    const hash = await hashPassword(password); // 32 MiB of scrypt: before the transaction, not while holding the row
    await this.repo.transaction(async (repo, tx) => {
      const before = await repo.lockAccount(account.id);
      if (!before) throw notFound('The user');
      const sessionsClosed = await repo.replacePassword(account.id, hash, { changeRequired: true });
      await AuditLog.record(tx, {
        actor: admin,
        action: 'user.password_reset',
        organizationId: before.organizationId,
        targetType: 'user',
        targetId: account.id,
        before: { passwordChangeRequired: before.passwordChangeRequired },
        after: { passwordChangeRequired: true, sessionsClosed },
        ip,
      });
    });
    return { userId: account.id, login: account.login, name: account.name, oneTimePassword: password };
  }

  /** Disabling closes every session and stops logins; re-enabling lets the old password work again. */
  async setDisabled(admin: SessionUser, userId: string, disabled: boolean, ip: string): Promise<Account> {
    await this.manageable(admin, userId);
    return this.repo.transaction(async (repo, tx) => {
      const before = await repo.lockAccount(userId);
      if (!before) throw notFound('The user');
      const { account, sessionsClosed } = await repo.setDisabled(userId, disabled);
      await AuditLog.record(tx, {
        actor: admin,
        action: disabled ? 'user.disabled' : 'user.enabled',
        organizationId: account.organizationId,
        targetType: 'user',
        targetId: userId,
        before: { disabled: before.disabled },
        after: disabled ? { disabled: true, sessionsClosed } : { disabled: false },
        ip,
      });
      return account;
    });
  }

  /**
   * The account, when the administrator may act on it (AccessPolicy.assertCanManageAccount): it
   * exists (404), it belongs to an organization of their subtree (403), it is not their own (409:
   * they would lock themselves out), and, when it holds any role, the administrator's grant is
   * strictly above each of its roles and its organization (403 peer_account): otherwise two
   * administrators of one organization could take over each other, or a provincial
   * administrator a national trainer who belongs to one of its firms.
   */
  private async manageable(admin: SessionUser, userId: string): Promise<Account> {
    const account = await this.repo.findAccount(userId);
    if (!account) throw notFound('The user');
    await this.access.assertCanManageAccount(admin, account);
    const { roles: _roles, ...rest } = account;
    return rest;
  }
}
