/** `GET /api/users/:userId/evidence?year=` — the evidence page's one route (docs/audit.md, "The evidence page"). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { REJECTION_REASONS } from '../playback/credit.ts';
import { YearQuery } from '../reports/schemas.ts';
import { InPersonRepository } from '../inperson/repository.ts';
import { EvidenceRepository } from './repository.ts';
import { EvidenceService } from './service.ts';
import { DEVICE_PLATFORMS } from './summary.ts';
import { GroupsRepository } from '../groups/repository.ts';
import { GroupSessionSchema } from '../groups/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Instant = (description?: string) => Type.String({ description: description ? `${description} (ISO 8601, UTC)` : 'ISO 8601, UTC' });

const SessionEnd = Type.Union(
  [
    Type.Object({ kind: Type.Literal('replaced'), at: Instant('when the newer session opened'), replacedBy: Nullable(Type.Object({ sessionId: Type.String(), lectureTitle: Type.String() })) }),
    Type.Object({ kind: Type.Literal('closed'), at: Instant(), reason: Type.String() }),
    Type.Object({ kind: Type.Literal('last_heartbeat'), at: Instant('never closed: the last heartbeat received') }),
    Type.Object({ kind: Type.Literal('no_heartbeat') }),
  ],
  { description: 'how the session ended: replaced by a newer session of the lawyer, or (never closed) its last heartbeat' },
);

const PresenceState = Type.Union([
  Type.Object({ kind: Type.Literal('confirmed'), confirmedAt: Instant() }),
  Type.Object({ kind: Type.Literal('expired'), expiresAt: Instant() }, { description: 'shown, not confirmed in time (or followed by a newer check): credit paused after it' }),
  Type.Object({ kind: Type.Literal('open'), expiresAt: Instant() }),
  Type.Object({ kind: Type.Literal('not_reached') }, { description: 'planned; playback never reached it' }),
]);

const Session = Type.Object({
  id: Type.String(),
  openedAt: Instant(),
  end: SessionEnd,
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
  refused: Type.Array(
    Type.Object({
      reason: Type.Enum(REJECTION_REASONS),
      seconds: Type.Number({ description: 'media seconds reported and not credited for this reason' }),
      heartbeats: Type.Integer({ description: 'heartbeats with media refused for this reason' }),
    }),
  ),
  presenceChecks: Type.Array(
    Type.Object({
      id: Type.String(),
      dueAtMedia: Type.Number({ description: 'media time it was due at (never told to the player)' }),
      issuedAt: Nullable(Instant()),
      state: PresenceState,
      wrongAnswers: Type.Integer({ description: 'wrong codes typed for it' }),
      heldSeconds: Type.Number({ description: 'media seconds held under it: credited when confirmed, lost when it expired' }),
    }),
  ),
  /** watched together on a firm’s computer (集体观看): the group, its host, firm and every member’s stretch */
  group: Nullable(GroupSessionSchema),
});

const Person = Nullable(Type.Object({ id: Type.String(), name: Type.String() }));
const InPersonAttendance = Type.Object({
  session: Type.Object({
    id: Type.String(),
    title: Type.String(),
    heldOn: Type.String({ description: 'Beijing date' }),
    place: Type.String(),
    minutes: Type.Integer({ description: 'the session’s minutes now' }),
    organization: Type.Object({ id: Type.String(), name: Type.String() }),
    createdBy: Person,
  }),
  id: Type.String({ description: 'the attendance' }),
  lawyer: Type.Object({ id: Type.String(), name: Type.String(), licenseNo: Nullable(Type.String()), firm: Type.String() }),
  minutes: Type.Integer({ description: 'credited: 0 once removed' }),
  ownMinutes: Nullable(Type.Integer()),
  source: Type.Union([Type.Literal('form'), Type.Literal('sheet')]),
  recordedBy: Person,
  recordedAt: Instant(),
  removedAt: Nullable(Instant()),
  removedBy: Person,
  corrections: Type.Array(
    Type.Object({
      id: Type.String(),
      attendanceId: Nullable(Type.String()),
      lawyer: Person,
      kind: Type.Union([Type.Literal('session_minutes'), Type.Literal('attendance_minutes'), Type.Literal('attendance_removed')]),
      minutesBefore: Type.Integer(),
      minutesAfter: Nullable(Type.Integer()),
      reason: Type.String(),
      correctedBy: Person,
      correctedAt: Instant(),
    }),
  ),
});

const Evidence = Type.Object({
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
  inPerson: Type.Array(InPersonAttendance, { description: 'the in-person sessions of the year the lawyer was recorded for, removed attendances too' }),
  lectures: Type.Array(
    Type.Object({
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
      sessions: Type.Array(Session),
    }),
  ),
  certificates: Type.Array(
    Type.Object({ id: Type.String(), serial: Type.String(), code: Type.String(), courseId: Type.String(), courseTitle: Type.String(), issuedAt: Instant(), creditMinutes: Type.Integer() }),
  ),
});

const evidenceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = new EvidenceService(new EvidenceRepository(app.deps.db), app.access, new InPersonRepository(app.deps.db), undefined, new GroupsRepository(app.deps.db));

  app.get(
    '/users/:userId/evidence',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['audit'],
        summary: 'Audit: a lawyer’s training year — lectures, sessions, accepted and refused seconds with reasons, presence checks, certificates (read-only)',
        description:
          'For administrators of the lawyer’s organization or above; 403 otherwise, also for an unknown id. The year follows the lawyer’s association (start month); default: the current one.',
        params: Type.Object({ userId: Type.String({ format: 'uuid' }) }),
        querystring: Type.Object({ year: Type.Optional(YearQuery) }, { additionalProperties: false }),
        response: { 200: Evidence, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    // Cache-Control: no-store comes from the app's default for /api/ answers (server/app.ts).
    async (request) => service.lawyerEvidence(request.user!, request.params.userId, request.query.year),
  );
};

export default evidenceRoutes;
