/** Pure: turn a flat list of organizations into the nested tree API.md answers with. */
export interface OrgNode {
  id: string;
  name: string;
  kind: string;
  regionCode: string;
  county: boolean;
  children: OrgNode[];
}

export function buildTree(rows: { id: string; parentId: string | null; name: string; kind: string; regionCode: string; county: boolean }[]): OrgNode[] {
  const nodes = new Map<string, OrgNode>();
  for (const r of rows) nodes.set(r.id, { id: r.id, name: r.name, kind: r.kind, regionCode: r.regionCode, county: r.county, children: [] });
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
