/**
 * The 培训班 panel's part of the API (server/classes/routes.ts). Types from the route schemas
 * (server/classes/schemas.ts, type-only: nothing of the server is bundled).
 */
import { api } from '../../lib/api/browser.ts';
import type { TrainingClassDetail, TrainingClassKind, TrainingClassReport, TrainingClassSummary } from '../../../../server/classes/schemas.ts';

export type { TrainingClassDetail, TrainingClassKind, TrainingClassReport, TrainingClassSummary };

export interface TrainingClassBody {
  name: string;
  organizer: string;
  kind: TrainingClassKind;
  opensOn: string;
  closesOn: string;
  courseIds: string[];
  sessionIds: string[];
  organizationIds: string[];
  lawyers: string[];
}

const enc = encodeURIComponent;

export const CLASS_KINDS: TrainingClassKind[] = ['demonstration', 'provincial', 'firm_directors', 'other'];

export async function listTrainingClasses(orgId: string): Promise<TrainingClassSummary[]> {
  return (await api.request<{ items: TrainingClassSummary[] }>('GET', `/api/organizations/${enc(orgId)}/training-classes`)).items;
}

export function createTrainingClass(orgId: string, body: TrainingClassBody): Promise<TrainingClassDetail> {
  return api.request('POST', `/api/organizations/${enc(orgId)}/training-classes`, { body });
}

export function getTrainingClass(classId: string): Promise<TrainingClassDetail> {
  return api.request('GET', `/api/training-classes/${enc(classId)}`);
}

/** Replaces the class: the body is the whole class, as when creating it (lists replaced). */
export function updateTrainingClass(classId: string, body: TrainingClassBody): Promise<TrainingClassDetail> {
  return api.request('PUT', `/api/training-classes/${enc(classId)}`, { body });
}

export function trainingClassReport(classId: string): Promise<TrainingClassReport> {
  return api.request('GET', `/api/training-classes/${enc(classId)}/report`);
}

export const reportFileUrl = (classId: string, ext: 'csv' | 'xlsx', lang: string) => `/api/training-classes/${enc(classId)}/report.${ext}?lang=${lang === 'en' ? 'en' : 'zh-CN'}`;
