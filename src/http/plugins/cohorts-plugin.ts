import fp from 'fastify-plugin';
import { CohortService } from '../../cohorts/cohort-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    cohorts: CohortService;
  }
}

export const cohortsPlugin = fp(
  async (app) => {
    app.decorate('cohorts', new CohortService(app.store));
  },
  { name: 'cohorts', dependencies: ['store'] },
);
