import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { COLUMN_NAMES, isColumnName, type ColumnName } from '../../domain/telemetry-schema.ts';
import { reduceTimeline } from '../../domain/timeline/reduce-timeline.ts';
import { arrowTableToIpcStream, telemetryColumnsToArrow } from '../../store/arrow-encoding.ts';
import { pickTelemetryRows } from '../../store/pick-telemetry-rows.ts';
import { telemetryColumnsToRows } from '../../store/telemetry-rows.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { TelemetryRowSchema } from '../schemas/telemetry-row-schema.ts';
import { parseTimeParam } from '../time-param.ts';
import { ARROW_STREAM, wantsArrow } from './device-telemetry-routes.ts';

const DEFAULT_COLUMNS: ColumnName[] = ['ts', 'speed_kph', 'soc_pct', 'outside_temp_c', 'battery_temp_c'];
const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const Query = Type.Object({
  from: Type.Optional(Type.String({ description: 'Inclusive start: ISO 8601 or epoch ms' })),
  to: Type.Optional(Type.String({ description: 'Exclusive end: ISO 8601 or epoch ms' })),
  columns: Type.Optional(Type.String({ description: `Comma-separated, default ${DEFAULT_COLUMNS.join(',')}; of ${COLUMN_NAMES.join(', ')}` })),
  maxPoints: Type.Optional(Type.Integer({ minimum: 10, maximum: 100_000, default: 2000 })),
});

/** Holes longer than this (or 5 sample intervals, for sparse loggers) stay holes in a chart. */
function gapThresholdMs(ts: Float64Array): number {
  const n = Math.min(ts.length - 1, 1001);
  const d: number[] = [];
  for (let i = 0; i < n; i++) d.push(ts[i + 1]! - ts[i]!);
  d.sort((a, b) => a - b);
  return Math.max(60_000, 5 * (d[d.length >> 1] ?? 1000));
}

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
          200: Type.Object({ deviceId: Type.String(), totalRows: Type.Integer(), count: Type.Integer(), reduced: Type.Boolean(), rows: Type.Array(TelemetryRowSchema) }),
          404: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const names = (request.query.columns?.split(',').map((c) => c.trim()).filter(Boolean) ?? DEFAULT_COLUMNS) as string[];
      const unknown = names.filter((n) => !isColumnName(n));
      if (unknown.length) return reply.badRequest(`columns: unknown ${unknown.join(', ')}`);
      const columns = names as ColumnName[];
      const fromMs = parseTimeParam(request.query.from, 'from');
      const toMs = parseTimeParam(request.query.to, 'to');
      const data = await app.services.telemetry.readColumns({ deviceId: id, fromMs, toMs, columns });
      const channels = Object.values(data.numbers) as Float64Array[];
      const { indexes, gapMarkersMs } = reduceTimeline({ tsMs: data.tsMs, channels }, request.query.maxPoints ?? 2000, gapThresholdMs(data.tsMs));
      const reduced = pickTelemetryRows(data, indexes, gapMarkersMs);
      if (wantsArrow(request.headers.accept)) {
        const bytes = arrowTableToIpcStream(telemetryColumnsToArrow(reduced));
        return reply.type(ARROW_STREAM).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
      }
      return { deviceId: id, totalRows: data.length, count: reduced.length, reduced: indexes.length < data.length, rows: telemetryColumnsToRows(reduced) };
    },
  );
}
