/**
 * The dashboard and the bulletin (通报) of an association: per province and city, lawyers, county
 * lawyers, participation, compliance, 学时 per lawyer, young lawyers, county vs city firms, month by
 * month, and the commendation list, for a period (year, quarter, month). Built once in the
 * composition root (server/services.ts, `app.services.bulletin`). Who: an administrator of the association
 * or above it (AccessPolicy.assertRole); a firm has no bulletin (400). docs/programme.md.
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { badRequest } from '../http/errors.ts';
import { creditRulesOf } from '../organizations/service.ts';
import type { ReportsRepository } from '../reports/repository.ts';
import { toReportLawyer } from '../reports/rows.ts';
import { commendFirms, commendLawyers, DEFAULT_RULES, type CommendationRules, type FirmCandidate, type LawyerCandidate } from './commendation.ts';
import { classHoursPerLawyer, figuresOf, share, type GroupFigures, type LawyerInput, type Segment } from './figures.ts';
import { beijingDay, currentYearPeriod, parsePeriod, type Period } from './period.ts';
import type { BulletinRepository } from './repository.ts';
import type { Dashboard, DashboardGroup, DashboardQueryInput, DashboardSegment } from './schemas.ts';

export class BulletinService {
  constructor(
    private readonly repo: BulletinRepository,
    private readonly reports: ReportsRepository,
    private readonly access: AccessPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async dashboard(user: SessionUser, organizationId: string, query: DashboardQueryInput = {}): Promise<Dashboard> {
    const chain = await this.access.assertRole(user, organizationId, 'admin');
    const org = chain[0]!;
    if (org.kind === 'firm') throw badRequest('bulletin_needs_association', 'Dashboards and bulletins are made for associations (national, provincial, city), not for one firm.');
    const { minutesPerClassHour, trainingYearStartMonth } = creditRulesOf(chain);
    const period = query.period === undefined ? currentYearPeriod(this.now(), trainingYearStartMonth) : parsePeriod(query.period, trainingYearStartMonth);
    if (!period) throw badRequest('invalid_period', 'The period must be a year (2026), a quarter (2026-Q2) or a month (2026-05) between 2000 and 2100.');
    const rules: CommendationRules = {
      lawyersBy: query.lawyersBy ?? DEFAULT_RULES.lawyersBy,
      firmsBy: query.firmsBy ?? DEFAULT_RULES.firmsBy,
      top: query.top ?? DEFAULT_RULES.top,
      minClassHours: query.minClassHours ?? DEFAULT_RULES.minClassHours,
      countyOnly: query.countyOnly ?? DEFAULT_RULES.countyOnly,
      minFirmLawyers: query.minFirmLawyers ?? DEFAULT_RULES.minFirmLawyers,
    };

    // the year up to the period's end: credit and compliance so far, the requirement of the whole year
    const [facts, organizations, credit] = await Promise.all([
      this.reports.lawyerFacts({ organizationId, year: period.year, start: period.yearStart, end: period.end }),
      this.repo.subtree(organizationId),
      this.repo.credit({ organizationId, start: period.yearStart, end: period.end }, period.start),
    ]);
    const measured = { year: period.year, range: { start: period.yearStart, end: period.yearEnd }, minutesPerClassHour };
    const lawyers: (LawyerInput & { firm: string })[] = facts.map((f) => {
      const r = toReportLawyer(f, measured);
      return { id: r.id, name: r.name, licenseNo: r.licenseNo, firmId: r.firmId, firm: r.firm, county: r.county, practiceStartedOn: f.profile.practiceStartedOn, yearMinutes: r.creditMinutes, planned: r.planned, met: r.met };
    });
    const lastDay = beijingDay(new Date(period.end.getTime() - 1));
    const figures = figuresOf({ organizations, rootId: organizationId, lawyers, periodByLawyer: credit.byLawyer, firmMonths: credit.byFirmMonth, months: period.yearToDateMonths, lastDay });

    const periodOf = new Map(credit.byLawyer.map((p) => [p.userId, p]));
    const lawyerCandidates: LawyerCandidate[] = lawyers.map((l) => {
      const p = periodOf.get(l.id);
      return { id: l.id, name: l.name, licenseNo: l.licenseNo, firmId: l.firmId, firm: l.firm, county: l.county, periodMinutes: p ? p.onlineMinutes + p.inPersonMinutes : 0, completions: p?.completions ?? 0 };
    });
    const firmCandidates = firmCandidatesOf(organizations, lawyers, lawyerCandidates);

    const shape = (g: GroupFigures): DashboardGroup => ({ ...g, all: ratios(g.all, minutesPerClassHour), countyFirms: ratios(g.countyFirms, minutesPerClassHour), cityFirms: ratios(g.cityFirms, minutesPerClassHour), young: ratios(g.young, minutesPerClassHour) });
    return {
      organization: { id: org.id, name: org.name, kind: org.kind, regionCode: org.regionCode },
      period: periodAnswer(period),
      minutesPerClassHour,
      total: shape(figures.total),
      provinces: figures.provinces.map(shape),
      cities: figures.cities.map(shape),
      commendation: {
        rules,
        lawyers: commendLawyers(lawyerCandidates, rules, minutesPerClassHour).map(({ firmId: _f, ...l }) => l),
        firms: commendFirms(firmCandidates, rules, minutesPerClassHour),
      },
      generatedAt: this.now().toISOString(),
    };
  }
}

function periodAnswer(p: Period): Dashboard['period'] {
  return { id: p.id, kind: p.kind, year: p.year, from: p.start.toISOString(), to: p.end.toISOString(), label: p.label, months: p.months };
}

export function ratios(s: Segment, minutesPerClassHour: number): DashboardSegment {
  return {
    ...s,
    participation: share(s.participants, s.lawyers),
    compliance: share(s.met, s.planned),
    classHoursPerLawyer: classHoursPerLawyer(s.yearMinutes, s.lawyers, minutesPerClassHour),
    periodClassHoursPerLawyer: classHoursPerLawyer(s.periodMinutes, s.lawyers, minutesPerClassHour),
  };
}

/** Each firm with lawyers: its lawyers' period figures summed, and its planned / met counts. */
function firmCandidatesOf(organizations: { id: string; kind: string; name: string; regionCode: string; county: boolean }[], lawyers: LawyerInput[], candidates: LawyerCandidate[]): FirmCandidate[] {
  const firms = new Map<string, FirmCandidate>();
  for (const o of organizations) if (o.kind === 'firm') firms.set(o.id, { id: o.id, name: o.name, regionCode: o.regionCode, county: o.county, lawyers: 0, periodMinutes: 0, completions: 0, planned: 0, met: 0 });
  lawyers.forEach((l, i) => {
    const f = firms.get(l.firmId);
    if (!f) return; // a lawyer attached to an association, not a firm: in the totals, never a firm
    f.lawyers += 1;
    f.periodMinutes += candidates[i]!.periodMinutes;
    f.completions += candidates[i]!.completions;
    if (l.planned) f.planned += 1;
    if (l.planned && l.met === true) f.met += 1;
  });
  return [...firms.values()].filter((f) => f.lawyers > 0);
}
