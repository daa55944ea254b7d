/**
 * Pure: the nested tree API.md answers with, and the rules about an organization's place in the
 * tree that need no database (cycles, the root, closing and reopening). Region codes and kinds:
 * region-code.ts.
 */
import type { OrganizationKind, OrganizationNode } from './schemas.ts';
/** One node of an administered tree, as GET /api/organizations answers it (schemas.ts). */
export type OrgNode = OrganizationNode;

export interface TreeRow {
  id: string;
  parentId: string | null;
  name: string;
  kind: OrganizationKind;
  regionCode: string;
  county: boolean;
  closedAt?: Date | null;
}

export function buildTree(rows: TreeRow[]): OrgNode[] {
  const nodes = new Map<string, OrgNode>();
  for (const r of rows) {
    nodes.set(r.id, { id: r.id, name: r.name, kind: r.kind, regionCode: r.regionCode, county: r.county, closedAt: r.closedAt ? r.closedAt.toISOString() : null, children: [] });
  }
  const roots: OrgNode[] = [];
  for (const r of rows) {
    const node = nodes.get(r.id)!;
    const parent = r.parentId ? nodes.get(r.parentId) : undefined;
    // A node whose parent is outside the visible set is a root of what the caller may see.
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

/**
 * Would putting the organization under the new parent make it its own ancestor? `newParentChain`
 * is the new parent and its ancestors, nearest first.
 */
export function wouldCycle(organizationId: string, newParentChain: readonly string[]): boolean {
  return newParentChain.includes(organizationId);
}

/** Why an organization cannot be closed; null when it can. */
export type CloseProblem =
  /** the national root carries the whole tree */
  | { kind: 'root' }
  /** sub-organizations still open: they are closed first, one decision each, never by cascade */
  | { kind: 'open_children'; open: number };

export function closeProblem(organization: { parentId: string | null }, openChildren: number): CloseProblem | null {
  if (organization.parentId === null) return { kind: 'root' };
  if (openChildren > 0) return { kind: 'open_children', open: openChildren };
  return null;
}

/**
 * True when nothing new may be put in the organization (sub-organizations, staff, lawyers, role
 * grants): it or one of its ancestors is closed. `chain` is the organization first, then its
 * ancestors. Closing needs the sub-organizations closed first, so a closed ancestor implies a
 * closed organization; the whole chain is checked anyway, so a row written around the rules
 * cannot reopen a door.
 */
export function isClosedChain(chain: readonly { closedAt: Date | null }[]): boolean {
  return chain.some((o) => o.closedAt !== null);
}
