import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { EventKind, Severity, StoredEventSchema } from '../../domain/events/detected-event.ts';
import { listEvents } from '../../store/event-repository.ts';
import { getDevice } from '../../store/telemetry-repository.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { parseTimeParam } from '../time-param.ts';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const Query = Type.Object({
  from: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; events ending at or after it' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; events starting before it' })),
  kind: Type.Optional(EventKind),
  severity: Type.Optional(Type.Union([Severity], { description: 'Minimum severity' })),
});

export async function eventsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/devices/:id/events',
    { schema: { summary: "A device's detected events, in time order", params: Params, querystring: Query, response: { 200: Type.Array(StoredEventSchema), 404: ErrorSchema } } },
    async (request, reply) => {
      const { id } = request.params;
      const fromMs = parseTimeParam(request.query.from, 'from');
      const toMs = parseTimeParam(request.query.to, 'to');
      const events = await app.store.withConnection(async (conn) =>
        (await getDevice(conn, id)) ? listEvents(conn, { deviceId: id, fromMs, toMs, kind: request.query.kind, minSeverity: request.query.severity }) : undefined,
      );
      return events ?? reply.notFound(`no device '${id}'`);
    },
  );
}
