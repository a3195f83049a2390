import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorSchema } from '../schemas/error-schema.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const DeviceSchema = Type.Object({
  deviceId: Type.String(),
  firstTs: Nullable(Type.String({ format: 'date-time' })),
  lastTs: Nullable(Type.String({ format: 'date-time' })),
  rowCount: Type.Integer(),
  model: Nullable(Type.String()),
  firmware: Nullable(Type.String()),
  fleet: Nullable(Type.String()),
});
const DeviceParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const DeviceMetadata = Type.Object(
  { model: Type.Optional(Type.String({ maxLength: 128 })), firmware: Type.Optional(Type.String({ maxLength: 128 })), fleet: Type.Optional(Type.String({ maxLength: 128 })) },
  { additionalProperties: false },
);

export async function devicesRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/v1/devices', { schema: { summary: 'Devices with their time span, row count and metadata', response: { 200: Type.Array(DeviceSchema) } } }, async () =>
    app.services.devices.list(),
  );

  app.get('/v1/devices/:id', { schema: { summary: 'One device', params: DeviceParams, response: { 200: DeviceSchema, 404: ErrorSchema } } }, async (request) =>
    app.services.devices.require(request.params.id),
  );

  app.put(
    '/v1/devices/:id',
    { schema: { summary: 'Set device metadata (model, firmware, fleet)', params: DeviceParams, body: DeviceMetadata, response: { 200: DeviceSchema } } },
    async (request) => app.services.devices.setMetadata(request.params.id, request.body),
  );
}
