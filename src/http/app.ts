import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import helmet from '@fastify/helmet';
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
import { authPlugin } from './plugins/auth-plugin.ts';
import { limitsPlugin, type LimitOptions } from './plugins/limits-plugin.ts';
import { defaultAllowedHosts } from './auth/host-check.ts';
import { loginRoutes } from './routes/login-routes.ts';
import { keysRoutes } from './routes/keys-routes.ts';
import { auditRoute } from './routes/audit-route.ts';
import { privacyRoutes } from './routes/privacy-routes.ts';

/**
 * The pages load only their own scripts, styles and sockets: no inline script, no other origin,
 * no framing (the replay page's SVG is built with DOM calls, so no inline style is needed either).
 */
const CONTENT_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // Off: it would send page loads on http://127.0.0.1 to https, where nothing listens.
  upgradeInsecureRequests: null,
};

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
  installErrorHandler(app);
  await app.register(sensible);
  // same-origin, not helmet's no-referrer: under no-referrer a browser sends `Origin: null` with the
  // sign-in form, which the Origin check must refuse.
  await app.register(helmet, { contentSecurityPolicy: { directives: CONTENT_POLICY }, referrerPolicy: { policy: 'same-origin' } });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const services = options.services ?? (await composeServices(options.store, {
    detectors: options.detectors ?? 'load',
    alerts: options.alerts,
    pipeline: options.pipeline,
    webhookAllow: options.webhookAllow,
    log: { info: (fields, msg) => app.log.info(fields, msg), warn: (fields, msg) => app.log.warn(fields, msg), error: (fields, msg) => app.log.error(fields, msg) },
  }));
  await app.register(servicesPlugin, { services });
  // Before every route (docs included): its onRoute hook lists routes missing from the access table.
  await app.register(authPlugin, { allowedHosts: options.allowedHosts ?? defaultAllowedHosts(undefined) });
  await app.register(limitsPlugin, options.limits ?? {});
  await app.register(swagger, {
    openapi: {
      info: { title: 'Telltale', version: '0.1.0', description: 'Vehicle telemetry: store, segment, detect, replay, chart' },
    },
  });
  // The docs page has inline scripts of its own: swagger-ui sends a policy with their hashes for its
  // routes. Its React code sets inline styles, allowed there only (styles, never scripts).
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/style-src [^;]*/, "style-src 'self' 'unsafe-inline'"),
  });
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
  await app.register(loginRoutes);
  await app.register(keysRoutes);
  await app.register(auditRoute);
  await app.register(privacyRoutes);
  return app;
}
