import { HttpError, notFound } from '../http/errors.ts';
import type { AccessPolicy, SessionUser } from '../auth/access.ts';
import type { CatalogRepository, CourseRow, LectureRow } from './repository.ts';
import { lectureCreditMinutes } from './credit-minutes.ts';
import type { SubtitlesRepository, TranscriptHit } from '../subtitles/repository.ts';

export class CatalogService {
  constructor(
    private readonly repo: CatalogRepository,
    private readonly access: AccessPolicy,
    /** where the search's transcript hits come from (the catalog list only) */
    private readonly transcripts?: Pick<SubtitlesRepository, 'transcriptHits'>,
  ) {}

  async listPublished(query: { q?: string; category?: string; audience?: string; organizationId?: string; courseIds?: readonly string[]; page: number; pageSize: number }) {
    const q = query.q?.trim() || undefined;
    const { rows, total } = await this.repo.listCourses({
      q,
      category: query.category,
      audience: query.audience,
      organizationId: query.organizationId,
      courseIds: query.courseIds,
      status: 'published',
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    });
    const hits = new Map<string, TranscriptHit>();
    if (q && this.transcripts) for (const hit of await this.transcripts.transcriptHits(rows.map((c) => c.id), q)) hits.set(hit.courseId, hit);
    return {
      items: rows.map((c) => ({
        id: c.id,
        title: c.title,
        category: c.category,
        status: c.status,
        lectureCount: c.lectureCount,
        creditMinutes: c.creditMinutes,
        audience: c.audience,
        transcriptMatch: transcriptMatchView(hits.get(c.id)),
      })),
      total,
    };
  }

  /** A published course for anyone logged in; a draft or archived one for its trainers and admins. */
  async getCourse(user: SessionUser, courseId: string) {
    const course = await this.repo.findCourse(courseId);
    if (!course || !(await this.canSee(user, course))) throw notFound('The course');
    // learners' view, also for a trainer's preview: what cannot play is left out (isLearnerVisible)
    const lectures = (await this.repo.lecturesOf(course.id)).filter(isLearnerVisible);
    return { course, lectures };
  }

  /** A lecture the user may watch: in a published course, or the trainer's own preview. */
  async getWatchableLecture(user: SessionUser, lectureId: string): Promise<{ lecture: LectureRow; course: CourseRow }> {
    const lecture = await this.repo.findLecture(lectureId);
    if (!lecture) throw notFound('The lecture');
    const course = await this.repo.findCourse(lecture.courseId);
    if (!course || !(await this.canSee(user, course))) throw notFound('The lecture');
    // removed: gone for everyone; hidden: only its trainers and admins may still open it
    if (lecture.removedAt || (lecture.hidden && !(await this.access.hasRole(user, course.organizationId, ['trainer', 'admin'])))) throw notFound('The lecture');
    if (lecture.status !== 'ready') throw new HttpError(409, 'lecture_not_ready', `The lecture is not ready to play (status: ${lecture.status}).`);
    return { lecture, course };
  }

  async canSee(user: SessionUser, course: CourseRow): Promise<boolean> {
    if (course.status === 'published') return true;
    return this.access.hasRole(user, course.organizationId, ['trainer', 'admin']);
  }
}

/** A search hit in a lecture's transcript as the catalog card shows it: one line, the lecture, the cue's time. */
function transcriptMatchView(hit: TranscriptHit | undefined) {
  if (!hit) return null;
  return { lectureId: hit.lectureId, lectureTitle: hit.lectureTitle, lang: hit.lang, snippet: hit.snippet.replace(/\s+/g, ' ').trim(), atSeconds: Math.floor(hit.atSeconds) };
}

/** A lecture learners see in the catalog: not removed, not hidden by the trainer, not failed. */
export function isLearnerVisible(l: Pick<LectureRow, 'removedAt' | 'hidden' | 'status'>): boolean {
  return l.removedAt === null && !l.hidden && l.status !== 'failed';
}

/** A course's own fields as the API shows them (both the catalog and the trainer pages). */
export function courseView(c: CourseRow) {
  return {
    id: c.id,
    title: c.title,
    summary: c.summary,
    category: c.category,
    audience: c.audience,
    status: c.status,
    organizationId: c.organizationId,
    maxPlaybackRate: c.maxPlaybackRate,
    completionRatio: c.completionRatio,
    requireVisible: c.requireVisible,
    presenceChecks: c.presenceChecks,
    publishedAt: c.publishedAt ? c.publishedAt.toISOString() : null,
    updatedAt: c.updatedAt.toISOString(),
  };
}

export function lectureView(l: LectureRow) {
  return {
    id: l.id,
    title: l.title,
    position: l.position,
    status: l.status,
    durationSeconds: l.durationSeconds,
    creditMinutes: lectureCreditMinutes(l),
  };
}
