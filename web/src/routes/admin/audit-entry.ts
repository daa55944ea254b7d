/**
 * Pure: an audit entry as lines a person can read (AuditLogPanel.svelte): which fields changed,
 * from what to what, in the order the entry lists them. Ids are left out when a name says the
 * same (parentId next to parentName); values are shown as text, booleans and nulls by the caller.
 */
import type { AuditEntry } from '../../lib/api/types.ts';

export interface FieldChange {
  field: string;
  /** undefined: the field is not on that side (created: no before; deleted: no after) */
  before: unknown;
  after: unknown;
}

/** Fields that only repeat, as an id, what another field of the entry names. */
const SHADOWED: Record<string, string> = {
  parentId: 'parentName',
  organizationId: 'organizationName',
  // a training class's lists (training_class.created / updated)
  courseIds: 'courseTitles',
  sessionIds: 'sessionTitles',
  organizationIds: 'organizationNames',
};

export function fieldChanges(entry: Pick<AuditEntry, 'before' | 'after'>): FieldChange[] {
  const before = entry.before ?? {};
  const after = entry.after ?? {};
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return fields
    .filter((field) => {
      const name = SHADOWED[field];
      return !(name && (name in before || name in after));
    })
    .map((field) => ({ field, before: field in before ? before[field] : undefined, after: field in after ? after[field] : undefined }))
    .filter((c) => JSON.stringify(c.before) !== JSON.stringify(c.after) || entry.before === null || entry.after === null);
}
