/**
 * Pure: may this administrator grant or revoke this role on this organization for this person?
 * (docs/accounts.md, "Who may change whose roles"). No I/O: the caller looks up the chains, so
 * every case is pinned down by tests/unit/role-authority.test.ts.
 *
 * The rules, in the order they are checked:
 *
 * 1. the organization of the role is in the actor's subtree (an admin grant on it or above it);
 * 2. the person belongs to an organization in the actor's subtree;
 * 3. nobody changes their own `admin` roles (they would lock themselves out, or add to their own
 *    powers); an administrator may take or drop `trainer` where they administer (that is how an
 *    administrator writes courses: docs/accounts.md);
 * 4. `admin` on an organization takes an admin grant strictly above it: a grant on the same
 *    organization is a peer's, and a peer neither makes nor unmakes a peer;
 * 5. a person who is an administrator somewhere the actor is not strictly above (a peer, or
 *    someone above) has their roles changed by nobody at the actor's level.
 *
 * `trainer` on the actor's own organization is allowed (rule 4 is for `admin` only): a trainer is
 * no administrator, so naming one makes no peer; and the national association, which nobody is
 * above, could otherwise never have a trainer.
 */
import type { Role } from '../auth/repository.ts';

export interface RoleActor {
  userId: string;
  /** organizations the actor holds an admin grant on (directly; each reaches its subtree) */
  adminOrganizationIds: readonly string[];
}

export interface RoleChange {
  role: Role;
  /** the organization of the role, then its ancestors up to the root */
  position: readonly string[];
  person: {
    userId: string;
    /** the person's own organization, then its ancestors */
    organization: readonly string[];
    /** for each organization the person holds `admin` on: it, then its ancestors */
    adminRoles: readonly (readonly string[])[];
  };
}

export type RoleAuthority =
  | { kind: 'allowed' }
  /** the organization of the role is outside everything the actor administers (403) */
  | { kind: 'position_not_administered' }
  /** the person belongs outside everything the actor administers: answered like an unknown login (404) */
  | { kind: 'person_not_administered' }
  /** `admin` on an organization the actor administers only at its own level (403 peer_role) */
  | { kind: 'peer_position'; organizationId: string }
  /** the actor's own `admin` role: they would lock themselves out, or make themselves more (409) */
  | { kind: 'own_admin_role' }
  /** the person is an administrator at the actor's level or above, at `organizationId` (403 peer_account) */
  | { kind: 'peer_person'; organizationId: string };

export function roleAuthority(actor: RoleActor, change: RoleChange): RoleAuthority {
  const grants = new Set(actor.adminOrganizationIds);
  const reachedFrom = (chain: readonly string[]) => chain.some((id) => grants.has(id));
  // chain[0] is the organization itself: a grant there is a peer's, not one above it
  const strictlyAbove = (chain: readonly string[]) => reachedFrom(chain.slice(1));

  if (!reachedFrom(change.position)) return { kind: 'position_not_administered' };
  if (!reachedFrom(change.person.organization)) return { kind: 'person_not_administered' };
  const own = change.person.userId === actor.userId;
  if (own && change.role === 'admin') return { kind: 'own_admin_role' };
  if (change.role === 'admin' && !strictlyAbove(change.position)) return { kind: 'peer_position', organizationId: change.position[0]! };
  if (own) return { kind: 'allowed' }; // trainer where they administer
  for (const chain of change.person.adminRoles) {
    if (!strictlyAbove(chain)) return { kind: 'peer_person', organizationId: chain[0]! };
  }
  return { kind: 'allowed' };
}

/**
 * What the actor may change on an organization, before a person is chosen: for the staff panel
 * (which forms to show). The person's own checks (rules 2, 3, 5) still apply on the request.
 */
export function changeableRoles(actor: RoleActor, position: readonly string[]): Role[] {
  const grants = new Set(actor.adminOrganizationIds);
  const reached = position.some((id) => grants.has(id));
  if (!reached) return [];
  const above = position.slice(1).some((id) => grants.has(id));
  return above ? ['trainer', 'admin'] : ['trainer'];
}
