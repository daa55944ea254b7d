/**
 * The administered tree (docs/accounts.md, "Organizations and staff"): what an administrator
 * sees, and creating, renaming, renumbering, moving, closing and reopening organizations inside
 * their subtree. Every change is checked against the pure rules (region-code.ts, tree.ts) on
 * rows locked in the transaction that makes it, and written to the audit log in that transaction.
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { AuditLog } from '../audit/service.ts';
import type { Tx } from '../db/client.ts';
import { badRequest, conflict, HttpError } from '../http/errors.ts';
import type { OrganizationsRepository, OrganizationRow } from './repository.ts';
import { changeProblems, placementMessage, placementProblem, type PlacementProblem } from './region-code.ts';
import type { NewOrganization, Organization, OrganizationChange } from './schemas.ts';
import { buildTree, closeProblem, isClosedChain, wouldCycle, type OrgNode } from './tree.ts';

export type { NewOrganization, OrganizationChange } from './schemas.ts';
/** API.md's organization shape, and when it was closed (the routes' OrganizationSchema). */
export type OrganizationView = Organization;

export const organizationView = (o: OrganizationRow): OrganizationView => ({
  id: o.id,
  name: o.name,
  kind: o.kind,
  regionCode: o.regionCode,
  county: o.county,
  parentId: o.parentId,
  closedAt: o.closedAt ? o.closedAt.toISOString() : null,
});

const placementError = (problem: PlacementProblem) => badRequest(problem.kind, placementMessage(problem));
const closedError = (name: string) => conflict('organization_closed', `${name} is closed: nothing new can be added to it or moved under it. Reopen it first.`);
const nameTaken = (name: string) => conflict('organization_name_taken', `An organization named “${name}” already exists under this parent.`);

/** A person's name for an organization: trimmed; empty is refused. */
export function organizationName(raw: string): string {
  const name = raw.trim();
  if (!name) throw badRequest('invalid_name', 'The name must not be empty.');
  return name;
}

export class OrganizationsService {
  constructor(
    private readonly repo: OrganizationsRepository,
    private readonly access: AccessPolicy,
  ) {}

  /** What the caller may administer, as a tree (empty for a plain lawyer); closed ones carry closedAt. */
  async administeredTree(user: SessionUser): Promise<OrgNode[]> {
    const rows = await this.repo.subtree(this.access.rootsFor(user, 'admin'));
    return buildTree(rows);
  }

  async getForAdmin(user: SessionUser, orgId: string): Promise<OrganizationRow> {
    // the checked chain starts with the organization itself
    const [org] = await this.access.assertRole(user, orgId, 'admin');
    return org!;
  }

  /**
   * A sub-organization of `parentId`, which the caller administers (403 otherwise, also for an
   * unknown id). 400 when the kind cannot sit there or the code does not fit, 409 for a name
   * used under that parent or a closed parent.
   */
  async create(user: SessionUser, input: NewOrganization, ip: string): Promise<OrganizationRow> {
    const chain = await this.access.assertRole(user, input.parentId, 'admin');
    const name = organizationName(input.name);
    const placed = { kind: input.kind, regionCode: input.regionCode, county: input.county ?? false };
    return this.repo.transaction(async (repo, tx) => {
      // the parent is locked: two creations under it (or its closing) take turns, so the name check holds
      const parent = await repo.lockForChange(input.parentId);
      if (!parent) throw new HttpError(403, 'forbidden', 'You are not an administrator of this organization');
      const problem = placementProblem(placed, parent);
      if (problem) throw placementError(problem);
      if (isClosedChain([parent, ...chain.slice(1)])) throw closedError(parent.name);
      if (await repo.childNamed(parent.id, name)) throw nameTaken(name);
      const created = await repo.insert({ parentId: parent.id, name, ...placed });
      await AuditLog.record(tx, {
        actor: user,
        action: 'organization.created',
        organizationId: created.id,
        targetType: 'organization',
        targetId: created.id,
        before: null,
        after: { name: created.name, kind: created.kind, regionCode: created.regionCode, county: created.county, parentId: created.parentId, parentName: parent.name },
        ip,
      });
      return created;
    });
  }

  /**
   * Rename, renumber, set the county flag, move under another parent, close or reopen. Any
   * change takes an admin grant on the organization or above; a move or a close takes one
   * strictly above it (403 parent_admin_required: it is the decision of the association it belongs
   * to), and a move also one on the new parent. Values equal to the current ones change nothing
   * and are not logged.
   */
  async update(user: SessionUser, orgId: string, change: OrganizationChange, ip: string): Promise<OrganizationRow> {
    const chain = await this.access.assertRole(user, orgId, 'admin');
    const current = chain[0]!;
    const moving = change.parentId !== undefined && change.parentId !== current.parentId;
    const closing = change.closed !== undefined && change.closed !== (current.closedAt !== null);
    if ((moving || closing) && current.parentId === null) {
      throw badRequest('root_organization', 'The national association is the root of the tree: it cannot be moved or closed.');
    }
    if ((moving || closing) && !this.administersStrictlyAbove(user, chain)) {
      throw new HttpError(403, 'parent_admin_required', 'Moving or closing an organization is decided by an administrator of the association above it.');
    }
    let newParentChain: OrganizationRow[] | null = null;
    if (moving) {
      newParentChain = await this.access.assertRole(user, change.parentId!, 'admin');
      if (wouldCycle(orgId, newParentChain.map((o) => o.id))) {
        throw badRequest('organization_cycle', 'An organization cannot be moved under itself or under one of its own sub-organizations.');
      }
    }
    const name = change.name === undefined ? undefined : organizationName(change.name);

    return this.repo.transaction(async (repo, tx) => {
      // parent first, then the organization: the order every change of the tree locks in
      const parentId = moving ? change.parentId! : current.parentId;
      const parent = parentId ? ((await repo.lockForChange(parentId)) ?? null) : null;
      const before = await repo.lockForChange(orgId);
      if (!before || (parentId !== null && parent === null)) throw new HttpError(403, 'forbidden', 'You are not an administrator of this organization');

      const values: { name?: string; regionCode?: string; county?: boolean; parentId?: string } = {};
      if (name !== undefined && name !== before.name) values.name = name;
      if (change.regionCode !== undefined && change.regionCode !== before.regionCode) values.regionCode = change.regionCode;
      if (change.county !== undefined && change.county !== before.county) values.county = change.county;
      if (moving && parent && parent.id !== before.parentId) values.parentId = parent.id;

      if (values.regionCode !== undefined || values.county !== undefined || values.parentId !== undefined) {
        const placed = { kind: before.kind, regionCode: values.regionCode ?? before.regionCode, county: values.county ?? before.county };
        const problems = changeProblems(placed, parent, await repo.children(before.id));
        if (problems.organization) throw placementError(problems.organization);
        if (problems.children.length > 0) {
          throw badRequest(
            'region_code_children',
            `This region code no longer fits its sub-organizations: ${problems.children.map((c) => c.name).join(', ')}. Change or move them first.`,
          );
        }
      }
      if (values.parentId !== undefined && isClosedChain([parent!, ...newParentChain!.slice(1)])) throw closedError(parent!.name);
      if ((values.name !== undefined || values.parentId !== undefined) && parent && (await repo.childNamed(parent.id, values.name ?? before.name, before.id))) {
        throw nameTaken(values.name ?? before.name);
      }

      let after = before;
      if (Object.keys(values).length > 0) {
        after = await repo.update(before.id, values);
        await this.recordUpdate(repo, tx, user, ip, before, after, values, parent);
      }
      if (change.closed !== undefined && change.closed !== (after.closedAt !== null)) {
        if (change.closed) {
          const problem = closeProblem(after, await repo.countOpenChildren(after.id));
          if (problem?.kind === 'root') throw badRequest('root_organization', 'The national association is the root of the tree: it cannot be moved or closed.');
          if (problem?.kind === 'open_children') {
            throw conflict('open_sub_organizations', `${after.name} still has ${problem.open} open sub-organization(s). Close them first (or move them elsewhere).`);
          }
        } else if (parent?.closedAt) {
          throw conflict('parent_closed', `${parent.name} is closed. Reopen it first.`);
        }
        const wasClosedAt = after.closedAt;
        after = await repo.update(after.id, { closed: change.closed });
        await AuditLog.record(tx, {
          actor: user,
          action: change.closed ? 'organization.closed' : 'organization.reopened',
          organizationId: after.id,
          targetType: 'organization',
          targetId: after.id,
          before: { closedAt: wasClosedAt ? wasClosedAt.toISOString() : null },
          after: { closedAt: after.closedAt ? after.closedAt.toISOString() : null },
          ip,
        });
      }
      return after;
    });
  }

  /** The changed fields only, before and after; a move names the parents too (ids alone read badly later). */
  private async recordUpdate(
    repo: OrganizationsRepository,
    tx: Tx,
    user: SessionUser,
    ip: string,
    before: OrganizationRow,
    after: OrganizationRow,
    values: { name?: string; regionCode?: string; county?: boolean; parentId?: string },
    newParent: OrganizationRow | null,
  ): Promise<void> {
    const was: Record<string, unknown> = {};
    const now: Record<string, unknown> = {};
    for (const key of ['name', 'regionCode', 'county', 'parentId'] as const) {
      if (values[key] === undefined) continue;
      was[key] = before[key];
      now[key] = after[key];
    }
    if (values.parentId !== undefined) {
      const oldParent = before.parentId ? await repo.findById(before.parentId) : undefined;
      was.parentName = oldParent?.name ?? null;
      now.parentName = newParent?.name ?? null;
    }
    await AuditLog.record(tx, { actor: user, action: 'organization.updated', organizationId: after.id, targetType: 'organization', targetId: after.id, before: was, after: now, ip });
  }

  /** An admin grant on a proper ancestor of the chain's first organization. */
  private administersStrictlyAbove(user: SessionUser, chain: OrganizationRow[]): boolean {
    const roots = new Set(this.access.rootsFor(user, 'admin'));
    return chain.slice(1).some((o) => roots.has(o.id));
  }

  /** Minutes in one 学时 and the month the training year starts, inherited down the tree. */
  async creditRules(orgId: string): Promise<{ minutesPerClassHour: number; trainingYearStartMonth: number }> {
    return creditRulesOf(await this.repo.ancestors(orgId));
  }
}

/** The credit rules in force for an organization, from its ancestor chain (itself first). */
export function creditRulesOf(chain: OrganizationRow[]): { minutesPerClassHour: number; trainingYearStartMonth: number } {
  return {
    minutesPerClassHour: chain.find((o) => o.minutesPerClassHour != null)?.minutesPerClassHour ?? 45,
    trainingYearStartMonth: chain.find((o) => o.trainingYearStartMonth != null)?.trainingYearStartMonth ?? 1,
  };
}
