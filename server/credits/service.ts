/** "My learning": credit earned in a training year, in minutes and 学时, per lecture and per course. */
import type { SessionUser } from '../auth/access.ts';
import type { OrganizationsService } from '../organizations/service.ts';
import { classHours, trainingYearOf, trainingYearRange } from '../playback/credit.ts';
import type { CreditsRepository } from './repository.ts';
import type { MyCredits, XapiStatementPage } from './schemas.ts';
import { registrationStatements } from './xapi.ts';

export class CreditsService {
  constructor(
    private readonly repo: CreditsRepository,
    private readonly organizations: OrganizationsService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async myCredits(user: SessionUser, requestedYear?: number): Promise<MyCredits> {
    const rules = await this.organizations.creditRules(user.organizationId);
    const currentYear = trainingYearOf(this.now(), rules.trainingYearStartMonth);
    const year = requestedYear ?? currentYear;
    const { start, end } = trainingYearRange(year, rules.trainingYearStartMonth);
    // Unfinished lectures are shown in the current year: they will count in the year they complete.
    const lectures = await this.repo.lectures(user.id, start, end, year === currentYear);
    const courses = await this.repo.courses(user.id, [...new Set(lectures.map((l) => l.courseId))], start, end);
    const creditMinutes = lectures.reduce((sum, l) => sum + (l.completedAt ? l.creditMinutes : 0), 0);
    return {
      year,
      creditMinutes,
      classHours: classHours(creditMinutes, rules.minutesPerClassHour),
      minutesPerClassHour: rules.minutesPerClassHour,
      trainingYearStartMonth: rules.trainingYearStartMonth,
      from: start.toISOString(),
      to: end.toISOString(),
      lectures: lectures.map((l) => ({
        lectureId: l.lectureId,
        courseId: l.courseId,
        title: l.lectureTitle,
        coverageRatio: l.durationSeconds > 0 ? Math.min(1, Math.round((l.coveredSeconds / l.durationSeconds) * 10_000) / 10_000) : 0,
        completed: l.completedAt !== null,
        completedAt: l.completedAt?.toISOString() ?? null,
        creditMinutes: l.completedAt ? l.creditMinutes : 0,
      })),
      courses: courses.map((c) => ({
        courseId: c.courseId,
        title: c.title,
        completed: c.completedAt !== null,
        completedAt: c.completedAt?.toISOString() ?? null,
        lectureCount: c.lectureCount,
        completedLectures: c.completedLectures,
        certificateId: c.certificateId,
        certificateCode: c.certificateCode,
        certificateSerial: c.certificateSerial,
      })),
    };
  }

  /**
   * The evidence of an organization's lawyers in a training year as an xAPI StatementResult in the
   * Video Profile's pattern (xapi.ts), paged by registration: `limit` playback sessions a page,
   * each whole (initialized … terminated), `more` the URL of the next page or "".
   */
  async evidenceXapi(user: SessionUser, orgId: string, options: { year?: number; after: number; limit: number; publicUrl: string; access: { assertRole(user: SessionUser, orgId: string, role: 'admin'): Promise<unknown> } }): Promise<XapiStatementPage> {
    await options.access.assertRole(user, orgId, 'admin');
    const rules = await this.organizations.creditRules(orgId);
    const year = options.year ?? trainingYearOf(this.now(), rules.trainingYearStartMonth);
    const { start, end } = trainingYearRange(year, rules.trainingYearStartMonth);
    const rows = await this.repo.registrations(orgId, start, end, options.after, options.limit + 1);
    const page = rows.slice(0, options.limit);
    const statements = page.flatMap(({ registration }) => registrationStatements(options.publicUrl, registration));
    const last = page[page.length - 1];
    const more = rows.length > options.limit && last ? `/api/organizations/${orgId}/evidence.xapi.json?year=${year}&after=${last.cursor}&limit=${options.limit}` : '';
    return { statements, more };
  }
}
