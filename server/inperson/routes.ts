/**
 * In-person training (现场培训, docs/programme.md): sessions, attendance by form or sign-in sheet,
 * and corrections with a reason. Thin: the service (`app.services.inPerson`, server/services.ts) decides.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { badRequest } from '../http/errors.ts';
import { ErrorBody } from '../http/schemas.ts';
import {
  AttendanceSchema,
  BadSheetSchema,
  MinutesCorrectionSchema,
  NewAttendanceSchema,
  NewSessionSchema,
  RemovalSchema,
  SessionDetailSchema,
  SessionListQuerySchema,
  SessionListSchema,
  SessionSchema,
  SheetFileSchema,
  SheetImportSchema,
  SheetPreviewSchema,
  type SheetFile,
} from './schemas.ts';
import { SheetError, type SheetSource } from './service.ts';

const Uuid = Type.String({ format: 'uuid' });

function sourceOf(body: SheetFile): SheetSource {
  if ((body.csv === undefined) === (body.xlsx === undefined)) throw badRequest('sign_in_sheet_source', 'Send the sheet as exactly one of "csv" (the text) or "xlsx" (the workbook, base64).');
  return body.csv !== undefined ? { format: 'csv', text: body.csv } : { format: 'xlsx', bytes: Buffer.from(body.xlsx!, 'base64') };
}

const SHEET_BODY_LIMIT = 6 * 1024 * 1024;
const tags = ['in-person'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

const inPersonRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.services.inPerson;

  app.post(
    '/organizations/:orgId/in-person-sessions',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        summary: 'Record an in-person session (现场培训) the organization held (administrators of it or above)',
        params: Type.Object({ orgId: Uuid }),
        body: NewSessionSchema,
        response: { 201: SessionSchema, ...errors },
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
        querystring: SessionListQuerySchema,
        response: { 200: SessionListSchema, ...errors },
      },
    },
    async (request) => service.listSessions(request.user!, request.params.orgId, request.query.year),
  );

  app.get(
    '/in-person-sessions/:sessionId',
    {
      preHandler: app.authenticate,
      schema: { tags, summary: 'A session with every attendance (removed ones too) and every correction', params: Type.Object({ sessionId: Uuid }), response: { 200: SessionDetailSchema, ...errors } },
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
        body: MinutesCorrectionSchema,
        response: { 200: SessionDetailSchema, ...errors },
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
        body: NewAttendanceSchema,
        response: { 201: AttendanceSchema, ...errors },
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
        body: SheetFileSchema,
        response: { 200: SheetPreviewSchema, ...errors },
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
        body: SheetFileSchema,
        response: { 200: SheetImportSchema, 400: BadSheetSchema, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
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
        body: MinutesCorrectionSchema,
        response: { 200: SessionDetailSchema, ...errors },
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
        body: RemovalSchema,
        response: { 200: SessionDetailSchema, ...errors },
      },
    },
    async (request) => service.removeAttendance(request.user!, request.params.attendanceId, request.body.reason, request.ip),
  );
};

export default inPersonRoutes;
