import { and, eq, gt, ne, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.ts';
import { sqlRunner, type SqlRunner } from '../db/runner.ts';
import { authSessions, loginAttempts, roleGrants, users } from '../db/schema/index.ts';

export type UserRow = typeof users.$inferSelect;
export type Role = 'admin' | 'trainer';
export interface RoleGrant {
  organizationId: string;
  role: Role;
}

export class AuthRepository {
  private readonly runner: SqlRunner;

  constructor(private readonly db: DbOrTx) {
    this.runner = sqlRunner(db as Db);
  }

  async findUserByLogin(login: string): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.login, login));
    return row;
  }

  async findUserById(id: string): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.id, id));
    return row;
  }

  async rolesOf(userId: string): Promise<RoleGrant[]> {
    return this.db
      .select({ organizationId: roleGrants.organizationId, role: roleGrants.role })
      .from(roleGrants)
      .where(eq(roleGrants.userId, userId));
  }

  async insertUser(values: typeof users.$inferInsert): Promise<UserRow> {
    const [row] = await this.db.insert(users).values(values).returning();
    return row!;
  }

  async setPassword(userId: string, passwordHash: string): Promise<void> {
    await this.db.update(users).set({ passwordHash }).where(eq(users.id, userId));
  }

  async grantRole(userId: string, organizationId: string, role: Role): Promise<void> {
    await this.db.insert(roleGrants).values({ userId, organizationId, role }).onConflictDoNothing();
  }

  async recordLoginAttempt(login: string, ip: string, succeeded: boolean): Promise<void> {
    await this.db.insert(loginAttempts).values({ login, ip, succeeded });
  }

  /** Tries (any outcome) in the window: for this login from this address, from this address, for this login. */
  async countRecentAttempts(login: string, ip: string, since: Date): Promise<{ pair: number; ip: number; login: number }> {
    const [row] = await this.db
      .select({
        pair: sql<number>`count(*) FILTER (WHERE ${loginAttempts.ip} = ${ip} AND ${loginAttempts.login} = ${login})`,
        ip: sql<number>`count(*) FILTER (WHERE ${loginAttempts.ip} = ${ip})`,
        login: sql<number>`count(*) FILTER (WHERE ${loginAttempts.login} = ${login})`,
      })
      .from(loginAttempts)
      .where(and(gt(loginAttempts.at, since), sql`(${loginAttempts.ip} = ${ip} OR ${loginAttempts.login} = ${login})`));
    return { pair: Number(row?.pair ?? 0), ip: Number(row?.ip ?? 0), login: Number(row?.login ?? 0) };
  }

  async pruneLoginAttempts(before: Date): Promise<void> {
    await this.db.delete(loginAttempts).where(sql`${loginAttempts.at} < ${before}`);
  }

  async insertSession(values: typeof authSessions.$inferInsert): Promise<void> {
    await this.db.insert(authSessions).values(values);
  }

  async findSession(tokenHash: string): Promise<{ userId: string; expiresAt: Date } | undefined> {
    const [row] = await this.db
      .select({ userId: authSessions.userId, expiresAt: authSessions.expiresAt })
      .from(authSessions)
      .where(eq(authSessions.tokenHash, tokenHash));
    return row;
  }

  /**
   * The user behind a live session with their role grants, in one round trip: this runs on
   * every authenticated request (heartbeats included), so it must stay cheap.
   */
  async findSessionUser(tokenHash: string): Promise<{ id: string; login: string; name: string; organizationId: string; roles: RoleGrant[]; passwordChangeRequired: boolean } | undefined> {
    // Prepared on PostgreSQL (see server/db/runner.ts): parsed and planned once per connection.
    const [row] = await this.runner.run(sql`
      SELECT u.id, u.login, u.name, u.organization_id AS "organizationId", u.password_change_required AS "passwordChangeRequired",
             coalesce((SELECT json_agg(json_build_object('organizationId', g.organization_id, 'role', g.role))
                       FROM role_grants g WHERE g.user_id = u.id), '[]'::json) AS roles
      FROM auth_sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = ${tokenHash} AND s.expires_at > now() AND NOT u.disabled`);
    if (!row) return undefined;
    const roles = typeof row.roles === 'string' ? (JSON.parse(row.roles) as RoleGrant[]) : (row.roles as RoleGrant[]);
    return {
      id: String(row.id),
      login: String(row.login),
      name: String(row.name),
      organizationId: String(row.organizationId),
      roles,
      passwordChangeRequired: row.passwordChangeRequired === true || row.passwordChangeRequired === 't',
    };
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.delete(authSessions).where(eq(authSessions.tokenHash, tokenHash));
  }

  /** Closes every login session of the user, except the one whose token hash is `keepTokenHash`. */
  async deleteSessionsOf(userId: string, keepTokenHash?: string): Promise<number> {
    const where = keepTokenHash ? and(eq(authSessions.userId, userId), ne(authSessions.tokenHash, keepTokenHash)) : eq(authSessions.userId, userId);
    const rows = await this.db.delete(authSessions).where(where).returning({ id: authSessions.id });
    return rows.length;
  }
}
