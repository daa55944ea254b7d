import { and, eq, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.ts';
import { sqlRunner, type SqlRunner } from '../db/runner.ts';
import { authSessions, loginAttempts, roleGrants, users } from '../db/schema/index.ts';

export type UserRow = typeof users.$inferSelect;
export type Role = 'admin' | 'trainer';
export interface RoleGrant {
  organizationId: string;
  role: Role;
}

/**
 * Where a password try comes from, as the login limit counts it: an address, or a browser that
 * holds a valid device cookie for the login (server/auth/cookie.ts), with the address it used.
 */
export type AttemptSource = { kind: 'address'; ip: string } | { kind: 'device'; ip: string; deviceId: string };

export interface FailureCount {
  failures: number;
  /** whole seconds until the oldest of them is a minute old (0 when there are none) */
  clearsInSeconds: number;
}

export interface RecentFailures {
  pair: FailureCount;
  address: FailureCount;
  login: FailureCount;
  device: FailureCount;
}

/**
 * login_attempts has no column for the browser, so a browser's try keeps its device id in front
 * of the address in `ip` ("device:<id> 203.0.113.5"): the address stays on record, and the row is
 * not one of the address's tries. A `device` column would say this plainly (a migration).
 */
const devicePrefix = (deviceId: string) => `device:${deviceId} `;
const attemptAddress = (source: AttemptSource) => (source.kind === 'device' ? `${devicePrefix(source.deviceId)}${source.ip}` : source.ip);

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

  /**
   * Runs `work` in one transaction holding the login limit's locks (transaction-level advisory
   * locks, released at commit): the address's when `ip` is given, then the login's. Always in that
   * order, so two tries never wait for each other's lock.
   */
  async underLoginLimitLocks<T>(login: string, ip: string | null, work: (repo: AuthRepository) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      if (ip !== null) await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`login_attempts:ip:${ip}`}, 0))`);
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`login_attempts:login:${login}`}, 0))`);
      return work(new AuthRepository(tx));
    });
  }

  /**
   * Failed tries, and reservations not yet known to have succeeded, in the last minute of the
   * database clock: for this login from this address, from this address, for this login, and for
   * this login from this browser. A browser's tries are rows whose `ip` starts with its device id
   * (`attemptAddress`), so they are not the address's.
   */
  async recentFailures(login: string, source: AttemptSource, windowSeconds = 60): Promise<RecentFailures> {
    const window = sql`make_interval(secs => ${windowSeconds})`;
    const pair = sql`${loginAttempts.ip} = ${source.ip} AND ${loginAttempts.login} = ${login}`;
    const address = sql`${loginAttempts.ip} = ${source.ip}`;
    const ofLogin = sql`${loginAttempts.login} = ${login}`;
    const device = source.kind === 'device' ? sql`${loginAttempts.login} = ${login} AND starts_with(${loginAttempts.ip}, ${devicePrefix(source.deviceId)})` : sql`false`;
    const failures = (filter: SQL) => sql<string>`count(*) FILTER (WHERE ${filter})`;
    const clearsIn = (filter: SQL) => sql<string | null>`ceil(extract(epoch FROM min(${loginAttempts.at}) FILTER (WHERE ${filter}) + ${window} - now()))`;
    const [row] = await this.db
      .select({
        pair: failures(pair), pairClearsIn: clearsIn(pair),
        address: failures(address), addressClearsIn: clearsIn(address),
        login: failures(ofLogin), loginClearsIn: clearsIn(ofLogin),
        device: failures(device), deviceClearsIn: clearsIn(device),
      })
      .from(loginAttempts)
      .where(and(sql`${loginAttempts.at} > now() - ${window}`, eq(loginAttempts.succeeded, false), or(eq(loginAttempts.ip, source.ip), eq(loginAttempts.login, login))));
    const count = (n: string | null | undefined, clears: string | null | undefined): FailureCount => ({ failures: Number(n ?? 0), clearsInSeconds: Math.max(0, Number(clears ?? 0)) });
    return {
      pair: count(row?.pair, row?.pairClearsIn),
      address: count(row?.address, row?.addressClearsIn),
      login: count(row?.login, row?.loginClearsIn),
      device: count(row?.device, row?.deviceClearsIn),
    };
  }

  /** A try about to be checked, stored as failed until `markLoginAttemptSucceeded`: a crash in between counts as a failure. */
  async reserveLoginAttempt(login: string, source: AttemptSource): Promise<string> {
    const [row] = await this.db.insert(loginAttempts).values({ login, ip: attemptAddress(source), succeeded: false }).returning({ id: loginAttempts.id });
    return row!.id;
  }

  async markLoginAttemptSucceeded(id: string): Promise<void> {
    await this.db.update(loginAttempts).set({ succeeded: true }).where(eq(loginAttempts.id, id));
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
