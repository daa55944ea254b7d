import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { organizations } from '../db/schema/index.ts';
import { rowsOf } from '../db/rows.ts';

export type OrganizationRow = typeof organizations.$inferSelect;
export type NewOrganization = typeof organizations.$inferInsert;

export class OrganizationsRepository {
  constructor(private readonly db: DbOrTx) {}

  async insert(values: NewOrganization): Promise<OrganizationRow> {
    const [row] = await this.db.insert(organizations).values(values).returning();
    return row!;
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
      WITH RECURSIVE down(id) AS (
        SELECT id FROM organizations WHERE id IN ${rootIds}
        UNION
        SELECT o.id FROM organizations o JOIN down ON o.parent_id = down.id
      )
      SELECT id FROM down`);
    const ids = rowsOf<{ id: string }>(rows).map((r) => r.id);
    if (ids.length === 0) return [];
    return this.db.select().from(organizations).where(sql`${organizations.id} IN ${ids}`).orderBy(organizations.regionCode, organizations.name);
  }
}
