import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { organizations } from './organizations.ts';
import { users } from './accounts.ts';

/**
 * Every administrative change: who did what, when, to which row, with the row's state before and
 * after (docs/audit.md). Rows are only ever inserted; nothing updates or deletes them.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    /** null for changes made outside a login (the admin:create script) */
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'restrict' }),
    /** dotted name of the change, e.g. `user.password_reset`, `user.disabled`, `plan.created` */
    action: text('action').notNull(),
    /** the organization whose administrators may read the entry (the target's organization) */
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'restrict' }),
    /** what was changed: `user`, `organization`, `plan`, `role_grant`, … */
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    /** the address the change came from */
    ip: text('ip'),
  },
  (t) => [index('audit_log_organization_at_idx').on(t.organizationId, t.at), index('audit_log_target_idx').on(t.targetType, t.targetId)],
);
