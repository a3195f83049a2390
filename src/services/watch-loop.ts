import type { CohortService } from '../cohorts/cohort-service.ts';
import type { HealthService } from '../health/health-service.ts';

/**
 * Checks the watched cohorts and the health watches every `intervalMs` (a check is a few
 * aggregate queries) and nudges the delivery worker when something was queued. One check at a
 * time; `stop` waits for the one in progress.
 */
export class WatchLoop {
  private readonly cohorts: CohortService;
  private readonly health: HealthService;
  private readonly intervalMs: number;
  private readonly onQueued: () => void;
  private readonly onError: (err: unknown) => void;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(options: { cohorts: CohortService; health: HealthService; intervalMs: number; onQueued: () => void; onError: (err: unknown) => void }) {
    this.cohorts = options.cohorts;
    this.health = options.health;
    this.intervalMs = options.intervalMs;
    this.onQueued = options.onQueued;
    this.onError = options.onError;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  check(): Promise<void> {
    this.running ??= (async () => {
      try {
        const cohorts = await this.cohorts.checkWatches();
        const health = await this.health.checkWatches();
        if (cohorts.some((c) => c.rising) || health.some((h) => h.crossed.length > 0)) this.onQueued();
      } catch (err) {
        this.onError(err);
      }
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
