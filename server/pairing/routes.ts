/**
 * Pairing (结对帮扶, docs/programme.md "Pairing"): pairs recorded by administrators, the mentor
 * side's read-only view of its mentees and its recommendations, the mentee's recommendations on
 * /me, and the pairing report. Thin: the services (`app.services.pairing`, `.pairingReport`, server/services.ts) decide.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, FileAnswer, Uuid } from '../http/schemas.ts';
import { YearQuery } from '../reports/schemas.ts';
import { MenteeProgressSchema, MentoringSchema, MyRecommendationsSchema, NewPairSchema, NewRecommendationSchema, PairingReportSchema, PairListSchema, PairSchema, RecommendationSchema } from './schemas.ts';

const tags = ['pairing'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const OrgParams = Type.Object({ orgId: Uuid });
const PairParams = Type.Object({ pairId: Uuid });

const pairingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { pairing: pairs, pairingReport: report } = app.services;

  app.post(
    '/organizations/:orgId/pairs',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        summary: 'Record a pair (结对帮扶): a city firm and a county firm, or a senior and a young lawyer, inside the organization’s subtree (its administrators or above)',
        params: OrgParams,
        body: NewPairSchema,
        response: { 201: PairSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await pairs.createPair(request.user!, request.params.orgId, request.body, request.ip)),
  );

  app.get(
    '/organizations/:orgId/pairs',
    {
      preHandler: app.authenticate,
      schema: { tags, summary: 'The pairs the organization and its subtree recorded (administrators of it or above)', params: OrgParams, response: { 200: PairListSchema, ...errors } },
    },
    async (request) => pairs.listPairs(request.user!, request.params.orgId),
  );

  app.post(
    '/pairs/:pairId/end',
    {
      preHandler: app.authenticate,
      schema: { tags, summary: 'End a pair now: its mentor side stops seeing the mentees (administrators of the recording organization or above)', params: PairParams, response: { 200: PairSchema, ...errors } },
    },
    async (request) => pairs.endPair(request.user!, request.params.pairId, request.ip),
  );

  app.get(
    '/me/mentoring',
    { preHandler: app.authenticate, schema: { tags, summary: 'The active pairs where I am the mentor side, with their mentees and recommendations', response: { 200: MentoringSchema, 401: ErrorBody } } },
    async (request) => pairs.myMentoring(request.user!),
  );

  app.get(
    '/me/recommendations',
    { preHandler: app.authenticate, schema: { tags, summary: 'Courses my mentors recommended (active pairs), with my progress on each', response: { 200: MyRecommendationsSchema, 401: ErrorBody } } },
    async (request) => pairs.myRecommendations(request.user!),
  );

  app.get(
    '/pairs/:pairId/mentees/:userId/progress',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        summary: 'A mentee’s progress, read-only (the mentor side of the active pair only)',
        params: Type.Object({ pairId: Uuid, userId: Uuid }),
        response: { 200: MenteeProgressSchema, ...errors },
      },
    },
    async (request) => pairs.menteeProgress(request.user!, request.params.pairId, request.params.userId),
  );

  app.post(
    '/pairs/:pairId/recommendations',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        summary: 'Recommend a published course to the pair’s mentee(s) (the mentor side of the active pair only)',
        params: PairParams,
        body: NewRecommendationSchema,
        response: { 201: RecommendationSchema, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await pairs.recommend(request.user!, request.params.pairId, request.body.courseId, request.body.note ?? null)),
  );

  app.get(
    '/organizations/:orgId/pairing-report',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        summary: 'The pairing report: pairs with their mentees’ hours of the training year and the recommendations made and followed',
        params: OrgParams,
        querystring: Type.Object({ year: Type.Optional(YearQuery) }, { additionalProperties: false }),
        response: { 200: PairingReportSchema, ...errors },
      },
    },
    async (request) => report.report(request.user!, request.params.orgId, request.query.year),
  );

  app.get(
    '/organizations/:orgId/pairing-report.csv',
    {
      preHandler: app.authenticate,
      schema: {
        tags,
        summary: 'The pairing report as CSV (UTF-8 with BOM; Chinese headers, or English with lang=en)',
        params: OrgParams,
        querystring: Type.Object({ year: Type.Optional(YearQuery), lang: Type.Optional(Type.Union([Type.Literal('zh-CN'), Type.Literal('en')])) }, { additionalProperties: false }),
        response: { 200: FileAnswer('the pairing report as CSV, UTF-8 with BOM', ['text/csv']), ...errors },
      },
    },
    async (request, reply) => {
      const csv = await report.reportCsv(request.user!, request.params.orgId, request.query.year, request.query.lang ?? 'zh-CN');
      return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', csv.filename).header('cache-control', 'private, no-store').send(csv.body);
    },
  );
};

export default pairingRoutes;
