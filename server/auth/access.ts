/**
 * The one helper every route uses to check roles. A role granted on an organization reaches its
 * whole subtree: an admin of Sichuan may see Sichuan's cities and firms, and nothing of Gansu.
 */
import { forbidden } from '../http/errors.ts';
import type { OrganizationRow, OrganizationsRepository } from '../organizations/repository.ts';
import type { Role, RoleGrant } from './repository.ts';

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

  /** The organizations on which the user holds the role directly (roots of what they reach). */
  rootsFor(user: SessionUser, role: Role): string[] {
    return user.roles.filter((g) => g.role === role).map((g) => g.organizationId);
  }
}
