import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { COHORT_FORMATS } from '../../cohorts/cohort-service.ts';
import { CohortQuerySchema } from '../../domain/cohorts/cohort-query.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';

export const CohortOutputQuery = Type.Object({
  format: Type.Optional(Type.Union(COHORT_FORMATS.map((f) => Type.Literal(f)), { default: 'json', description: 'json, arrow (IPC file), arrows (IPC stream), parquet, ndjson, or a chart: svg, png, vl.json' })),
  per: Type.Optional(Type.Union([Type.Literal('hours'), Type.Literal('km')], { default: 'hours', description: 'chart: rate per 1,000 driving hours or per 10,000 km' })),
  width: Type.Optional(Type.Integer({ minimum: 300, maximum: 4000 })),
  height: Type.Optional(Type.Integer({ minimum: 150, maximum: 3000 })),
});

/** POST /v1/cohorts/query: rates of moments of truth per group of vehicles, with exact intervals. */
export async function cohortsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v1/cohorts/query',
    { schema: { summary: 'Cohort of vehicles: exposure, moments of truth, exact rates and rate ratios per group', body: CohortQuerySchema, querystring: CohortOutputQuery, response: { 400: ErrorSchema } } },
    async (request, reply) => {
      const result = await app.services.cohorts.query(request.body);
      const { format = 'json', per, width, height } = request.query;
      const out = await app.services.cohorts.render(result, format, { per, widthPx: width, heightPx: height });
      return reply.type(out.contentType).send(out.body as never);
    },
  );
}
