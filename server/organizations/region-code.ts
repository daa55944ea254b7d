/**
 * Pure: where an organization may sit in the association tree, by kind and by its GB/T 2260
 * administrative division code (docs/accounts.md, "Organizations"). No I/O, so every rule is
 * pinned down by tests/unit/region-code.test.ts.
 *
 * A GB/T 2260 code is six digits: two for the province, two for the city (prefecture), two for
 * the county-level division. A province's code ends in 0000 (四川 510000), a city's in 00 (绵阳
 * 510700), a county's in neither (三台县 510722). The tree mirrors it:
 *
 *   national (000000, or 100000 as in the demo) → province → city → firm
 *
 * and a firm may also sit directly under a province association (cities of a municipality such
 * as 北京 110000 have no city association). A firm carries the code of the county or city it
 * practises in, so it shares the first two digits of a province parent and the first four of a
 * city parent.
 */

export type OrganizationKind = 'national' | 'province' | 'city' | 'firm';

/** The codes the national root may carry: 000000, or 100000 (the demo's and admin:create's default). */
export const ROOT_REGION_CODES: readonly string[] = ['000000', '100000'];

/** Which kinds each kind may sit under. The national association is the root and sits under nothing. */
export const ALLOWED_PARENTS: Readonly<Record<OrganizationKind, readonly OrganizationKind[]>> = {
  national: [],
  province: ['national'],
  city: ['province'],
  firm: ['city', 'province'],
};

/** The kinds that may be created under an organization of this kind. */
export function childKindsOf(parent: OrganizationKind): OrganizationKind[] {
  return (Object.keys(ALLOWED_PARENTS) as OrganizationKind[]).filter((kind) => ALLOWED_PARENTS[kind].includes(parent));
}

export interface Placed {
  kind: OrganizationKind;
  regionCode: string;
  county: boolean;
}

export interface PlacedParent {
  kind: OrganizationKind;
  regionCode: string;
}

/** Why an organization cannot sit where it was asked to; null when it can. */
export type PlacementProblem =
  /** not six ASCII digits */
  | { kind: 'invalid_region_code' }
  /** this kind cannot sit under that parent (a firm under a firm, a province under a city), or a root that is not national */
  | { kind: 'kind_not_allowed'; childKind: OrganizationKind; parentKind: OrganizationKind | null; allowedParents: readonly OrganizationKind[] }
  /** the code is not one of this level: a province's is a province's two digits then 0000, a city's ends in 00, a firm's not in 0000, the root's is 000000 or 100000 */
  | { kind: 'region_code_level'; childKind: OrganizationKind }
  /** the code does not start with the parent's province (2 digits) or city (4 digits) */
  | { kind: 'region_code_prefix'; prefix: string }
  /** only a law firm is "county" (in a county-level town) */
  | { kind: 'county_not_firm' }
  /** a county firm carries its county's code, which does not end in 00 */
  | { kind: 'county_code' };

const SIX_DIGITS = /^[0-9]{6}$/;

export function isSixDigitCode(code: string): boolean {
  return SIX_DIGITS.test(code);
}

/** The provinces' two leading digits in GB/T 2260 (北京 11 … 澳门 82). */
export const PROVINCE_PREFIXES: readonly string[] = [
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42',
  '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82',
];

/** The code is a province's: one of the provinces' two digits, then 0000. */
function isProvinceCode(code: string): boolean {
  return code.endsWith('0000') && PROVINCE_PREFIXES.includes(code.slice(0, 2));
}

/** The code is a city's: it ends in 00, but not in 0000 (that would be a province). */
function isCityCode(code: string): boolean {
  return code.endsWith('00') && !code.endsWith('0000');
}

/** How many leading digits a child shares with a parent of this kind (0: nothing to share). */
export function sharedPrefixLength(parent: OrganizationKind): number {
  switch (parent) {
    case 'province':
      return 2;
    case 'city':
      return 4;
    default:
      return 0;
  }
}

/**
 * May `child` sit under `parent` (null: as the root)? The first problem found, in a fixed order
 * (shape of the code, kind, the code's level, the parent's prefix, the county flag), or null.
 */
export function placementProblem(child: Placed, parent: PlacedParent | null): PlacementProblem | null {
  if (!isSixDigitCode(child.regionCode)) return { kind: 'invalid_region_code' };
  const allowedParents = ALLOWED_PARENTS[child.kind];
  const fits = parent === null ? child.kind === 'national' : allowedParents.includes(parent.kind);
  if (!fits) return { kind: 'kind_not_allowed', childKind: child.kind, parentKind: parent?.kind ?? null, allowedParents };

  const code = child.regionCode;
  const levelFits =
    child.kind === 'national' ? ROOT_REGION_CODES.includes(code) : child.kind === 'province' ? isProvinceCode(code) : child.kind === 'city' ? isCityCode(code) : !code.endsWith('0000');
  if (!levelFits) return { kind: 'region_code_level', childKind: child.kind };

  if (parent) {
    const length = sharedPrefixLength(parent.kind);
    const prefix = parent.regionCode.slice(0, length);
    if (length > 0 && code.slice(0, length) !== prefix) return { kind: 'region_code_prefix', prefix };
  }

  if (child.county && child.kind !== 'firm') return { kind: 'county_not_firm' };
  if (child.county && code.endsWith('00')) return { kind: 'county_code' };
  return null;
}

/**
 * Problems of changing an organization (its code, county flag or parent): the organization must
 * fit under its (new) parent, and each of its direct children must still fit under it. Deeper
 * descendants compare only with their own parents, which do not change.
 */
export function changeProblems(
  changed: Placed,
  parent: PlacedParent | null,
  children: readonly (Placed & { id: string; name: string })[],
): { organization: PlacementProblem | null; children: { id: string; name: string; problem: PlacementProblem }[] } {
  const organization = placementProblem(changed, parent);
  const misfits = children.flatMap((c) => {
    const problem = placementProblem(c, changed);
    return problem ? [{ id: c.id, name: c.name, problem }] : [];
  });
  return { organization, children: misfits };
}

const KIND_NAMES: Record<OrganizationKind, string> = { national: 'the national association', province: 'a provincial association', city: 'a city association', firm: 'a law firm' };

/** The English sentence for a placement problem (the web app shows its own, by code). */
export function placementMessage(problem: PlacementProblem): string {
  switch (problem.kind) {
    case 'invalid_region_code':
      return 'The region code must be six digits (GB/T 2260), such as 510722.';
    case 'kind_not_allowed': {
      const what = KIND_NAMES[problem.childKind];
      if (problem.allowedParents.length === 0) return `There is only one national association, the root of the tree; ${what} cannot be created or moved.`;
      const under = problem.parentKind ? KIND_NAMES[problem.parentKind] : 'nothing';
      return `${what[0]!.toUpperCase()}${what.slice(1)} cannot sit under ${under}; it sits under ${problem.allowedParents.map((k) => KIND_NAMES[k]).join(' or ')}.`;
    }
    case 'region_code_level':
      switch (problem.childKind) {
        case 'national':
          return 'The national association’s region code is 000000 or 100000.';
        case 'province':
          return 'A provincial association’s region code is the province’s two digits followed by 0000, such as 510000.';
        case 'city':
          return 'A city association’s region code ends in 00 but not in 0000, such as 510700.';
        case 'firm':
          return 'A law firm carries the region code of its county or city (such as 510722 or 510700), not a province’s.';
      }
      return 'The region code does not fit this kind of organization.';
    case 'region_code_prefix':
      return `The region code must start with ${problem.prefix}, like its parent’s.`;
    case 'county_not_firm':
      return 'Only a law firm can be marked as being in a county-level town.';
    case 'county_code':
      return 'A county firm carries its county’s region code, which does not end in 00 (such as 510722).';
  }
}
