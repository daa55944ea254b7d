/**
 * Staff accounts and role grants: the only code of server/staff that touches `users` and
 * `role_grants`. The service runs each change in one `transaction()` with its audit entry.
 */
import { and, asc, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client.ts';
import { organizations, roleGrants, users } from '../db/schema/index.ts';
import type { Role } from '../auth/repository.ts';
import { subtreeIds } from '../organizations/repository.ts';
import { accountColumns } from '../users/repository.ts';

export interface StaffAccount {
  id: string;
  login: string;
  name: string;
  organizationId: string;
  licenseNo: string | null;
  disabled: boolean;
  passwordChangeRequired: boolean;
}

export interface HeldRole {
  organizationId: string;
  organizationName: string;
  role: Role;
}

export interface PersonRow extends StaffAccount {
  organizationName: string;
  roles: HeldRole[];
}


/** The organizations under (and including) these roots, as an SQL list for `IN`. */
const subtreeOf = (rootIds: readonly string[]): SQL => sql`(${subtreeIds(rootIds)})`;

/** `text` for LIKE, with its wildcards taken literally (PostgreSQL's default escape is the backslash). */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export class StaffRepository {
  constructor(private readonly db: DbOrTx) {}

  async transaction<T>(work: (repo: StaffRepository, tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(new StaffRepository(tx), tx));
  }

  async findAccountByLogin(login: string): Promise<StaffAccount | undefined> {
    const [row] = await this.db.select(accountColumns).from(users).where(eq(users.login, login));
    return row;
  }

  /** The organizations the user holds `admin` on (each with its subtree). */
  async adminOrganizationsOf(userId: string): Promise<string[]> {
    const rows = await this.db
      .select({ organizationId: roleGrants.organizationId })
      .from(roleGrants)
      .where(and(eq(roleGrants.userId, userId), eq(roleGrants.role, 'admin')));
    return rows.map((r) => r.organizationId);
  }

  /** A staff account: no licence number (staff are not practising lawyers here). */
  async insertStaff(values: { login: string; name: string; organizationId: string; passwordHash: string; passwordChangeRequired: boolean }): Promise<StaffAccount> {
    const [row] = await this.db
      .insert(users)
      .values({ ...values, licenseNo: null })
      .returning(accountColumns);
    return row!;
  }

  /** True when the grant is new (false: it was held already, nothing changed). */
  async grant(userId: string, organizationId: string, role: Role): Promise<boolean> {
    const rows = await this.db.insert(roleGrants).values({ userId, organizationId, role }).onConflictDoNothing().returning({ id: roleGrants.id });
    return rows.length > 0;
  }

  /** True when a grant was removed (false: it was not held). */
  async revoke(userId: string, organizationId: string, role: Role): Promise<boolean> {
    const rows = await this.db
      .delete(roleGrants)
      .where(and(eq(roleGrants.userId, userId), eq(roleGrants.organizationId, organizationId), eq(roleGrants.role, role)))
      .returning({ id: roleGrants.id });
    return rows.length > 0;
  }

  /**
   * The organization's staff: accounts holding a role on it, and accounts belonging to it without
   * a licence number (staff accounts that have no role yet). Each with the roles held on it.
   */
  async staffOf(organizationId: string): Promise<(PersonRow & { rolesHere: Role[] })[]> {
    const holders = this.db.select({ id: roleGrants.userId }).from(roleGrants).where(eq(roleGrants.organizationId, organizationId));
    const rows = await this.db
      .select({ ...accountColumns, organizationName: organizations.name })
      .from(users)
      .innerJoin(organizations, eq(organizations.id, users.organizationId))
      .where(or(inArray(users.id, holders), and(eq(users.organizationId, organizationId), isNull(users.licenseNo))))
      .orderBy(asc(users.name), asc(users.login));
    const roles = await this.rolesOf(rows.map((r) => r.id));
    return rows.map((r) => {
      const held = roles.get(r.id) ?? [];
      return { ...r, roles: held, rolesHere: held.filter((g) => g.organizationId === organizationId).map((g) => g.role) };
    });
  }

  /**
   * People of the subtrees whose login or licence number starts with `query`, or whose name
   * contains it; exact login or licence number first, then by name. At most `limit`.
   */
  async search(rootIds: readonly string[], query: string, limit: number): Promise<PersonRow[]> {
    if (rootIds.length === 0) return [];
    const prefix = `${likeLiteral(query)}%`;
    const anywhere = `%${likeLiteral(query)}%`;
    const rows = await this.db
      .select({ ...accountColumns, organizationName: organizations.name })
      .from(users)
      .innerJoin(organizations, eq(organizations.id, users.organizationId))
      .where(and(sql`${users.organizationId} IN ${subtreeOf(rootIds)}`, sql`(${users.login} ILIKE ${prefix} OR ${users.licenseNo} LIKE ${prefix} OR ${users.name} ILIKE ${anywhere})`))
      .orderBy(sql`(${users.login} = ${query} OR ${users.licenseNo} = ${query}) DESC`, asc(users.name), asc(users.login))
      .limit(limit);
    const roles = await this.rolesOf(rows.map((r) => r.id));
    return rows.map((r) => ({ ...r, roles: roles.get(r.id) ?? [] }));
  }

  private async rolesOf(userIds: string[]): Promise<Map<string, HeldRole[]>> {
    const out = new Map<string, HeldRole[]>();
    if (userIds.length === 0) return out;
    const rows = await this.db
      .select({ userId: roleGrants.userId, organizationId: roleGrants.organizationId, organizationName: organizations.name, role: roleGrants.role })
      .from(roleGrants)
      .innerJoin(organizations, eq(organizations.id, roleGrants.organizationId))
      .where(inArray(roleGrants.userId, userIds))
      .orderBy(asc(organizations.regionCode), asc(roleGrants.role));
    for (const { userId, ...role } of rows) out.set(userId, [...(out.get(userId) ?? []), role]);
    return out;
  }
}
