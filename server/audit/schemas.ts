/**
 * The audit log route's answer (docs/audit.md, "The audit log"), pure TypeBox: the route
 * documents with it, AuditLog.list answers its Static type, and the web imports the types with
 * `import type`. The lists of actions and target kinds are actions.ts.
 */
import { Type, type Static } from 'typebox';
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, type AuditState } from './actions.ts';

// One list (actions.ts): Type.Enum keeps the literal types, so the handler's answer is checked.
export const AuditActionSchema = Type.Enum(AUDIT_ACTIONS, { type: 'string' });
export const AuditTargetTypeSchema = Type.Enum(AUDIT_TARGET_TYPES, { type: 'string' });
const State = Type.Unsafe<AuditState | null>(Type.Unknown({ description: 'the changed fields as a JSON object, or null; never a password or a hash' }));

export const AuditEntrySchema = Type.Object({
  id: Type.String(),
  at: Type.String({ description: 'ISO 8601, UTC' }),
  actor: Type.Union([Type.Object({ id: Type.String(), login: Type.String(), name: Type.String() }), Type.Null()], { description: 'null for changes made outside a login' }),
  action: AuditActionSchema,
  organizationId: Type.String({ description: 'its administrators and those above may read the entry' }),
  targetType: AuditTargetTypeSchema,
  targetId: Type.Union([Type.String(), Type.Null()]),
  before: State,
  after: State,
  ip: Type.Union([Type.String(), Type.Null()]),
});

export const AuditPageSchema = Type.Object({
  items: Type.Array(AuditEntrySchema, { description: 'newest first' }),
  nextBefore: Type.Union([Type.String(), Type.Null()], { description: 'pass as `before` for the next (older) page; null on the last page' }),
});

/** One entry of the log as the route answers it. */
export type AuditEntry = Static<typeof AuditEntrySchema>;
/** GET /api/organizations/:orgId/audit */
export type AuditPage = Static<typeof AuditPageSchema>;
