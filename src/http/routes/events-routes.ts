import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { EventKind, Severity, StoredEventSchema } from '../../domain/events/detected-event.ts';
import { announceNextPage, DEFAULT_PAGE_LIMIT, pagingQuery } from '../paging.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { parseTimeParam } from '../time-param.ts';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const Query = Type.Object({
  from: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; events ending at or after it' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; events starting before it' })),
  kind: Type.Optional(EventKind),
  severity: Type.Optional(Type.Union([Severity], { description: 'Minimum severity' })),
  ...pagingQuery(),
});

/** GET /v1/devices/:id/events: a device's events (either store). */
export async function eventsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/devices/:id/events',
    { schema: { summary: "A device's detected events, in time order; paged (x-next-cursor, link rel=next)", params: Params, querystring: Query, response: { 200: Type.Array(StoredEventSchema), 404: ErrorSchema } } },
    async (request, reply) => {
      const { id } = request.params;
      const { kind, severity, limit, cursor } = request.query;
      const page = await app.core.pageEvents({
        deviceId: id, fromMs: parseTimeParam(request.query.from, 'from'), toMs: parseTimeParam(request.query.to, 'to'), kind, minSeverity: severity, limit: limit ?? DEFAULT_PAGE_LIMIT, cursor,
      });
      if (!page) return reply.notFound(`no device '${id}'`);
      announceNextPage(request, reply, page.nextCursor);
      return page.items;
    },
  );
}
