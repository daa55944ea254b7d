/**
 * Where an organization may sit (server/organizations/region-code.ts): GB/T 2260 codes by kind
 * and by the parent's prefix, the county flag, and the tree rules of tree.ts (cycles, closing).
 * The demo tree and API.md's examples first, then properties over generated codes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALLOWED_PARENTS,
  changeProblems,
  childKindsOf,
  PROVINCE_PREFIXES,
  placementProblem,
  type OrganizationKind,
  type Placed,
  type PlacedParent,
} from '../../server/organizations/region-code.ts';
import { closeProblem, isClosedChain, wouldCycle } from '../../server/organizations/tree.ts';

const national: PlacedParent = { kind: 'national', regionCode: '100000' };
const sichuan: PlacedParent = { kind: 'province', regionCode: '510000' };
const mianyang: PlacedParent = { kind: 'city', regionCode: '510700' };
const firm = (regionCode: string, county = false): Placed => ({ kind: 'firm', regionCode, county });
const at = (kind: OrganizationKind, regionCode: string, county = false): Placed => ({ kind, regionCode, county });

describe('the demo tree and API.md examples', () => {
  it('accepts every organization of the demo under its parent', () => {
    expect(placementProblem(at('national', '100000'), null)).toBeNull();
    expect(placementProblem(at('national', '000000'), null)).toBeNull();
    expect(placementProblem(at('province', '510000'), national)).toBeNull();
    expect(placementProblem(at('province', '620000'), national)).toBeNull();
    expect(placementProblem(at('city', '510700'), sichuan)).toBeNull();
    expect(placementProblem(firm('510722', true), mianyang)).toBeNull(); // 三台县
    expect(placementProblem(firm('510703', false), mianyang)).toBeNull(); // 涪城区, not a county firm
    expect(placementProblem(at('city', '620500'), { kind: 'province', regionCode: '620000' })).toBeNull();
    expect(placementProblem(at('province', '500000'), national)).toBeNull(); // 重庆: the second digit may be 0
  });

  it('refuses a kind that cannot sit under the parent (a firm under a firm, a province under a city)', () => {
    expect(placementProblem(firm('510722'), { kind: 'firm', regionCode: '510722' })).toMatchObject({ kind: 'kind_not_allowed', allowedParents: ['city', 'province'] });
    expect(placementProblem(at('province', '510000'), mianyang)).toMatchObject({ kind: 'kind_not_allowed', parentKind: 'city' });
    expect(placementProblem(at('city', '510700'), national)).toMatchObject({ kind: 'kind_not_allowed' });
    expect(placementProblem(firm('510722'), national)).toMatchObject({ kind: 'kind_not_allowed' });
    expect(placementProblem(at('national', '100000'), sichuan)).toMatchObject({ kind: 'kind_not_allowed' });
    expect(placementProblem(at('province', '510000'), null)).toMatchObject({ kind: 'kind_not_allowed', parentKind: null });
  });

  it('a firm may sit under a city or directly under a province (a municipality has no city association)', () => {
    expect(placementProblem(firm('110105'), { kind: 'province', regionCode: '110000' })).toBeNull();
    expect(placementProblem(firm('510100'), sichuan)).toBeNull(); // a city's code
    expect(childKindsOf('province')).toEqual(['city', 'firm']);
    expect(childKindsOf('city')).toEqual(['firm']);
    expect(childKindsOf('firm')).toEqual([]);
    expect(childKindsOf('national')).toEqual(['province']);
  });

  it('refuses a code that is not six ASCII digits', () => {
    for (const code of ['51070', '5107000', '51o700', '５１０７００', ' 510700', '', '51-700']) {
      expect(placementProblem(at('city', code), sichuan), code).toEqual({ kind: 'invalid_region_code' });
    }
  });

  it('checks the level of the code: province 0000, city 00, firm not 0000, root 000000 or 100000', () => {
    expect(placementProblem(at('province', '510700'), national)).toMatchObject({ kind: 'region_code_level' });
    expect(placementProblem(at('province', '100000'), national)).toMatchObject({ kind: 'region_code_level' });
    expect(placementProblem(at('province', '990000'), national)).toMatchObject({ kind: 'region_code_level' });
    expect(placementProblem(at('city', '510000'), sichuan)).toMatchObject({ kind: 'region_code_level' });
    expect(placementProblem(at('city', '510722'), sichuan)).toMatchObject({ kind: 'region_code_level' });
    expect(placementProblem(firm('510000'), sichuan)).toMatchObject({ kind: 'region_code_level' });
    expect(placementProblem(at('national', '510000'), null)).toMatchObject({ kind: 'region_code_level' });
  });

  it('checks the parent prefix: 2 digits under a province, 4 under a city', () => {
    expect(placementProblem(at('city', '620500'), sichuan)).toEqual({ kind: 'region_code_prefix', prefix: '51' });
    expect(placementProblem(firm('510822'), mianyang)).toEqual({ kind: 'region_code_prefix', prefix: '5107' });
    expect(placementProblem(firm('620523'), sichuan)).toEqual({ kind: 'region_code_prefix', prefix: '51' });
  });

  it('only a firm is "county", and a county firm carries a county code', () => {
    expect(placementProblem(at('city', '510700', true), sichuan)).toEqual({ kind: 'county_not_firm' });
    expect(placementProblem(at('province', '510000', true), national)).toEqual({ kind: 'county_not_firm' });
    expect(placementProblem(firm('510700', true), mianyang)).toEqual({ kind: 'county_code' });
  });

  it('a change checks the organization under its parent and each direct child under it', () => {
    const children = [
      { id: 'santai', name: '三台', ...firm('510722', true) },
      { id: 'fucheng', name: '涪城', ...firm('510703') },
    ];
    // Mianyang renumbered into Gansu's codes: both firms would no longer share its prefix
    const moved = changeProblems(at('city', '620700'), { kind: 'province', regionCode: '620000' }, children);
    expect(moved.organization).toBeNull();
    expect(moved.children.map((c) => c.id)).toEqual(['santai', 'fucheng']);
    expect(changeProblems(at('city', '510700'), sichuan, children)).toEqual({ organization: null, children: [] });
  });
});

describe('tree rules', () => {
  it('refuses a parent inside the organization’s own subtree', () => {
    expect(wouldCycle('sichuan', ['mianyang', 'sichuan', 'national'])).toBe(true);
    expect(wouldCycle('sichuan', ['sichuan', 'national'])).toBe(true);
    expect(wouldCycle('mianyang', ['gansu', 'national'])).toBe(false);
  });

  it('the root is never closed; an organization with open sub-organizations is not closed', () => {
    expect(closeProblem({ parentId: null }, 0)).toEqual({ kind: 'root' });
    expect(closeProblem({ parentId: 'national' }, 2)).toEqual({ kind: 'open_children', open: 2 });
    expect(closeProblem({ parentId: 'national' }, 0)).toBeNull();
  });

  it('a chain with a closed organization anywhere is closed', () => {
    const open = { closedAt: null };
    const closed = { closedAt: new Date('2025-01-01T00:00:00Z') };
    expect(isClosedChain([open, open])).toBe(false);
    expect(isClosedChain([open, closed])).toBe(true);
    expect(isClosedChain([closed])).toBe(true);
  });
});

// ── properties ──────────────────────────────────────────────────────────────
const kinds: OrganizationKind[] = ['national', 'province', 'city', 'firm'];
const rank: Record<OrganizationKind, number> = { national: 0, province: 1, city: 2, firm: 3 };
const digit = fc.integer({ min: 0, max: 9 }).map(String);
const sixDigits = fc.tuple(digit, digit, digit, digit, digit, digit).map((d) => d.join(''));
const pair = fc.integer({ min: 1, max: 99 }).map((n) => String(n).padStart(2, '0'));
const province = fc.constantFrom(...PROVINCE_PREFIXES);
const kind = fc.constantFrom(...kinds);
/** codes that are mostly near-valid: the interesting side of the rules */
const code = fc.oneof(sixDigits, fc.tuple(province, pair, pair).map(([p, c, d]) => p + c + d), fc.tuple(province, pair).map(([p, c]) => `${p}${c}00`), province.map((p) => `${p}0000`));

describe('properties', () => {
  it('anything but six ASCII digits is invalid_region_code, whatever the kind and parent', () => {
    const notSix = fc.string({ maxLength: 8 }).filter((s) => !/^[0-9]{6}$/.test(s));
    fc.assert(
      fc.property(notSix, kind, fc.option(fc.record({ kind, regionCode: code })), fc.boolean(), (regionCode, k, parent, county) => {
        expect(placementProblem({ kind: k, regionCode, county }, parent)).toEqual({ kind: 'invalid_region_code' });
      }),
      { numRuns: 500 },
    );
  });

  it('accepted means: the kind may sit there, above is a higher level, the code has its level and shares the parent prefix', () => {
    fc.assert(
      fc.property(kind, code, fc.boolean(), fc.option(fc.record({ kind, regionCode: code }), { freq: 8 }), (k, regionCode, county, parent) => {
        if (placementProblem({ kind: k, regionCode, county }, parent) !== null) return;
        if (parent === null) {
          expect(k).toBe('national');
          expect(['000000', '100000']).toContain(regionCode);
          return;
        }
        expect(ALLOWED_PARENTS[k]).toContain(parent.kind);
        // levels only go down: no chain of accepted placements can lead back to itself
        expect(rank[parent.kind]).toBeLessThan(rank[k]);
        if (k === 'province') expect(regionCode.endsWith('0000')).toBe(true);
        if (k === 'city') expect(regionCode.endsWith('00') && !regionCode.endsWith('0000')).toBe(true);
        if (k === 'firm') expect(regionCode.endsWith('0000')).toBe(false);
        if (parent.kind === 'province') expect(regionCode.slice(0, 2)).toBe(parent.regionCode.slice(0, 2));
        if (parent.kind === 'city') expect(regionCode.slice(0, 4)).toBe(parent.regionCode.slice(0, 4));
        if (county) expect(k === 'firm' && !regionCode.endsWith('00')).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('a well-formed GB/T 2260 tree is accepted at every level', () => {
    fc.assert(
      fc.property(province, pair, pair, fc.boolean(), (p, c, d, county) => {
        const prov = `${p}0000`;
        const city = `${p}${c}00`;
        const countyCode = `${p}${c}${d}`;
        expect(placementProblem(at('province', prov), national)).toBeNull();
        expect(placementProblem(at('city', city), { kind: 'province', regionCode: prov })).toBeNull();
        expect(placementProblem(firm(countyCode, county), { kind: 'city', regionCode: city })).toBeNull();
        expect(placementProblem(firm(city), { kind: 'city', regionCode: city })).toBeNull();
        expect(placementProblem(firm(countyCode, county), { kind: 'province', regionCode: prov })).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('a code from another province or city is refused with the prefix to use', () => {
    fc.assert(
      fc.property(province, province, pair, pair, pair, (p, q, c, e, d) => {
        fc.pre(p !== q);
        expect(placementProblem(at('city', `${q}${c}00`), { kind: 'province', regionCode: `${p}0000` })).toEqual({ kind: 'region_code_prefix', prefix: p });
        fc.pre(c !== e);
        expect(placementProblem(firm(`${p}${e}${d}`), { kind: 'city', regionCode: `${p}${c}00` })).toEqual({ kind: 'region_code_prefix', prefix: `${p}${c}` });
      }),
      { numRuns: 500 },
    );
  });

  it('changeProblems names exactly the children that no longer fit', () => {
    fc.assert(
      fc.property(kind, code, fc.array(fc.record({ kind, regionCode: code, county: fc.boolean() }), { maxLength: 5 }), (k, regionCode, kids) => {
        const changed = { kind: k, regionCode, county: false };
        const children = kids.map((c, i) => ({ ...c, id: `c${i}`, name: `c${i}` }));
        const { children: misfits } = changeProblems(changed, null, children);
        expect(misfits.map((m) => m.id)).toEqual(children.filter((c) => placementProblem(c, changed) !== null).map((c) => c.id));
      }),
      { numRuns: 500 },
    );
  });
});
