import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, PlainText } from '../http/schemas.ts';
import { LearningRepository } from '../learning/repository.ts';
import { CourseProgressSchema, LectureProgressSchema, Organizer, Required, ResumeSchema, Trainer } from '../learning/schemas.ts';
import { LearningService } from '../learning/service.ts';
import { OrganizationsRepository } from '../organizations/repository.ts';
import { ReportsRepository } from '../reports/repository.ts';
import { RequirementsRepository } from '../requirements/repository.ts';
import { RequirementsService } from '../requirements/service.ts';
import { SubtitlesRepository } from '../subtitles/repository.ts';
import { CatalogRepository } from './repository.ts';
import { AUDIENCES, CatalogService, COURSE_CATEGORIES, courseView } from './service.ts';
import { HandoutSchema } from '../handouts/schemas.ts';

const Category = Type.Enum(COURSE_CATEGORIES);
const Status = Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('archived')]);
const LectureStatus = Type.Union([Type.Literal('uploading'), Type.Literal('processing'), Type.Literal('ready'), Type.Literal('failed')]);

const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const service = new CatalogService(new CatalogRepository(app.deps.db), app.access, new SubtitlesRepository(app.deps.db));
  // the caller's own state beside the catalog's fields (additive: shared/API.md's shapes stay)
  const requirements = new RequirementsService(new RequirementsRepository(app.deps.db), new ReportsRepository(app.deps.db), new OrganizationsRepository(app.deps.db), app.access);
  const learning = new LearningService(new LearningRepository(app.deps.db), service, requirements);

  app.get(
    '/courses',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['catalog'],
        summary: 'The catalog: published courses, with my progress, the organizers and where to continue',
        querystring: Type.Object(
          {
            q: Type.Optional(PlainText({ maxLength: 100 })),
            category: Type.Optional(Category),
            audience: Type.Optional(Type.Union(AUDIENCES.map((a) => Type.Literal(a)))),
            organizer: Type.Optional(Type.String({ format: 'uuid', description: 'the organizing association' })),
            required: Type.Optional(Type.Boolean({ description: 'only my required (必修) courses of this training year' })),
            page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
            pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                title: Type.String(),
                category: Category,
                status: Status,
                lectureCount: Type.Integer(),
                creditMinutes: Type.Integer(),
                audience: Type.Array(Type.String()),
                organizer: Organizer,
                trainer: Trainer,
                required: Required,
                progress: CourseProgressSchema,
                transcriptMatch: Type.Union(
                  [
                    Type.Object({
                      lectureId: Type.String(),
                      lectureTitle: Type.String(),
                      lang: Type.String(),
                      snippet: Type.String({ description: 'the transcript around the hit' }),
                      atSeconds: Type.Integer({ description: 'the start of the cue the hit is in: open the lecture at ?t=' }),
                    }),
                    Type.Null(),
                  ],
                  { description: 'with q: the first lecture whose transcript contains it (docs/subtitles.md)' },
                ),
              }),
            ),
            total: Type.Integer(),
            organizers: Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), { description: 'the organizer filter’s choices' }),
            resume: Type.Union([ResumeSchema, Type.Null()]),
          }),
          400: ErrorBody,
          401: ErrorBody,
        },
      },
    },
    async (request) => learning.list(request.user!, request.query),
  );

  app.get(
    '/courses/:courseId',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['catalog'],
        summary: 'A course with its lectures and my progress on each',
        params: Type.Object({ courseId: Type.String({ format: 'uuid' }) }),
        response: {
          200: Type.Object({
            id: Type.String(),
            title: Type.String(),
            summary: Type.String(),
            category: Category,
            status: Status,
            audience: Type.Array(Type.String()),
            organizationId: Type.String(),
            maxPlaybackRate: Type.Number(),
            completionRatio: Type.Number(),
            requireVisible: Type.Boolean(),
            presenceChecks: Type.Boolean(),
            lectures: Type.Array(
              Type.Object({
                id: Type.String(),
                title: Type.String(),
                position: Type.Integer(),
                status: LectureStatus,
                durationSeconds: Type.Union([Type.Number(), Type.Null()]),
                creditMinutes: Type.Integer(),
                progress: LectureProgressSchema,
              }),
            ),
            organizer: Organizer,
            trainer: Trainer,
            required: Required,
            progress: CourseProgressSchema,
            resume: Type.Union([ResumeSchema, Type.Null()], { description: 'the lecture of this course to continue' }),
            handouts: Type.Array(HandoutSchema, { description: 'the course’s own handouts and those of the lectures listed (lectureId)' }),
          }),
          400: ErrorBody,
          401: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const { course, ...state } = await learning.course(request.user!, request.params.courseId);
      const handouts = await app.handouts.forLearners(course, state.lectures.map((l) => l.id));
      // the response schema leaves out the trainer-only timestamps courseView also carries
      return { ...courseView(course), ...state, handouts };
    },
  );
};

export default catalogRoutes;
