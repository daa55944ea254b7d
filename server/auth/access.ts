/**
 * The one helper every route uses to check roles. A role granted on an organization reaches its
 * whole subtree: an admin of Sichuan may see Sichuan's cities and firms, and nothing of Gansu.
 */
import { conflict, forbidden, HttpError } from '../http/errors.ts';
import type { OrganizationRow, OrganizationsRepository } from '../organizations/repository.ts';
import { accountAuthority } from './account-authority.ts';
import type { Role, RoleGrant } from './repository.ts';

/** An account an administrator wants to reset, disable or re-enable: who it is and what it holds. */
export interface ManagedAccount {
  id: string;
  organizationId: string;
  roles: readonly RoleGrant[];
}

export interface SessionUser {
  id: string;
  login: string;
  name: string;
  organizationId: string;
  roles: RoleGrant[];
  /** the password is a one-time password handed over by someone else: the web app asks for a new one */
  passwordChangeRequired: boolean;
}

export class AccessPolicy {
  constructor(private readonly organizations: OrganizationsRepository) {}

  /**
   * True when the user holds `role` (or any of several roles) on the organization or on one of its
   * ancestors. Several roles are answered with one ancestor lookup.
   */
  async hasRole(user: SessionUser, organizationId: string, role: Role | readonly Role[]): Promise<boolean> {
    return (await this.grantedChain(user, organizationId, role)) !== null;
  }

  /**
   * Throws 403 unless the user holds `role` on the organization or above it. Answers the
   * organization's ancestor chain (itself first) it looked up, so callers need not fetch it again.
   */
  async assertRole(user: SessionUser, organizationId: string, role: Role): Promise<OrganizationRow[]> {
    const chain = await this.grantedChain(user, organizationId, role);
    if (!chain) throw forbidden(role === 'admin' ? 'You are not an administrator of this organization' : 'You are not a trainer of this organization');
    return chain;
  }

  /** The ancestor chain when one of the roles is granted on it, else null (no lookup without grants). */
  private async grantedChain(user: SessionUser, organizationId: string, role: Role | readonly Role[]): Promise<OrganizationRow[] | null> {
    const wanted: readonly Role[] = typeof role === 'string' ? [role] : role;
    const grants = user.roles.filter((g) => wanted.includes(g.role));
    if (grants.length === 0) return null;
    const chain = await this.organizations.ancestors(organizationId);
    const ids = new Set(chain.map((o) => o.id));
    return grants.some((g) => ids.has(g.organizationId)) ? chain : null;
  }

  /**
   * Throws unless the administrator may reset, disable or re-enable the account (the peer rule,
   * server/auth/account-authority.ts): 403 outside their subtree, 409 for their own account,
   * 403 peer_account for staff they do not administer from strictly above.
   */
  async assertCanManageAccount(actor: SessionUser, account: ManagedAccount): Promise<void> {
    const adminOrganizationIds = this.rootsFor(actor, 'admin');
    if (adminOrganizationIds.length === 0) throw forbidden('You are not an administrator of this organization');
    const chainOf = async (organizationId: string) => (await this.organizations.ancestors(organizationId)).map((o) => o.id);
    const roleOrganizations = [...new Set(account.roles.map((r) => r.organizationId))];
    const decision = accountAuthority(
      { userId: actor.id, adminOrganizationIds },
      { userId: account.id, organization: await chainOf(account.organizationId), roles: await Promise.all(roleOrganizations.map(chainOf)) },
    );
    switch (decision.kind) {
      case 'allowed':
        return;
      case 'not_administered':
        throw forbidden('You are not an administrator of this organization');
      case 'own_account':
        throw conflict('own_account', 'You cannot reset or disable your own account; change your password on the password page instead.');
      case 'peer_account':
        throw new HttpError(
          403,
          'peer_account',
          'This account is a trainer or administrator whose roles you do not administer from above; only an administrator of an organization above all of its roles can reset, disable or re-enable it.',
        );
    }
  }

  /** The organizations on which the user holds the role directly (roots of what they reach). */
  rootsFor(user: SessionUser, role: Role): string[] {
    return user.roles.filter((g) => g.role === role).map((g) => g.organizationId);
  }
}
