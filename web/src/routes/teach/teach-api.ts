/** The trainer routes of the API (server/teach/routes.ts), typed for the teach page. */
import { ApiError, type ApiClient } from '../../lib/api/client.ts';
import type { CourseStatus, Handout, LectureStatus } from '../../lib/api/types.ts';

export type { CourseStatus, LectureStatus };

// The trainer routes' shapes come from their schemas (server/teach/schemas.ts; type-only, nothing bundled).
import type {
  CoursePatch,
  FailureReason,
  LecturePatch,
  NewCourse,
  RemovedLecture,
  TeachCourse,
  TeachLecture,
  TeachOverview,
  TranscodeJob,
  TranscodeState,
} from '../../../../server/teach/schemas.ts';
import type { SubtitleLang, SubtitleList, SubtitleView } from '../../../../server/subtitles/schemas.ts';
import type { RetryAnswer as TranscodeRetry } from '../../../../server/transcoding/schemas.ts';
export type { SubtitleLang, SubtitleView };
export type { CoursePatch, FailureReason, LecturePatch, NewCourse, RemovedLecture, TeachCourse, TeachLecture, TeachOverview, TranscodeJob, TranscodeState };

const enc = encodeURIComponent;

export function teachApi(client: ApiClient) {
  return {
    overview: () => client.request<TeachOverview>('GET', '/api/teach/courses'),
    createCourse: (body: NewCourse) => client.request<TeachCourse>('POST', '/api/courses', { body }),
    updateCourse: (courseId: string, body: CoursePatch) =>
      client.request<TeachCourse>('PATCH', `/api/courses/${enc(courseId)}`, { body }),
    addLecture: (courseId: string, title: string) => client.request<TeachLecture>('POST', `/api/courses/${enc(courseId)}/lectures`, { body: { title } }),
    updateLecture: (lectureId: string, body: LecturePatch) =>
      client.request<TeachLecture>('PATCH', `/api/lectures/${enc(lectureId)}`, { body }),
    /** every lecture of the course exactly once, in the new order */
    reorderLectures: (courseId: string, lectureIds: string[]) =>
      client.request<TeachCourse>('PUT', `/api/courses/${enc(courseId)}/lecture-order`, { body: { lectureIds } }),
    /** credit earned on it stays; answers the course and how many lawyers completed it because of the removal */
    removeLecture: (lectureId: string) => client.request<RemovedLecture>('DELETE', `/api/lectures/${enc(lectureId)}`),
    transcode: (lectureId: string, signal?: AbortSignal) => client.request<TranscodeState>('GET', `/api/lectures/${enc(lectureId)}/transcode`, { signal }),
    /** a failed transcode again from the stored recording (202; 409 source_missing: upload again) */
    retryTranscode: (lectureId: string) =>
      client.request<TranscodeRetry>('POST', `/api/lectures/${enc(lectureId)}/transcode/retry`),
    renameHandout: (handoutId: string, title: string) => client.request<Handout>('PATCH', `/api/handouts/${enc(handoutId)}`, { body: { title } }),
    deleteHandout: (handoutId: string) => client.request<void>('DELETE', `/api/handouts/${enc(handoutId)}`),
    /** the lecture's subtitle files (the upload is the file itself: SubtitleControls.svelte) */
    subtitles: async (lectureId: string) => (await client.request<SubtitleList>('GET', `/api/lectures/${enc(lectureId)}/subtitles`)).items,
    /** 204; audited */
    removeSubtitles: (lectureId: string, lang: SubtitleLang) => client.request<void>('DELETE', `/api/lectures/${enc(lectureId)}/subtitles/${enc(lang)}`),
  };
}

/**
 * Uploads a handout: the file itself as the body (application/octet-stream; the server reads its
 * type from its bytes). XMLHttpRequest because fetch reports no upload progress; a handout is
 * small enough (HANDOUT_MAX_BYTES, 50 MiB) to go in one request. Rejects with ApiError.
 */
export function uploadHandout(
  courseId: string,
  file: File,
  options: { lectureId?: string | undefined; onProgress?: (ratio: number) => void; signal?: AbortSignal } = {},
): Promise<Handout> {
  const query = new URLSearchParams({ name: file.name });
  if (options.lectureId) query.set('lectureId', options.lectureId);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/courses/${enc(courseId)}/handouts?${query.toString()}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: { error?: unknown; message?: unknown } | undefined;
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        body = undefined;
      }
      if (xhr.status === 201) resolve(body as unknown as Handout);
      else reject(new ApiError(xhr.status, typeof body?.error === 'string' ? body.error : `http_${xhr.status}`, typeof body?.message === 'string' ? body.message : xhr.statusText));
    };
    xhr.onerror = () => reject(new TypeError('network'));
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

/** Pure: the shown lectures that keep a course from being published (failed, uploading, processing). */
export function unreadyLectures(course: Pick<TeachCourse, 'lectures'>): TeachLecture[] {
  return course.lectures.filter((l) => !l.hidden && l.status !== 'ready');
}

/** Pure: the lecture ids after moving the one at `index` by `step` (−1 up, +1 down); null at an end. */
export function movedOrder(ids: string[], index: number, step: -1 | 1): string[] | null {
  const target = index + step;
  if (index < 0 || index >= ids.length || target < 0 || target >= ids.length) return null;
  const next = [...ids];
  [next[index], next[target]] = [next[target]!, next[index]!];
  return next;
}

/**
 * Failure codes that are not about the file: the catalog has their sentence, and the trainer can
 * retry them from the stored recording (server/transcoding/reasons.ts).
 */
export const RETRYABLE_FAILURES = {
  transcode_error: 'teach.transcode.reason.transcode_error',
  transcode_interrupted: 'teach.transcode.reason.transcode_interrupted',
  storage_unavailable: 'teach.transcode.reason.storage_unavailable',
} as const;
export const TRANSCODE_REASON_KEYS = { ...RETRYABLE_FAILURES, source_missing: 'teach.transcode.reason.source_missing' } as const;

export function isRetryable(failure: FailureReason | null | undefined): boolean {
  return Boolean(failure && Object.prototype.hasOwnProperty.call(RETRYABLE_FAILURES, failure.code));
}

/** The failure sentence in the page's language. */
export function reasonIn(locale: string, failure: FailureReason): string {
  return locale === 'en' ? failure.reasonEn : failure.reasonZh;
}
