import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { COHORT_NAME_PATTERN, maskSecrets, SavedCohortBodySchema, SavedCohortSchema, WatchCheckSchema } from '../../domain/cohorts/cohort-watch.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { CohortOutputQuery } from './cohorts-routes.ts';

const Params = Type.Object({ name: Type.String({ pattern: COHORT_NAME_PATTERN }) });

/** Saved cohorts: a named query, run again at any time, optionally watched for a rising rate. */
export async function savedCohortsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/v1/cohorts', { schema: { summary: 'Saved cohorts (receiver secrets masked)', response: { 200: Type.Array(SavedCohortSchema) } } }, async () =>
    (await app.services.cohorts.list()).map(maskSecrets),
  );

  app.put(
    '/v1/cohorts/:name',
    { schema: { summary: 'Save (or replace) a named cohort, optionally watched', params: Params, body: SavedCohortBodySchema, response: { 200: SavedCohortSchema, 400: ErrorSchema } } },
    async (request) => maskSecrets(await app.services.cohorts.save(request.params.name, request.body)),
  );

  app.get('/v1/cohorts/:name', { schema: { summary: 'One saved cohort', params: Params, response: { 200: SavedCohortSchema, 404: ErrorSchema } } }, async (request, reply) => {
    const saved = await app.services.cohorts.get(request.params.name);
    return saved ? maskSecrets(saved) : reply.notFound(`no saved cohort '${request.params.name}'`);
  });

  app.delete('/v1/cohorts/:name', { schema: { summary: 'Delete a saved cohort', params: Params, response: { 204: Type.Null(), 404: ErrorSchema } } }, async (request, reply) =>
    (await app.services.cohorts.remove(request.params.name)) ? reply.code(204).send(null) : reply.notFound(`no saved cohort '${request.params.name}'`),
  );

  app.post(
    '/v1/cohorts/:name/query',
    { schema: { summary: "Run a saved cohort's query now", params: Params, querystring: CohortOutputQuery, response: { 404: ErrorSchema } } },
    async (request, reply) => {
      const saved = await app.services.cohorts.get(request.params.name);
      if (!saved) return reply.notFound(`no saved cohort '${request.params.name}'`);
      const { format = 'json', per, width, height } = request.query;
      const out = await app.services.cohorts.render(await app.services.cohorts.query(saved.query), format, { per, widthPx: width, heightPx: height });
      return reply.type(out.contentType).send(out.body as never);
    },
  );

  app.post(
    '/v1/cohorts/:name/check',
    { schema: { summary: 'Check a watched cohort now: recent rate against its baseline; a significant rise queues its webhooks', params: Params, response: { 200: Type.Array(WatchCheckSchema), 404: ErrorSchema } } },
    async (request, reply) => {
      if (!(await app.services.cohorts.get(request.params.name))) return reply.notFound(`no saved cohort '${request.params.name}'`);
      const checks = await app.services.cohorts.checkWatches({ name: request.params.name });
      if (checks.some((c) => c.rising)) void app.services.alerts.worker.nudge();
      return checks;
    },
  );
}
