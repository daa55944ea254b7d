/**
 * Who may reset, disable or re-enable whose account (server/auth/account-authority.ts): the
 * demo tree by example, then properties over random trees and grants.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountAuthority, type AuthorityActor, type AuthorityTarget } from '../../server/auth/account-authority.ts';

// national → sichuan → mianyang → santai firm; national → gansu → tianshui → gangu firm
const parent: Record<string, string | null> = { national: null, sichuan: 'national', gansu: 'national', mianyang: 'sichuan', santai: 'mianyang', tianshui: 'gansu', gangu: 'tianshui' };
const chain = (org: string): string[] => {
  const out: string[] = [];
  for (let at: string | null = org; at; at = parent[at] ?? null) out.push(at);
  return out;
};
const actor = (userId: string, ...adminOf: string[]): AuthorityActor => ({ userId, adminOrganizationIds: adminOf });
const target = (userId: string, organization: string, ...rolesOn: string[]): AuthorityTarget => ({ userId, organization: chain(organization), roles: rolesOn.map(chain) });

describe('the demo tree', () => {
  const adminSc = actor('admin-sc', 'sichuan');
  const national = actor('admin', 'national');

  it('a plain lawyer in the subtree is manageable, as before; outside it is not', () => {
    expect(accountAuthority(adminSc, target('lawyer', 'santai'))).toEqual({ kind: 'allowed' });
    expect(accountAuthority(adminSc, target('odd', 'sichuan'))).toEqual({ kind: 'allowed' }); // no role: the old rule
    expect(accountAuthority(adminSc, target('lawyer2', 'gangu'))).toEqual({ kind: 'not_administered' });
  });

  it('two administrators of one organization cannot manage each other', () => {
    const other = actor('admin-sc2', 'sichuan');
    expect(accountAuthority(adminSc, target('admin-sc2', 'sichuan', 'sichuan'))).toEqual({ kind: 'peer_account', organizationId: 'sichuan' });
    expect(accountAuthority(other, target('admin-sc', 'sichuan', 'sichuan'))).toEqual({ kind: 'peer_account', organizationId: 'sichuan' });
    // nobody is above the national association: its administrators are out of reach of this API
    expect(accountAuthority(national, target('admin2', 'national', 'national'))).toEqual({ kind: 'peer_account', organizationId: 'national' });
  });

  it('the national administrator manages the Sichuan administrator', () => {
    expect(accountAuthority(national, target('admin-sc', 'sichuan', 'sichuan'))).toEqual({ kind: 'allowed' });
  });

  it('staff: the grant must be strictly above every role and above the own organization', () => {
    expect(accountAuthority(adminSc, target('t1', 'santai', 'santai'))).toEqual({ kind: 'allowed' });
    expect(accountAuthority(adminSc, target('t2', 'santai', 'sichuan'))).toEqual({ kind: 'peer_account', organizationId: 'sichuan' });
    expect(accountAuthority(adminSc, target('t3', 'sichuan', 'santai'))).toEqual({ kind: 'peer_account', organizationId: 'sichuan' });
    expect(accountAuthority(adminSc, target('t4', 'santai', 'national'))).toEqual({ kind: 'peer_account', organizationId: 'national' });
    expect(accountAuthority(adminSc, target('t5', 'santai', 'mianyang', 'gangu'))).toEqual({ kind: 'peer_account', organizationId: 'gangu' });
    // with grants on both provinces, each role is strictly below one of them
    expect(accountAuthority(actor('a', 'sichuan', 'gansu'), target('t6', 'santai', 'mianyang', 'gangu'))).toEqual({ kind: 'allowed' });
  });

  it('nobody manages their own account here, whatever they hold', () => {
    expect(accountAuthority(national, target('admin', 'national', 'national'))).toEqual({ kind: 'own_account' });
    expect(accountAuthority(actor('x', 'national'), target('x', 'santai'))).toEqual({ kind: 'own_account' });
  });

  it('without an admin grant nothing is manageable', () => {
    expect(accountAuthority(actor('lawyer'), target('lawyer3', 'santai'))).toEqual({ kind: 'not_administered' });
  });
});

/** A random tree (node i's parent is below i) and users holding random grants on it. */
const world = fc.integer({ min: 1, max: 9 }).chain((size) =>
  fc.record({
    parents: fc.tuple(...Array.from({ length: size }, (_, i) => (i === 0 ? fc.constant(-1) : fc.integer({ min: 0, max: i - 1 })))),
    users: fc.array(
      fc.record({
        organization: fc.integer({ min: 0, max: size - 1 }),
        admin: fc.uniqueArray(fc.integer({ min: 0, max: size - 1 }), { maxLength: 3 }),
        trainer: fc.uniqueArray(fc.integer({ min: 0, max: size - 1 }), { maxLength: 2 }),
      }),
      { minLength: 2, maxLength: 5 },
    ),
  }),
);
type World = { parents: number[]; users: { organization: number; admin: number[]; trainer: number[] }[] };

/** Node n and its ancestors, n first, as organization ids. */
function chainIn(w: World, n: number): string[] {
  const out: string[] = [];
  for (let at = n; at >= 0; at = w.parents[at]!) out.push(`o${at}`);
  return out;
}

function people(w: World) {
  return w.users.map((u, i) => ({
    actor: { userId: `u${i}`, adminOrganizationIds: u.admin.map((n) => `o${n}`) } satisfies AuthorityActor,
    target: { userId: `u${i}`, organization: chainIn(w, u.organization), roles: [...u.admin, ...u.trainer].map((n) => chainIn(w, n)) } satisfies AuthorityTarget,
  }));
}

describe('properties', () => {
  it('of two people, at most one may manage the other (no peer takeover, in any tree)', () => {
    fc.assert(
      fc.property(world, (w) => {
        const ps = people(w);
        for (const a of ps) {
          for (const b of ps) {
            if (a === b) continue;
            const ab = accountAuthority(a.actor, b.target).kind === 'allowed';
            const ba = accountAuthority(b.actor, a.target).kind === 'allowed';
            expect(ab && ba).toBe(false);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('someone without roles is manageable exactly when the old rule allowed it (a grant on the organization or above)', () => {
    fc.assert(
      fc.property(world, (w) => {
        const ps = people(w);
        for (const a of ps) {
          for (const [i, b] of ps.entries()) {
            if (a === b) continue;
            const plain = { ...b.target, roles: [] };
            const old = plain.organization.some((o) => a.actor.adminOrganizationIds.includes(o));
            expect(accountAuthority(a.actor, plain).kind, `u${i}`).toBe(old ? 'allowed' : 'not_administered');
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('allowed means a grant strictly above each organization the target holds a role on, and above its own', () => {
    fc.assert(
      fc.property(world, (w) => {
        const ps = people(w);
        for (const a of ps) {
          for (const b of ps) {
            if (accountAuthority(a.actor, b.target).kind !== 'allowed' || b.target.roles.length === 0) continue;
            for (const position of [b.target.organization, ...b.target.roles]) {
              expect(position.slice(1).some((o) => a.actor.adminOrganizationIds.includes(o))).toBe(true);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('another role never turns a refusal into permission', () => {
    fc.assert(
      fc.property(world, fc.nat(), (w, pick) => {
        const ps = people(w);
        const extraChain = chainIn(w, pick % w.parents.length);
        for (const a of ps) {
          for (const b of ps) {
            if (accountAuthority(a.actor, b.target).kind === 'allowed') continue;
            expect(accountAuthority(a.actor, { ...b.target, roles: [...b.target.roles, extraChain] }).kind).not.toBe('allowed');
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
