import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { FleetHealthSchema, HealthWatchSchema } from '../../domain/health/fleet-health.ts';
import { JourneyHealthSchema } from '../../domain/health/journey-health.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { parseTimeParam } from '../time-param.ts';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const WatchParams = Type.Object({ watchId: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }) });

/** Journey health: GET /v1/devices/:id/health, its history, GET /v1/health?fleet, watches. */
export async function healthScoreRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/devices/:id/health',
    { schema: { summary: "A vehicle's journey health score with every part that makes it", params: Params, querystring: Type.Object({ at: Type.Optional(Type.String()) }), response: { 200: JourneyHealthSchema, 400: ErrorSchema, 404: ErrorSchema } } },
    async (request, reply) => (await app.services.health.device(request.params.id, parseTimeParam(request.query.at, 'at'))) ?? reply.notFound(`no device '${request.params.id}'`),
  );

  app.get(
    '/v1/devices/:id/health/history',
    {
      schema: {
        summary: 'The score over time',
        params: Params,
        querystring: Type.Object({ days: Type.Optional(Type.Number({ minimum: 1, maximum: 730, default: 90 })), stepDays: Type.Optional(Type.Number({ minimum: 0.25, maximum: 90, default: 7 })) }),
        response: { 200: Type.Array(Type.Object({ atMs: Type.Number(), score: Type.Number(), band: Type.String() })), 404: ErrorSchema },
      },
    },
    async (request, reply) => (await app.services.health.history(request.params.id, request.query.days ?? 90, request.query.stepDays ?? 7)) ?? reply.notFound(`no device '${request.params.id}'`),
  );

  app.get(
    '/v1/health',
    {
      schema: {
        summary: "A fleet's score distribution and the vehicles at risk",
        querystring: Type.Object({ fleet: Type.Optional(Type.String({ maxLength: 128 })), threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })), at: Type.Optional(Type.String()) }),
        response: { 200: FleetHealthSchema, 400: ErrorSchema },
      },
    },
    async (request) => app.services.health.fleet({ fleet: request.query.fleet, threshold: request.query.threshold, atMs: parseTimeParam(request.query.at, 'at') }),
  );

  app.put(
    '/v1/health/watches/:watchId',
    { schema: { summary: 'Call a webhook when a vehicle falls below a score', params: WatchParams, body: HealthWatchSchema, response: { 204: Type.Null(), 400: ErrorSchema } } },
    async (request, reply) => {
      await app.services.health.putWatch(request.params.watchId, request.body);
      return reply.code(204).send(null);
    },
  );

  app.post('/v1/health/check', { schema: { summary: 'Check every health watch now' } }, async () => {
    const results = await app.services.health.checkWatches();
    if (results.some((r) => r.crossed.length > 0)) void app.services.alerts.worker.nudge();
    return results;
  });
}
