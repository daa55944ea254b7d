import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CatalogRepository } from '../catalog/repository.ts';
import { CatalogService } from '../catalog/service.ts';
import { ErrorBody } from '../http/schemas.ts';
import { OrganizationsRepository } from '../organizations/repository.ts';
import { ReportsRepository } from '../reports/repository.ts';
import { RequirementsRepository } from '../requirements/repository.ts';
import { RequirementsService } from '../requirements/service.ts';
import { LearningRepository } from './repository.ts';
import { ResumeSchema } from './schemas.ts';
import { LearningService } from './service.ts';

const learningRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const db = app.deps.db;
  const requirements = new RequirementsService(new RequirementsRepository(db), new ReportsRepository(db), new OrganizationsRepository(db), app.access);
  const service = new LearningService(new LearningRepository(db), new CatalogService(new CatalogRepository(db), app.access), requirements);

  app.get(
    '/me/progress',
    {
      preHandler: app.authenticate,
      schema: {
        tags: ['credit'],
        summary: 'Continue learning: the lecture to resume (the most recently watched unfinished one) and where',
        response: { 200: Type.Object({ resume: Type.Union([ResumeSchema, Type.Null()]) }), 401: ErrorBody },
      },
    },
    async (request) => service.mine(request.user!),
  );
};

export default learningRoutes;
