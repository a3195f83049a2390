import fp from 'fastify-plugin';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface TelltaleMetrics {
  registry: Registry;
  ingestRows: Counter<'outcome'>;
  ingestBatches: Counter<'format' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: TelltaleMetrics;
  }
}

/** Prometheus metrics at /metrics: ingest counters, request durations and the process defaults. */
export const metricsPlugin = fp(
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const metrics: TelltaleMetrics = {
      registry,
      ingestRows: new Counter({ name: 'telltale_ingest_rows_total', help: 'Rows received by ingest, by outcome', labelNames: ['outcome'], registers: [registry] }),
      ingestBatches: new Counter({ name: 'telltale_ingest_batches_total', help: 'Ingest batches, by format and final status', labelNames: ['format', 'status'], registers: [registry] }),
      httpDuration: new Histogram({
        name: 'telltale_http_request_duration_seconds',
        help: 'HTTP request duration',
        labelNames: ['method', 'route', 'status'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
    };
    app.decorate('metrics', metrics);
    app.addHook('onResponse', async (request, reply) => {
      metrics.httpDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
    app.get('/metrics', { schema: { hide: true } as object }, async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'metrics' },
);
