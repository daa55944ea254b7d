/**
 * The dashboard and bulletin (通报) part of the API (server/bulletin/routes.ts). Types come from the
 * server's schemas (import type only: nothing of the server is bundled).
 */
import { api } from '../../lib/api/browser.ts';
import type { ApiClient } from '../../lib/api/client.ts';
import type { Dashboard, DashboardQueryInput } from '../../../../server/bulletin/schemas.ts';

export type { Dashboard, DashboardQueryInput };
export type DashboardGroup = Dashboard['total'];

const enc = encodeURIComponent;

/** The dashboard route for any client (the web's `api`, a test's client). */
export function bulletinApi(client: ApiClient) {
  return {
    /** 400 bulletin_needs_association for a firm, invalid_period */
    dashboard: (orgId: string, query: DashboardQueryInput = {}): Promise<Dashboard> => client.request('GET', `/api/organizations/${enc(orgId)}/dashboard`, { query: { ...query } }),
  };
}

export function fetchDashboard(orgId: string, query: DashboardQueryInput): Promise<Dashboard> {
  return bulletinApi(api).dashboard(orgId, query);
}

export function bulletinUrl(orgId: string, format: 'pdf' | 'xlsx', query: DashboardQueryInput, lang: 'zh-CN' | 'en'): string {
  return api.url(`/api/organizations/${enc(orgId)}/bulletin.${format}`, { ...query, lang });
}

/** A share as 45.7%, or — when there is nobody to measure. */
export const percent = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
