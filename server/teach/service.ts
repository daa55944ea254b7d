/**
 * What a trainer does with courses and lectures: list the courses of the organizations they
 * train for (drafts included), create and edit courses, move them draft → published → archived,
 * add lectures, set credit minutes. Every operation checks the trainer role on the course's
 * organization (roles reach the whole subtree; a provincial admin is not a trainer).
 */
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import type { OrganizationsRepository } from '../organizations/repository.ts';
import { CatalogRepository, type CourseRow, type LectureRow } from '../catalog/repository.ts';
import { creditMinutesCeiling } from '../catalog/credit-minutes.ts';
import { AuditLog } from '../audit/service.ts';
import type { Db } from '../db/client.ts';
import { courseView, lectureView } from '../catalog/service.ts';
import { badRequest, conflict, forbidden, notFound } from '../http/errors.ts';
import type { TeachRepository } from './repository.ts';
import type { TranscodeJobsRepository, TranscodeJobRow } from '../transcoding/repository.ts';
import { jobFailure } from '../transcoding/service.ts';

export type CourseStatus = CourseRow['status'];

export interface CourseInput {
  title: string;
  summary?: string;
  category: CourseRow['category'];
  audience?: string[];
  organizationId: string;
  maxPlaybackRate?: number;
  completionRatio?: number;
  requireVisible?: boolean;
  presenceChecks?: boolean;
}

export type CoursePatch = Partial<Omit<CourseInput, 'organizationId'>> & { status?: CourseStatus };

/** Allowed status moves. Archived courses may come back (a course withdrawn by mistake). */
const TRANSITIONS: Record<CourseStatus, CourseStatus[]> = {
  draft: ['published'],
  published: ['archived'],
  archived: ['published'],
};

export class TeachService {
  constructor(
    private readonly db: Db,
    private readonly catalog: CatalogRepository,
    private readonly teach: TeachRepository,
    private readonly organizations: OrganizationsRepository,
    private readonly jobs: TranscodeJobsRepository,
    private readonly access: AccessPolicy,
  ) {}

  async listMyCourses(user: SessionUser) {
    const roots = this.access.rootsFor(user, 'trainer');
    if (roots.length === 0) throw forbidden('You are not a trainer of any organization');
    const organizations = await this.organizations.subtree(roots);
    const rows = await this.teach.coursesOf(organizations.map((o) => o.id));
    const jobs = await this.jobs.latestFor(rows.flatMap((r) => r.lectures.map((l) => l.id)));
    return {
      items: rows.map((r) => ({ ...courseView(r.course), organizationName: r.organizationName, lectures: r.lectures.map((l) => teachLectureView(l, jobs.get(l.id))) })),
      /** where this trainer may create courses */
      organizations: organizations.map((o) => ({ id: o.id, name: o.name, kind: o.kind })),
    };
  }

  async createCourse(user: SessionUser, input: CourseInput) {
    const org = await this.organizations.findById(input.organizationId);
    if (!org) throw notFound('The organization');
    await this.access.assertRole(user, org.id, 'trainer');
    const course = await this.catalog.insertCourse({
      organizationId: org.id,
      title: input.title.trim(),
      summary: input.summary?.trim() ?? '',
      category: input.category,
      audience: dedupe(input.audience ?? []),
      status: 'draft',
      maxPlaybackRate: input.maxPlaybackRate ?? 1,
      completionRatio: input.completionRatio ?? 0.95,
      requireVisible: input.requireVisible ?? true,
      presenceChecks: input.presenceChecks ?? false,
      createdBy: user.id,
    });
    return { ...courseView(course), organizationName: org.name, lectures: [] };
  }

  async updateCourse(user: SessionUser, courseId: string, patch: CoursePatch) {
    const course = await this.courseForTrainer(user, courseId);
    const values: Parameters<CatalogRepository['updateCourse']>[1] = {};
    if (patch.title !== undefined) values.title = patch.title.trim();
    if (patch.summary !== undefined) values.summary = patch.summary.trim();
    if (patch.category !== undefined) values.category = patch.category;
    if (patch.audience !== undefined) values.audience = dedupe(patch.audience);
    if (patch.maxPlaybackRate !== undefined) values.maxPlaybackRate = patch.maxPlaybackRate;
    if (patch.completionRatio !== undefined) values.completionRatio = patch.completionRatio;
    if (patch.requireVisible !== undefined) values.requireVisible = patch.requireVisible;
    if (patch.presenceChecks !== undefined) values.presenceChecks = patch.presenceChecks;
    if (values.title === '') throw badRequest('invalid_title', 'The title must not be empty.');
    if (patch.status !== undefined && patch.status !== course.status) {
      if (!TRANSITIONS[course.status].includes(patch.status)) {
        throw conflict('invalid_transition', `A ${course.status} course cannot become ${patch.status} (allowed: ${TRANSITIONS[course.status].join(', ')}).`);
      }
      if (patch.status === 'published') {
        const lectures = await this.catalog.lecturesOf(course.id);
        if (!lectures.some((l) => l.status === 'ready')) {
          throw conflict('no_ready_lecture', 'A course needs at least one ready lecture before it can be published.');
        }
        values.publishedAt = course.publishedAt ?? new Date();
      }
      values.status = patch.status;
    }
    const updated = (await this.catalog.updateCourse(course.id, values)) ?? course;
    return this.courseDetail(updated);
  }

  async addLecture(user: SessionUser, courseId: string, title: string) {
    const course = await this.courseForTrainer(user, courseId);
    if (course.status === 'archived') throw conflict('course_archived', 'The course is archived; publish it again before adding lectures.');
    const trimmed = title.trim();
    if (!trimmed) throw badRequest('invalid_title', 'The title must not be empty.');
    // Trainers adding at once take turns in the repository, so each gets the next position.
    return teachLectureView(await this.teach.appendLecture(course.id, trimmed), undefined);
  }

  /** Renames a lecture or sets its credit minutes (bounded by its duration; every change of credit is audited). */
  async updateLecture(user: SessionUser, lectureId: string, patch: { title?: string; creditMinutes?: number | null }, ip: string | null = null) {
    const { lecture, course } = await this.lectureForTrainer(user, lectureId);
    const values: Parameters<CatalogRepository['updateLecture']>[1] = {};
    if (patch.title !== undefined) {
      if (!patch.title.trim()) throw badRequest('invalid_title', 'The title must not be empty.');
      values.title = patch.title.trim();
    }
    if (patch.creditMinutes !== undefined) {
      const ceiling = creditMinutesCeiling(lecture.durationSeconds);
      if (patch.creditMinutes !== null && ceiling !== null && patch.creditMinutes > ceiling) {
        throw badRequest('credit_minutes_above_duration', `A lecture of this length can be credited at most ${ceiling} minutes (its duration rounded up).`);
      }
      values.creditMinutesOverride = patch.creditMinutes;
    }
    const changesCredit = patch.creditMinutes !== undefined && patch.creditMinutes !== lecture.creditMinutesOverride;
    const updated = changesCredit
      ? await this.db.transaction(async (tx) => {
          const row = (await new CatalogRepository(tx as never).updateLecture(lecture.id, values)) ?? lecture;
          await AuditLog.record(tx, {
            actor: user,
            action: 'lecture.credit_minutes_changed',
            organizationId: course.organizationId,
            targetType: 'lecture',
            targetId: lecture.id,
            before: { creditMinutesOverride: lecture.creditMinutesOverride, durationSeconds: lecture.durationSeconds },
            after: { creditMinutesOverride: row.creditMinutesOverride, durationSeconds: row.durationSeconds },
            ip,
          });
          return row;
        })
      : ((await this.catalog.updateLecture(lecture.id, values)) ?? lecture);
    const job = (await this.jobs.latestFor([lecture.id])).get(lecture.id);
    return teachLectureView(updated, job);
  }

  async transcodeStatus(user: SessionUser, lectureId: string) {
    const { lecture } = await this.lectureForTrainer(user, lectureId);
    const job = (await this.jobs.latestFor([lecture.id])).get(lecture.id);
    return transcodeView(lecture, job);
  }

  /** The lecture and its course, 404 when unknown, 403 unless the user trains for the course's organization. */
  async lectureForTrainer(user: SessionUser, lectureId: string): Promise<{ lecture: LectureRow; course: CourseRow }> {
    const lecture = await this.catalog.findLecture(lectureId);
    if (!lecture) throw notFound('The lecture');
    const course = await this.catalog.findCourse(lecture.courseId);
    if (!course) throw notFound('The lecture');
    await this.access.assertRole(user, course.organizationId, 'trainer');
    return { lecture, course };
  }

  async courseForTrainer(user: SessionUser, courseId: string): Promise<CourseRow> {
    const course = await this.catalog.findCourse(courseId);
    if (!course) throw notFound('The course');
    await this.access.assertRole(user, course.organizationId, 'trainer');
    return course;
  }

  private async courseDetail(course: CourseRow) {
    const org = await this.organizations.findById(course.organizationId);
    const lectures = await this.catalog.lecturesOf(course.id);
    const jobs = await this.jobs.latestFor(lectures.map((l) => l.id));
    return { ...courseView(course), organizationName: org?.name ?? '', lectures: lectures.map((l) => teachLectureView(l, jobs.get(l.id))) };
  }
}

export function transcodeView(lecture: LectureRow, job: TranscodeJobRow | undefined) {
  const jobError = job ? jobFailure(job) : null;
  return {
    lectureId: lecture.id,
    lectureStatus: lecture.status,
    failure: lecture.failureCode ? { code: lecture.failureCode, reasonZh: lecture.failureReasonZh ?? '', reasonEn: lecture.failureReasonEn ?? '' } : null,
    job: job
      ? {
          id: job.id,
          status: job.status,
          progress: job.progress,
          attempts: job.attempts,
          maxAttempts: job.maxAttempts,
          error: jobError,
          /** set while a job waits to be retried after an error that was not about the file */
          retryReason: job.status === 'queued' && job.errorCode === 'retrying' ? job.errorReason : null,
          /** since when the worker waits for storage to come back (the job keeps its attempt and its work) */
          waitingForStorageSince: job.status === 'running' && job.errorCode === 'storage_unavailable' && job.waitingSince ? job.waitingSince.toISOString() : null,
          createdAt: job.createdAt.toISOString(),
          finishedAt: job.finishedAt ? job.finishedAt.toISOString() : null,
        }
      : null,
  };
}

export function teachLectureView(l: LectureRow, job: TranscodeJobRow | undefined) {
  const t = transcodeView(l, job);
  return {
    ...lectureView(l),
    creditMinutesOverride: l.creditMinutesOverride,
    failure: t.failure,
    job: t.job,
  };
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}

