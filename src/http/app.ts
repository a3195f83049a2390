import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import { composeServices, type Services, type ServicesOptions } from '../services/compose-services.ts';
import { servicesPlugin } from './plugins/services-plugin.ts';
import type { LimitOptions } from './plugins/limits-plugin.ts';
import { coreApiOfServices } from '../services/duckdb-core-api.ts';
import { registerBase, registerCoreRoutes } from './core-routes.ts';
import { deviceExportRoute } from './routes/device-export-route.ts';
import { fleetEventsRoute } from './routes/fleet-events-route.ts';
import { incidentActionsRoutes } from './routes/incident-actions-routes.ts';
import type { Detector } from '../domain/detect/detector.ts';
import { chargersRoutes } from './routes/chargers-routes.ts';
import { detectRoute } from './routes/detect-route.ts';
import { annotationsRoutes } from './routes/annotations-routes.ts';
import type { AlertConfig } from '../alerts/alert-config.ts';
import { alertRulesRoutes } from './routes/alert-rules-routes.ts';
import { outboxRoutes } from './routes/outbox-routes.ts';
import { devicesRoutes } from './routes/devices-routes.ts';
import { timelineRoute } from './routes/timeline-route.ts';
import { replayRoute, type ReplayRouteOptions } from './routes/replay-route.ts';
import { webRoutes } from './routes/web-routes.ts';
import { cohortsRoutes } from './routes/cohorts-routes.ts';
import { savedCohortsRoutes } from './routes/saved-cohorts-routes.ts';
import { feedbackRoutes } from './routes/feedback-routes.ts';
import { healthScoreRoutes } from './routes/health-score-routes.ts';
import { auditRoute } from './routes/audit-route.ts';
import { privacyRoutes } from './routes/privacy-routes.ts';

export interface AppOptions {
  /** The store to serve; the app builds its services over it (the caller opens and closes the store). */
  store: TelemetryStore;
  /** Services already built by the composition root (serve); otherwise built here from `store`. */
  services?: Services;
  bodyLimitBytes?: number;
  logger?: FastifyServerOptions['logger'];
  /** Detectors to run (default: loaded from models/). */
  detectors?: readonly Detector[];
  /** Alert rules and delivery settings from the config file (rules may also come from the API). */
  alerts?: AlertConfig;
  /** Replay clock and limits (tests inject a manual clock and a small congestion limit). */
  replay?: ReplayRouteOptions;
  /** Throttle, clock and timers of the derived pipeline (tests). */
  pipeline?: ServicesOptions['pipeline'];
  /** Host names answered (Host header, WebSocket and page Origin); default localhost and the loopback addresses. */
  allowedHosts?: readonly string[];
  /** Inside webhook targets allowed (TELLTALE_WEBHOOK_ALLOW): addresses, CIDR ranges or host names. */
  webhookAllow?: readonly string[];
  /** Requests a minute, uploads and replay sockets at once, per key (DEFAULT_LIMITS). */
  limits?: Partial<LimitOptions>;
}

/** The HTTP service: plugins (docs, metrics, the services), then the routes, each a schema, a service call and the reply. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const bodyLimitBytes = options.bodyLimitBytes ?? 512 * 1024 * 1024;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: bodyLimitBytes });
  await registerBase(app);
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const services = options.services ?? (await composeServices(options.store, {
    detectors: options.detectors ?? 'load',
    alerts: options.alerts,
    pipeline: options.pipeline,
    webhookAllow: options.webhookAllow,
    log: { info: (fields, msg) => app.log.info(fields, msg), warn: (fields, msg) => app.log.warn(fields, msg), error: (fields, msg) => app.log.error(fields, msg) },
  }));
  await app.register(servicesPlugin, { services });
  await registerCoreRoutes(app, coreApiOfServices(services), { bodyLimitBytes, allowedHosts: options.allowedHosts, limits: options.limits });
  // The routes of the DuckDB store only (they call its services directly).
  await app.register(deviceExportRoute);
  await app.register(devicesRoutes);
  await app.register(chargersRoutes);
  await app.register(detectRoute);
  await app.register(fleetEventsRoute);
  await app.register(annotationsRoutes);
  await app.register(alertRulesRoutes);
  await app.register(incidentActionsRoutes);
  await app.register(outboxRoutes);
  await app.register(timelineRoute);
  await app.register(replayRoute, options.replay ?? {});
  await app.register(webRoutes);
  await app.register(cohortsRoutes);
  await app.register(savedCohortsRoutes);
  await app.register(feedbackRoutes);
  await app.register(healthScoreRoutes);
  await app.register(auditRoute);
  await app.register(privacyRoutes);
  return app;
}
