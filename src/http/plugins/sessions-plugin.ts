import fp from 'fastify-plugin';
import type { DerivedPipeline } from '../../pipeline/derived-pipeline.ts';

declare module 'fastify' {
  interface FastifyInstance {
    sessions: DerivedPipeline;
  }
}

/** Sessions are a stage of the one derived-data pipeline (the detection plugin's): the same object under its old name. */
export const sessionsPlugin = fp(
  async (app) => {
    app.decorate('sessions', app.detection);
  },
  { name: 'sessions', dependencies: ['store', 'detection'] },
);
