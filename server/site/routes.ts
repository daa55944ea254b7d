/**
 * The site's identity for the web app (docs/web.md, "Site identity"): name, logo, footer text,
 * ICP 备案号 and help link, from SITE_* (server/config.ts). Public: the login page shows them.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SiteIdentitySchema, type SiteIdentity } from './schemas.ts';

/** Where every ICP number is checked; Chinese sites link their number there. */
export const ICP_LOOKUP_URL = 'https://beian.miit.gov.cn/';

const siteRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const site = app.deps.config.site;
  const answer: SiteIdentity = {
    name: site.name ?? null,
    logoUrl: site.logoUrl ?? null,
    footer: site.footer ?? null,
    icp: site.icp ?? null,
    icpUrl: site.icp ? ICP_LOOKUP_URL : null,
    helpUrl: site.helpUrl ?? null,
  };
  app.get(
    '/site',
    {
      schema: {
        tags: ['site'],
        summary: 'Public: the site’s name, logo, footer, ICP number and help link (null: not configured)',
        response: {
          200: SiteIdentitySchema,
        },
      },
    },
    // configuration changes only with a restart; a few minutes of caching spares slow lines a request
    async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(answer),
  );
};

export default siteRoutes;
