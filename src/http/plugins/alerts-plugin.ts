import fp from 'fastify-plugin';
import type { AlertConfig } from '../../alerts/alert-config.ts';
import { AlertEngine } from '../../alerts/alert-engine.ts';
import { DeliveryWorker } from '../../alerts/delivery-worker.ts';
import { upsertAlertRule } from '../../store/alert-rule-repository.ts';
import { WriteLock } from '../../store/write-lock.ts';

declare module 'fastify' {
  interface FastifyInstance {
    alerts: { engine: AlertEngine; worker: DeliveryWorker };
  }
}

/**
 * Starts the alert engine (events → incidents → outbox) and the delivery worker (outbox →
 * webhooks); rules from the config file are stored first, replacing rules with the same id.
 * On close both stop; notices in flight stay queued and go again at the next start.
 */
export const alertsPlugin = fp<{ config?: AlertConfig | undefined; webhookAllow?: readonly string[] | undefined }>(
  async (app, { config, webhookAllow }) => {
    const lock = new WriteLock();
    if (config) {
      await app.store.withConnection(async (conn) => {
        for (const rule of config.rules) await upsertAlertRule(conn, rule, app.store.now());
      });
      app.log.info({ rules: config.rules.map((r) => r.ruleId) }, 'alert rules loaded');
    }
    const engine = new AlertEngine(app.store, {
      lock, scanIntervalMs: config?.scanIntervalMs, publicUrl: config?.publicUrl,
      onError: (err) => app.log.error({ err }, 'alert scan failed'),
    });
    const worker = new DeliveryWorker(app.store, {
      lock, delivery: config?.delivery, webhookAllow,
      onError: (err) => app.log.error({ err }, 'webhook delivery failed'),
      onAttempt: (item, outcome) => {
        if (outcome.kind !== 'delivered') app.log.warn({ key: item.idempotencyKey, receiver: item.receiver, outcome }, 'webhook attempt failed');
      },
    });
    engine.onQueued(() => void worker.nudge());
    // Polling stays the durable path; this only saves the wait when live detection just wrote events.
    if (app.hasDecorator('detection')) app.detection.onEventsChanged(() => void engine.nudge());
    app.decorate('alerts', { engine, worker });
    app.addHook('onReady', async () => {
      engine.start();
      worker.start();
      void engine.nudge();
    });
    app.addHook('onClose', async () => {
      await engine.stop();
      await worker.stop();
    });
  },
  { name: 'alerts', dependencies: ['store'] },
);
