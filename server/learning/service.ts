/**
 * The learner's own state in the catalog (issue 11, "Learner state everywhere"): progress and the
 * completed mark on each course and lecture, the lecture to continue, the organizer and trainer,
 * and the "required for me" filter. It wraps the catalog's answers with additive fields, so the
 * fixed shapes of shared/API.md stay as they are and a card needs no second request.
 */
import type { SessionUser } from '../auth/access.ts';
import type { CatalogList, CatalogQuery } from '../catalog/schemas.ts';
import type { CatalogService } from '../catalog/service.ts';
import { lectureView } from '../catalog/service.ts';
import type { RequirementsService } from '../requirements/service.ts';
import type { LearningRepository } from './repository.ts';
import { courseProgress, lectureProgress, resumeView } from './state.ts';
import type { MyProgress } from './schemas.ts';

/** GET /api/courses's query (server/catalog/schemas.ts). */
export type { CatalogQuery } from '../catalog/schemas.ts';

export class LearningService {
  constructor(
    private readonly repo: LearningRepository,
    private readonly catalog: CatalogService,
    private readonly requirements: RequirementsService,
  ) {}

  /**
   * "Required for me": the required courses (必修) of the plans that cover me in the current
   * training year, as GET /api/me/requirement lists them. Empty when no plan covers me or I am
   * exempt this year (docs/web.md, "Learner state").
   */
  async requiredCourseIds(user: SessionUser): Promise<Set<string>> {
    const requirement = await this.requirements.myRequirement(user);
    return new Set(requirement.requiredCourses.map((c) => c.courseId));
  }

  async list(user: SessionUser, query: CatalogQuery): Promise<CatalogList> {
    const required = await this.requiredCourseIds(user);
    const list = await this.catalog.listPublished({
      q: query.q,
      category: query.category,
      audience: query.audience,
      organizationId: query.organizer,
      courseIds: query.required ? [...required] : undefined,
      page: query.page,
      pageSize: query.pageSize,
    });
    const ids = list.items.map((c) => c.id);
    const [progress, names, organizers, resume] = await Promise.all([this.repo.courseProgress(user.id, ids), this.repo.courseNames(ids), this.repo.organizers(), this.repo.resume(user.id)]);
    const progressOf = new Map(progress.map((p) => [p.courseId, p]));
    const namesOf = new Map(names.map((n) => [n.courseId, n]));
    return {
      items: list.items.map((c) => {
        const name = namesOf.get(c.id);
        return {
          ...c,
          organizer: name ? { id: name.organizerId, name: name.organizerName } : null,
          trainer: name?.trainerName ?? null,
          required: required.has(c.id),
          progress: courseProgress(progressOf.get(c.id)),
        };
      }),
      total: list.total,
      organizers,
      resume: resumeView(resume),
    };
  }

  async course(user: SessionUser, courseId: string) {
    const { course, lectures } = await this.catalog.getCourse(user, courseId);
    const [progress, lectureRows, names, resume, required] = await Promise.all([
      this.repo.courseProgress(user.id, [course.id]),
      this.repo.lectureProgress(user.id, course.id),
      this.repo.courseNames([course.id]),
      this.repo.resume(user.id, course.id),
      this.requiredCourseIds(user),
    ]);
    const lectureOf = new Map(lectureRows.map((l) => [l.lectureId, l]));
    const name = names[0];
    return {
      course,
      lectures: lectures.map((l) => ({ ...lectureView(l), progress: lectureProgress(lectureOf.get(l.id), l.durationSeconds) })),
      organizer: name ? { id: name.organizerId, name: name.organizerName } : null,
      trainer: name?.trainerName ?? null,
      required: required.has(course.id),
      progress: courseProgress(progress[0]),
      resume: resumeView(resume),
    };
  }

  /** GET /api/me/progress: what /me needs beside the credits it already reads. */
  async mine(user: SessionUser): Promise<MyProgress> {
    return { resume: resumeView(await this.repo.resume(user.id)) };
  }
}
