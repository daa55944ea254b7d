/**
 * The pairing report (docs/programme.md, "Pairing"): the pairs an organization and its subtree
 * recorded, with their activity — the mentees' hours of the training year (the report
 * statement's numbers, server/reports) and the recommendations made and followed — as JSON and
 * as CSV (csv-stringify through rows.ts csvText: UTF-8 with BOM, CRLF).
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import { attachmentDisposition } from '../http/content-disposition.ts';
import { creditRulesOf } from '../organizations/service.ts';
import { trainingYearOf, trainingYearRange } from '../playback/credit.ts';
import type { ReportsRepository } from '../reports/repository.ts';
import { csvText, neutralizeFormula, toReportLawyer, type CsvLanguage } from '../reports/rows.ts';
import type { PairingRepository } from './repository.ts';
import { beijingToday } from './rules.ts';
import { pairView } from './service.ts';

export class PairingReportService {
  constructor(
    private readonly repo: PairingRepository,
    private readonly reports: ReportsRepository,
    private readonly access: AccessPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async report(user: SessionUser, organizationId: string, requestedYear?: number) {
    const chain = await this.access.assertRole(user, organizationId, 'admin');
    const org = chain[0]!;
    const { minutesPerClassHour, trainingYearStartMonth } = creditRulesOf(chain);
    const year = requestedYear ?? trainingYearOf(this.now(), trainingYearStartMonth);
    const range = trainingYearRange(year, trainingYearStartMonth);
    const today = beijingToday(this.now());
    const pairs = await this.repo.listPairs(organizationId, today);
    const [facts, activity] = await Promise.all([
      pairs.length ? this.reports.lawyerFacts({ organizationId, year, start: range.start, end: range.end }) : Promise.resolve([]),
      this.repo.activity(pairs.map((p) => p.id)),
    ]);
    const lawyers = facts.map((f) => toReportLawyer(f, { year, range, minutesPerClassHour }));
    const activityOf = new Map(activity.map((a) => [a.pairId, a]));
    const items = pairs.map((p) => {
      const mentees = lawyers.filter((l) => (p.kind === 'lawyer' ? l.id === p.mentee.id : l.firmId === p.mentee.id));
      const a = activityOf.get(p.id);
      return {
        ...pairView(p, today),
        mentees: mentees.length,
        menteeCreditMinutes: mentees.reduce((sum, l) => sum + l.creditMinutes, 0),
        menteesMet: mentees.filter((l) => l.met === true).length,
        recommendations: a?.recommendations ?? 0,
        followed: a?.followed ?? 0,
      };
    });
    return { organization: { id: org.id, name: org.name, regionCode: org.regionCode }, year, minutesPerClassHour, from: range.start.toISOString(), to: range.end.toISOString(), items };
  }

  async reportCsv(user: SessionUser, organizationId: string, requestedYear: number | undefined, language: CsvLanguage) {
    const report = await this.report(user, organizationId, requestedYear);
    const zh = language === 'zh-CN';
    const header = zh
      ? ['类型', '帮扶方', '受帮扶方', '开始日期', '结束日期', '状态', '受帮扶律师人数', '受帮扶律师本年度已获（分钟）', '其中达标人数', '推荐课程数', '已开始学习的推荐']
      : ['Kind', 'Mentor', 'Mentee', 'Starts on', 'Ends on', 'Status', 'Mentee lawyers', 'Mentee credit this year (min)', 'Mentees meeting the requirement', 'Courses recommended', 'Recommendations followed'];
    const kinds = zh ? { firm: '律所结对', lawyer: '律师结对' } : { firm: 'Firm pair', lawyer: 'Lawyer pair' };
    const statuses = zh ? { scheduled: '未开始', active: '进行中', expired: '已到期', ended: '已结束' } : { scheduled: 'Scheduled', active: 'Active', expired: 'Expired', ended: 'Ended' };
    const side = (s: { name: string; firm: { name: string } | null }) => neutralizeFormula(s.firm ? `${s.name}（${s.firm.name}）` : s.name);
    const records = report.items.map((p) => [kinds[p.kind], side(p.mentor), side(p.mentee), p.startsOn, p.endsOn ?? '', statuses[p.status], p.mentees, p.menteeCreditMinutes, p.menteesMet, p.recommendations, p.followed]);
    const fallback = `lectern-pairing-${report.organization.regionCode.replace(/[^0-9A-Za-z]/g, '') || 'org'}-${report.year}.csv`;
    const real = `${report.organization.name}-${report.year}年度结对帮扶.csv`.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_');
    return { body: csvText([header, ...records]), filename: attachmentDisposition(real, fallback) };
  }
}
