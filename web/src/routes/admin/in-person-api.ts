/**
 * The 现场培训 panel's part of the API (server/inperson/routes.ts): sessions, attendance by form or
 * sign-in sheet, corrections with a reason. Through the shared client, so errors arrive as ApiError.
 */
import { api } from '../../lib/api/browser.ts';
import type { InPersonAttendance, InPersonSession, InPersonSessionDetail, RosterFile, SignInSheetPreview } from '../../lib/api/types.ts';

const enc = encodeURIComponent;

export async function listInPersonSessions(orgId: string, year: number): Promise<InPersonSession[]> {
  return (await api.request<{ items: InPersonSession[] }>('GET', `/api/organizations/${enc(orgId)}/in-person-sessions`, { query: { year } })).items;
}

export function createInPersonSession(orgId: string, body: { title: string; heldOn: string; place: string; minutes: number }): Promise<InPersonSession> {
  return api.request('POST', `/api/organizations/${enc(orgId)}/in-person-sessions`, { body });
}

export function inPersonSession(sessionId: string): Promise<InPersonSessionDetail> {
  return api.request('GET', `/api/in-person-sessions/${enc(sessionId)}`);
}

export function addAttendee(sessionId: string, lawyer: string): Promise<InPersonAttendance> {
  return api.request('POST', `/api/in-person-sessions/${enc(sessionId)}/attendances`, { body: { lawyer } });
}

export function previewSignInSheet(sessionId: string, file: RosterFile): Promise<SignInSheetPreview> {
  return api.request('POST', `/api/in-person-sessions/${enc(sessionId)}/sign-in-sheet/preview`, { body: file });
}

export function importSignInSheet(sessionId: string, file: RosterFile): Promise<{ added: number }> {
  return api.request('POST', `/api/in-person-sessions/${enc(sessionId)}/sign-in-sheet`, { body: file });
}

export function correctSessionMinutes(sessionId: string, minutes: number, reason: string): Promise<InPersonSessionDetail> {
  return api.request('PATCH', `/api/in-person-sessions/${enc(sessionId)}`, { body: { minutes, reason } });
}

export function correctAttendanceMinutes(attendanceId: string, minutes: number, reason: string): Promise<InPersonSessionDetail> {
  return api.request('PATCH', `/api/in-person-attendances/${enc(attendanceId)}`, { body: { minutes, reason } });
}

export function removeAttendance(attendanceId: string, reason: string): Promise<InPersonSessionDetail> {
  return api.request('POST', `/api/in-person-attendances/${enc(attendanceId)}/removal`, { body: { reason } });
}
