import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { COLUMN_NAMES, isColumnName, type ColumnName } from '../../domain/telemetry-schema.ts';
import { TELEMETRY_DEFAULT_LIMIT, TELEMETRY_MAX_LIMIT } from '../../services/telemetry-read-service.ts';
import { announceNextPage, pagingQuery } from '../paging.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { TelemetryColumnsSchema, TelemetryRowOutSchema } from '../schemas/telemetry-row-schema.ts';
import { parseTimeParam } from '../time-param.ts';

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';

export const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
export const RangeQuery = {
  from: Type.Optional(Type.String({ description: 'Inclusive start: ISO 8601 or epoch ms' })),
  to: Type.Optional(Type.String({ description: 'Exclusive end: ISO 8601 or epoch ms' })),
};
const TelemetryQuery = Type.Object({
  ...RangeQuery,
  columns: Type.Optional(Type.String({ description: `Comma-separated subset of: ${COLUMN_NAMES.join(', ')}; exactly these come back (default: all)` })),
  shape: Type.Optional(Type.Union([Type.Literal('rows'), Type.Literal('columns')], { default: 'rows', description: 'JSON shape: one object per row, or one array per column (ts in epoch ms)' })),
  ...pagingQuery({ limit: TELEMETRY_DEFAULT_LIMIT, max: TELEMETRY_MAX_LIMIT }),
});
const NextCursor = Type.Union([Type.String(), Type.Null()], { description: 'Pass back as `cursor` for the next page; null on the last page' });

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
        summary: `A page of a device's telemetry in time order: JSON rows or columns, or an Arrow IPC stream with Accept: ${ARROW_STREAM}; the next page's cursor is in x-next-cursor (and nextCursor)`,
        params: Params,
        querystring: TelemetryQuery,
        produces: ['application/json', ARROW_STREAM],
        response: {
          200: Type.Union([
            Type.Object({ deviceId: Type.String(), count: Type.Integer(), rows: Type.Array(TelemetryRowOutSchema), nextCursor: NextCursor }),
            Type.Object({ deviceId: Type.String(), count: Type.Integer(), columns: TelemetryColumnsSchema, nextCursor: NextCursor }),
          ]),
          404: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const arrow = wantsArrow(request.headers.accept);
      const page = await app.core.readTelemetry({
        deviceId: id,
        fromMs: parseTimeParam(request.query.from, 'from'),
        toMs: parseTimeParam(request.query.to, 'to'),
        columns: parseColumns(request.query.columns),
        limit: request.query.limit,
        cursor: request.query.cursor,
        format: arrow ? 'arrow' : (request.query.shape ?? 'rows'),
      });
      if (!page) return reply.notFound(`no device '${id}'`);
      announceNextPage(request, reply, page.nextCursor);
      // A Buffer or stream payload skips the JSON serializer (the body is written already); the cast only quiets the response type.
      return reply.type(arrow ? ARROW_STREAM : 'application/json; charset=utf-8').send(page.body as never);
    },
  );
}
