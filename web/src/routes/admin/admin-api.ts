/**
 * The association pages' part of the API: the full report (with the extra fields the server
 * sends beyond API.md's fixed core), training plans and training settings. Calls go through the
 * shared client's `request()`, so errors arrive as ApiError like everywhere else.
 */
import { api } from '../../lib/api/browser.ts';
import type { Account, OrganizationReport, PasswordReset, ReportLawyer } from '../../lib/api/types.ts';

const enc = encodeURIComponent;

/** The report as the route answers it (server/reports/schemas.ts): every field beyond API.md's core. */
export type ReportLawyerDetail = ReportLawyer;
export type ReportDetail = OrganizationReport;

// The plans and settings routes' shapes come from their schemas (server/plans/schemas.ts).
import type { NewTrainingPlan, SettingsChange, TrainingPlan, TrainingRules, TrainingSettings } from '../../../../server/plans/schemas.ts';
export type { NewTrainingPlan, TrainingPlan, TrainingRules, TrainingSettings };

/** Disabled lawyers are left out unless `includeDisabled` (docs/accounts.md). */
export function fetchReport(orgId: string, year: number, includeDisabled = false): Promise<ReportDetail> {
  return api.report(orgId, year, { includeDisabled });
}

export function reportCsvHref(orgId: string, year: number, english: boolean, includeDisabled = false): string {
  const url = api.reportCsvUrl(orgId, year, { includeDisabled });
  return english ? `${url}&lang=en` : url;
}

export function resetPassword(userId: string): Promise<PasswordReset> {
  return api.resetPassword(userId);
}

export function setDisabled(userId: string, disabled: boolean): Promise<Account> {
  return api.setUserDisabled(userId, disabled);
}

export async function listPlans(orgId: string, year: number): Promise<TrainingPlan[]> {
  const answer = await api.request<{ items: TrainingPlan[] }>('GET', `/api/organizations/${enc(orgId)}/plans`, { query: { year } });
  return answer.items;
}

export function createPlan(orgId: string, plan: NewTrainingPlan): Promise<TrainingPlan> {
  return api.request('POST', `/api/organizations/${enc(orgId)}/plans`, { body: plan });
}

export function deletePlan(planId: string): Promise<void> {
  return api.request('DELETE', `/api/plans/${enc(planId)}`);
}

export function fetchSettings(orgId: string): Promise<TrainingSettings> {
  return api.request('GET', `/api/organizations/${enc(orgId)}/settings`);
}

export function saveSettings(orgId: string, values: SettingsChange): Promise<TrainingSettings> {
  return api.request('PATCH', `/api/organizations/${enc(orgId)}/settings`, { body: values });
}
