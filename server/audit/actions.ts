/**
 * What the audit log can record: the one list of actions and target kinds. The route schema
 * (routes.ts, `Type.Enum`), the repository and the web app's types (lib/api/types.ts, a type-only
 * import) all come from here, and the web's labels (AuditLogPanel.svelte) are checked against it
 * with `satisfies Record<AuditAction, …>`, so a new action without a label is a type error.
 * Pure: no imports, nothing of the server reaches the web bundle.
 */

/** What was done, dotted: the kind of thing, then what happened to it. */
export const AUDIT_ACTIONS = [
  'user.password_reset',
  'user.disabled',
  'user.enabled',
  'roster.imported',
  'plan.created',
  'plan.deleted',
  'organization.settings_changed',
  'organization.created',
  'organization.updated',
  'organization.closed',
  'organization.reopened',
  'staff.created',
  'role.granted',
  'role.revoked',
  'lecture.transcode_retried',
  'lecture.credit_minutes_changed',
  'organization.certificate_settings_changed',
  'course.created',
  'course.updated',
  'course.published',
  'course.archived',
  'course.lectures_reordered',
  'lecture.created',
  'lecture.renamed',
  'lecture.visibility_changed',
  'lecture.removed',
  'lecture.recording_replaced',
  'handout.added',
  'handout.renamed',
  'handout.deleted',
  'in_person.session_created',
  'in_person.attendance_added',
  'in_person.sheet_imported',
  'in_person.session_minutes_corrected',
  'in_person.attendance_minutes_corrected',
  'in_person.attendance_removed',
  'lecture.subtitles_uploaded',
  'lecture.subtitles_replaced',
  'lecture.subtitles_removed',
  'pairing.pair_created',
  'pairing.pair_ended',
  'training_class.created',
  'training_class.updated',
  'lrs.failed_retried',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_TARGET_TYPES = ['user', 'organization', 'plan', 'course', 'lecture', 'in_person_session', 'handout', 'pair', 'training_class', 'lrs_outbox'] as const;

export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

/** The changed thing's state as JSON. Never a password, a one-time password or a hash. */
export type AuditState = Record<string, unknown>;
