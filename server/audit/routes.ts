/** The audit log's one route: an organization's entries for its administrators (docs/audit.md). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, Uuid } from '../http/schemas.ts';
import { AuditRepository } from './repository.ts';
import { AuditLog, DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE } from './service.ts';

// Spelled out (a mapped array would lose the literal types): the handler's answer is checked
// against these, so an action missing here is a type error.
const Action = Type.Union([
  Type.Literal('user.password_reset'),
  Type.Literal('user.disabled'),
  Type.Literal('user.enabled'),
  Type.Literal('roster.imported'),
  Type.Literal('plan.created'),
  Type.Literal('plan.deleted'),
  Type.Literal('organization.settings_changed'),
  Type.Literal('organization.created'),
  Type.Literal('organization.updated'),
  Type.Literal('organization.closed'),
  Type.Literal('organization.reopened'),
  Type.Literal('staff.created'),
  Type.Literal('role.granted'),
  Type.Literal('role.revoked'),
  Type.Literal('lecture.transcode_retried'),
  Type.Literal('lecture.credit_minutes_changed'),
  Type.Literal('organization.certificate_settings_changed'),
  Type.Literal('course.created'),
  Type.Literal('course.updated'),
  Type.Literal('course.published'),
  Type.Literal('course.archived'),
  Type.Literal('course.lectures_reordered'),
  Type.Literal('lecture.created'),
  Type.Literal('lecture.renamed'),
  Type.Literal('lecture.visibility_changed'),
  Type.Literal('lecture.removed'),
  Type.Literal('lecture.recording_replaced'),
  Type.Literal('lecture.subtitles_uploaded'),
  Type.Literal('lecture.subtitles_replaced'),
  Type.Literal('lecture.subtitles_removed'),
]);
const TargetType = Type.Union([Type.Literal('user'), Type.Literal('organization'), Type.Literal('plan'), Type.Literal('course'), Type.Literal('lecture')]);
const State = Type.Unknown({ description: 'the changed fields as a JSON object, or null; never a password or a hash' });

const Entry = Type.Object({
  id: Type.String(),
  at: Type.String({ description: 'ISO 8601, UTC' }),
  actor: Type.Union([Type.Object({ id: Type.String(), login: Type.String(), name: Type.String() }), Type.Null()], { description: 'null for changes made outside a login' }),
  action: Action,
  organizationId: Type.String({ description: 'its administrators and those above may read the entry' }),
  targetType: TargetType,
  targetId: Type.Union([Type.String(), Type.Null()]),
  before: State,
  after: State,
  ip: Type.Union([Type.String(), Type.Null()]),
});

const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const audit = new AuditLog(new AuditRepository(app.deps.db), app.access);

  app.get(
    '/organizations/:orgId/audit',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['audit'],
        summary: 'The audit log of the organization and its subtree, newest first (administrators of the org or above)',
        description: `Password resets, disables and re-enables, roster imports, plan and settings changes, organizations created, changed, closed and reopened, staff accounts created, roles granted and revoked. Pages of \`limit\` entries (default ${DEFAULT_AUDIT_PAGE}, at most ${MAX_AUDIT_PAGE}); pass \`nextBefore\` as \`before\` for the next page. 403 for anyone else and for an unknown organization; 400 unknown_cursor when \`before\` is not an entry of this log.`,
        params: Type.Object({ orgId: Uuid }),
        querystring: Type.Object(
          { before: Type.Optional(Uuid), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_AUDIT_PAGE })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(Entry), nextBefore: Type.Union([Type.String(), Type.Null()]) }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const page = await audit.list(request.user!, request.params.orgId, request.query);
      // who changed what is for the administrator in front of the screen, not for caches
      reply.header('cache-control', 'private, no-store');
      return { items: page.items.map((e) => ({ ...e, at: e.at.toISOString() })), nextBefore: page.nextBefore };
    },
  );
};

export default auditRoutes;
