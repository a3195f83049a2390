import fp from 'fastify-plugin';
import { HealthService } from '../../health/health-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    health: HealthService;
  }
}

/** How often health watches are checked (TELLTALE_HEALTH_CHECK_MS, default 15 min). */
const DEFAULT_CHECK_MS = 15 * 60_000;

export const healthScorePlugin = fp(
  async (app) => {
    const service = new HealthService(app.store);
    app.decorate('health', service);
    const intervalMs = Number(process.env.TELLTALE_HEALTH_CHECK_MS) || DEFAULT_CHECK_MS;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    const check = () => {
      running ??= service
        .checkWatches()
        .then((r) => {
          if (r.some((x) => x.crossed.length > 0) && app.hasDecorator('alerts')) void app.alerts.worker.nudge();
        })
        .catch((err: unknown) => app.log.error({ err }, 'health watch check failed'))
        .finally(() => (running = undefined));
    };
    app.addHook('onReady', async () => {
      timer = setInterval(check, intervalMs);
      timer.unref();
    });
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await running;
    });
  },
  { name: 'health-score', dependencies: ['store'] },
);
