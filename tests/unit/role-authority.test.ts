/**
 * Who may grant or revoke whose roles where (server/staff/role-authority.ts): the demo tree by
 * example, then properties over random trees and grants (no escalation, no peer demotion).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Role } from '../../server/auth/repository.ts';
import { changeableRoles, roleAuthority, type RoleActor, type RoleChange } from '../../server/staff/role-authority.ts';

// national → sichuan → mianyang → santai firm; national → gansu → tianshui → gangu firm
const parent: Record<string, string | null> = { national: null, sichuan: 'national', gansu: 'national', mianyang: 'sichuan', santai: 'mianyang', tianshui: 'gansu', gangu: 'tianshui' };
const chain = (org: string): string[] => {
  const out: string[] = [];
  for (let at: string | null = org; at; at = parent[at] ?? null) out.push(at);
  return out;
};
const actor = (userId: string, ...adminOf: string[]): RoleActor => ({ userId, adminOrganizationIds: adminOf });
const person = (userId: string, organization: string, ...adminOn: string[]) => ({ userId, organization: chain(organization), adminRoles: adminOn.map(chain) });
const change = (role: Role, on: string, who: RoleChange['person']): RoleChange => ({ role, position: chain(on), person: who });

describe('the demo tree', () => {
  const adminSc = actor('admin-sc', 'sichuan');
  const national = actor('admin', 'national');
  const lawyer = person('lawyer', 'santai');

  it('admin on an organization comes from strictly above it: a peer neither makes nor unmakes a peer', () => {
    expect(roleAuthority(adminSc, change('admin', 'mianyang', lawyer))).toEqual({ kind: 'allowed' });
    expect(roleAuthority(adminSc, change('admin', 'sichuan', lawyer))).toEqual({ kind: 'peer_position', organizationId: 'sichuan' });
    expect(roleAuthority(national, change('admin', 'sichuan', person('x', 'sichuan')))).toEqual({ kind: 'allowed' });
    // nobody is above the national association: its administrators come from admin:create only
    expect(roleAuthority(national, change('admin', 'national', person('x', 'national')))).toEqual({ kind: 'peer_position', organizationId: 'national' });
  });

  it('trainer may be named on the administrator’s own organization (the national association included)', () => {
    expect(roleAuthority(adminSc, change('trainer', 'sichuan', lawyer))).toEqual({ kind: 'allowed' });
    expect(roleAuthority(national, change('trainer', 'national', person('prof', 'national')))).toEqual({ kind: 'allowed' });
  });

  it('nothing outside the subtree: the organization (403) and the person (like an unknown login)', () => {
    expect(roleAuthority(adminSc, change('trainer', 'gangu', lawyer))).toEqual({ kind: 'position_not_administered' });
    expect(roleAuthority(adminSc, change('trainer', 'national', lawyer))).toEqual({ kind: 'position_not_administered' });
    expect(roleAuthority(adminSc, change('trainer', 'santai', person('lawyer2', 'gangu')))).toEqual({ kind: 'person_not_administered' });
    expect(roleAuthority(actor('lawyer'), change('trainer', 'santai', lawyer))).toEqual({ kind: 'position_not_administered' });
  });

  it('own roles: never one’s own admin role; trainer where one administers, yes', () => {
    const self = person('admin-sc', 'sichuan', 'sichuan');
    expect(roleAuthority(adminSc, change('admin', 'sichuan', self))).toEqual({ kind: 'own_admin_role' });
    expect(roleAuthority(adminSc, change('admin', 'mianyang', self))).toEqual({ kind: 'own_admin_role' });
    expect(roleAuthority(adminSc, change('trainer', 'sichuan', self))).toEqual({ kind: 'allowed' });
    expect(roleAuthority(national, change('trainer', 'national', person('admin', 'national', 'national')))).toEqual({ kind: 'allowed' });
    expect(roleAuthority(national, change('admin', 'national', person('admin', 'national', 'national')))).toEqual({ kind: 'own_admin_role' });
  });

  it('an administrator at the same level or above keeps their roles, whatever role is changed', () => {
    const peer = person('admin-sc2', 'sichuan', 'sichuan');
    expect(roleAuthority(adminSc, change('trainer', 'santai', peer))).toEqual({ kind: 'peer_person', organizationId: 'sichuan' });
    expect(roleAuthority(adminSc, change('trainer', 'sichuan', peer))).toEqual({ kind: 'peer_person', organizationId: 'sichuan' });
    // a national administrator belonging to a Sichuan firm is out of the Sichuan administrator's reach
    expect(roleAuthority(adminSc, change('trainer', 'santai', person('n2', 'santai', 'national')))).toEqual({ kind: 'peer_person', organizationId: 'national' });
    // an administrator below is not a peer
    expect(roleAuthority(adminSc, change('admin', 'santai', person('my-admin', 'mianyang', 'mianyang')))).toEqual({ kind: 'allowed' });
  });

  it('the forms the staff panel offers', () => {
    expect(changeableRoles(adminSc, chain('sichuan'))).toEqual(['trainer']);
    expect(changeableRoles(adminSc, chain('mianyang'))).toEqual(['trainer', 'admin']);
    expect(changeableRoles(adminSc, chain('gangu'))).toEqual([]);
    expect(changeableRoles(national, chain('national'))).toEqual(['trainer']);
  });
});

/** A random tree (node i's parent is below i) and people with random admin grants on it. */
const world = fc.integer({ min: 1, max: 9 }).chain((size) =>
  fc.record({
    parents: fc.tuple(...Array.from({ length: size }, (_, i) => (i === 0 ? fc.constant(-1) : fc.integer({ min: 0, max: i - 1 })))),
    people: fc.array(
      fc.record({ organization: fc.integer({ min: 0, max: size - 1 }), admin: fc.uniqueArray(fc.integer({ min: 0, max: size - 1 }), { maxLength: 3 }) }),
      { minLength: 2, maxLength: 5 },
    ),
    position: fc.integer({ min: 0, max: size - 1 }),
    role: fc.constantFrom<Role>('admin', 'trainer'),
  }),
);
type World = { parents: number[]; people: { organization: number; admin: number[] }[]; position: number; role: Role };

function chainIn(w: World, n: number): string[] {
  const out: string[] = [];
  for (let at = n; at >= 0; at = w.parents[at]!) out.push(`o${at}`);
  return out;
}
const actorOf = (w: World, i: number): RoleActor => ({ userId: `u${i}`, adminOrganizationIds: w.people[i]!.admin.map((n) => `o${n}`) });
const personOf = (w: World, i: number): RoleChange['person'] => ({ userId: `u${i}`, organization: chainIn(w, w.people[i]!.organization), adminRoles: w.people[i]!.admin.map((n) => chainIn(w, n)) });
const grants = (a: RoleActor, chainOfPosition: readonly string[]) => chainOfPosition.some((o) => a.adminOrganizationIds.includes(o));

describe('properties', () => {
  it('no escalation: an allowed admin change is strictly below one of the actor’s own grants', () => {
    fc.assert(
      fc.property(world, (w) => {
        for (const [a] of w.people.entries()) {
          for (const [b] of w.people.entries()) {
            const decision = roleAuthority(actorOf(w, a), { role: 'admin', position: chainIn(w, w.position), person: personOf(w, b) });
            if (decision.kind === 'allowed') expect(grants(actorOf(w, a), chainIn(w, w.position).slice(1))).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('of two administrators, at most one may change the other’s roles (no peer demotes a peer)', () => {
    fc.assert(
      fc.property(world, (w) => {
        for (const [a, pa] of w.people.entries()) {
          for (const [b, pb] of w.people.entries()) {
            if (a === b || pa.admin.length === 0 || pb.admin.length === 0) continue;
            const ab = roleAuthority(actorOf(w, a), { role: w.role, position: chainIn(w, w.position), person: personOf(w, b) }).kind === 'allowed';
            const ba = roleAuthority(actorOf(w, b), { role: w.role, position: chainIn(w, w.position), person: personOf(w, a) }).kind === 'allowed';
            expect(ab && ba).toBe(false);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('allowed needs the organization and the person in the actor’s subtree, and never touches one’s own admin role', () => {
    fc.assert(
      fc.property(world, (w) => {
        for (const [a] of w.people.entries()) {
          for (const [b] of w.people.entries()) {
            const who = personOf(w, b);
            const decision = roleAuthority(actorOf(w, a), { role: w.role, position: chainIn(w, w.position), person: who });
            if (decision.kind !== 'allowed') continue;
            expect(grants(actorOf(w, a), chainIn(w, w.position))).toBe(true);
            expect(grants(actorOf(w, a), who.organization)).toBe(true);
            if (a === b) expect(w.role).toBe('trainer');
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('the panel’s forms agree with the decision for a plain person in the subtree', () => {
    fc.assert(
      fc.property(world, (w) => {
        const a = actorOf(w, 0);
        const plain = { userId: 'plain', organization: chainIn(w, w.position), adminRoles: [] };
        const offered = changeableRoles(a, chainIn(w, w.position));
        for (const role of ['trainer', 'admin'] as const) {
          expect(offered.includes(role)).toBe(roleAuthority(a, { role, position: chainIn(w, w.position), person: plain }).kind === 'allowed');
        }
      }),
      { numRuns: 500 },
    );
  });
});
