/**
 * The commendation list (表彰名单) of a bulletin (pure): the lawyers and the firms with the most
 * 学时 or completions in the period, by rules the administrator picks. Deterministic: ties go to
 * the other figure, then to the name and the licence number (firm: region code), so the same data
 * always gives the same list. docs/programme.md, "Commendation rules". Tests:
 * tests/unit/bulletin-figures.test.ts.
 */

export type LawyerRanking = 'class_hours' | 'completions';
export type FirmRanking = 'class_hours_per_lawyer' | 'class_hours' | 'completions' | 'compliance';

export interface CommendationRules {
  lawyersBy: LawyerRanking;
  firmsBy: FirmRanking;
  /** how many lawyers and how many firms at most (ties at the edge do not stretch the list) */
  top: number;
  /** a lawyer or firm is listed only with at least this many 学时 in the period (firm: per lawyer) */
  minClassHours: number;
  /** only lawyers of county firms, and county firms */
  countyOnly: boolean;
  /** a firm is listed only with at least this many lawyers (averages over one lawyer say little) */
  minFirmLawyers: number;
}

export const DEFAULT_RULES: CommendationRules = { lawyersBy: 'class_hours', firmsBy: 'class_hours_per_lawyer', top: 10, minClassHours: 0, countyOnly: false, minFirmLawyers: 1 };

export interface LawyerCandidate {
  id: string;
  name: string;
  licenseNo: string;
  firmId: string;
  firm: string;
  county: boolean;
  /** online + in person, in the period */
  periodMinutes: number;
  completions: number;
}

export interface FirmCandidate {
  id: string;
  name: string;
  regionCode: string;
  county: boolean;
  lawyers: number;
  periodMinutes: number;
  completions: number;
  planned: number;
  met: number;
}

export interface CommendedLawyer extends LawyerCandidate {
  rank: number;
  classHours: number;
}

export interface CommendedFirm extends FirmCandidate {
  rank: number;
  classHours: number;
  classHoursPerLawyer: number;
  /** met ÷ planned, null when no lawyer is planned */
  compliance: number | null;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The figure a lawyer is ranked by, and the one that breaks ties. */
export function lawyerKey(c: LawyerCandidate, by: LawyerRanking): [number, number] {
  return by === 'completions' ? [c.completions, c.periodMinutes] : [c.periodMinutes, c.completions];
}

export function firmKey(c: FirmCandidate, by: FirmRanking): [number, number] {
  const perLawyer = c.lawyers > 0 ? c.periodMinutes / c.lawyers : 0;
  switch (by) {
    case 'class_hours_per_lawyer':
      return [perLawyer, c.completions];
    case 'class_hours':
      return [c.periodMinutes, c.completions];
    case 'completions':
      return [c.completions, c.periodMinutes];
    case 'compliance':
      return [c.planned > 0 ? c.met / c.planned : 0, perLawyer];
  }
}

const byKey = <T>(key: (c: T) => [number, number], tie: (a: T, b: T) => number) => (a: T, b: T) => {
  const [a1, a2] = key(a);
  const [b1, b2] = key(b);
  return b1 - a1 || b2 - a2 || tie(a, b);
};
const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Lawyers eligible under the rules: something to commend, enough 学时, county when asked. */
export function eligibleLawyer(c: LawyerCandidate, rules: CommendationRules, minutesPerClassHour: number): boolean {
  if (rules.countyOnly && !c.county) return false;
  if (c.periodMinutes < rules.minClassHours * minutesPerClassHour) return false;
  return lawyerKey(c, rules.lawyersBy)[0] > 0;
}

export function eligibleFirm(c: FirmCandidate, rules: CommendationRules, minutesPerClassHour: number): boolean {
  if (rules.countyOnly && !c.county) return false;
  if (c.lawyers < Math.max(1, rules.minFirmLawyers)) return false;
  if (c.periodMinutes / c.lawyers < rules.minClassHours * minutesPerClassHour) return false;
  return firmKey(c, rules.firmsBy)[0] > 0;
}

export function commendLawyers(candidates: readonly LawyerCandidate[], rules: CommendationRules, minutesPerClassHour: number): CommendedLawyer[] {
  return candidates
    .filter((c) => eligibleLawyer(c, rules, minutesPerClassHour))
    .sort(byKey((c: LawyerCandidate) => lawyerKey(c, rules.lawyersBy), (a, b) => text(a.name, b.name) || text(a.licenseNo, b.licenseNo) || text(a.id, b.id)))
    .slice(0, rules.top)
    .map((c, i) => ({ ...c, rank: i + 1, classHours: round1(c.periodMinutes / minutesPerClassHour) }));
}

export function commendFirms(candidates: readonly FirmCandidate[], rules: CommendationRules, minutesPerClassHour: number): CommendedFirm[] {
  return candidates
    .filter((c) => eligibleFirm(c, rules, minutesPerClassHour))
    .sort(byKey((c: FirmCandidate) => firmKey(c, rules.firmsBy), (a, b) => text(a.name, b.name) || text(a.regionCode, b.regionCode) || text(a.id, b.id)))
    .slice(0, rules.top)
    .map((c, i) => ({
      ...c,
      rank: i + 1,
      classHours: round1(c.periodMinutes / minutesPerClassHour),
      classHoursPerLawyer: round1(c.periodMinutes / c.lawyers / minutesPerClassHour),
      compliance: c.planned > 0 ? Math.round((c.met / c.planned) * 10000) / 10000 : null,
    }));
}
