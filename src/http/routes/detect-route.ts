import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { DetectedEventSchema } from '../../domain/events/detected-event.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { parseTimeParam } from '../time-param.ts';

const Body = Type.Object({
  deviceId: Type.String({ minLength: 1, maxLength: 128 }),
  from: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms (inclusive); default: the whole history' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms (exclusive)' })),
});
const Reply = Type.Object({
  deviceId: Type.String(),
  rows: Type.Integer({ description: 'Telemetry rows read, lookback included' }),
  created: Type.Integer(),
  updated: Type.Integer(),
  removed: Type.Integer(),
  events: Type.Array(DetectedEventSchema),
});

export async function detectRoute(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v1/detect',
    { schema: { summary: "Run the detectors over a device's window and store the events (idempotent)", body: Body, response: { 200: Reply, 400: ErrorSchema, 404: ErrorSchema } } },
    async (request) => {
      const { deviceId } = request.body;
      const fromMs = parseTimeParam(request.body.from, 'from');
      const toMs = parseTimeParam(request.body.to, 'to');
      const r = await app.services.detection.detect(deviceId, { fromMs, toMs });
      return { deviceId, rows: r.rows, created: r.changes.created.length, updated: r.changes.updated.length, removed: r.changes.removed.length, events: r.events };
    },
  );
}
