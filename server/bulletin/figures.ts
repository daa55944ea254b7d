/**
 * The dashboard's figures (pure): lawyers measured by the report's rules (server/reports/rows.ts)
 * and the period's credit aggregated in SQL per firm and month (repository.ts), summed up the tree
 * per city, per province and for the whole organization. Definitions: docs/programme.md,
 * "Dashboard and bulletin (通报)". Tests: tests/unit/bulletin-figures.test.ts.
 */

export type OrgKind = 'national' | 'province' | 'city' | 'firm';

export interface OrgNode {
  id: string;
  parentId: string | null;
  kind: OrgKind;
  name: string;
  regionCode: string;
  county: boolean;
}

/** One lawyer as the report measured them for the training year up to the period's end. */
export interface LawyerInput {
  id: string;
  name: string;
  licenseNo: string;
  firmId: string;
  /** a firm in a county-level town */
  county: boolean;
  practiceStartedOn: string | null;
  /** online + in-person minutes of the training year up to the period's end */
  yearMinutes: number;
  planned: boolean;
  met: boolean | null;
}

/** What one firm's lawyers earned in one calendar month (SQL: repository.ts). */
export interface FirmMonth {
  firmId: string;
  month: string;
  onlineMinutes: number;
  inPersonMinutes: number;
  completions: number;
  /** lawyers of the firm with credit in the month */
  activeLawyers: number;
}

/** What one lawyer earned in the period (SQL). */
export interface LawyerPeriod {
  userId: string;
  onlineMinutes: number;
  inPersonMinutes: number;
  completions: number;
}

export interface Segment {
  lawyers: number;
  /** with credit (online or in person) in the training year up to the period's end */
  participants: number;
  /** a plan covers them; compliance is measured among these only */
  planned: number;
  met: number;
  /** of the training year up to the period's end */
  yearMinutes: number;
  /** of the period */
  periodMinutes: number;
  periodParticipants: number;
  completions: number;
}

export interface MonthFigure {
  month: string;
  onlineMinutes: number;
  inPersonMinutes: number;
  completions: number;
  activeLawyers: number;
}

export interface GroupFigures {
  id: string;
  name: string;
  kind: OrgKind;
  regionCode: string;
  all: Segment;
  /** lawyers of county firms */
  countyFirms: Segment;
  /** lawyers of the other (city) firms */
  cityFirms: Segment;
  /** practising under 3 years at the period's last day */
  young: Segment;
  firms: { county: number; city: number; countyParticipating: number; cityParticipating: number };
  /** the training year's months up to the period's end */
  months: MonthFigure[];
}

export const YOUNG_LAWYER_YEARS = 3;

/**
 * Young lawyer (青年律师): practice started less than three years before the day `onDay`
 * (YYYY-MM-DD, Beijing): started 2024-07-01 → young through 2027-06-30. An unknown start date is
 * never young (the roster did not say).
 */
export function isYoungLawyer(practiceStartedOn: string | null, onDay: string): boolean {
  if (!practiceStartedOn) return false;
  const m = /^(\d{4})(-\d{2}-\d{2})/.exec(practiceStartedOn);
  if (!m) return false;
  if (practiceStartedOn.slice(0, 10) > onDay) return false; // not yet practising
  return `${Number(m[1]) + YOUNG_LAWYER_YEARS}${m[2]}` > onDay;
}

export const emptySegment = (): Segment => ({ lawyers: 0, participants: 0, planned: 0, met: 0, yearMinutes: 0, periodMinutes: 0, periodParticipants: 0, completions: 0 });

function addLawyer(s: Segment, l: LawyerInput, p: LawyerPeriod | undefined): void {
  s.lawyers += 1;
  if (l.yearMinutes > 0) s.participants += 1;
  if (l.planned) s.planned += 1;
  if (l.planned && l.met === true) s.met += 1;
  s.yearMinutes += l.yearMinutes;
  const periodMinutes = p ? p.onlineMinutes + p.inPersonMinutes : 0;
  s.periodMinutes += periodMinutes;
  if (periodMinutes > 0) s.periodParticipants += 1;
  s.completions += p?.completions ?? 0;
}

export interface FigureInput {
  /** every organization of the subtree, the reported one included */
  organizations: OrgNode[];
  rootId: string;
  lawyers: LawyerInput[];
  periodByLawyer: LawyerPeriod[];
  firmMonths: FirmMonth[];
  /** the chart axis: the training year's months up to the period's end */
  months: string[];
  /** the period's last day (YYYY-MM-DD, Beijing): who is young */
  lastDay: string;
}

export interface Figures {
  total: GroupFigures;
  /** under a national association: each province */
  provinces: GroupFigures[];
  /** each city association of the subtree */
  cities: GroupFigures[];
}

/** The figures of the root, of every province and of every city of the subtree. */
export function figuresOf(input: FigureInput): Figures {
  const byId = new Map(input.organizations.map((o) => [o.id, o]));
  /** the groups an organization counts in: itself and its ancestors inside the subtree */
  const groupsOf = new Map<string, string[]>();
  const chainOf = (id: string): string[] => {
    const known = groupsOf.get(id);
    if (known) return known;
    const org = byId.get(id);
    const chain = !org ? [] : id === input.rootId || !org.parentId ? [id] : [id, ...chainOf(org.parentId)];
    groupsOf.set(id, chain);
    return chain;
  };
  const groups = new Map<string, GroupFigures>();
  const groupFor = (org: OrgNode): GroupFigures => {
    let g = groups.get(org.id);
    if (!g) {
      g = {
        id: org.id,
        name: org.name,
        kind: org.kind,
        regionCode: org.regionCode,
        all: emptySegment(),
        countyFirms: emptySegment(),
        cityFirms: emptySegment(),
        young: emptySegment(),
        firms: { county: 0, city: 0, countyParticipating: 0, cityParticipating: 0 },
        months: input.months.map((month) => ({ month, onlineMinutes: 0, inPersonMinutes: 0, completions: 0, activeLawyers: 0 })),
      };
      groups.set(org.id, g);
    }
    return g;
  };
  const isGroup = (org: OrgNode) => org.id === input.rootId || org.kind === 'province' || org.kind === 'city';
  const groupsAbove = (orgId: string) => chainOf(orgId).map((id) => byId.get(id)!).filter(isGroup).map(groupFor);
  for (const org of input.organizations) if (isGroup(org)) groupFor(org);

  const period = new Map(input.periodByLawyer.map((p) => [p.userId, p]));
  const participatingFirms = new Set<string>();
  for (const l of input.lawyers) {
    const p = period.get(l.id);
    const young = isYoungLawyer(l.practiceStartedOn, input.lastDay);
    if (l.yearMinutes > 0) participatingFirms.add(l.firmId);
    for (const g of groupsAbove(l.firmId)) {
      addLawyer(g.all, l, p);
      addLawyer(l.county ? g.countyFirms : g.cityFirms, l, p);
      if (young) addLawyer(g.young, l, p);
    }
  }
  for (const org of input.organizations) {
    if (org.kind !== 'firm') continue;
    const participating = participatingFirms.has(org.id);
    for (const g of groupsAbove(org.id)) {
      if (org.county) {
        g.firms.county += 1;
        if (participating) g.firms.countyParticipating += 1;
      } else {
        g.firms.city += 1;
        if (participating) g.firms.cityParticipating += 1;
      }
    }
  }
  const monthIndex = new Map(input.months.map((m, i) => [m, i]));
  for (const fm of input.firmMonths) {
    const i = monthIndex.get(fm.month);
    if (i === undefined) continue;
    for (const g of groupsAbove(fm.firmId)) {
      const m = g.months[i]!;
      m.onlineMinutes += fm.onlineMinutes;
      m.inPersonMinutes += fm.inPersonMinutes;
      m.completions += fm.completions;
      m.activeLawyers += fm.activeLawyers;
    }
  }
  const byRegion = (a: GroupFigures, b: GroupFigures) => a.regionCode.localeCompare(b.regionCode) || a.name.localeCompare(b.name, 'zh-CN');
  const all = [...groups.values()].filter((g) => g.id !== input.rootId);
  return {
    total: groups.get(input.rootId)!,
    provinces: all.filter((g) => g.kind === 'province').sort(byRegion),
    cities: all.filter((g) => g.kind === 'city').sort(byRegion),
  };
}

/** A share 0–1 with 4 decimals; null when there is nobody to measure. */
export function share(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 10000) / 10000 : null;
}

/** 学时 per lawyer, one decimal. */
export function classHoursPerLawyer(minutes: number, lawyers: number, minutesPerClassHour: number): number {
  return lawyers > 0 ? Math.round((minutes / lawyers / minutesPerClassHour) * 10) / 10 : 0;
}
