/**
 * The account lifecycle's table access: a user's account row with their role grants, and the
 * writes that change a password or disable an account together with closing login sessions. The
 * service runs each change in one `transaction()` (with its audit entry), so a password is never
 * changed while an old session stays open.
 */
import { eq } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client.ts';
import { roleGrants, users } from '../db/schema/index.ts';
import { AuthRepository, type RoleGrant } from '../auth/repository.ts';
import type { Account } from './schemas.ts';

/** An account as the administrator's routes answer it (schemas.ts). */
export type { Account } from './schemas.ts';

/** The columns of an account as every account repository reads it. */
export const accountColumns = {
  id: users.id,
  login: users.login,
  name: users.name,
  organizationId: users.organizationId,
  licenseNo: users.licenseNo,
  disabled: users.disabled,
  passwordChangeRequired: users.passwordChangeRequired,
};

export class UsersRepository {
  constructor(private readonly db: DbOrTx) {}

  /**
   * Runs `work` in one transaction with a repository bound to it; the audit entry of an
   * administrator's change is written with the same `tx` (server/audit), so both or neither stay.
   */
  async transaction<T>(work: (repo: UsersRepository, tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(new UsersRepository(tx), tx));
  }

  async findAccount(userId: string): Promise<(Account & { roles: RoleGrant[] }) | undefined> {
    const [row] = await this.db.select(accountColumns).from(users).where(eq(users.id, userId));
    if (!row) return undefined;
    const roles = await this.db.select({ organizationId: roleGrants.organizationId, role: roleGrants.role }).from(roleGrants).where(eq(roleGrants.userId, userId));
    return { ...row, roles };
  }

  /**
   * The account row, locked until the transaction ends: the state an audit entry calls "before".
   * NO KEY UPDATE, like the update that follows: logins of the account (new sessions point at
   * the row) are not held up.
   */
  async lockAccount(userId: string): Promise<Account | undefined> {
    const [row] = await this.db.select(accountColumns).from(users).where(eq(users.id, userId)).for('no key update');
    return row;
  }

  /**
   * Stores a new password hash and the must-change flag, and closes the user's login sessions
   * except `keepTokenHash` (the session that changed its own password). Answers how many closed.
   * Inside `transaction()`: the two writes must not be seen apart.
   */
  async replacePassword(userId: string, passwordHash: string, options: { changeRequired: boolean; keepTokenHash?: string }): Promise<number> {
    await this.db.update(users).set({ passwordHash, passwordChangeRequired: options.changeRequired }).where(eq(users.id, userId));
    return new AuthRepository(this.db).deleteSessionsOf(userId, options.keepTokenHash);
  }

  /**
   * Disables (closing every login session) or re-enables an account; answers the account and
   * how many sessions were closed. Inside `transaction()`, like replacePassword.
   */
  async setDisabled(userId: string, disabled: boolean): Promise<{ account: Account; sessionsClosed: number }> {
    const [row] = await this.db.update(users).set({ disabled }).where(eq(users.id, userId)).returning(accountColumns);
    const sessionsClosed = disabled ? await new AuthRepository(this.db).deleteSessionsOf(userId) : 0;
    return { account: row!, sessionsClosed };
  }
}
