import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv, type ErrorObject } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { DeviceOverviewFields } from '../../domain/devices/device-overview.ts';
import { pageDevices } from '../../services/list-pages.ts';
import { announceNextPage, DEFAULT_PAGE_LIMIT, pagingQuery } from '../paging.ts';
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
  batteryKwh: Nullable(Type.Number()),
  reserveSocPct: Nullable(Type.Number()),
  cutoffSocPct: Nullable(Type.Number()),
  heatPump: Nullable(Type.Boolean()),
  region: Nullable(Type.String()),
});
/** A device as the list shows it: the summary plus the fleet overview's fields (domain/devices/device-overview.ts). */
const DeviceOverviewSchema = Type.Object({ ...DeviceSchema.properties, ...DeviceOverviewFields });
const ListQuery = Type.Object({
  fleet: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Only this fleet' })),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Only this model' })),
  firmware: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Only this firmware' })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Device ids containing this (any case)' })),
  ...pagingQuery(),
});
const DeviceParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
/** The device facts detection uses (src/domain/devices/device-facts.ts); an unknown field is a 400, never dropped. */
const DeviceMetadata = Type.Object(
  {
    model: Type.Optional(Type.String({ maxLength: 128 })),
    firmware: Type.Optional(Type.String({ maxLength: 128 })),
    fleet: Type.Optional(Type.String({ maxLength: 128 })),
    batteryKwh: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'usable battery capacity, kWh' })),
    reserveSocPct: Type.Optional(Type.Number({ minimum: 0, maximum: 50, description: 'displayed SoC the maker advises keeping in reserve' })),
    cutoffSocPct: Type.Optional(Type.Number({ minimum: 0, maximum: 20, description: 'displayed SoC at which propulsion is cut' })),
    heatPump: Type.Optional(Type.Boolean()),
    region: Type.Optional(Type.String({ maxLength: 128, description: 'where the vehicle is used, for cohorts' })),
  },
  { additionalProperties: false },
);
const KNOWN_FIELDS = Object.keys(DeviceMetadata.properties).join(', ');

// Fastify's own validator strips properties a schema does not declare; this body must be checked as
// sent, so a misspelt `batteryKWh` is refused instead of silently losing the capacity.
const strictAjv = new Ajv({ removeAdditional: false, coerceTypes: false, allErrors: false });
const validateMetadata = strictAjv.compile(DeviceMetadata);
function checkMetadata(data: unknown): boolean {
  const ok = validateMetadata(data);
  (checkMetadata as { errors?: ErrorObject[] | null }).errors = validateMetadata.errors?.map((e) =>
    e.keyword === 'additionalProperties'
      ? { ...e, message: `has an unknown field '${String(e.params.additionalProperty)}' (known: ${KNOWN_FIELDS})` }
      : e,
  );
  return ok;
}

export async function devicesRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/devices',
    {
      schema: {
        summary: 'Devices by id with their time span, row count, metadata, last seen, state, SoC, open incidents and moments of truth of the last 24 h / 7 d; filtered by fleet, model, firmware, id; paged (x-next-cursor, link rel=next)',
        querystring: ListQuery,
        response: { 200: Type.Array(DeviceOverviewSchema) },
      },
    },
    async (request, reply) => {
      const page = await pageDevices(app.store, { ...request.query, limit: request.query.limit ?? DEFAULT_PAGE_LIMIT, fleets: request.principal?.fleets });
      announceNextPage(request, reply, page.nextCursor);
      return page.items;
    },
  );

  app.get(
    '/v1/device-facets',
    { schema: { summary: 'The fleets, models and firmwares of the devices (the fleet overview\'s filter choices)', response: { 200: Type.Object({ fleets: Type.Array(Type.String()), models: Type.Array(Type.String()), firmwares: Type.Array(Type.String()) }) } } },
    async (request) => app.services.devices.facets(request.principal?.fleets),
  );

  app.get('/v1/devices/:id', { schema: { summary: 'One device', params: DeviceParams, response: { 200: DeviceSchema, 404: ErrorSchema } } }, async (request) =>
    app.services.devices.require(request.params.id),
  );

  app.put(
    '/v1/devices/:id',
    {
      schema: { summary: 'Set device metadata and facts (model, firmware, fleet, region, battery, reserve, cut-off, heat pump)', params: DeviceParams, body: DeviceMetadata, response: { 200: DeviceSchema } },
      validatorCompiler: ({ httpPart, schema }) => (httpPart === 'body' ? checkMetadata : strictAjv.compile(schema)),
    },
    async (request) => app.services.devices.setMetadata(request.params.id, request.body),
  );
}
