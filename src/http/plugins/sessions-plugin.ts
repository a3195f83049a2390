import fp from 'fastify-plugin';
import { SessionMaintainer } from '../../sessions/session-maintainer.ts';

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionMaintainer;
  }
}

/** Keeps every device's periods current behind ingest; waits for queued work on close. */
export const sessionsPlugin = fp(
  async (app) => {
    const maintainer = new SessionMaintainer(app.store, (err, deviceId) => app.log.error({ err, deviceId }, 'session update failed'));
    app.decorate('sessions', maintainer);
    app.addHook('onClose', async () => maintainer.idle());
  },
  { name: 'sessions', dependencies: ['store'] },
);
