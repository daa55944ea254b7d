import { forbidden } from '../http/errors.ts';
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import type { OrganizationsRepository, OrganizationRow } from './repository.ts';
import { buildTree, type OrgNode } from './tree.ts';

export class OrganizationsService {
  constructor(
    private readonly repo: OrganizationsRepository,
    private readonly access: AccessPolicy,
  ) {}

  /** What the caller may administer, as a tree (empty for a plain lawyer). */
  async administeredTree(user: SessionUser): Promise<OrgNode[]> {
    const rows = await this.repo.subtree(this.access.rootsFor(user, 'admin'));
    return buildTree(rows);
  }

  async getForAdmin(user: SessionUser, orgId: string): Promise<OrganizationRow> {
    await this.access.assertRole(user, orgId, 'admin');
    const org = await this.repo.findById(orgId);
    if (!org) throw forbidden();
    return org;
  }

  /** Minutes in one 学时 and the month the training year starts, inherited down the tree. */
  async creditRules(orgId: string): Promise<{ minutesPerClassHour: number; trainingYearStartMonth: number }> {
    const chain = await this.repo.ancestors(orgId);
    return {
      minutesPerClassHour: chain.find((o) => o.minutesPerClassHour != null)?.minutesPerClassHour ?? 45,
      trainingYearStartMonth: chain.find((o) => o.trainingYearStartMonth != null)?.trainingYearStartMonth ?? 1,
    };
  }
}
