/**
 * The learner's own state (server/learning): the additive fields of GET /api/courses and
 * /api/courses/:id for the signed-in lawyer, and GET /api/me/progress. The fixed shapes stay in
 * types.ts; these extend them.
 */
import { t } from '../i18n/index.svelte.ts';
import { api } from './browser.ts';
import type { ApiClient } from './client.ts';
import type { AudienceCode, CategoryCode } from './types.ts';

import type { CourseProgress, LectureProgress, MyProgress, Resume } from '../../../../server/learning/schemas.ts';
import type { CatalogCourse, CatalogCourseDetail, CatalogLecture, CatalogList, TranscriptMatch } from '../../../../server/catalog/schemas.ts';

// The shapes come from the server's route schemas (type-only: nothing of the server is bundled).
export type { CourseProgress, LectureProgress, MyProgress, TranscriptMatch };
/** "继续学习": the most recently watched unfinished lecture and where its session resumes. */
export type ResumePoint = Resume;
export type Organizer = CatalogList['organizers'][number];
/** one of GET /api/courses's items, with my state */
export type LearnerCourse = CatalogCourse;
/** GET /api/courses */
export type LearnerCourseList = CatalogList;
export type LearnerLecture = CatalogLecture;
/** GET /api/courses/:courseId */
export type LearnerCourseDetail = CatalogCourseDetail;

export interface CatalogQuery {
  q?: string;
  category?: CategoryCode | '';
  audience?: AudienceCode | '';
  organizer?: string;
  required?: boolean;
  page?: number;
  pageSize?: number;
}

/** The catalog routes for any client (the web's `api`, a test's client). */
export function catalogApi(client: ApiClient) {
  return {
    list(query: CatalogQuery, signal?: AbortSignal): Promise<LearnerCourseList> {
      const { required, ...rest } = query;
      return client.request('GET', '/api/courses', { query: { ...rest, required: required ? 'true' : undefined }, ...(signal ? { signal } : {}) });
    },
    course(courseId: string, signal?: AbortSignal): Promise<LearnerCourseDetail> {
      return client.request('GET', `/api/courses/${encodeURIComponent(courseId)}`, signal ? { signal } : {});
    },
    progress(signal?: AbortSignal): Promise<MyProgress> {
      return client.request('GET', '/api/me/progress', signal ? { signal } : {});
    },
  };
}

export function listCatalog(query: CatalogQuery, signal?: AbortSignal): Promise<LearnerCourseList> {
  return catalogApi(api).list(query, signal);
}

export function courseState(courseId: string, signal?: AbortSignal): Promise<LearnerCourseDetail> {
  return catalogApi(api).course(courseId, signal);
}

export function myProgress(signal?: AbortSignal): Promise<MyProgress> {
  return catalogApi(api).progress(signal);
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
