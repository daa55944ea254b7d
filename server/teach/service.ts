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
import { TeachRepository } from './repository.ts';
import { completeCoursesAfterLectureChange } from '../playback/completions.ts';
import type { TranscodeJobsRepository, TranscodeJobRow } from '../transcoding/repository.ts';
import { jobFailure } from '../transcoding/service.ts';
import type { HandoutsRepository } from '../handouts/repository.ts';
import { handoutView } from '../handouts/service.ts';
import type { CoursePatch, LecturePatch, NewCourse, RemovedLecture, TeachCourse, TeachLecture, TeachOverview, TranscodeState } from './schemas.ts';

export type CourseStatus = CourseRow['status'];

/** What the routes take (schemas.ts). */
export type CourseInput = NewCourse;
export type { CoursePatch } from './schemas.ts';

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
    private readonly handouts: HandoutsRepository,
  ) {}

  async listMyCourses(user: SessionUser): Promise<Omit<TeachOverview, 'handoutMaxBytes'>> {
    const roots = this.access.rootsFor(user, 'trainer');
    if (roots.length === 0) throw forbidden('You are not a trainer of any organization');
    const organizations = await this.organizations.subtree(roots);
    const rows = await this.teach.coursesOf(organizations.map((o) => o.id));
    const jobs = await this.jobs.latestFor(rows.flatMap((r) => r.lectures.map((l) => l.id)));
    const handouts = await this.handoutsOf(rows.map((r) => r.course.id));
    return {
      items: rows.map((r) => ({
        ...courseView(r.course),
        organizationName: r.organizationName,
        lectures: r.lectures.map((l) => teachLectureView(l, jobs.get(l.id))),
        handouts: handouts.get(r.course.id) ?? [],
      })),
      /** where this trainer may create courses */
      organizations: organizations.map((o) => ({ id: o.id, name: o.name, kind: o.kind })),
    };
  }

  async createCourse(user: SessionUser, input: CourseInput, ip: string | null = null): Promise<TeachCourse> {
    const org = await this.organizations.findById(input.organizationId);
    if (!org) throw notFound('The organization');
    await this.access.assertRole(user, org.id, 'trainer');
    const course = await this.db.transaction(async (tx) => {
      const row = await new CatalogRepository(tx as never).insertCourse({
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
      await AuditLog.record(tx, { actor: user, action: 'course.created', organizationId: org.id, targetType: 'course', targetId: row.id, before: null, after: editableFields(row), ip });
      return row;
    });
    return { ...courseView(course), organizationName: org.name, lectures: [], handouts: [] };
  }

  /**
   * Edits a course's fields and rules and moves its status. In one transaction with the course
   * row locked: the publishing check reads the lectures as they are when the status changes, and
   * each real change writes its audit entry (fields: `course.updated` with only what changed;
   * `course.published`, `course.archived`). Saving the same values writes nothing.
   */
  async updateCourse(user: SessionUser, courseId: string, patch: CoursePatch, ip: string | null = null): Promise<TeachCourse> {
    await this.courseForTrainer(user, courseId);
    const updated = await this.db.transaction(async (tx) => {
      const teach = new TeachRepository(tx);
      const course = await teach.lockCourse(courseId);
      if (!course) throw notFound('The course');
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
      const before = editableFields(course);
      const changed = Object.keys(values).filter((k) => !sameValue(before[k as keyof typeof before], values[k as keyof typeof values])) as (keyof typeof before)[];
      let statusChange: CourseStatus | null = null;
      if (patch.status !== undefined && patch.status !== course.status) {
        if (!TRANSITIONS[course.status].includes(patch.status)) {
          throw conflict('invalid_transition', `A ${course.status} course cannot become ${patch.status} (allowed: ${TRANSITIONS[course.status].join(', ')}).`);
        }
        if (patch.status === 'published') {
          assertPublishable(await teach.liveLecturesOf(course.id));
          values.publishedAt = course.publishedAt ?? new Date();
        }
        values.status = patch.status;
        statusChange = patch.status;
      }
      if (changed.length === 0 && statusChange === null) return course;
      const row = (await new CatalogRepository(tx as never).updateCourse(course.id, values)) ?? course;
      const after = editableFields(row);
      const audit = { actor: user, organizationId: course.organizationId, targetType: 'course' as const, targetId: course.id, ip };
      if (changed.length > 0) {
        await AuditLog.record(tx, { ...audit, action: 'course.updated', before: pick(before, changed), after: pick(after, changed) });
      }
      if (statusChange !== null) {
        await AuditLog.record(tx, {
          ...audit,
          action: statusChange === 'published' ? 'course.published' : 'course.archived',
          before: { status: course.status },
          after: { status: row.status, publishedAt: row.publishedAt ? row.publishedAt.toISOString() : null },
        });
      }
      return row;
    });
    return this.courseDetail(updated);
  }

  /**
   * Adds a lecture at the end. In a published course it starts hidden: learners would otherwise
   * see a lecture that cannot play (and the catalog count it); the trainer shows it once ready.
   */
  async addLecture(user: SessionUser, courseId: string, title: string, ip: string | null = null): Promise<TeachLecture> {
    const course = await this.courseForTrainer(user, courseId);
    if (course.status === 'archived') throw conflict('course_archived', 'The course is archived; publish it again before adding lectures.');
    const trimmed = title.trim();
    if (!trimmed) throw badRequest('invalid_title', 'The title must not be empty.');
    // Trainers adding at once take turns in the repository, so each gets the next position.
    const row = await this.db.transaction(async (tx) => {
      const lecture = await new TeachRepository(tx).appendLectureLocked(course.id, trimmed, { hidden: course.status === 'published' });
      await AuditLog.record(tx, {
        actor: user,
        action: 'lecture.created',
        organizationId: course.organizationId,
        targetType: 'lecture',
        targetId: lecture.id,
        before: null,
        after: { courseId: course.id, title: lecture.title, position: lecture.position, hidden: lecture.hidden },
        ip,
      });
      return lecture;
    });
    return teachLectureView(row, undefined);
  }

  /**
   * Renames a lecture, hides or shows it, or sets its credit minutes (bounded by its duration).
   * One transaction; each real change is one audit entry.
   */
  async updateLecture(user: SessionUser, lectureId: string, patch: LecturePatch, ip: string | null = null): Promise<TeachLecture> {
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
    if (patch.hidden !== undefined) {
      // a published course must not show learners a lecture that cannot play
      if (!patch.hidden && course.status === 'published' && lecture.status !== 'ready') {
        throw conflict('lecture_not_ready', 'Only a ready lecture can be shown in a published course.');
      }
      values.hidden = patch.hidden;
    }
    const audit = { actor: user, organizationId: course.organizationId, targetType: 'lecture' as const, targetId: lecture.id, ip };
    const updated = await this.db.transaction(async (tx) => {
      const row = (await new CatalogRepository(tx as never).updateLecture(lecture.id, values)) ?? lecture;
      if (values.title !== undefined && values.title !== lecture.title) {
        await AuditLog.record(tx, { ...audit, action: 'lecture.renamed', before: { title: lecture.title }, after: { title: row.title } });
      }
      if (values.creditMinutesOverride !== undefined && values.creditMinutesOverride !== lecture.creditMinutesOverride) {
        await AuditLog.record(tx, {
          ...audit,
          action: 'lecture.credit_minutes_changed',
          before: { creditMinutesOverride: lecture.creditMinutesOverride, durationSeconds: lecture.durationSeconds },
          after: { creditMinutesOverride: row.creditMinutesOverride, durationSeconds: row.durationSeconds },
        });
      }
      if (values.hidden !== undefined && values.hidden !== lecture.hidden) {
        await AuditLog.record(tx, { ...audit, action: 'lecture.visibility_changed', before: { hidden: lecture.hidden }, after: { hidden: row.hidden } });
      }
      return row;
    });
    const job = (await this.jobs.latestFor([lecture.id])).get(lecture.id);
    return teachLectureView(updated, job);
  }

  /** Puts the course's lectures in the given order: every lecture of the course exactly once. */
  async reorderLectures(user: SessionUser, courseId: string, lectureIds: string[], ip: string | null = null): Promise<TeachCourse> {
    const checked = await this.courseForTrainer(user, courseId);
    if (checked.status === 'archived') throw conflict('course_archived', 'The course is archived; publish it again before changing its lectures.');
    const updated = await this.db.transaction(async (tx) => {
      const teach = new TeachRepository(tx);
      const course = await teach.lockCourse(courseId);
      if (!course) throw notFound('The course');
      const current = await teach.liveLecturesOf(course.id);
      const known = new Set(current.map((l) => l.id));
      if (lectureIds.length !== current.length || new Set(lectureIds).size !== lectureIds.length || !lectureIds.every((id) => known.has(id))) {
        throw badRequest('lecture_order_mismatch', 'Name every lecture of the course exactly once (reload the page: the course may have changed).');
      }
      const before = current.map((l) => l.id);
      if (before.every((id, i) => id === lectureIds[i])) return course;
      await teach.setOrder(course.id, lectureIds);
      await AuditLog.record(tx, {
        actor: user,
        action: 'course.lectures_reordered',
        organizationId: course.organizationId,
        targetType: 'course',
        targetId: course.id,
        before: { lectureIds: before },
        after: { lectureIds },
        ip,
      });
      return (await new CatalogRepository(tx as never).updateCourse(course.id, {})) ?? course;
    });
    return this.courseDetail(updated);
  }

  /**
   * Removes a lecture (docs/credit.md, "Removing a lecture"): it leaves the course for learners
   * and trainers, its unfinished transcodes stop, and the credit already earned on it stays.
   * Course completion is re-evaluated in the same transaction, as when a lecture fails: whoever
   * had completed every other lecture completes the course now, with its certificate.
   */
  async removeLecture(user: SessionUser, lectureId: string, ip: string | null = null): Promise<RemovedLecture> {
    const { lecture, course: checked } = await this.lectureForTrainer(user, lectureId);
    if (checked.status === 'archived') throw conflict('course_archived', 'The course is archived; publish it again before changing its lectures.');
    const { course, coursesCompleted } = await this.db.transaction(async (tx) => {
      const teach = new TeachRepository(tx);
      const course = await teach.lockCourse(lecture.courseId);
      if (!course) throw notFound('The lecture');
      const live = await teach.liveLecturesOf(course.id);
      if (!live.some((l) => l.id === lecture.id)) throw notFound('The lecture');
      if (course.status === 'published' && !live.some((l) => l.id !== lecture.id && l.status === 'ready' && !l.hidden)) {
        throw conflict('last_ready_lecture', 'A published course keeps at least one ready lecture: archive the course instead.');
      }
      const progress = await teach.progressCounts(lecture.id);
      await teach.markRemoved(lecture.id, course.id);
      await teach.setOrder(course.id, live.filter((l) => l.id !== lecture.id).map((l) => l.id));
      const coursesCompleted = await completeCoursesAfterLectureChange(tx, lecture.id);
      await AuditLog.record(tx, {
        actor: user,
        action: 'lecture.removed',
        organizationId: course.organizationId,
        targetType: 'lecture',
        targetId: lecture.id,
        before: { courseId: course.id, title: lecture.title, position: lecture.position, status: lecture.status, lawyersStarted: progress.started, lawyersCompleted: progress.completed },
        after: { removed: true, coursesCompleted },
        ip,
      });
      return { course: (await new CatalogRepository(tx as never).updateCourse(course.id, {})) ?? course, coursesCompleted };
    });
    return { ...(await this.courseDetail(course)), coursesCompleted };
  }

  async transcodeStatus(user: SessionUser, lectureId: string): Promise<TranscodeState> {
    const { lecture } = await this.lectureForTrainer(user, lectureId);
    const job = (await this.jobs.latestFor([lecture.id])).get(lecture.id);
    return transcodeView(lecture, job);
  }

  /** The lecture and its course, 404 when unknown, 403 unless the user trains for the course's organization. */
  async lectureForTrainer(user: SessionUser, lectureId: string): Promise<{ lecture: LectureRow; course: CourseRow }> {
    const lecture = await this.catalog.findLecture(lectureId);
    if (!lecture || lecture.removedAt) throw notFound('The lecture');
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

  private async courseDetail(course: CourseRow): Promise<TeachCourse> {
    const org = await this.organizations.findById(course.organizationId);
    const lectures = await this.teach.liveLecturesOf(course.id);
    const jobs = await this.jobs.latestFor(lectures.map((l) => l.id));
    const handouts = await this.handoutsOf([course.id]);
    return { ...courseView(course), organizationName: org?.name ?? '', lectures: lectures.map((l) => teachLectureView(l, jobs.get(l.id))), handouts: handouts.get(course.id) ?? [] };
  }

  /** The handouts of these courses by course (those of removed lectures left out). */
  private async handoutsOf(courseIds: string[]) {
    const byCourse = new Map<string, ReturnType<typeof handoutView>[]>();
    for (const row of await this.handouts.ofCourses(courseIds)) byCourse.set(row.courseId, [...(byCourse.get(row.courseId) ?? []), handoutView(row)]);
    return byCourse;
  }
}

export function transcodeView(lecture: LectureRow, job: TranscodeJobRow | undefined): TranscodeState {
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

export function teachLectureView(l: LectureRow, job: TranscodeJobRow | undefined): TeachLecture {
  const t = transcodeView(l, job);
  return {
    ...lectureView(l),
    creditMinutesOverride: l.creditMinutesOverride,
    hidden: l.hidden,
    /** 0 before the first recording is published, then 1, 2 … with each replacement */
    mediaVersion: l.mediaVersion,
    failure: t.failure,
    job: t.job,
  };
}

/**
 * Pure: a course may be published when it has a ready lecture and every lecture learners would
 * see is ready. Unready ones (failed, uploading, processing) must be hidden or removed first:
 * learners never see "处理失败 · 时长待定", and the catalog never counts a lecture that cannot play.
 */
export function assertPublishable(lectures: Pick<LectureRow, 'status' | 'hidden' | 'title'>[]): void {
  const shown = lectures.filter((l) => !l.hidden);
  if (!shown.some((l) => l.status === 'ready')) {
    throw conflict('no_ready_lecture', 'A course needs at least one ready lecture before it can be published.');
  }
  const unready = shown.filter((l) => l.status !== 'ready');
  if (unready.length > 0) {
    throw conflict(
      'unready_lectures',
      `Every lecture shown must be ready before the course is published; hide or remove: ${unready.map((l) => `"${l.title}" (${l.status})`).join(', ')}.`,
    );
  }
}

/** The fields of a course the editor changes, as the audit log records them. */
function editableFields(c: CourseRow) {
  return {
    title: c.title,
    summary: c.summary,
    category: c.category as string,
    audience: c.audience,
    maxPlaybackRate: c.maxPlaybackRate,
    completionRatio: c.completionRatio,
    requireVisible: c.requireVisible,
    presenceChecks: c.presenceChecks,
  };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function pick<T extends object, K extends keyof T>(value: T, keys: K[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, value[k]]));
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}

