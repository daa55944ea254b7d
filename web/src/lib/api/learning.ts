/**
 * The learner's own state (server/learning): the additive fields of GET /api/courses and
 * /api/courses/:id for the signed-in lawyer, and GET /api/me/progress. The fixed shapes stay in
 * types.ts; these extend them.
 */
import { t } from '../i18n/index.svelte.ts';
import { api } from './browser.ts';
import type { AudienceCode, CategoryCode, CourseDetail, CourseSummary, LectureSummary } from './types.ts';

import type { CourseProgress, LectureProgress, Resume } from '../../../../server/learning/schemas.ts';

// The shapes come from the server's route schemas (type-only: nothing of the server is bundled).
export type { CourseProgress, LectureProgress };
/** "继续学习": the most recently watched unfinished lecture and where its session resumes. */
export type ResumePoint = Resume;

export interface Organizer {
  id: string;
  name: string;
}

export interface LearnerCourse extends CourseSummary {
  audience: AudienceCode[];
  organizer: Organizer | null;
  trainer: string | null;
  required: boolean;
  progress: CourseProgress;
  /** with a search: the first lecture whose subtitles contain the words (docs/subtitles.md, "Search") */
  transcriptMatch?: TranscriptMatch | null;
}

export interface TranscriptMatch {
  lectureId: string;
  lectureTitle: string;
  lang: string;
  /** the transcript around the hit */
  snippet: string;
  /** where the cue with the hit starts: open the lecture at ?t= */
  atSeconds: number;
}

export interface LearnerCourseList {
  items: LearnerCourse[];
  total: number;
  organizers: Organizer[];
  resume: ResumePoint | null;
}

export interface LearnerLecture extends LectureSummary {
  progress: LectureProgress;
}

export interface LearnerCourseDetail extends Omit<CourseDetail, 'lectures'> {
  audience: AudienceCode[];
  organizer: Organizer | null;
  trainer: string | null;
  required: boolean;
  progress: CourseProgress;
  resume: ResumePoint | null;
  lectures: LearnerLecture[];
}

export interface CatalogQuery {
  q?: string;
  category?: CategoryCode | '';
  audience?: AudienceCode | '';
  organizer?: string;
  required?: boolean;
  page?: number;
  pageSize?: number;
}

export function listCatalog(query: CatalogQuery, signal?: AbortSignal): Promise<LearnerCourseList> {
  const { required, ...rest } = query;
  return api.request('GET', '/api/courses', { query: { ...rest, required: required ? 'true' : undefined }, ...(signal ? { signal } : {}) });
}

export function courseState(courseId: string, signal?: AbortSignal): Promise<LearnerCourseDetail> {
  return api.request('GET', `/api/courses/${encodeURIComponent(courseId)}`, signal ? { signal } : {});
}

export function myProgress(signal?: AbortSignal): Promise<{ resume: ResumePoint | null }> {
  return api.request('GET', '/api/me/progress', signal ? { signal } : {});
}

/** The lecture page's link; the session itself resumes at `resumeAt` (server/playback). */
export function lectureHref(lectureId: string): string {
  return `/lectures/${encodeURIComponent(lectureId)}`;
}

/** 0–100, rounded down: a lecture at 99.6 % is not shown as done. */
export function percentOf(ratio: number): number {
  return Math.floor(Math.max(0, Math.min(1, ratio)) * 100);
}

/** "已学 37% · 已完成 0/1 讲 · 已获 5 分钟" (the credit only once there is some). */
export function courseProgressLabel(progress: CourseProgress): string {
  const parts = [t('learn.progress', { percent: percentOf(progress.coverageRatio) }), t('learn.lecturesDone', { done: progress.completedLectures, total: progress.lectureCount })];
  if (progress.creditMinutes > 0) parts.push(t('learn.credited', { minutes: progress.creditMinutes }));
  return parts.join(' · ');
}
