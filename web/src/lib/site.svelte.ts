/**
 * The site's identity from the server's configuration (GET /api/site; docs/web.md, "Site
 * identity"): name, logo, footer, ICP 备案号, help link. Until it arrives, and when a field is not
 * configured, the shell shows the catalog's name and no footer line.
 */
import { api } from './api/browser.ts';

// The answer's shape comes from its route schema (server/site/schemas.ts), type-only: nothing of the server is bundled.
import type { SiteIdentity } from '../../../server/site/schemas.ts';
export type { SiteIdentity };

const NONE: SiteIdentity = { name: null, logoUrl: null, footer: null, icp: null, icpUrl: null, helpUrl: null };

let identity = $state.raw<SiteIdentity>(NONE);

export const site = {
  get identity(): SiteIdentity {
    return identity;
  },
};

/** Asked once at start, beside /api/me; a failure leaves the defaults (the page works without it). */
export async function loadSite(): Promise<void> {
  try {
    identity = { ...NONE, ...(await api.request<SiteIdentity>('GET', '/api/site')) };
  } catch {
    identity = NONE;
  }
}
