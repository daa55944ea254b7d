/**
 * TypeBox shape of `GET /api/site` (server/site/routes.ts): the site's identity. Pure: the route's
 * answer is its `Static` type and the web imports it type-only (web/src/lib/site.svelte.ts), so
 * route and web cannot disagree.
 */
import { Type, type Static } from 'typebox';

/** null: not configured */
const Optional = () => Type.Union([Type.String(), Type.Null()]);

export const SiteIdentitySchema = Type.Object({ name: Optional(), logoUrl: Optional(), footer: Optional(), icp: Optional(), icpUrl: Optional(), helpUrl: Optional() });

export type SiteIdentity = Static<typeof SiteIdentitySchema>;
