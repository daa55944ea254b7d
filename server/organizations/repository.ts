import { and, count, eq, isNull, ne, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../db/client.ts';
import { organizations } from '../db/schema/index.ts';
import { rowsOf } from '../db/rows.ts';

export type OrganizationRow = typeof organizations.$inferSelect;
export type NewOrganization = typeof organizations.$inferInsert;

/**
 * The ids of the organizations under (and including) these roots, as a subquery: the one builder
 * of the tree walk for every repository that scopes rows to a subtree (wrap it in parentheses for
 * `IN`).
 */
export const subtreeIds = (rootIds: readonly string[]): SQL => sql`
  WITH RECURSIVE down(id) AS (
    SELECT id FROM organizations WHERE id IN ${rootIds}
    UNION
    SELECT o.id FROM organizations o JOIN down ON o.parent_id = down.id
  )
  SELECT id FROM down`;

export class OrganizationsRepository {
  constructor(private readonly db: DbOrTx) {}

  /**
   * Runs `work` in one transaction with a repository bound to it; the audit entry of the change
   * is written with the same `tx` (server/audit), so both or neither stay.
   */
  async transaction<T>(work: (repo: OrganizationsRepository, tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work(new OrganizationsRepository(tx), tx));
  }

  /**
   * The row, locked until the transaction ends, for a change of it or under it (a new
   * sub-organization, a rename among its children, closing): such changes of one organization
   * take turns. NO KEY UPDATE: rows that merely point at it (new users, grants) are not held up.
   * Callers lock a parent before its child, so two changes never wait for each other.
   */
  async lockForChange(id: string): Promise<OrganizationRow | undefined> {
    const [row] = await this.db.select().from(organizations).where(eq(organizations.id, id)).for('no key update');
    return row;
  }

  /**
   * The row, share-locked until the transaction ends: for adding staff or a role to it, which
   * must not cross its closing (closing takes lockForChange, which waits for this and the other
   * way round).
   */
  async lockForAdding(id: string): Promise<OrganizationRow | undefined> {
    const [row] = await this.db.select().from(organizations).where(eq(organizations.id, id)).for('share');
    return row;
  }

  /** A child of `parentId` with exactly this name, other than `exceptId`. */
  async childNamed(parentId: string, name: string, exceptId?: string): Promise<OrganizationRow | undefined> {
    const [row] = await this.db
      .select()
      .from(organizations)
      .where(and(eq(organizations.parentId, parentId), eq(organizations.name, name), exceptId ? ne(organizations.id, exceptId) : undefined))
      .limit(1);
    return row;
  }

  async children(id: string): Promise<OrganizationRow[]> {
    return this.db.select().from(organizations).where(eq(organizations.parentId, id)).orderBy(organizations.regionCode, organizations.name);
  }

  async countOpenChildren(id: string): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(organizations).where(and(eq(organizations.parentId, id), isNull(organizations.closedAt)));
    return Number(row?.n ?? 0);
  }

  /** Name, code, county flag, parent; `closed` stamps the database clock (true) or clears it (false). */
  async update(id: string, values: { name?: string; regionCode?: string; county?: boolean; parentId?: string; closed?: boolean }): Promise<OrganizationRow> {
    const { closed, ...rest } = values;
    const closedAt = closed === undefined ? {} : { closedAt: closed ? sql`now()` : null };
    const [row] = await this.db.update(organizations).set({ ...rest, ...closedAt }).where(eq(organizations.id, id)).returning();
    return row!;
  }

  async insert(values: NewOrganization): Promise<OrganizationRow> {
    const [row] = await this.db.insert(organizations).values(values).returning();
    return row!;
  }

  /** An organization without a parent (the national association), if the database has one. */
  async findRoot(): Promise<OrganizationRow | undefined> {
    const [row] = await this.db.select().from(organizations).where(isNull(organizations.parentId));
    return row;
  }

  async findById(id: string): Promise<OrganizationRow | undefined> {
    const [row] = await this.db.select().from(organizations).where(eq(organizations.id, id));
    return row;
  }

  async findByName(name: string): Promise<OrganizationRow[]> {
    return this.db.select().from(organizations).where(eq(organizations.name, name));
  }

  /** The organization and all its ancestors, nearest first. Empty when it does not exist. */
  async ancestors(id: string): Promise<OrganizationRow[]> {
    const rows = await this.db.execute<{ id: string; depth: number }>(sql`
      WITH RECURSIVE up(id, parent_id, depth) AS (
        SELECT id, parent_id, 0 FROM organizations WHERE id = ${id}
        UNION ALL
        SELECT o.id, o.parent_id, up.depth + 1 FROM organizations o JOIN up ON o.id = up.parent_id
      )
      SELECT id, depth FROM up ORDER BY depth`);
    const ids = rowsOf<{ id: string }>(rows).map((r) => r.id);
    if (ids.length === 0) return [];
    const all = await this.db.select().from(organizations).where(sql`${organizations.id} IN ${ids}`);
    const byId = new Map(all.map((o) => [o.id, o]));
    return ids.map((i) => byId.get(i)!).filter(Boolean);
  }

  /** The organization and its whole subtree. */
  async subtree(rootIds: string[]): Promise<OrganizationRow[]> {
    if (rootIds.length === 0) return [];
    const rows = await this.db.execute<{ id: string }>(sql`
${subtreeIds(rootIds)}`);
    const ids = rowsOf<{ id: string }>(rows).map((r) => r.id);
    if (ids.length === 0) return [];
    return this.db.select().from(organizations).where(sql`${organizations.id} IN ${ids}`).orderBy(organizations.regionCode, organizations.name);
  }
}
