/**
 * Pure: may this administrator reset, disable or re-enable that account? (docs/accounts.md,
 * "The peer rule"). No I/O: the caller looks up the organization chains, so every case is pinned
 * down by tests/unit/account-authority.test.ts.
 *
 * A plain account (no roles) is manageable by any administrator of its organization or above, as
 * every admin route is. An account holding a role (trainer or admin) is staff: taking it over
 * would hand its powers to whoever resets its password, so it takes an admin grant strictly above
 * each organization it holds a role on and strictly above its own organization. Two
 * administrators of one organization can then never reach each other, and of any two people at
 * most one may manage the other.
 */

export interface AuthorityActor {
  userId: string;
  /** organizations the actor holds an admin grant on (directly; each reaches its subtree) */
  adminOrganizationIds: readonly string[];
}

export interface AuthorityTarget {
  userId: string;
  /** the account's own organization, then its ancestors up to the root */
  organization: readonly string[];
  /** for each organization the account holds a role on (admin or trainer): it, then its ancestors */
  roles: readonly (readonly string[])[];
}

export type AccountAuthority =
  | { kind: 'allowed' }
  /** the account's organization is outside everything the actor administers */
  | { kind: 'not_administered' }
  /** the actor's own account: they change their password on /api/me/password instead */
  | { kind: 'own_account' }
  /** staff whose position at `organizationId` no admin grant of the actor is strictly above */
  | { kind: 'peer_account'; organizationId: string };

export function accountAuthority(actor: AuthorityActor, target: AuthorityTarget): AccountAuthority {
  const grants = new Set(actor.adminOrganizationIds);
  const reachedFrom = (chain: readonly string[]) => chain.some((id) => grants.has(id));
  if (!reachedFrom(target.organization)) return { kind: 'not_administered' };
  if (actor.userId === target.userId) return { kind: 'own_account' };
  if (target.roles.length === 0) return { kind: 'allowed' };
  for (const chain of [target.organization, ...target.roles]) {
    // chain[0] is the position itself: a grant there is a peer's, not one above it
    if (!reachedFrom(chain.slice(1))) return { kind: 'peer_account', organizationId: chain[0]! };
  }
  return { kind: 'allowed' };
}
