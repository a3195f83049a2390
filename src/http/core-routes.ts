import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import helmet from '@fastify/helmet';
import sensible from '@fastify/sensible';
import type { FastifyInstance } from 'fastify';
import type { CoreApi } from '../services/core-api.ts';
import { defaultAllowedHosts } from './auth/host-check.ts';
import { authPlugin } from './plugins/auth-plugin.ts';
import { corePlugin } from './plugins/core-plugin.ts';
import { installErrorHandler } from './plugins/error-handler.ts';
import { limitsPlugin, type LimitOptions } from './plugins/limits-plugin.ts';
import { metricsPlugin } from './plugins/metrics-plugin.ts';
import { chartRoutes } from './routes/chart-routes.ts';
import { deviceTelemetryRoutes } from './routes/device-telemetry-routes.ts';
import { eventsRoutes } from './routes/events-routes.ts';
import { healthRoute } from './routes/health-route.ts';
import { incidentsRoutes } from './routes/incidents-routes.ts';
import { keysRoutes } from './routes/keys-routes.ts';
import { loginRoutes } from './routes/login-routes.ts';
import { sessionsRoutes } from './routes/sessions-routes.ts';
import { telemetryIngestRoute } from './routes/telemetry-ingest-route.ts';

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

export interface CoreRouteOptions {
  bodyLimitBytes: number;
  /** Host names answered (Host header, WebSocket and page Origin); default localhost and the loopback addresses. */
  allowedHosts?: readonly string[] | undefined;
  /** Requests a minute, uploads and replay sockets at once, per key (DEFAULT_LIMITS). */
  limits?: Partial<LimitOptions> | undefined;
}

/** What every Telltale server has, before any route: the error handler, sensible replies and the security headers. */
export async function registerBase(app: FastifyInstance): Promise<void> {
  installErrorHandler(app);
  await app.register(sensible);
  // same-origin, not helmet's no-referrer: under no-referrer a browser sends `Origin: null` with the
  // sign-in form, which the Origin check must refuse.
  await app.register(helmet, { contentSecurityPolicy: { directives: CONTENT_POLICY }, referrerPolicy: { policy: 'same-origin' } });
}

/**
 * The routes written against the narrow CoreApi, the same on the DuckDB file and on a ClickHouse
 * cluster: health, ingest, a device's telemetry, sessions and events, incidents, charts, keys and
 * sign-in — behind the one auth plugin, the limits and the metrics. Docs at /docs list what is served.
 */
export async function registerCoreRoutes(app: FastifyInstance, core: CoreApi, o: CoreRouteOptions): Promise<void> {
  await app.register(corePlugin, { core });
  // Before every route (docs included): its onRoute hook lists routes missing from the access table.
  await app.register(authPlugin, { allowedHosts: o.allowedHosts ?? defaultAllowedHosts(undefined) });
  await app.register(limitsPlugin, o.limits ?? {});
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
  await app.register(telemetryIngestRoute, { bodyLimitBytes: o.bodyLimitBytes });
  await app.register(deviceTelemetryRoutes);
  await app.register(sessionsRoutes);
  await app.register(eventsRoutes);
  await app.register(incidentsRoutes);
  await app.register(chartRoutes);
  await app.register(loginRoutes);
  await app.register(keysRoutes);
}
