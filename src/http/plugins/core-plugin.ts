import fp from 'fastify-plugin';
import type { CoreApi } from '../../services/core-api.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** What the core routes and the auth plugin call, on either store (src/services/core-api.ts). */
    core: CoreApi;
  }
}

/** Shares the core service interface with the routes written against it (src/http/core-routes.ts). */
export const corePlugin = fp<{ core: CoreApi }>(
  async (app, { core }) => {
    app.decorate('core', core);
  },
  { name: 'core' },
);
