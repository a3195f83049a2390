import { readFileSync } from 'node:fs';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { KeyService } from '../../auth/key-service.ts';
import { seesFleet, type Principal } from '../../domain/auth/role.ts';
import { MESSAGES } from '../../domain/errors/error-catalogue.ts';
import { routeAccess, type RouteAccess } from '../auth/route-access.ts';
import { hostName } from '../auth/host-check.ts';
import { publicColumns, withoutPositions } from '../auth/public-mode.ts';
import { requestToken } from '../auth/request-token.ts';

declare module 'fastify' {
  interface FastifyInstance {
    keys: KeyService;
    /** Whether a principal may see a device: unknown and other fleets' devices look the same (false). */
    deviceVisible: (principal: Principal | null, deviceId: string) => Promise<boolean>;
    /** Registered routes (method and URL) with no entry in the access table: refused to everyone; a test keeps this empty. */
    unmappedRoutes: () => string[];
    /** Every registered route as `METHOD URL` (HEAD follows GET and is left out). */
    registeredRoutes: () => string[];
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface AuthOptions {
  /** Host names the server answers to (Host header and Origin); see defaultAllowedHosts. */
  allowedHosts: readonly string[];
}

const LOGIN_PAGE = readFileSync(new URL('../../web/login.html', import.meta.url), 'utf8');
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function loginPage(next: string, message: string): string {
  return LOGIN_PAGE.replace('{{next}}', escapeHtml(next)).replace('{{message}}', escapeHtml(message));
}

/** An unknown URL still needs a key: no one without one learns which routes exist. */
const ANY_KEY: RouteAccess = { roles: ['ingest', 'support', 'analyst', 'admin'] };

function refuse(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply.status(status).send({ error, message });
}

/**
 * Access control for every route, in one place: the Host and Origin checks (DNS rebinding,
 * cross-site pages), the key (Bearer header or the pages' cookie), the route's roles from
 * ROUTE_ACCESS, the device's fleet, analysts' public mode, and the audit trail.
 */
export const authPlugin = fp<AuthOptions>(
  async (app: FastifyInstance, options) => {
    await app.register(cookie);
    const allowed = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
    const { keys, audit } = app.core;
    app.decorate('keys', keys);
    app.decorateRequest('principal', null);

    const registered: string[] = [];
    app.addHook('onRoute', (route) => {
      for (const method of ([] as string[]).concat(route.method)) if (method !== 'HEAD') registered.push(`${method} ${route.url}`);
    });
    app.decorate('registeredRoutes', () => [...registered]);
    app.decorate('unmappedRoutes', () => registered.filter((r) => !routeAccess(r.split(' ')[0]!, r.slice(r.indexOf(' ') + 1))));

    // Through the one device check of the services (DeviceService on DuckDB), never a query of its own.
    const deviceFleet = (deviceId: string): Promise<{ fleet: string | null } | undefined> => app.core.findDevice(deviceId);
    const deviceVisible = async (principal: Principal | null, deviceId: string): Promise<boolean> => {
      if (!principal) return false;
      if (principal.fleets === null) return true;
      const device = await deviceFleet(deviceId);
      return device !== undefined && seesFleet(principal, device.fleet);
    };
    app.decorate('deviceVisible', deviceVisible);

    app.addHook('onRequest', async (request, reply) => {
      const host = hostName(request.headers.host ?? '');
      if (!host || !allowed.has(host)) return refuse(reply, 421, 'UNKNOWN_HOST', 'this server does not answer to that host name (set TELLTALE_ALLOWED_HOSTS)');
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== 'null' && !allowed.has(hostName(origin) ?? '')) {
        return refuse(reply, 403, 'BAD_ORIGIN', 'requests from pages of another site are refused');
      }
      if (origin === 'null') return refuse(reply, 403, 'BAD_ORIGIN', 'requests from pages of another site are refused');
      const url = request.routeOptions.url;
      const access: RouteAccess | undefined = url === undefined ? ANY_KEY : routeAccess(request.method, url);
      if (!access) return refuse(reply, 403, 'FORBIDDEN', `${request.method} ${url} is not in the access table`);
      if (access.roles === 'public') return;

      const token = requestToken(request);
      const principal = token ? await keys.authenticate(token) : undefined;
      if (!principal) {
        if (access.roles === 'page') {
          return reply.status(401).type('text/html; charset=utf-8').send(loginPage(request.url, token ? 'That key is not valid any more.' : 'Sign in with an API key.'));
        }
        reply.header('www-authenticate', 'Bearer');
        const why = token === null ? 'the Authorization header must be "Bearer <key>"' : token ? 'the key is unknown, revoked or expired' : 'an API key is required: Authorization: Bearer <key>';
        return refuse(reply, 401, 'UNAUTHORIZED', why);
      }
      request.principal = principal;
      const roles = access.roles === 'page' ? (['support', 'analyst', 'admin'] as const) : access.roles;
      if (!roles.includes(principal.role)) return refuse(reply, 403, 'FORBIDDEN', `a key with role '${principal.role}' may not call ${request.method} ${url}`);
      if (access.scoped === 'unscoped-only' && principal.fleets !== null) {
        return refuse(reply, 403, 'FORBIDDEN', `${request.method} ${url} spans every fleet: it needs a key without --fleet`);
      }
      const params = request.params as Record<string, string>;
      if (access.device && !(await deviceVisible(principal, params[access.device]!))) {
        return refuse(reply, 404, 'NOT_FOUND', MESSAGES.noDevice(params[access.device]!));
      }
      if (access.incident && principal.fleets !== null) {
        const incident = await app.core.findIncident(params[access.incident]!);
        if (!incident || !(await deviceVisible(principal, incident.deviceId))) return refuse(reply, 404, 'NOT_FOUND', `no incident '${params[access.incident]}'`);
      }
      if (principal.role === 'analyst') applyPublicMode(request, url ?? '');
    });

    // A fleet-scoped admin may not move a device out of its fleets.
    app.addHook('preHandler', async (request, reply) => {
      const principal = request.principal;
      if (!principal || principal.fleets === null || request.routeOptions.url !== '/v1/devices/:id' || request.method !== 'PUT') return;
      const fleet = (request.body as { fleet?: string } | undefined)?.fleet;
      if (fleet !== undefined && !principal.fleets.includes(fleet)) return refuse(reply, 403, 'FORBIDDEN', `fleet '${fleet}' is not one of this key's fleets`);
    });

    app.addHook('preSerialization', async (request, _reply, payload) => {
      const principal = request.principal;
      if (!principal) return payload;
      let out = payload;
      const access = routeAccess(request.method, request.routeOptions.url);
      if (access?.scoped === 'filter' && principal.fleets !== null && Array.isArray(out)) {
        const items = out as { deviceId?: string; fleet?: string | null }[];
        const visible = new Map<string, boolean>();
        for (const item of items) {
          const id = item.deviceId;
          if (id !== undefined && !visible.has(id)) visible.set(id, 'fleet' in item ? seesFleet(principal, item.fleet ?? null) : await deviceVisible(principal, id));
        }
        out = items.filter((item) => item.deviceId !== undefined && visible.get(item.deviceId));
      }
      return principal.role === 'analyst' ? withoutPositions(out) : out;
    });

    app.addHook('onResponse', async (request, reply) => {
      const access = routeAccess(request.method, request.routeOptions.url);
      if (!access?.audit || !request.principal) return;
      const params = request.params as Record<string, string>;
      const query = request.query as Record<string, unknown>;
      audit.record({
        keyId: request.principal.keyId,
        role: request.principal.role,
        action: access.audit,
        method: request.method,
        route: request.routeOptions.url ?? null,
        deviceId: access.device ? (params[access.device] ?? null) : null,
        fromMs: loosely(query.from),
        toMs: loosely(query.to),
        target: params.annotationId ?? (access.device ? null : (params.id ?? null)),
        status: reply.statusCode,
        detail: null,
      });
    });

  },
  { name: 'auth', dependencies: ['core'] },
);

/** Analysts see no positions: charts are forced public, telemetry and timeline lose the GPS columns. */
function applyPublicMode(request: FastifyRequest, url: string): void {
  const query = request.query as Record<string, unknown>;
  if (/\/chart\.[a-z.]+$/.test(url)) query.public = 'true';
  if (url.endsWith('/telemetry')) query.columns = publicColumns(query.columns as string | undefined);
  // The timeline's own default columns carry no position; named ones lose theirs.
  if (url.endsWith('/timeline') && query.columns !== undefined) query.columns = publicColumns(query.columns as string);
}

/** A range bound for the audit line (the route itself validates it; a bad one is simply not recorded). */
function loosely(value: unknown): number | null {
  if (typeof value !== 'string' || value === '') return null;
  const ms = /^-?\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? ms : null;
}
