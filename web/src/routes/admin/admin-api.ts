/**
 * The association pages' part of the API: the full report (with the extra fields the server
 * sends beyond API.md's fixed core), training plans and training settings. Calls go through the
 * shared client's `request()`, so errors arrive as ApiError like everywhere else.
 */
import { api } from '../../lib/api/browser.ts';
import type { ApiClient } from '../../lib/api/client.ts';
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

/** The plans and settings routes for any client (the web's `api`, a test's client). */
export function plansApi(client: ApiClient) {
  return {
    async list(orgId: string, year?: number): Promise<TrainingPlan[]> {
      return (await client.request<{ items: TrainingPlan[] }>('GET', `/api/organizations/${enc(orgId)}/plans`, { query: { year } })).items;
    },
    /** 201; 400 target_outside_organization / unknown_organization / not_an_association, 403, 409 plan_exists */
    create: (orgId: string, plan: NewTrainingPlan): Promise<TrainingPlan> => client.request('POST', `/api/organizations/${enc(orgId)}/plans`, { body: plan }),
    /** 204; audited */
    remove: (planId: string): Promise<void> => client.request('DELETE', `/api/plans/${enc(planId)}`),
    settings: (orgId: string): Promise<TrainingSettings> => client.request('GET', `/api/organizations/${enc(orgId)}/settings`),
    /** null = inherit; 400 not_an_association / root_cannot_inherit */
    saveSettings: (orgId: string, values: SettingsChange): Promise<TrainingSettings> => client.request('PATCH', `/api/organizations/${enc(orgId)}/settings`, { body: values }),
  };
}

export function listPlans(orgId: string, year: number): Promise<TrainingPlan[]> {
  return plansApi(api).list(orgId, year);
}

export function createPlan(orgId: string, plan: NewTrainingPlan): Promise<TrainingPlan> {
  return plansApi(api).create(orgId, plan);
}

export function deletePlan(planId: string): Promise<void> {
  return plansApi(api).remove(planId);
}

export function fetchSettings(orgId: string): Promise<TrainingSettings> {
  return plansApi(api).settings(orgId);
}

export function saveSettings(orgId: string, values: SettingsChange): Promise<TrainingSettings> {
  return plansApi(api).saveSettings(orgId, values);
}
