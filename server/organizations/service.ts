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
    // the checked chain starts with the organization itself
    const [org] = await this.access.assertRole(user, orgId, 'admin');
    return org!;
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
