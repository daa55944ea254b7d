/**
 * TypeBox shapes of the evidence page's answer (GET /api/users/:userId/evidence, docs/audit.md,
 * "The evidence page"). Pure: EvidenceService returns `LawyerEvidence` and the web imports these
 * types type-only (web/src/lib/api/types.ts), so route, service and web cannot disagree.
 */
import { Type, type Static } from 'typebox';
import { GroupSessionSchema } from '../groups/schemas.ts';
import { AttendanceSchema, CorrectionSchema, PersonRefSchema } from '../inperson/schemas.ts';
import { REJECTION_REASONS } from '../playback/credit.ts';

/** What kind of device a user agent names (server/evidence/summary.ts reads it with bowser). */
export const DEVICE_PLATFORMS = ['desktop', 'mobile', 'tablet', 'tv', 'bot', 'unknown'] as const;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Instant = (description?: string) => Type.String({ description: description ? `${description} (ISO 8601, UTC)` : 'ISO 8601, UTC' });

export const SessionEndSchema = Type.Union(
  [
    Type.Object({ kind: Type.Literal('replaced'), at: Instant('when the newer session opened'), replacedBy: Nullable(Type.Object({ sessionId: Type.String(), lectureTitle: Type.String() })) }),
    Type.Object({ kind: Type.Literal('closed'), at: Instant(), reason: Type.String() }),
    Type.Object({ kind: Type.Literal('last_heartbeat'), at: Instant('never closed: the last heartbeat received') }),
    Type.Object({ kind: Type.Literal('no_heartbeat') }),
  ],
  { description: 'how the session ended: replaced by a newer session of the lawyer, or (never closed) its last heartbeat' },
);

export const PresenceStateSchema = Type.Union([
  Type.Object({ kind: Type.Literal('confirmed'), confirmedAt: Instant() }),
  Type.Object({ kind: Type.Literal('expired'), expiresAt: Instant() }, { description: 'shown, not confirmed in time (or followed by a newer check): credit paused after it' }),
  Type.Object({ kind: Type.Literal('open'), expiresAt: Instant() }),
  Type.Object({ kind: Type.Literal('not_reached') }, { description: 'planned; playback never reached it' }),
]);

export const RefusalSchema = Type.Object({
  reason: Type.Enum(REJECTION_REASONS),
  seconds: Type.Number({ description: 'media seconds reported and not credited for this reason' }),
  heartbeats: Type.Integer({ description: 'heartbeats with media refused for this reason' }),
});

export const PresenceCheckSchema = Type.Object({
  id: Type.String(),
  dueAtMedia: Type.Number({ description: 'media time it was due at (never told to the player)' }),
  issuedAt: Nullable(Instant()),
  state: PresenceStateSchema,
  wrongAnswers: Type.Integer({ description: 'wrong codes typed for it' }),
  heldSeconds: Type.Number({ description: 'media seconds held under it: credited when confirmed, lost when it expired' }),
});

export const EvidenceSessionSchema = Type.Object({
  id: Type.String(),
  openedAt: Instant(),
  end: SessionEndSchema,
  lastHeartbeatAt: Nullable(Instant()),
  ip: Nullable(Type.String({ description: 'source address when the session was opened' })),
  heartbeatAddresses: Type.Array(Type.String(), { description: 'distinct source addresses of its heartbeats' }),
  userAgent: Nullable(Type.String({ description: 'as the browser sent it' })),
  device: Type.Object({
    label: Type.String({ description: 'browser and system read from the user agent, e.g. "WeChat 8 · Android 12"; empty when unknown' }),
    platform: Type.Enum(DEVICE_PLATFORMS),
  }),
  heartbeats: Type.Integer(),
  acceptedSeconds: Type.Number({ description: 'sum of the accepted intervals of the stored heartbeats' }),
  refusedSeconds: Type.Number(),
  refused: Type.Array(RefusalSchema),
  presenceChecks: Type.Array(PresenceCheckSchema),
  /** watched together on a firm’s computer (集体观看): the group, its host, firm and every member’s stretch */
  group: Nullable(GroupSessionSchema),
});

export const EvidenceLectureSchema = Type.Object({
  lectureId: Type.String(),
  title: Type.String(),
  courseId: Type.String(),
  courseTitle: Type.String(),
  durationSeconds: Type.Number(),
  creditMinutes: Type.Integer({ description: 'granted at completion; 0 while not complete' }),
  completedAt: Nullable(Instant()),
  completedInYear: Type.Boolean(),
  coverageSeconds: Type.Number({ description: 'union of accepted media time over all sessions, now' }),
  coverageRatio: Type.Number(),
  sessions: Type.Array(EvidenceSessionSchema),
});

export const EvidenceCertificateSchema = Type.Object({
  id: Type.String(),
  serial: Type.String(),
  code: Type.String(),
  courseId: Type.String(),
  courseTitle: Type.String(),
  issuedAt: Instant(),
  creditMinutes: Type.Integer(),
});

export const EvidenceInPersonSchema = Type.Object({
  session: Type.Object({
    id: Type.String(),
    title: Type.String(),
    heldOn: Type.String({ description: 'Beijing date' }),
    place: Type.String(),
    minutes: Type.Integer({ description: 'the session’s minutes now' }),
    organization: Type.Object({ id: Type.String(), name: Type.String() }),
    createdBy: PersonRefSchema,
  }),
  ...AttendanceSchema.properties,
  corrections: Type.Array(CorrectionSchema, { description: 'the session’s own corrections and this attendance’s' }),
});

export const LawyerEvidenceSchema = Type.Object({
  lawyer: Type.Object({ id: Type.String(), name: Type.String(), licenseNo: Type.String(), disabled: Type.Boolean(), firm: Type.Object({ id: Type.String(), name: Type.String() }) }),
  year: Type.Integer(),
  trainingYearStartMonth: Type.Integer(),
  minutesPerClassHour: Type.Integer(),
  from: Instant('start of the training year (inclusive)'),
  to: Instant('end of the training year (exclusive)'),
  creditMinutes: Type.Integer({ description: 'minutes of the lectures completed in the year' }),
  classHours: Type.Number(),
  inPersonMinutes: Type.Integer({ description: 'minutes of the in-person sessions (现场培训) held in the year, attendances not removed' }),
  inPersonClassHours: Type.Number(),
  totalCreditMinutes: Type.Integer({ description: 'what counts toward the year: creditMinutes + inPersonMinutes' }),
  totalClassHours: Type.Number(),
  inPerson: Type.Array(EvidenceInPersonSchema, { description: 'the in-person sessions of the year the lawyer was recorded for, removed attendances too' }),
  lectures: Type.Array(EvidenceLectureSchema),
  certificates: Type.Array(EvidenceCertificateSchema),
});

export type EvidenceSessionEnd = Static<typeof SessionEndSchema>;
export type PresenceCheckState = Static<typeof PresenceStateSchema>;
export type EvidenceRefusal = Static<typeof RefusalSchema>;
export type EvidencePresenceCheck = Static<typeof PresenceCheckSchema>;
export type EvidenceSession = Static<typeof EvidenceSessionSchema>;
export type EvidenceLecture = Static<typeof EvidenceLectureSchema>;
export type EvidenceCertificate = Static<typeof EvidenceCertificateSchema>;
export type EvidenceInPerson = Static<typeof EvidenceInPersonSchema>;
export type LawyerEvidence = Static<typeof LawyerEvidenceSchema>;
