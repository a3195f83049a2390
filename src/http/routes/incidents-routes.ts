import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { IncidentSchema, IncidentState } from '../../domain/alerts/incident.ts';
import { announceNextPage, pagingQuery } from '../paging.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const Query = Type.Object({
  state: Type.Optional(IncidentState),
  deviceId: Type.Optional(Type.String({ minLength: 1 })),
  ...pagingQuery({ limit: 100, max: 1000 }),
});

/** GET /v1/incidents and /v1/incidents/:id (either store). */
export async function incidentsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/v1/incidents', { schema: { summary: 'Incidents, newest first; paged (x-next-cursor, link rel=next)', querystring: Query, response: { 200: Type.Array(IncidentSchema) } } }, async (request, reply) => {
    const page = await app.core.pageIncidents({ ...request.query, limit: request.query.limit ?? 100 });
    announceNextPage(request, reply, page.nextCursor);
    return page.items;
  });

  app.get('/v1/incidents/:id', { schema: { summary: 'One incident', params: Params, response: { 200: IncidentSchema, 404: ErrorSchema } } }, async (request, reply) =>
    (await app.core.findIncident(request.params.id)) ?? reply.notFound(`no incident '${request.params.id}'`),
  );
}
