import type { Role } from '../../domain/auth/role.ts';

/** What the audit trail records a request as. */
export type AuditAction = 'read' | 'export' | 'chart' | 'replay' | 'change' | 'purge';

export interface RouteAccess {
  /** Roles that may call it; 'public' needs no key; 'page' shows the login form to a visitor without one. */
  roles: readonly Role[] | 'public' | 'page';
  /** The path parameter holding a device id: fleet-scoped keys see only their fleets' devices (others: 404 as if unknown). */
  device?: string;
  /** The path parameter holding an incident id (checked through the incident's device). */
  incident?: string;
  /** Fleet-scoped keys: 'filter' trims a list to their fleets; 'unscoped-only' refuses them (the resource spans fleets). */
  scoped?: 'filter' | 'unscoped-only';
  audit?: AuditAction;
}

const READ: readonly Role[] = ['support', 'analyst', 'admin'];
const SUPPORT: readonly Role[] = ['support', 'admin'];
const EXPORT: readonly Role[] = ['analyst', 'admin'];
const INGEST: readonly Role[] = ['ingest', 'admin'];
const ADMIN: readonly Role[] = ['admin'];

/**
 * Every route of the service and who may call it, in one place (keyed by method and the URL
 * pattern as registered). HEAD follows GET. A route missing here is refused to everyone and a
 * test lists it, so a route added elsewhere cannot be left open by accident.
 */
export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  'GET /healthz': { roles: 'public' },
  'GET /docs': { roles: 'public' },
  'GET /docs/': { roles: 'public' },
  'GET /docs/static/index.html': { roles: 'public' },
  'GET /docs/static/swagger-initializer.js': { roles: 'public' },
  'GET /docs/*': { roles: 'public' },
  'GET /docs/static/*': { roles: 'public' },
  'GET /docs/json': { roles: 'public' },
  'GET /docs/yaml': { roles: 'public' },
  'GET /assets/:file': { roles: 'public' },
  'POST /login': { roles: 'public' },
  'POST /logout': { roles: 'public' },
  'GET /': { roles: 'page' },
  'GET /replay/:deviceId': { roles: 'page', device: 'deviceId' },
  'GET /devices/:deviceId': { roles: 'page', device: 'deviceId' },
  'GET /incidents': { roles: 'page' },
  'GET /incidents/:id': { roles: 'page', incident: 'id' },
  'GET /metrics': { roles: ADMIN, scoped: 'unscoped-only' },

  // Fleet-scoped ingest keys write only to devices registered in their fleets (checked at commit).
  'POST /v1/telemetry': { roles: INGEST },
  'GET /v1/devices': { roles: READ, scoped: 'filter' },
  'GET /v1/devices/:id': { roles: READ, device: 'id' },
  // Fleet-scoped keys get their fleets' values only (the service is given the key's fleets).
  'GET /v1/device-facets': { roles: READ },
  'PUT /v1/devices/:id': { roles: ADMIN, device: 'id', audit: 'change' },
  // Audited by the privacy service itself, with what was removed.
  'DELETE /v1/devices/:id': { roles: ADMIN, device: 'id' },
  'GET /v1/devices/:id/telemetry': { roles: READ, device: 'id', audit: 'read' },
  'GET /v1/devices/:id/timeline': { roles: READ, device: 'id', audit: 'read' },
  'GET /v1/devices/:id/export': { roles: EXPORT, device: 'id', audit: 'export' },
  'GET /v1/devices/:id/events': { roles: READ, device: 'id', audit: 'read' },
  'GET /v1/events': { roles: READ, scoped: 'filter', audit: 'read' },
  'GET /v1/devices/:id/sessions': { roles: READ, device: 'id', audit: 'read' },
  'GET /v1/devices/:id/annotations': { roles: READ, device: 'id' },
  'POST /v1/devices/:id/annotations': { roles: READ, device: 'id', audit: 'change' },
  'DELETE /v1/devices/:id/annotations/:annotationId': { roles: READ, device: 'id', audit: 'change' },
  'GET /v1/devices/:id/claims': { roles: READ, device: 'id' },
  'GET /v1/devices/:id/chart.svg': { roles: READ, device: 'id', audit: 'chart' },
  'GET /v1/devices/:id/chart.png': { roles: READ, device: 'id', audit: 'chart' },
  'GET /v1/devices/:id/chart.vl.json': { roles: READ, device: 'id', audit: 'chart' },
  'GET /v1/replay': { roles: SUPPORT },

  'POST /v1/detect': { roles: ADMIN, scoped: 'unscoped-only' },
  'GET /v1/chargers': { roles: READ },
  'POST /v1/chargers': { roles: ADMIN, audit: 'change' },
  'GET /v1/alert-rules': { roles: ADMIN, scoped: 'unscoped-only' },
  'POST /v1/alert-rules': { roles: ADMIN, scoped: 'unscoped-only', audit: 'change' },
  'GET /v1/alert-rules/:id': { roles: ADMIN, scoped: 'unscoped-only' },
  'PUT /v1/alert-rules/:id': { roles: ADMIN, scoped: 'unscoped-only', audit: 'change' },
  'DELETE /v1/alert-rules/:id': { roles: ADMIN, scoped: 'unscoped-only', audit: 'change' },
  'GET /v1/incidents': { roles: READ, scoped: 'filter' },
  'GET /v1/incidents/stream': { roles: READ, scoped: 'unscoped-only' },
  'GET /v1/incidents/:id': { roles: READ, incident: 'id' },
  'GET /v1/incidents/:id/detail': { roles: READ, incident: 'id' },
  'POST /v1/incidents/:id/ack': { roles: SUPPORT, incident: 'id', audit: 'change' },
  'POST /v1/incidents/:id/resolve': { roles: SUPPORT, incident: 'id', audit: 'change' },
  'GET /v1/outbox': { roles: ADMIN, scoped: 'unscoped-only' },
  'POST /v1/outbox/:id/replay': { roles: ADMIN, scoped: 'unscoped-only', audit: 'change' },

  'GET /v1/keys': { roles: ADMIN, scoped: 'unscoped-only' },
  'POST /v1/keys': { roles: ADMIN, scoped: 'unscoped-only', audit: 'change' },
  'DELETE /v1/keys/:id': { roles: ADMIN, scoped: 'unscoped-only', audit: 'change' },
  'GET /v1/audit': { roles: ADMIN, scoped: 'unscoped-only' },

  // Analysts: cohorts span fleets, so a fleet-scoped key is refused rather than shown other fleets' rates.
  'POST /v1/cohorts/query': { roles: EXPORT, scoped: 'unscoped-only', audit: 'read' },
  'GET /v1/cohorts': { roles: EXPORT, scoped: 'unscoped-only' },
  'GET /v1/cohorts/:name': { roles: EXPORT, scoped: 'unscoped-only' },
  'PUT /v1/cohorts/:name': { roles: EXPORT, scoped: 'unscoped-only', audit: 'change' },
  'DELETE /v1/cohorts/:name': { roles: EXPORT, scoped: 'unscoped-only', audit: 'change' },
  'POST /v1/cohorts/:name/query': { roles: EXPORT, scoped: 'unscoped-only', audit: 'read' },
  'POST /v1/cohorts/:name/check': { roles: EXPORT, scoped: 'unscoped-only' },
  'POST /v1/feedback': { roles: INGEST, scoped: 'unscoped-only' },
  'GET /v1/devices/:id/feedback': { roles: READ, device: 'id', audit: 'read' },
  'GET /v1/devices/:id/health': { roles: READ, device: 'id', audit: 'read' },
  'GET /v1/devices/:id/health/history': { roles: READ, device: 'id', audit: 'read' },
  'GET /v1/health': { roles: READ, scoped: 'unscoped-only' },
  'PUT /v1/health/watches/:watchId': { roles: ADMIN, scoped: 'unscoped-only', audit: 'change' },
  'POST /v1/health/check': { roles: ADMIN, scoped: 'unscoped-only' },
};

/** The table's entry for a request's method and registered URL (HEAD as GET). */
export function routeAccess(method: string, url: string | undefined): RouteAccess | undefined {
  if (url === undefined) return undefined;
  return ROUTE_ACCESS[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}
