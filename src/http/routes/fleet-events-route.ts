import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { EventKind, Severity, StoredEventSchema } from '../../domain/events/detected-event.ts';
import { pageFleetEvents } from '../../services/list-pages.ts';
import { announceNextPage, DEFAULT_PAGE_LIMIT, pagingQuery } from '../paging.ts';
import { parseTimeParam } from '../time-param.ts';

const FleetQuery = Type.Object({
  from: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; events ending at or after it' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; events starting before it' })),
  kind: Type.Optional(EventKind),
  severity: Type.Optional(Type.Union([Severity], { description: 'Minimum severity' })),
  fleet: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Only devices of this fleet' })),
  ...pagingQuery(),
});

/** GET /v1/events: every device's events, newest first (the DuckDB store's fleet-wide list). */
export async function fleetEventsRoute(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/events',
    { schema: { summary: "Every device's detected events, newest first; paged (x-next-cursor, link rel=next)", querystring: FleetQuery, response: { 200: Type.Array(StoredEventSchema) } } },
    async (request, reply) => {
      const { kind, severity, fleet, limit, cursor } = request.query;
      const page = await pageFleetEvents(app.store, {
        fromMs: parseTimeParam(request.query.from, 'from'), toMs: parseTimeParam(request.query.to, 'to'), kind, minSeverity: severity, fleet,
        fleets: request.principal?.fleets, limit: limit ?? DEFAULT_PAGE_LIMIT, cursor,
      });
      announceNextPage(request, reply, page.nextCursor);
      return page.items;
    },
  );
}
