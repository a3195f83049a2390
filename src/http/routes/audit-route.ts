import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { parseTimeParam } from '../time-param.ts';

const Query = Type.Object({
  device: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  key: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  action: Type.Optional(Type.Union(['read', 'export', 'chart', 'replay', 'change', 'purge'].map((a) => Type.Literal(a)))),
  from: Type.Optional(Type.String({ maxLength: 64 })),
  to: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1000 })),
});

/** GET /v1/audit (admin): who read, replayed, exported or charted what, and every change; newest first. */
export async function auditRoute(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/v1/audit', { schema: { summary: 'The audit trail, newest first', querystring: Query } }, async (request) =>
    app.audit.list({
      deviceId: request.query.device,
      keyId: request.query.key,
      action: request.query.action,
      fromMs: parseTimeParam(request.query.from, 'from'),
      toMs: parseTimeParam(request.query.to, 'to'),
      limit: request.query.limit,
    }),
  );
}
