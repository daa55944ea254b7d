/**
 * The tree rules the organization forms need to offer sensible choices (which kinds go under
 * which, where an organization may move, what a region code looks like). The server's pure
 * module (server/organizations/region-code.ts) decides; these only keep the forms from offering
 * what it would always refuse.
 */
import type { OrganizationKind, OrganizationNode } from '../../lib/api/types.ts';

export const PARENT_KINDS: Record<OrganizationKind, OrganizationKind[]> = {
  national: [],
  province: ['national'],
  city: ['province'],
  firm: ['city', 'province'],
};

export const CHILD_KINDS: Record<OrganizationKind, OrganizationKind[]> = {
  national: ['province'],
  province: ['city', 'firm'],
  city: ['firm'],
  firm: [],
};

function flatten(nodes: OrganizationNode[]): OrganizationNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

/** Organizations the node may move under: of a parent kind, open, not its current parent, not inside its own subtree. */
export function moveTargets(tree: OrganizationNode[], node: OrganizationNode): OrganizationNode[] {
  const own = new Set(flatten([node]).map((n) => n.id));
  const parentOf = new Map<string, string>();
  for (const n of flatten(tree)) for (const c of n.children) parentOf.set(c.id, n.id);
  const current = parentOf.get(node.id);
  return flatten(tree).filter((n) => PARENT_KINDS[node.kind].includes(n.kind) && !own.has(n.id) && n.id !== current && !n.closedAt);
}

/** An example code for a new organization of `kind` under `parent`, with the parent's prefix. */
export function regionCodeHint(kind: OrganizationKind, parent: { kind: OrganizationKind; regionCode: string }): string {
  const province = parent.kind === 'national' ? '51' : parent.regionCode.slice(0, 2);
  const city = parent.kind === 'city' ? parent.regionCode.slice(2, 4) : '07';
  switch (kind) {
    case 'province':
      return `${province}0000`;
    case 'city':
      return `${province}${city}00`;
    default:
      return `${province}${city}22`;
  }
}
