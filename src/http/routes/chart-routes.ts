import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ChartFormat } from '../../chart/render-chart.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { parseTimeParam } from '../time-param.ts';

const FORMATS: ChartFormat[] = ['svg', 'png', 'vl.json'];
const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const Query = Type.Object({
  from: Type.Optional(Type.String({ description: 'Inclusive start: ISO 8601 or epoch ms' })),
  to: Type.Optional(Type.String({ description: 'Exclusive end: ISO 8601 or epoch ms' })),
  session: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A session id: its bounds replace from/to' })),
  x: Type.Optional(Type.Union([Type.Literal('time'), Type.Literal('distance')], { default: 'time', description: 'time shows stops; distance squeezes them' })),
  width: Type.Optional(Type.Integer({ minimum: 200, maximum: 4000, default: 900 })),
  height: Type.Optional(Type.Integer({ minimum: 150, maximum: 3000, default: 600 })),
  units: Type.Optional(Type.Union([Type.Literal('metric'), Type.Literal('imperial')], { default: 'metric' })),
  power: Type.Optional(Type.Boolean({ default: false, description: 'Add the battery power panel' })),
  public: Type.Optional(Type.Boolean({ default: false, description: 'Fair to publish: no GPS, no place names, no free text, time from t = 0, no device id' })),
  scale: Type.Optional(Type.Number({ minimum: 1, maximum: 4, default: 1, description: 'PNG pixels per chart pixel' })),
});

/** GET /v1/devices/:id/chart.{svg,png,vl.json}: a stacked, annotated chart of a range or a session. */
export async function chartRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  for (const format of FORMATS) {
    app.get(
      `/v1/devices/:id/chart.${format}`,
      {
        schema: {
          summary: `Speed, charge and range, temperatures (and power) with periods, events, places and call-outs, as ${format}`,
          params: Params,
          querystring: Query,
          response: { 400: ErrorSchema, 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const q = request.query;
        if (q.session !== undefined && (q.from !== undefined || q.to !== undefined)) return reply.badRequest('session: a session has its own bounds; give session or from/to, not both');
        const chart = await app.core.chart({
          deviceId: request.params.id,
          fromMs: parseTimeParam(q.from, 'from'),
          toMs: parseTimeParam(q.to, 'to'),
          sessionId: q.session,
          format,
          x: q.x,
          widthPx: q.width,
          heightPx: q.height,
          units: q.units,
          power: q.power,
          public: q.public,
          scale: q.scale,
        });
        return reply.type(chart.contentType).send(chart.body as never);
      },
    );
  }
}
