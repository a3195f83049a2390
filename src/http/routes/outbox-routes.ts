import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { pageOutbox } from '../../services/list-pages.ts';
import { OutboxItemSchema, OutboxStatus } from '../../store/outbox-repository.ts';
import { announceNextPage, pagingQuery } from '../paging.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';

const Query = Type.Object({
  status: Type.Optional(OutboxStatus),
  incidentId: Type.Optional(Type.String({ minLength: 1 })),
  ...pagingQuery({ limit: 500, max: 5000 }),
});
const Params = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export async function outboxRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/v1/outbox', { schema: { summary: 'Webhook outbox in sequence order; ?status=dead lists dead letters; paged (x-next-cursor, link rel=next)', querystring: Query, response: { 200: Type.Array(OutboxItemSchema) } } }, async (request, reply) => {
    const page = await pageOutbox(app.store, { ...request.query, limit: request.query.limit ?? 500 });
    announceNextPage(request, reply, page.nextCursor);
    return page.items;
  });
  app.post('/v1/outbox/:id/replay', { schema: { summary: 'Queue a dead-lettered (or delivered) notice again, same idempotency key', params: Params, response: { 200: OutboxItemSchema, 404: ErrorSchema } } }, async (request, reply) => {
    return (await app.services.alerts.worker.replay(request.params.id)) ?? reply.notFound(`no outbox item ${request.params.id}`);
  });
}
