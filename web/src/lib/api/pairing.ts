/**
 * Pairing (结对帮扶, server/pairing): the mentor side's view, the mentee's recommendations and the
 * administrators' pairs and report. Types from the server's route schemas (type-only: nothing of
 * the server is bundled).
 */
import { api } from './browser.ts';
import type { MenteeProgress, Mentoring, MyRecommendations, Pair, PairingReport } from '../../../../server/pairing/schemas.ts';

export type { MenteeProgress, Mentoring, MyRecommendations, Pair, PairingReport };

const enc = encodeURIComponent;

export type NewPair =
  | { kind: 'firm'; mentorOrganizationId: string; menteeOrganizationId: string; startsOn: string; endsOn?: string | null }
  | { kind: 'lawyer'; mentor: string; mentee: string; startsOn: string; endsOn?: string | null };

export const myMentoring = (signal?: AbortSignal): Promise<Mentoring> => api.request('GET', '/api/me/mentoring', { signal });
export const myRecommendations = (signal?: AbortSignal): Promise<MyRecommendations> => api.request('GET', '/api/me/recommendations', { signal });
export const menteeProgress = (pairId: string, userId: string, signal?: AbortSignal): Promise<MenteeProgress> =>
  api.request('GET', `/api/pairs/${enc(pairId)}/mentees/${enc(userId)}/progress`, { signal });
export const recommendCourse = (pairId: string, courseId: string, note: string | null) => api.request('POST', `/api/pairs/${enc(pairId)}/recommendations`, { body: { courseId, note } });

export const listPairs = async (orgId: string, signal?: AbortSignal): Promise<Pair[]> => (await api.request<{ items: Pair[] }>('GET', `/api/organizations/${enc(orgId)}/pairs`, { signal })).items;
export const createPair = (orgId: string, body: NewPair): Promise<Pair> => api.request('POST', `/api/organizations/${enc(orgId)}/pairs`, { body });
export const endPair = (pairId: string): Promise<Pair> => api.request('POST', `/api/pairs/${enc(pairId)}/end`);
export const pairingReport = (orgId: string, year: number, signal?: AbortSignal): Promise<PairingReport> =>
  api.request('GET', `/api/organizations/${enc(orgId)}/pairing-report`, { query: { year }, signal });
export const pairingReportCsvUrl = (orgId: string, year: number, lang: string) => `/api/organizations/${enc(orgId)}/pairing-report.csv?year=${year}&lang=${lang === 'en' ? 'en' : 'zh-CN'}`;
