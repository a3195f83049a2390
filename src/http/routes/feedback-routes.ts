import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { FeedbackKindSchema, FeedbackRecordSchema } from '../../domain/feedback/feedback-record.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { parseTimeParam } from '../time-param.ts';

const SummarySchema = Type.Object({
  batchId: Type.String(),
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Integer(),
  errors: Type.Array(Type.Object({ row: Type.Integer(), field: Type.String(), reason: Type.String() })),
});
const ImportQuery = Type.Object({
  device: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'device of rows without a device_id column' })),
  kind: Type.Optional(FeedbackKindSchema),
  delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1, description: 'CSV field separator (default ,)' })),
  source: Type.Optional(Type.String({ maxLength: 256 })),
});
const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const ListQuery = Type.Object({ from: Type.Optional(Type.String()), to: Type.Optional(Type.String()), kind: Type.Optional(FeedbackKindSchema) });

/** POST /v1/feedback (CSV or NDJSON), GET /v1/devices/:id/feedback. */
export async function feedbackRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // Scoped to this plugin: the telemetry route streams the same content types itself.
  app.addContentTypeParser(['text/csv', 'application/x-ndjson'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post(
    '/v1/feedback',
    {
      schema: {
        summary: 'Import customer feedback (NPS, CSAT, tickets, reviews) as text/csv or application/x-ndjson; bad rows are quarantined with row and field',
        querystring: ImportQuery,
        response: { 200: SummarySchema, 400: ErrorSchema, 415: ErrorSchema },
      },
    },
    async (request, reply) => {
      const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (type !== 'text/csv' && type !== 'application/x-ndjson') return reply.unsupportedMediaType(`content-type ${type || '(none)'}: send text/csv or application/x-ndjson`);
      const q = request.query;
      return app.services.feedback.import({ text: request.body as string, format: type === 'text/csv' ? 'csv' : 'ndjson', source: q.source ?? 'http', deviceId: q.device, kind: q.kind, delimiter: q.delimiter });
    },
  );

  app.get(
    '/v1/devices/:id/feedback',
    { schema: { summary: "A device's feedback, oldest first", params: Params, querystring: ListQuery, response: { 200: Type.Array(FeedbackRecordSchema), 400: ErrorSchema } } },
    async (request) =>
      app.services.feedback.list({ deviceId: request.params.id, fromMs: parseTimeParam(request.query.from, 'from'), toMs: parseTimeParam(request.query.to, 'to'), kind: request.query.kind }),
  );
}
