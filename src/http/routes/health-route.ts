import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

const HealthSchema = Type.Object({ status: Type.Literal('ok'), schemaVersion: Type.Integer() });

/** Liveness and readiness in one: answers only when the store answers a query. */
export async function healthRoute(app: FastifyInstance): Promise<void> {
  app.get('/healthz', { schema: { summary: 'Health check', response: { 200: HealthSchema } } }, async () => ({
    status: 'ok' as const,
    schemaVersion: await app.core.schemaVersion(),
  }));
}
