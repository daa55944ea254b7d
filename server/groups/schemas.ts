/**
 * The bodies and answers of the group-watching routes (集体观看, docs/credit.md "Group watching"):
 * one source for the route schemas, the service's types and the web app's (a type-only import).
 * Pure TypeBox and the shared schemas.
 */
import { Type, type Static } from 'typebox';
import { PlainText, Uuid } from '../http/schemas.ts';
import { HeartbeatAnswerFields, PresenceCheckSchema, PresenceFields, SessionAnswerSchema } from '../playback/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const CONFIRMED_BY = ['host', 'password', 'phone_code'] as const;
export const LEFT_REASONS = ['removed', 'left', 'session_elsewhere', 'idle', 'group_ended'] as const;

// ── requests ──

const Login = PlainText({ minLength: 1, maxLength: 100 });
const Password = Type.String({ minLength: 1, maxLength: 200 });

/** POST /api/group-sessions */
export const NewGroupSchema = Type.Object({ lectureId: Uuid }, { additionalProperties: false });

/** POST /api/group-sessions/:groupId/members: the colleague's own password, or the code their phone shows */
export const MemberCredentialsSchema = Type.Union([
  Type.Object({ login: Login, password: Password }, { additionalProperties: false }),
  Type.Object({ login: Login, code: Type.String({ minLength: 1, maxLength: 20 }) }, { additionalProperties: false }),
]);

/** POST /api/group-sessions/:groupId/members/:userId/presence: the check, its code and the member's own password */
export const ScreenPresenceSchema = Type.Object({ ...PresenceFields, password: Password }, { additionalProperties: false });

export type NewGroupBody = Static<typeof NewGroupSchema>;
export type MemberCredentials = Static<typeof MemberCredentialsSchema>;
export type ScreenPresenceBody = Static<typeof ScreenPresenceSchema>;

// ── answers ──

export const GroupMemberSchema = Type.Object({
  userId: Type.String(),
  name: Type.String(),
  login: Type.String(),
  joinedAt: Type.String(),
  confirmedBy: Type.Union([Type.Literal('host'), Type.Literal('password'), Type.Literal('phone_code')]),
  leftAt: Nullable(Type.String()),
  leftReason: Nullable(Type.Union([Type.Literal('removed'), Type.Literal('left'), Type.Literal('session_elsewhere'), Type.Literal('idle'), Type.Literal('group_ended')])),
  present: Type.Boolean(),
  /** the member's own playback session for this stretch */
  sessionId: Type.String(),
});

export const GroupSessionSchema = Type.Object({
  id: Type.String(),
  lectureId: Type.String(),
  lectureTitle: Type.String(),
  firm: Type.Object({ id: Type.String(), name: Type.String() }),
  host: Type.Object({ id: Type.String(), name: Type.String() }),
  startedAt: Type.String(),
  endedAt: Nullable(Type.String()),
  endedReason: Nullable(Type.String()),
  /** every stretch of every member, in the order they joined */
  members: Type.Array(GroupMemberSchema),
});

/** One member's part of a group heartbeat: their own session's judgment, or why none was made. */
export const GroupMemberBeatSchema = Type.Object({
  userId: Type.String(),
  name: Type.String(),
  sessionId: Type.String(),
  /** recorded: judged and credited as usual; closed: the session had closed (the member has left); error: refused (code) */
  state: Type.Union([Type.Literal('recorded'), Type.Literal('closed'), Type.Literal('error')]),
  error: Type.Optional(Type.String()),
  ...HeartbeatAnswerFields,
});

export const GroupHeartbeatAnswerSchema = Type.Object({
  groupId: Type.String(),
  ended: Type.Boolean(),
  members: Type.Array(GroupMemberBeatSchema),
});

/** POST /api/group-sessions 201: the group and the host's playback session (the session route's own answer schema) */
export const GroupStartedSchema = Type.Object({
  group: GroupSessionSchema,
  session: Type.Object(SessionAnswerSchema.properties, { description: 'the host’s playback session, as POST /api/lectures/:id/sessions answers it' }),
});

export const JoinCodeSchema = Type.Object({ code: Type.String({ description: '6 digits, valid 5 minutes, used once' }), expiresAt: Type.String() });

export const MyGroupSchema = Type.Object({
  group: Nullable(
    Type.Object({
      id: Type.String(),
      lectureId: Type.String(),
      lectureTitle: Type.String(),
      hostName: Type.String(),
      firmName: Type.String(),
      joinedAt: Type.String(),
      sessionId: Type.String(),
      /** open presence check of the member: the code is on the shared screen, typed here */
      presenceCheck: Nullable(Type.Object({ id: Type.String(), expiresAt: Type.String() })),
    }),
  ),
});

export { PresenceCheckSchema };

export type GroupMemberView = Static<typeof GroupMemberSchema>;
export type GroupSessionView = Static<typeof GroupSessionSchema>;
export type GroupMemberBeat = Static<typeof GroupMemberBeatSchema>;
export type GroupHeartbeatAnswer = Static<typeof GroupHeartbeatAnswerSchema>;
export type GroupStarted = Static<typeof GroupStartedSchema>;
export type JoinCodeView = Static<typeof JoinCodeSchema>;
export type MyGroupView = Static<typeof MyGroupSchema>;
