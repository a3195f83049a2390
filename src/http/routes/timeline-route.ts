import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { COLUMN_NAMES, isColumnName, type ColumnName } from '../../domain/telemetry-schema.ts';
import { timelineAsArrow, timelineAsJson } from '../../services/timeline-service.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { TelemetryRowOutSchema } from '../schemas/telemetry-row-schema.ts';
import { parseTimeParam } from '../time-param.ts';
import { ARROW_STREAM, wantsArrow } from './device-telemetry-routes.ts';

const DEFAULT_COLUMNS: ColumnName[] = ['ts', 'speed_kph', 'soc_pct', 'outside_temp_c', 'battery_temp_c'];
const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const Query = Type.Object({
  from: Type.Optional(Type.String({ description: 'Inclusive start: ISO 8601 or epoch ms' })),
  to: Type.Optional(Type.String({ description: 'Exclusive end: ISO 8601 or epoch ms' })),
  columns: Type.Optional(Type.String({ description: `Comma-separated, exactly these come back (default device_id,${DEFAULT_COLUMNS.join(',')}); of ${COLUMN_NAMES.join(', ')}` })),
  maxPoints: Type.Optional(Type.Integer({ minimum: 10, maximum: 100_000, default: 2000 })),
});

export async function timelineRoute(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/devices/:id/timeline',
    {
      schema: {
        summary: 'A range reduced for charts: per-bucket extremes of every channel kept, gaps kept as gaps (null rows), first and last samples kept',
        params: Params,
        querystring: Query,
        produces: ['application/json', ARROW_STREAM],
        response: {
          200: Type.Object({ deviceId: Type.String(), totalRows: Type.Integer(), count: Type.Integer(), reduced: Type.Boolean(), rows: Type.Array(TelemetryRowOutSchema) }),
          404: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const names = request.query.columns?.split(',').map((c) => c.trim()).filter(Boolean) ?? ['device_id', ...DEFAULT_COLUMNS];
      const unknown = names.filter((n) => !isColumnName(n));
      if (unknown.length) return reply.badRequest(`columns: unknown ${unknown.join(', ')}`);
      const req = {
        deviceId: id,
        fromMs: parseTimeParam(request.query.from, 'from'),
        toMs: parseTimeParam(request.query.to, 'to'),
        columns: names as ColumnName[],
        maxPoints: request.query.maxPoints ?? 2000,
      };
      if (wantsArrow(request.headers.accept)) {
        const bytes = await timelineAsArrow(app.store, req);
        return bytes ? reply.type(ARROW_STREAM).send(bytes as never) : reply.notFound(`no device '${id}'`);
      }
      return (await timelineAsJson(app.store, req)) ?? reply.notFound(`no device '${id}'`);
    },
  );
}
