/**
 * The account lifecycle's table access: a user's account row with their role grants, and the
 * writes that change a password or disable an account together with closing login sessions, each
 * in one transaction so a password is never changed while an old session stays open.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { roleGrants, users } from '../db/schema/index.ts';
import { AuthRepository, type RoleGrant } from '../auth/repository.ts';

export interface Account {
  id: string;
  login: string;
  name: string;
  organizationId: string;
  licenseNo: string | null;
  disabled: boolean;
  passwordChangeRequired: boolean;
}

const accountColumns = {
  id: users.id,
  login: users.login,
  name: users.name,
  organizationId: users.organizationId,
  licenseNo: users.licenseNo,
  disabled: users.disabled,
  passwordChangeRequired: users.passwordChangeRequired,
};

export class UsersRepository {
  constructor(private readonly db: Db) {}

  async findAccount(userId: string): Promise<(Account & { roles: RoleGrant[] }) | undefined> {
    const [row] = await this.db.select(accountColumns).from(users).where(eq(users.id, userId));
    if (!row) return undefined;
    const roles = await this.db.select({ organizationId: roleGrants.organizationId, role: roleGrants.role }).from(roleGrants).where(eq(roleGrants.userId, userId));
    return { ...row, roles };
  }

  /**
   * Stores a new password hash and the must-change flag, and closes the user's login sessions
   * except `keepTokenHash` (the session that changed its own password). Answers how many closed.
   */
  async replacePassword(userId: string, passwordHash: string, options: { changeRequired: boolean; keepTokenHash?: string }): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.update(users).set({ passwordHash, passwordChangeRequired: options.changeRequired }).where(eq(users.id, userId));
      return new AuthRepository(tx).deleteSessionsOf(userId, options.keepTokenHash);
    });
  }

  /** Disables (closing every login session) or re-enables an account; answers the account. */
  async setDisabled(userId: string, disabled: boolean): Promise<Account> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.update(users).set({ disabled }).where(eq(users.id, userId)).returning(accountColumns);
      if (disabled) await new AuthRepository(tx).deleteSessionsOf(userId);
      return row!;
    });
  }
}
