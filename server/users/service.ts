/**
 * The account lifecycle (docs/accounts.md): a person changes their own password; an
 * administrator resets a forgotten one or disables an account, inside the subtree they administer.
 * Nothing here deletes a user: watch history, credit and certificates are audit evidence.
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { hashPassword, oneTimePassword } from '../auth/password.ts';
import type { AuthService } from '../auth/service.ts';
import { badRequest, conflict, forbidden, notFound } from '../http/errors.ts';
import { passwordProblem, passwordProblemMessage } from './password-rules.ts';
import type { Account, UsersRepository } from './repository.ts';

export interface PasswordReset {
  userId: string;
  login: string;
  name: string;
  /** shown once to the administrator; the account must change it at its next login */
  oneTimePassword: string;
}

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
    await this.repo.replacePassword(account.id, hash, { changeRequired: false, keepTokenHash: sessionTokenHash });
  }

  /** A new one-time password, answered once; every session of that account is closed. */
  async resetPassword(admin: SessionUser, userId: string): Promise<PasswordReset> {
    const account = await this.manageable(admin, userId);
    const password = oneTimePassword();
    await this.repo.replacePassword(account.id, await hashPassword(password), { changeRequired: true });
    return { userId: account.id, login: account.login, name: account.name, oneTimePassword: password };
  }

  /** Disabling closes every session and stops logins; re-enabling lets the old password work again. */
  async setDisabled(admin: SessionUser, userId: string, disabled: boolean): Promise<Account> {
    await this.manageable(admin, userId);
    return this.repo.setDisabled(userId, disabled);
  }

  /**
   * The account, when the administrator may act on it: it exists (404), it belongs to an
   * organization of their subtree (403), it is not their own (409: they would lock themselves
   * out), and every role it holds lies inside what they administer too (403), so a provincial
   * administrator cannot lock out a national trainer who happens to belong to one of its firms.
   */
  private async manageable(admin: SessionUser, userId: string): Promise<Account> {
    const account = await this.repo.findAccount(userId);
    if (!account) throw notFound('The user');
    await this.access.assertRole(admin, account.organizationId, 'admin');
    if (account.id === admin.id) throw conflict('own_account', 'You cannot reset or disable your own account; change your password on the password page instead.');
    for (const organizationId of new Set(account.roles.map((r) => r.organizationId))) {
      if (!(await this.access.hasRole(admin, organizationId, 'admin'))) {
        throw forbidden('This account holds a role outside the organizations you administer.');
      }
    }
    const { roles: _roles, ...rest } = account;
    return rest;
  }
}
