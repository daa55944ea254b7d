/**
 * In-person training (现场培训, docs/programme.md): sessions, attendance by form or sign-in sheet,
 * and corrections with a reason. Thin: the service (built once in server/platform.ts) decides.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { badRequest } from '../http/errors.ts';
import { ErrorBody, PlainText } from '../http/schemas.ts';
import { OrganizationsRepository } from '../organizations/repository.ts';
import { AccessPolicy } from '../auth/access.ts';
import type { Db } from '../db/client.ts';
import { InPersonRepository } from './repository.ts';
import { InPersonService, SheetError, type SheetSource } from './service.ts';

/** Builds the service; server/platform.ts calls this once for the app. */
export function createInPersonService(db: Db): InPersonService {
  const organizations = new OrganizationsRepository(db);
  return new InPersonService(new InPersonRepository(db), organizations, new AccessPolicy(organizations));
}

const Uuid = Type.String({ format: 'uuid' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Person = Nullable(Type.Object({ id: Type.String(), name: Type.String() }));
/** One in-person day is 6–8 学时; a multi-day session a few times that. */
const Minutes = (minimum: number) => Type.Integer({ minimum, maximum: 6000, description: 'minutes credited (the web app converts 学时 with the organization’s minutes per 学时)' });
const Reason = PlainText({ minLength: 1, maxLength: 500, description: 'why: required, kept with the correction and in the audit log' });

const Session = Type.Object({
  id: Type.String(),
  organization: Type.Object({ id: Type.String(), name: Type.String() }),
  title: Type.String(),
  heldOn: Type.String({ description: 'the date in Beijing, YYYY-MM-DD' }),
  place: Type.String(),
  minutes: Type.Integer({ description: 'what each attendance credits unless corrected on its own' }),
  classHours: Type.Number(),
  minutesPerClassHour: Type.Integer(),
  attendees: Type.Integer({ description: 'attendances not removed' }),
  createdBy: Person,
  createdAt: Type.String(),
});

const Attendance = Type.Object({
  id: Type.String(),
  lawyer: Type.Object({ id: Type.String(), name: Type.String(), licenseNo: Nullable(Type.String()), firm: Type.String() }),
  minutes: Type.Integer({ description: 'credited now: its own minutes, else the session’s; 0 once removed' }),
  ownMinutes: Nullable(Type.Integer({ description: 'set by a correction of this attendance' })),
  source: Type.Union([Type.Literal('form'), Type.Literal('sheet')]),
  recordedBy: Person,
  recordedAt: Type.String(),
  removedAt: Nullable(Type.String()),
  removedBy: Person,
});

const Correction = Type.Object({
  id: Type.String(),
  attendanceId: Nullable(Type.String()),
  lawyer: Person,
  kind: Type.Union([Type.Literal('session_minutes'), Type.Literal('attendance_minutes'), Type.Literal('attendance_removed')]),
  minutesBefore: Type.Integer(),
  minutesAfter: Nullable(Type.Integer()),
  reason: Type.String(),
  correctedBy: Person,
  correctedAt: Type.String(),
});

const SessionDetail = Type.Object({ ...Session.properties, attendances: Type.Array(Attendance), corrections: Type.Array(Correction) });

const SheetProblem = Type.Object({
  row: Type.Integer({ description: 'line in the file; 0 for the file as a whole' }),
  code: Type.String({ description: 'license_unknown, outside_organization, already_attending, license_format, license_duplicate, …' }),
  value: Type.Optional(Type.String()),
  message: Type.String(),
});

const SheetFile = Type.Object(
  {
    csv: Type.Optional(Type.String({ minLength: 1, maxLength: 1_000_000, description: 'the sheet as CSV text (UTF-8; a BOM is fine)' })),
    xlsx: Type.Optional(Type.String({ minLength: 1, maxLength: 4_000_000, pattern: '^[A-Za-z0-9+/]+={0,2}$', description: 'the bytes of an .xlsx workbook, base64' })),
  },
  { additionalProperties: false },
);

const SheetPreview = Type.Object({
  session: Type.Object({ id: Type.String(), title: Type.String() }),
  format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
  headerRow: Type.Integer(),
  total: Type.Integer(),
  matched: Type.Array(Type.Object({ row: Type.Integer(), licenseNo: Type.String(), userId: Type.String(), name: Type.String(), firm: Type.String() })),
  problems: Type.Array(SheetProblem),
});

const BadSheet = Type.Object({ error: Type.String(), message: Type.String(), problems: Type.Optional(Type.Array(SheetProblem)) });

function sourceOf(body: Static<typeof SheetFile>): SheetSource {
  if ((body.csv === undefined) === (body.xlsx === undefined)) throw badRequest('sign_in_sheet_source', 'Send the sheet as exactly one of "csv" (the text) or "xlsx" (the workbook, base64).');
  return body.csv !== undefined ? { format: 'csv', text: body.csv } : { format: 'xlsx', bytes: Buffer.from(body.xlsx!, 'base64') };
}

const SHEET_BODY_LIMIT = 6 * 1024 * 1024;
const tags = ['in-person'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const inPersonRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.deps.inPerson ?? createInPersonService(app.deps.db);

  app.post(
    '/organizations/:orgId/in-person-sessions',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        summary: 'Record an in-person session (现场培训) the organization held (administrators of it or above)',
        params: Type.Object({ orgId: Uuid }),
        body: Type.Object(
          {
            title: PlainText({ minLength: 1, maxLength: 200 }),
            heldOn: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'the date in Beijing, YYYY-MM-DD' }),
            place: PlainText({ minLength: 1, maxLength: 200 }),
            minutes: Minutes(1),
          },
          { additionalProperties: false },
        ),
        response: { 201: Session, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await service.createSession(request.user!, request.params.orgId, request.body, request.ip)),
  );

  app.get(
    '/organizations/:orgId/in-person-sessions',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        summary: 'In-person sessions held in a training year by the organization or inside its subtree',
        params: Type.Object({ orgId: Uuid }),
        querystring: Type.Object({ year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ year: Type.Integer(), from: Type.String(), to: Type.String(), minutesPerClassHour: Type.Integer(), items: Type.Array(Session) }), ...errors },
      },
    },
    async (request) => service.listSessions(request.user!, request.params.orgId, request.query.year),
  );

  app.get(
    '/in-person-sessions/:sessionId',
    {
      preHandler: app.authenticate,
      schema: { tags, summary: 'A session with every attendance (removed ones too) and every correction', params: Type.Object({ sessionId: Uuid }), response: { 200: SessionDetail, ...errors } },
    },
    async (request) => service.session(request.user!, request.params.sessionId),
  );

  app.patch(
    '/in-person-sessions/:sessionId',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        summary: 'Correct the minutes of a session (a reason is required; kept with the original and audited)',
        params: Type.Object({ sessionId: Uuid }),
        body: Type.Object({ minutes: Minutes(0), reason: Reason }, { additionalProperties: false }),
        response: { 200: SessionDetail, ...errors },
      },
    },
    async (request) => service.correctSession(request.user!, request.params.sessionId, request.body.minutes, request.body.reason, request.ip),
  );

  app.post(
    '/in-person-sessions/:sessionId/attendances',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        summary: 'Record one lawyer’s attendance, by licence number or login',
        description: 'The lawyer must belong to the session’s organization or below it. 409 already_attending when recorded already.',
        params: Type.Object({ sessionId: Uuid }),
        body: Type.Object({ lawyer: PlainText({ minLength: 1, maxLength: 64, description: 'licence number (执业证号) or login' }) }, { additionalProperties: false }),
        response: { 201: Attendance, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await service.addAttendee(request.user!, request.params.sessionId, request.body.lawyer, request.ip)),
  );

  app.post(
    '/in-person-sessions/:sessionId/sign-in-sheet/preview',
    {
      preHandler: app.authenticate,
      bodyLimit: SHEET_BODY_LIMIT,
      schema: {
        tags,
        summary: 'Check a sign-in sheet (CSV or XLSX of licence numbers) without recording anything',
        description: 'The lawyers it would record and every line it cannot take: unknown licence numbers, lawyers outside the organization’s subtree, lawyers recorded already, duplicates, malformed numbers.',
        params: Type.Object({ sessionId: Uuid }),
        body: SheetFile,
        response: { 200: SheetPreview, ...errors },
      },
    },
    async (request) => service.previewSheet(request.user!, request.params.sessionId, sourceOf(request.body)),
  );

  app.post(
    '/in-person-sessions/:sessionId/sign-in-sheet',
    {
      preHandler: app.authenticate,
      bodyLimit: SHEET_BODY_LIMIT,
      schema: {
        tags,
        summary: 'Record the attendance of every lawyer on a sign-in sheet, all or nothing',
        description: 'Any problem of the preview → 400 sign_in_sheet_invalid naming every bad line, and nothing is recorded. One audit entry for the sheet.',
        params: Type.Object({ sessionId: Uuid }),
        body: SheetFile,
        response: { 200: Type.Object({ added: Type.Integer(), session: Type.Object({ id: Type.String(), attendees: Type.Integer() }) }), 400: BadSheet, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      try {
        return await service.importSheet(request.user!, request.params.sessionId, sourceOf(request.body), request.ip);
      } catch (err) {
        if (err instanceof SheetError) return reply.status(400).send({ error: err.code, message: err.message, problems: err.problems });
        throw err;
      }
    },
  );

  app.patch(
    '/in-person-attendances/:attendanceId',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        summary: 'Correct the minutes of one attendance (a reason is required; kept with the original and audited)',
        params: Type.Object({ attendanceId: Uuid }),
        body: Type.Object({ minutes: Minutes(0), reason: Reason }, { additionalProperties: false }),
        response: { 200: SessionDetail, ...errors },
      },
    },
    async (request) => service.correctAttendance(request.user!, request.params.attendanceId, request.body.minutes, request.body.reason, request.ip),
  );

  app.post(
    '/in-person-attendances/:attendanceId/removal',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        summary: 'Remove an attendance (a reason is required): the row stays, marked removed, and credits nothing',
        params: Type.Object({ attendanceId: Uuid }),
        body: Type.Object({ reason: Reason }, { additionalProperties: false }),
        response: { 200: SessionDetail, ...errors },
      },
    },
    async (request) => service.removeAttendance(request.user!, request.params.attendanceId, request.body.reason, request.ip),
  );
};

export default inPersonRoutes;
