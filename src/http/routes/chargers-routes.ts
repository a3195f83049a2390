import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ChargerSchema } from '../../domain/chargers/charger.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';

/**
 * The charger schema with null tried first: fastify's validator coerces types, and with the number
 * branch first an explicit `powerKw: null` would be stored as 0 kW.
 */
const ChargerBody = Type.Object({ ...ChargerSchema.properties, powerKw: Type.Union([Type.Null(), Type.Number({ minimum: 0 })]) });
const UpsertResult = Type.Object({ created: Type.Integer(), updated: Type.Integer() });

/** Charger locations are data: listed and upserted by charger_id. */
export async function chargersRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/v1/chargers', { schema: { summary: 'Known chargers', response: { 200: Type.Array(ChargerSchema) } } }, async () =>
    app.services.chargers.list(),
  );
  app.post(
    '/v1/chargers',
    {
      schema: {
        summary: 'Add or update chargers (one or an array), by chargerId',
        body: Type.Union([ChargerBody, Type.Array(ChargerBody, { maxItems: 100_000 })]),
        response: { 200: UpsertResult, 400: ErrorSchema },
      },
    },
    async (request) => {
      const chargers = Array.isArray(request.body) ? request.body : [request.body];
      return app.services.chargers.upsert(chargers, `http:${request.ip}`);
    },
  );
}
