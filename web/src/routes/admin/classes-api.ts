/**
 * The 培训班 panel's part of the API (server/classes/routes.ts). Types from the route schemas
 * (server/classes/schemas.ts, type-only: nothing of the server is bundled).
 */
import { api } from '../../lib/api/browser.ts';
import type { ApiClient } from '../../lib/api/client.ts';
import type { MyTrainingClasses, TrainingClassBody, TrainingClassDetail, TrainingClassKind, TrainingClassList, TrainingClassReport, TrainingClassSummary, TrainingClassUpdate } from '../../../../server/classes/schemas.ts';

export type { MyTrainingClasses, TrainingClassBody, TrainingClassDetail, TrainingClassKind, TrainingClassList, TrainingClassReport, TrainingClassSummary, TrainingClassUpdate };


const enc = encodeURIComponent;

export const CLASS_KINDS: TrainingClassKind[] = ['demonstration', 'provincial', 'firm_directors', 'other'];

/** The training class routes for any client (the web's `api`, a test's client). */
export function classesApi(client: ApiClient) {
  return {
    async list(orgId: string): Promise<TrainingClassSummary[]> {
      return (await client.request<TrainingClassList>('GET', `/api/organizations/${enc(orgId)}/training-classes`)).items;
    },
    /** 201; audited */
    create: (orgId: string, body: TrainingClassBody): Promise<TrainingClassDetail> => client.request('POST', `/api/organizations/${enc(orgId)}/training-classes`, { body }),
    get: (classId: string): Promise<TrainingClassDetail> => client.request('GET', `/api/training-classes/${enc(classId)}`),
    /** replaces the fields and lists; audited with before and after; 409 class_changed if saved since `expectedUpdatedAt` */
    replace: (classId: string, body: TrainingClassUpdate): Promise<TrainingClassDetail> => client.request('PUT', `/api/training-classes/${enc(classId)}`, { body }),
    report: (classId: string): Promise<TrainingClassReport> => client.request('GET', `/api/training-classes/${enc(classId)}/report`),
    /** the lawyer's own classes, with progress and the class certificate */
    mine: (): Promise<MyTrainingClasses> => client.request('GET', '/api/me/training-classes'),
  };
}

export function listTrainingClasses(orgId: string): Promise<TrainingClassSummary[]> {
  return classesApi(api).list(orgId);
}

export function createTrainingClass(orgId: string, body: TrainingClassBody): Promise<TrainingClassDetail> {
  return classesApi(api).create(orgId, body);
}

export function getTrainingClass(classId: string): Promise<TrainingClassDetail> {
  return classesApi(api).get(classId);
}

/**
 * Replaces the class: the body is the whole class, as when creating it (lists replaced), with the
 * `updatedAt` the editor loaded, so that a save by someone else in between is refused (409), not undone.
 */
export function updateTrainingClass(classId: string, body: TrainingClassUpdate): Promise<TrainingClassDetail> {
  return classesApi(api).replace(classId, body);
}

export function trainingClassReport(classId: string): Promise<TrainingClassReport> {
  return classesApi(api).report(classId);
}

export const reportFileUrl = (classId: string, ext: 'csv' | 'xlsx', lang: string) => `/api/training-classes/${enc(classId)}/report.${ext}?lang=${lang === 'en' ? 'en' : 'zh-CN'}`;
