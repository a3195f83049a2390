import fp from 'fastify-plugin';
import { CohortService } from '../../cohorts/cohort-service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    cohorts: CohortService;
  }
}

/** How often watched cohorts are checked (TELLTALE_COHORT_CHECK_MS; a check is a few cohort queries). */
const DEFAULT_CHECK_MS = 15 * 60_000;

export const cohortsPlugin = fp<{ checkIntervalMs?: number }>(
  async (app, options) => {
    const service = new CohortService(app.store);
    app.decorate('cohorts', service);
    const intervalMs = options.checkIntervalMs ?? (Number(process.env.TELLTALE_COHORT_CHECK_MS) || DEFAULT_CHECK_MS);
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    const check = () => {
      running ??= service
        .checkWatches()
        .then((checks) => {
          if (checks.some((c) => c.rising) && app.hasDecorator('alerts')) void app.alerts.worker.nudge();
        })
        .catch((err: unknown) => app.log.error({ err }, 'cohort watch check failed'))
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
  { name: 'cohorts', dependencies: ['store'] },
);
