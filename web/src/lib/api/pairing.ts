/**
 * Pairing (结对帮扶, server/pairing): the mentor side's view, the mentee's recommendations and the
 * administrators' pairs and report. Types from the server's route schemas (type-only: nothing of
 * the server is bundled).
 */
import { api } from './browser.ts';
import type { ApiClient } from './client.ts';
import type { MenteeProgress, Mentoring, MyRecommendations, NewPair, NewRecommendation, Pair, PairingReport, PairList, Recommendation } from '../../../../server/pairing/schemas.ts';

export type { MenteeProgress, Mentoring, MyRecommendations, NewPair, NewRecommendation, Pair, PairingReport, PairList, Recommendation };

const enc = encodeURIComponent;

/** The pairing routes for any client (the web's `api`, a test's client). */
export function pairingApi(client: ApiClient) {
  return {
    myMentoring: (signal?: AbortSignal): Promise<Mentoring> => client.request('GET', '/api/me/mentoring', { signal }),
    myRecommendations: (signal?: AbortSignal): Promise<MyRecommendations> => client.request('GET', '/api/me/recommendations', { signal }),
    menteeProgress: (pairId: string, userId: string, signal?: AbortSignal): Promise<MenteeProgress> =>
      client.request('GET', `/api/pairs/${enc(pairId)}/mentees/${enc(userId)}/progress`, { signal }),
    /** 201; 409 for a course already recommended in the pair, 400 unknown_course */
    recommendCourse: (pairId: string, courseId: string, note: string | null = null): Promise<Recommendation> =>
      client.request('POST', `/api/pairs/${enc(pairId)}/recommendations`, { body: { courseId, note } satisfies NewRecommendation }),
    listPairs: async (orgId: string, signal?: AbortSignal): Promise<Pair[]> => (await client.request<PairList>('GET', `/api/organizations/${enc(orgId)}/pairs`, { signal })).items,
    /** 201; audited */
    createPair: (orgId: string, body: NewPair): Promise<Pair> => client.request('POST', `/api/organizations/${enc(orgId)}/pairs`, { body }),
    /** 409 pair_ended the second time */
    endPair: (pairId: string): Promise<Pair> => client.request('POST', `/api/pairs/${enc(pairId)}/end`),
    pairingReport: (orgId: string, year?: number, signal?: AbortSignal): Promise<PairingReport> => client.request('GET', `/api/organizations/${enc(orgId)}/pairing-report`, { query: { year }, signal }),
  };
}

export const myMentoring = (signal?: AbortSignal): Promise<Mentoring> => pairingApi(api).myMentoring(signal);
export const myRecommendations = (signal?: AbortSignal): Promise<MyRecommendations> => pairingApi(api).myRecommendations(signal);
export const menteeProgress = (pairId: string, userId: string, signal?: AbortSignal): Promise<MenteeProgress> => pairingApi(api).menteeProgress(pairId, userId, signal);
export const recommendCourse = (pairId: string, courseId: string, note: string | null) => pairingApi(api).recommendCourse(pairId, courseId, note);

export const listPairs = (orgId: string, signal?: AbortSignal): Promise<Pair[]> => pairingApi(api).listPairs(orgId, signal);
export const createPair = (orgId: string, body: NewPair): Promise<Pair> => pairingApi(api).createPair(orgId, body);
export const endPair = (pairId: string): Promise<Pair> => pairingApi(api).endPair(pairId);
export const pairingReport = (orgId: string, year: number, signal?: AbortSignal): Promise<PairingReport> => pairingApi(api).pairingReport(orgId, year, signal);
export const pairingReportCsvUrl = (orgId: string, year: number, lang: string) => `/api/organizations/${enc(orgId)}/pairing-report.csv?year=${year}&lang=${lang === 'en' ? 'en' : 'zh-CN'}`;
