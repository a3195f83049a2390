import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import sensible from '@fastify/sensible';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import { composeServices, type Services, type ServicesOptions } from '../services/compose-services.ts';
import { installErrorHandler } from './plugins/error-handler.ts';
import { servicesPlugin } from './plugins/services-plugin.ts';
import { metricsPlugin } from './plugins/metrics-plugin.ts';
import type { Detector } from '../domain/detect/detector.ts';
import { chargersRoutes } from './routes/chargers-routes.ts';
import { detectRoute } from './routes/detect-route.ts';
import { eventsRoutes } from './routes/events-routes.ts';
import { annotationsRoutes } from './routes/annotations-routes.ts';
import type { AlertConfig } from '../alerts/alert-config.ts';
import { alertRulesRoutes } from './routes/alert-rules-routes.ts';
import { incidentsRoutes } from './routes/incidents-routes.ts';
import { outboxRoutes } from './routes/outbox-routes.ts';
import { devicesRoutes } from './routes/devices-routes.ts';
import { deviceTelemetryRoutes } from './routes/device-telemetry-routes.ts';
import { healthRoute } from './routes/health-route.ts';
import { sessionsRoutes } from './routes/sessions-routes.ts';
import { timelineRoute } from './routes/timeline-route.ts';
import { chartRoutes } from './routes/chart-routes.ts';
import { replayRoute, type ReplayRouteOptions } from './routes/replay-route.ts';
import { webRoutes } from './routes/web-routes.ts';
import { telemetryIngestRoute } from './routes/telemetry-ingest-route.ts';
import { cohortsRoutes } from './routes/cohorts-routes.ts';
import { savedCohortsRoutes } from './routes/saved-cohorts-routes.ts';
import { feedbackRoutes } from './routes/feedback-routes.ts';
import { healthScoreRoutes } from './routes/health-score-routes.ts';

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
}

/** The HTTP service: plugins (docs, metrics, the services), then the routes, each a schema, a service call and the reply. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const bodyLimitBytes = options.bodyLimitBytes ?? 512 * 1024 * 1024;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: bodyLimitBytes });
  installErrorHandler(app);
  await app.register(sensible);
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Telltale', version: '0.1.0', description: 'Vehicle telemetry: store, segment, detect, replay, chart' },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  const services = options.services ?? (await composeServices(options.store, {
    detectors: options.detectors ?? 'load',
    alerts: options.alerts,
    pipeline: options.pipeline,
    log: { info: (fields, msg) => app.log.info(fields, msg), warn: (fields, msg) => app.log.warn(fields, msg), error: (fields, msg) => app.log.error(fields, msg) },
  }));
  await app.register(servicesPlugin, { services });
  await app.register(metricsPlugin);
  await app.register(healthRoute);
  await app.register(telemetryIngestRoute, { bodyLimitBytes });
  await app.register(devicesRoutes);
  await app.register(deviceTelemetryRoutes);
  await app.register(sessionsRoutes);
  await app.register(chargersRoutes);
  await app.register(detectRoute);
  await app.register(eventsRoutes);
  await app.register(annotationsRoutes);
  await app.register(alertRulesRoutes);
  await app.register(incidentsRoutes);
  await app.register(outboxRoutes);
  await app.register(timelineRoute);
  await app.register(chartRoutes);
  await app.register(replayRoute, options.replay ?? {});
  await app.register(webRoutes);
  await app.register(cohortsRoutes);
  await app.register(savedCohortsRoutes);
  await app.register(feedbackRoutes);
  await app.register(healthScoreRoutes);
  return app;
}
