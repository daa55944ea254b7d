/**
 * The association's audit report: each lawyer of the subtree measured against the requirement
 * rules in force at their firm, where a training plan targets it (docs/audit.md, "The yearly
 * requirement"), in the organization's training year (Asia/Shanghai).
 */
import type { SessionUser } from '../auth/access.ts';
import type { AccessPolicy } from '../auth/access.ts';
import { creditRulesOf } from '../organizations/service.ts';
import { trainingYearOf, trainingYearRange } from '../playback/credit.ts';
import type { ReportsRepository } from './repository.ts';
import { attachmentHeader, csvHeader, csvRecord, csvText, toReportLawyer, totalsOf, type CsvLanguage } from './rows.ts';
import type { Report } from './schemas.ts';

export type { Report } from './schemas.ts';

export class ReportsService {
  constructor(
    private readonly repo: ReportsRepository,
    private readonly access: AccessPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * `year` defaults to the organization's current training year. Disabled accounts are left out
   * unless `includeDisabled` (their evidence is kept either way; docs/accounts.md).
   */
  async report(user: SessionUser, organizationId: string, requestedYear?: number, includeDisabled = false): Promise<Report> {
    // one ancestor lookup answers the role check, the organization (first in the chain) and its rules
    const chain = await this.access.assertRole(user, organizationId, 'admin');
    const org = chain[0]!;
    const { minutesPerClassHour, trainingYearStartMonth } = creditRulesOf(chain);
    const year = requestedYear ?? trainingYearOf(this.now(), trainingYearStartMonth);
    const { start, end } = trainingYearRange(year, trainingYearStartMonth);
    const facts = await this.repo.lawyerFacts({ organizationId, year, start, end, includeDisabled });
    const measured = { year, range: { start, end }, minutesPerClassHour };
    const lawyers = facts.map((f) => toReportLawyer(f, measured));
    return {
      organization: { id: org.id, name: org.name, kind: org.kind, regionCode: org.regionCode },
      year,
      trainingYearStartMonth,
      minutesPerClassHour,
      from: start.toISOString(),
      to: end.toISOString(),
      lawyers,
      totals: totalsOf(lawyers),
    };
  }

  /** The same rows as CSV (rows.ts csvText: UTF-8 with BOM and CRLF, line breaks always quoted). */
  async reportCsv(user: SessionUser, organizationId: string, requestedYear: number | undefined, language: CsvLanguage, includeDisabled = false): Promise<{ body: string; filename: string }> {
    const report = await this.report(user, organizationId, requestedYear, includeDisabled);
    const body = csvText([csvHeader(language, includeDisabled), ...report.lawyers.map((l) => csvRecord(l, language, includeDisabled))]);
    return { body, filename: attachmentHeader(report.organization.name, report.organization.regionCode, report.year) };
  }
}
