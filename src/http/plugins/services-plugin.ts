import fp from 'fastify-plugin';
import type { AlertEngine } from '../../alerts/alert-engine.ts';
import type { AuditLog } from '../../auth/audit-log.ts';
import type { DeliveryWorker } from '../../alerts/delivery-worker.ts';
import type { DerivedPipeline } from '../../pipeline/derived-pipeline.ts';
import type { Services } from '../../services/compose-services.ts';
import type { TelemetryStore } from '../../store/telemetry-store.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every service, from the composition root (src/services/compose-services.ts). */
    services: Services;
    /** The names routes and tests used before the composition root; the same objects. */
    store: TelemetryStore;
    detection: DerivedPipeline;
    sessions: DerivedPipeline;
    alerts: { engine: AlertEngine; worker: DeliveryWorker };
    /** The audit trail (the DuckDB store's); the auth plugin records through app.core.audit, the same object here. */
    audit: AuditLog;
  }
}

/**
 * Shares the services built once by the composition root with every route. On ready the pipeline
 * resumes what a crash left and the alert loops start; on close queued derived work is finished,
 * the loops stop and the models are released (the store stays its opener's to close).
 */
export const servicesPlugin = fp<{ services: Services }>(
  async (app, { services }) => {
    app.decorate('services', services);
    app.decorate('store', services.store);
    app.decorate('detection', services.pipeline);
    app.decorate('sessions', services.pipeline);
    app.decorate('alerts', services.alerts);
    app.decorate('audit', services.audit);
    app.addHook('onReady', async () => services.start({ live: true }));
    app.addHook('onClose', async () => services.close());
  },
  { name: 'services' },
);
