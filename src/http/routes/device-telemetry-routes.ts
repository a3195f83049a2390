import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { COLUMN_NAMES, isColumnName, type ColumnName } from '../../domain/telemetry-schema.ts';
import { arrowTableToIpcStream, telemetryColumnsToArrow } from '../../store/arrow-encoding.ts';
import { telemetryColumnsToRows } from '../../store/telemetry-rows.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { TelemetryRowSchema } from '../schemas/telemetry-row-schema.ts';
import { parseTimeParam } from '../time-param.ts';
import { POSITION_COLUMNS } from '../auth/public-mode.ts';

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';
const EXPORT_TYPES = { parquet: 'application/vnd.apache.parquet', csv: 'text/csv', arrow: ARROW_STREAM } as const;

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const RangeQuery = {
  from: Type.Optional(Type.String({ description: 'Inclusive start: ISO 8601 or epoch ms' })),
  to: Type.Optional(Type.String({ description: 'Exclusive end: ISO 8601 or epoch ms' })),
};
const TelemetryQuery = Type.Object({
  ...RangeQuery,
  columns: Type.Optional(Type.String({ description: `Comma-separated subset of: ${COLUMN_NAMES.join(', ')}` })),
});
const ExportQuery = Type.Object({ ...RangeQuery, format: Type.Union([Type.Literal('parquet'), Type.Literal('csv'), Type.Literal('arrow')]) });

export function wantsArrow(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => part.split(';')[0]!.trim().toLowerCase() === ARROW_STREAM);
}

function parseColumns(text: string | undefined): ColumnName[] | undefined {
  if (!text) return undefined;
  const names = text.split(',').map((c) => c.trim()).filter(Boolean);
  const unknown = names.filter((n) => !isColumnName(n));
  if (unknown.length) throw Object.assign(new Error(`columns: unknown ${unknown.join(', ')} (known: ${COLUMN_NAMES.join(', ')})`), { statusCode: 400 });
  return names as ColumnName[];
}

export async function deviceTelemetryRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/v1/devices/:id/telemetry',
    {
      schema: {
        summary: `A device's telemetry over a time range: JSON rows, or an Arrow IPC stream with Accept: ${ARROW_STREAM}`,
        params: Params,
        querystring: TelemetryQuery,
        produces: ['application/json', ARROW_STREAM],
        response: { 200: Type.Object({ deviceId: Type.String(), count: Type.Integer(), rows: Type.Array(TelemetryRowSchema) }), 404: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const columns = parseColumns(request.query.columns);
      const fromMs = parseTimeParam(request.query.from, 'from');
      const toMs = parseTimeParam(request.query.to, 'to');
      const data = await app.services.telemetry.readColumns({ deviceId: id, fromMs, toMs, columns });
      if (wantsArrow(request.headers.accept)) {
        const bytes = arrowTableToIpcStream(telemetryColumnsToArrow(data));
        // A Buffer payload skips the JSON serializer; the cast only quiets the JSON response type.
        return reply.type(ARROW_STREAM).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
      }
      return { deviceId: id, count: data.length, rows: telemetryColumnsToRows(data) };
    },
  );

  app.get(
    '/v1/devices/:id/export',
    { schema: { summary: "Download a device's telemetry as Parquet, CSV or Arrow", params: Params, querystring: ExportQuery, response: { 404: ErrorSchema } } },
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
