import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { OutboxItemSchema, OutboxStatus } from '../../store/outbox-repository.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';

const Query = Type.Object({
  status: Type.Optional(OutboxStatus),
  incidentId: Type.Optional(Type.String({ minLength: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 500 })),
});
const Params = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export async function outboxRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/v1/outbox', { schema: { summary: 'Webhook outbox; ?status=dead lists dead letters', querystring: Query, response: { 200: Type.Array(OutboxItemSchema) } } }, async (request) =>
    app.services.incidents.outbox(request.query),
  );
  app.post('/v1/outbox/:id/replay', { schema: { summary: 'Queue a dead-lettered (or delivered) notice again, same idempotency key', params: Params, response: { 200: OutboxItemSchema, 404: ErrorSchema } } }, async (request, reply) => {
    return (await app.services.alerts.worker.replay(request.params.id)) ?? reply.notFound(`no outbox item ${request.params.id}`);
  });
}
