import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PeriodSchema } from '../../domain/segmentation/period-stats.ts';
import { announceNextPage, DEFAULT_PAGE_LIMIT, pagingQuery } from '../paging.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { parseTimeParam } from '../time-param.ts';

const SessionSchema = Type.Intersect([Type.Object({ sessionId: Type.String(), deviceId: Type.String() }), PeriodSchema]);
const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const Query = Type.Object({
  from: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; periods ending after it' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; periods starting before it' })),
  kind: Type.Optional(Type.Union([Type.Literal('drive'), Type.Literal('charge'), Type.Literal('park'), Type.Literal('gap')])),
  ...pagingQuery(),
});

export async function sessionsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/devices/:id/sessions',
    { schema: { summary: "A device's drive, charge, park and gap periods, oldest first; paged (x-next-cursor, link rel=next)", params: Params, querystring: Query, response: { 200: Type.Array(SessionSchema), 404: ErrorSchema } } },
    async (request, reply) => {
      const { id } = request.params;
      const { kind, limit, cursor } = request.query;
      const page = await app.core.pageSessions({
        deviceId: id, fromMs: parseTimeParam(request.query.from, 'from'), toMs: parseTimeParam(request.query.to, 'to'), kind, limit: limit ?? DEFAULT_PAGE_LIMIT, cursor,
      });
      if (!page) return reply.notFound(`no device '${id}'`);
      announceNextPage(request, reply, page.nextCursor);
      return page.items;
    },
  );
}
