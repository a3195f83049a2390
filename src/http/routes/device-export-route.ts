import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { POSITION_COLUMNS } from '../auth/public-mode.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { parseTimeParam } from '../time-param.ts';
import { ARROW_STREAM, Params, RangeQuery } from './device-telemetry-routes.ts';

const EXPORT_TYPES = { parquet: 'application/vnd.apache.parquet', csv: 'text/csv', arrow: 'application/vnd.apache.arrow.file', arrows: ARROW_STREAM, ndjson: 'application/x-ndjson' } as const;
const ExportQuery = Type.Object({ ...RangeQuery, format: Type.Union([Type.Literal('parquet'), Type.Literal('csv'), Type.Literal('arrow'), Type.Literal('arrows'), Type.Literal('ndjson')], { description: 'arrow: IPC file format; arrows: IPC stream format' }) });

/** GET /v1/devices/:id/export: a device's telemetry as a file (the DuckDB store's exports). */
export async function deviceExportRoute(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/v1/devices/:id/export',
    { schema: { summary: "Download a device's telemetry as Parquet (ts marked UTC), CSV, NDJSON or Arrow IPC (file, or stream as arrows)", params: Params, querystring: ExportQuery, response: { 404: ErrorSchema } } },
    async (request, reply) => {
      const { id } = request.params;
      const { format } = request.query;
      const stream = await app.services.telemetry.exportStream({
        deviceId: id,
        fromMs: parseTimeParam(request.query.from, 'from'),
        toMs: parseTimeParam(request.query.to, 'to'),
        format,
        // Analysts' exports carry no positions (public mode, see the auth plugin).
        omitColumns: request.principal?.role === 'analyst' ? POSITION_COLUMNS : undefined,
      });
      return reply
        .type(EXPORT_TYPES[format])
        .header('content-disposition', `attachment; filename="${id.replace(/[^\w.-]/g, '_')}.${format}"`)
        .send(stream as never); // a stream payload is piped as it is; the cast only quiets the error-schema type
    },
  );
}
