import fp from 'fastify-plugin';
import type { TelemetryStore } from '../../store/telemetry-store.ts';

declare module 'fastify' {
  interface FastifyInstance {
    store: TelemetryStore;
  }
}

/** Shares the one TelemetryStore with every route; the caller owns opening and closing it. */
export const storePlugin = fp<{ store: TelemetryStore }>(
  async (app, { store }) => {
    app.decorate('store', store);
  },
  { name: 'store' },
);
