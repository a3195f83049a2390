import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PeriodSchema } from '../../domain/segmentation/period-stats.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { parseTimeParam } from '../time-param.ts';

const SessionSchema = Type.Intersect([Type.Object({ sessionId: Type.String(), deviceId: Type.String() }), PeriodSchema]);
const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const Query = Type.Object({
  from: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; periods ending after it' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; periods starting before it' })),
  kind: Type.Optional(Type.Union([Type.Literal('drive'), Type.Literal('charge'), Type.Literal('park'), Type.Literal('gap')])),
});

export async function sessionsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/devices/:id/sessions',
    { schema: { summary: "A device's drive, charge, park and gap periods", params: Params, querystring: Query, response: { 200: Type.Array(SessionSchema), 404: ErrorSchema } } },
    async (request) =>
      app.services.history.sessions(request.params.id, {
        fromMs: parseTimeParam(request.query.from, 'from'),
        toMs: parseTimeParam(request.query.to, 'to'),
        kind: request.query.kind,
      }),
  );
}
