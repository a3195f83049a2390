import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { parseTimeParam } from '../time-param.ts';

const Counts = Type.Object({
  telemetry: Type.Integer(), sessions: Type.Integer(), events: Type.Integer(), annotations: Type.Integer(),
  incidents: Type.Integer(), outbox: Type.Integer(), derivedWork: Type.Integer(),
  quarantine: Type.Integer({ description: 'bad rows kept of its uploads' }), feedback: Type.Integer(), healthState: Type.Integer(), device: Type.Integer(),
});

/** DELETE /v1/devices/:id (admin): a person's data removed everywhere, or only before `before`; audited. */
export async function privacyRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.delete(
    '/v1/devices/:id',
    {
      schema: {
        summary: "Purge a device's data: telemetry, sessions, events, annotations, incidents and their queued notices (all, or before `before`)",
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }),
        querystring: Type.Object({ before: Type.Optional(Type.String({ maxLength: 64, description: 'ISO 8601 or epoch ms' })) }),
        response: { 200: Counts, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) =>
      app.services.privacy.purge({
        deviceId: request.params.id,
        beforeMs: parseTimeParam(request.query.before, 'before'),
        by: { keyId: request.principal?.keyId ?? null, role: request.principal?.role ?? 'unknown' },
      }),
  );
}
