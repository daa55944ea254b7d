/**
 * The 现场培训 panel's part of the API (server/inperson/routes.ts): sessions, attendance by form or
 * sign-in sheet, corrections with a reason. Through the shared client, so errors arrive as ApiError.
 */
import { api } from '../../lib/api/browser.ts';
import type { ApiClient } from '../../lib/api/client.ts';
import type { RosterFile } from '../../lib/api/types.ts';
// The shapes come from the route schemas (server/inperson/schemas.ts; type-only, nothing bundled).
import type {
  InPersonAttendance,
  InPersonSession,
  InPersonSessionDetail,
  InPersonSessionList,
  NewInPersonSession,
  SignInSheetImport,
  SignInSheetPreview,
} from '../../../../server/inperson/schemas.ts';

export type { NewInPersonSession };

const enc = encodeURIComponent;

/** The in-person routes for any client (the web's `api`, a test's client). */
export function inPersonApi(client: ApiClient) {
  /** the list with the training year's bounds and the organization's minutes per 学时 */
  const year = (orgId: string, year?: number): Promise<InPersonSessionList> => client.request('GET', `/api/organizations/${enc(orgId)}/in-person-sessions`, { query: { year } });
  return {
    async list(orgId: string, y: number): Promise<InPersonSession[]> {
      return (await year(orgId, y)).items;
    },
    year,
    /** 201; audited */
    create: (orgId: string, body: NewInPersonSession): Promise<InPersonSession> => client.request('POST', `/api/organizations/${enc(orgId)}/in-person-sessions`, { body }),
    session: (sessionId: string): Promise<InPersonSessionDetail> => client.request('GET', `/api/in-person-sessions/${enc(sessionId)}`),
    /** 201; 400 lawyer_unknown / not_a_lawyer / lawyer_outside_organization, 409 already_attending */
    addAttendee: (sessionId: string, lawyer: string): Promise<InPersonAttendance> => client.request('POST', `/api/in-person-sessions/${enc(sessionId)}/attendances`, { body: { lawyer } }),
    previewSheet: (sessionId: string, file: RosterFile): Promise<SignInSheetPreview> => client.request('POST', `/api/in-person-sessions/${enc(sessionId)}/sign-in-sheet/preview`, { body: file }),
    /** all or nothing: 400 sign_in_sheet_invalid names every line */
    importSheet: (sessionId: string, file: RosterFile): Promise<SignInSheetImport> =>
      client.request('POST', `/api/in-person-sessions/${enc(sessionId)}/sign-in-sheet`, { body: file }),
    correctSessionMinutes: (sessionId: string, minutes: number, reason: string): Promise<InPersonSessionDetail> =>
      client.request('PATCH', `/api/in-person-sessions/${enc(sessionId)}`, { body: { minutes, reason } }),
    correctAttendanceMinutes: (attendanceId: string, minutes: number, reason: string): Promise<InPersonSessionDetail> =>
      client.request('PATCH', `/api/in-person-attendances/${enc(attendanceId)}`, { body: { minutes, reason } }),
    removeAttendance: (attendanceId: string, reason: string): Promise<InPersonSessionDetail> =>
      client.request('POST', `/api/in-person-attendances/${enc(attendanceId)}/removal`, { body: { reason } }),
  };
}

export const listInPersonSessions = (orgId: string, year: number) => inPersonApi(api).list(orgId, year);
export const createInPersonSession = (orgId: string, body: NewInPersonSession) => inPersonApi(api).create(orgId, body);
export const inPersonSession = (sessionId: string) => inPersonApi(api).session(sessionId);
export const addAttendee = (sessionId: string, lawyer: string) => inPersonApi(api).addAttendee(sessionId, lawyer);
export const previewSignInSheet = (sessionId: string, file: RosterFile) => inPersonApi(api).previewSheet(sessionId, file);
export const importSignInSheet = (sessionId: string, file: RosterFile) => inPersonApi(api).importSheet(sessionId, file);
export const correctSessionMinutes = (sessionId: string, minutes: number, reason: string) => inPersonApi(api).correctSessionMinutes(sessionId, minutes, reason);
export const correctAttendanceMinutes = (attendanceId: string, minutes: number, reason: string) => inPersonApi(api).correctAttendanceMinutes(attendanceId, minutes, reason);
export const removeAttendance = (attendanceId: string, reason: string) => inPersonApi(api).removeAttendance(attendanceId, reason);
