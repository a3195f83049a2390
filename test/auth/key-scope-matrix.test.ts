import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Role } from '../../src/domain/auth/role.ts';
import { buildApp } from '../../src/http/app.ts';
import { replaceEvents } from '../../src/store/event-repository.ts';
import { insertIncident } from '../../src/store/incident-repository.ts';
import { api, createKey, listenWithAdminKey } from '../api-key.ts';
import { openTempStore } from '../temp-store.ts';

/**
 * Every route × every role × fleet scope. The expected roles are written out here, by hand, as
 * the policy (README *Access*): the test does not read the access table, so a change of the
 * table that changes who may do what fails here until the policy is changed on purpose.
 */
const READ: Role[] = ['support', 'analyst', 'admin'];
const SUPPORT: Role[] = ['support', 'admin'];
const EXPORT: Role[] = ['analyst', 'admin'];
const INGEST: Role[] = ['ingest', 'admin'];
const ADMIN: Role[] = ['admin'];

interface Probe {
  route: string;
  /** The request, with DEV standing for a device id. */
  method: string;
  path: string;
  body?: unknown;
  contentType?: string;
  roles: Role[] | 'public' | 'page';
  /**
 * How a key scoped to fleet A fares on fleet B's device: 'hidden' = the unknown-device 404; 'refused' = 403 (spans fleets);
 * 'filtered' = list without B; 'writes-own' = writes to A's devices, and B's device is refused exactly as an unregistered one.
 */
  scoped: 'hidden' | 'refused' | 'filtered' | 'writes-own' | 'none';
}

const csv = 'ts,speed_kph,soc_pct\n2024-01-01T00:00:00Z,10,80\n2024-01-01T00:00:01Z,11,80\n';
const PROBES: Probe[] = [
  { route: 'GET /healthz', method: 'GET', path: '/healthz', roles: 'public', scoped: 'none' },
  { route: 'GET /docs', method: 'GET', path: '/docs/json', roles: 'public', scoped: 'none' },
  { route: 'GET /assets/:file', method: 'GET', path: '/assets/telltale.css', roles: 'public', scoped: 'none' },
  { route: 'GET /', method: 'GET', path: '/', roles: 'page', scoped: 'none' },
  { route: 'GET /replay/:deviceId', method: 'GET', path: '/replay/DEV', roles: 'page', scoped: 'hidden' },
  { route: 'GET /devices/:deviceId', method: 'GET', path: '/devices/DEV', roles: 'page', scoped: 'hidden' },
  { route: 'GET /incidents', method: 'GET', path: '/incidents', roles: 'page', scoped: 'none' },
  { route: 'GET /incidents/:id', method: 'GET', path: '/incidents/INC', roles: 'page', scoped: 'hidden' },
  { route: 'GET /metrics', method: 'GET', path: '/metrics', roles: ADMIN, scoped: 'refused' },
  { route: 'POST /v1/telemetry', method: 'POST', path: '/v1/telemetry?device=DEV', body: csv, contentType: 'text/csv', roles: INGEST, scoped: 'writes-own' },
  { route: 'GET /v1/devices', method: 'GET', path: '/v1/devices', roles: READ, scoped: 'filtered' },
  { route: 'GET /v1/devices/:id', method: 'GET', path: '/v1/devices/DEV', roles: READ, scoped: 'hidden' },
  { route: 'GET /v1/device-facets', method: 'GET', path: '/v1/device-facets', roles: READ, scoped: 'none' },
  { route: 'PUT /v1/devices/:id', method: 'PUT', path: '/v1/devices/DEV', body: { model: 'x' }, roles: ADMIN, scoped: 'hidden' },
  // Purges only what lies before 2000: nothing, so the matrix keeps its devices.
  { route: 'DELETE /v1/devices/:id', method: 'DELETE', path: '/v1/devices/DEV?before=2000-01-01T00:00:00Z', roles: ADMIN, scoped: 'hidden' },
  { route: 'GET /v1/devices/:id/telemetry', method: 'GET', path: '/v1/devices/DEV/telemetry', roles: READ, scoped: 'hidden' },
  { route: 'GET /v1/devices/:id/timeline', method: 'GET', path: '/v1/devices/DEV/timeline', roles: READ, scoped: 'hidden' },
  { route: 'GET /v1/devices/:id/export', method: 'GET', path: '/v1/devices/DEV/export?format=csv', roles: EXPORT, scoped: 'hidden' },
  { route: 'GET /v1/devices/:id/events', method: 'GET', path: '/v1/devices/DEV/events', roles: READ, scoped: 'hidden' },
  { route: 'GET /v1/events', method: 'GET', path: '/v1/events', roles: READ, scoped: 'filtered' },
  { route: 'GET /v1/devices/:id/sessions', method: 'GET', path: '/v1/devices/DEV/sessions', roles: READ, scoped: 'hidden' },
  { route: 'GET /v1/devices/:id/annotations', method: 'GET', path: '/v1/devices/DEV/annotations', roles: READ, scoped: 'hidden' },
  { route: 'POST /v1/devices/:id/annotations', method: 'POST', path: '/v1/devices/DEV/annotations', body: { startMs: 1704067200000, text: 'note' }, roles: READ, scoped: 'hidden' },
  { route: 'DELETE /v1/devices/:id/annotations/:annotationId', method: 'DELETE', path: '/v1/devices/DEV/annotations/none', roles: READ, scoped: 'hidden' },
  { route: 'GET /v1/devices/:id/claims', method: 'GET', path: '/v1/devices/DEV/claims', roles: READ, scoped: 'hidden' },
  { route: 'GET /v1/devices/:id/chart.svg', method: 'GET', path: '/v1/devices/DEV/chart.svg', roles: READ, scoped: 'hidden' },
  { route: 'GET /v1/devices/:id/chart.png', method: 'GET', path: '/v1/devices/DEV/chart.png?width=200&height=150', roles: READ, scoped: 'hidden' },
  { route: 'GET /v1/devices/:id/chart.vl.json', method: 'GET', path: '/v1/devices/DEV/chart.vl.json', roles: READ, scoped: 'hidden' },
  { route: 'POST /v1/detect', method: 'POST', path: '/v1/detect', body: { deviceId: 'DEV' }, roles: ADMIN, scoped: 'refused' },
  { route: 'GET /v1/chargers', method: 'GET', path: '/v1/chargers', roles: READ, scoped: 'none' },
  { route: 'POST /v1/chargers', method: 'POST', path: '/v1/chargers', body: [], roles: ADMIN, scoped: 'none' },
  { route: 'GET /v1/alert-rules', method: 'GET', path: '/v1/alert-rules', roles: ADMIN, scoped: 'refused' },
  { route: 'POST /v1/alert-rules', method: 'POST', path: '/v1/alert-rules', body: {}, roles: ADMIN, scoped: 'refused' },
  { route: 'GET /v1/alert-rules/:id', method: 'GET', path: '/v1/alert-rules/none', roles: ADMIN, scoped: 'refused' },
  { route: 'PUT /v1/alert-rules/:id', method: 'PUT', path: '/v1/alert-rules/none', body: {}, roles: ADMIN, scoped: 'refused' },
  { route: 'DELETE /v1/alert-rules/:id', method: 'DELETE', path: '/v1/alert-rules/none', roles: ADMIN, scoped: 'refused' },
  { route: 'GET /v1/incidents', method: 'GET', path: '/v1/incidents', roles: READ, scoped: 'filtered' },
  { route: 'GET /v1/incidents/stream', method: 'GET', path: '/v1/incidents/stream', roles: READ, scoped: 'refused' },
  { route: 'GET /v1/incidents/:id', method: 'GET', path: '/v1/incidents/INC', roles: READ, scoped: 'hidden' },
  { route: 'GET /v1/incidents/:id/detail', method: 'GET', path: '/v1/incidents/INC/detail', roles: READ, scoped: 'hidden' },
  { route: 'POST /v1/incidents/:id/ack', method: 'POST', path: '/v1/incidents/INC/ack', body: { by: 'x' }, roles: SUPPORT, scoped: 'hidden' },
  { route: 'POST /v1/incidents/:id/resolve', method: 'POST', path: '/v1/incidents/INC/resolve', body: {}, roles: SUPPORT, scoped: 'hidden' },
  { route: 'GET /v1/outbox', method: 'GET', path: '/v1/outbox', roles: ADMIN, scoped: 'refused' },
  { route: 'POST /v1/outbox/:id/replay', method: 'POST', path: '/v1/outbox/999/replay', roles: ADMIN, scoped: 'refused' },
  { route: 'GET /v1/keys', method: 'GET', path: '/v1/keys', roles: ADMIN, scoped: 'refused' },
  { route: 'POST /v1/keys', method: 'POST', path: '/v1/keys', body: { role: 'nobody' }, roles: ADMIN, scoped: 'refused' },
  { route: 'DELETE /v1/keys/:id', method: 'DELETE', path: '/v1/keys/none', roles: ADMIN, scoped: 'refused' },
  { route: 'GET /v1/audit', method: 'GET', path: '/v1/audit', roles: ADMIN, scoped: 'refused' },
  { route: 'POST /v1/cohorts/query', method: 'POST', path: '/v1/cohorts/query', body: {}, roles: EXPORT, scoped: 'refused' },
  { route: 'GET /v1/cohorts', method: 'GET', path: '/v1/cohorts', roles: EXPORT, scoped: 'refused' },
  { route: 'GET /v1/cohorts/:name', method: 'GET', path: '/v1/cohorts/none', roles: EXPORT, scoped: 'refused' },
  { route: 'PUT /v1/cohorts/:name', method: 'PUT', path: '/v1/cohorts/none', body: {}, roles: EXPORT, scoped: 'refused' },
  { route: 'DELETE /v1/cohorts/:name', method: 'DELETE', path: '/v1/cohorts/none', roles: EXPORT, scoped: 'refused' },
  { route: 'POST /v1/cohorts/:name/query', method: 'POST', path: '/v1/cohorts/none/query', roles: EXPORT, scoped: 'refused' },
  { route: 'POST /v1/cohorts/:name/check', method: 'POST', path: '/v1/cohorts/none/check', roles: EXPORT, scoped: 'refused' },
  { route: 'POST /v1/feedback', method: 'POST', path: '/v1/feedback?device=DEV', body: 'ts,kind,score\n2024-01-01T00:00:00Z,nps,9\n', contentType: 'text/csv', roles: INGEST, scoped: 'refused' },
  { route: 'GET /v1/devices/:id/feedback', method: 'GET', path: '/v1/devices/DEV/feedback', roles: READ, scoped: 'hidden' },
  { route: 'GET /v1/devices/:id/health', method: 'GET', path: '/v1/devices/DEV/health', roles: READ, scoped: 'hidden' },
  { route: 'GET /v1/devices/:id/health/history', method: 'GET', path: '/v1/devices/DEV/health/history', roles: READ, scoped: 'hidden' },
  { route: 'GET /v1/health', method: 'GET', path: '/v1/health', roles: READ, scoped: 'refused' },
  { route: 'PUT /v1/health/watches/:watchId', method: 'PUT', path: '/v1/health/watches/none', body: {}, roles: ADMIN, scoped: 'refused' },
  { route: 'POST /v1/health/check', method: 'POST', path: '/v1/health/check', roles: ADMIN, scoped: 'refused' },
];
/** Routes reached otherwise than by a plain request: the WebSocket below, the sign-in form in the browser test. */
const OTHERWISE = ['GET /v1/replay', 'POST /login', 'POST /logout', 'GET /docs/', 'GET /docs/static/index.html', 'GET /docs/static/swagger-initializer.js', 'GET /docs/*', 'GET /docs/static/*', 'GET /docs/yaml', 'GET /docs/json'];

let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;
const keys = new Map<string, string>();
const ROLES: Role[] = ['ingest', 'support', 'analyst', 'admin'];

beforeAll(async () => {
  store = await openTempStore();
  app = await buildApp({ store, detectors: [] });
  base = await listenWithAdminKey(app);
  for (const [device, fleet] of [['car-a', 'A'], ['car-b', 'B']] as const) {
    expect((await api(`${base}/v1/telemetry?device=${device}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv })).status).toBe(200);
    expect((await api(`${base}/v1/devices/${device}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fleet }) })).status).toBe(200);
    await store.withConnection((conn) =>
      insertIncident(conn, { incidentId: `inc-${device}`, ruleId: 'r', deviceId: device, kind: 'breakdown', severity: 'critical', summary: 's', startMs: 1704067200000, endMs: 1704067201000, lat: 1, lon: 2 }, Date.now()),
    );
    // An event per device, so the fleet-wide feed has something of each fleet to show or hide.
    await store.withConnection((conn) =>
      replaceEvents(conn, { deviceId: device }, ['matrix@1'], [{ eventId: `ev-${device}`, deviceId: device, kind: 'breakdown', subkind: 'stop', severity: 'critical', detector: 'matrix@1', startMs: 1704067200000, endMs: null, lat: 1, lon: 2, summary: 's', score: null, evidence: [] }], Date.now()),
    );
  }
  for (const role of ROLES) {
    keys.set(role, await createKey(app, role));
    keys.set(`${role}@A`, await createKey(app, role, ['A']));
  }
}, 60_000);

afterAll(async () => {
  await app?.close();
  await store?.dispose();
});

const call = (p: Probe, key: string | undefined, device: string) => {
  const path = p.path.replaceAll('DEV', device).replaceAll('INC', `inc-${device}`);
  const body = p.body === undefined ? undefined : typeof p.body === 'string' ? p.body : JSON.stringify(p.body).replaceAll('DEV', device);
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = p.contentType ?? 'application/json';
  const controller = new AbortController();
  return fetch(`${base}${path}`, { method: p.method, headers, body, signal: controller.signal }).then(async (res) => {
    // The incident stream never ends: its status is all we need.
    const text = p.route.endsWith('/stream') && res.status === 200 ? '' : await res.text();
    controller.abort();
    return { status: res.status, text };
  });
};

describe('key-scope matrix: every route × role × fleet scope', () => {
  it('has an access-table entry for every registered route, and a probe here for each', () => {
    expect(app.unmappedRoutes()).toEqual([]);
    const probed = new Set([...PROBES.map((p) => p.route), ...OTHERWISE]);
    const registered = app.registeredRoutes();
    expect(registered.length).toBeGreaterThan(40);
    expect(registered.filter((r) => !probed.has(r))).toEqual([]);
  });

  it('refuses every non-public route without a key (401), and with a malformed or revoked one', async () => {
    const revoked = await app.keys.create({ role: 'admin' });
    await app.keys.revoke(revoked.key.keyId);
    for (const p of PROBES) {
      const none = await call(p, undefined, 'car-b');
      if (p.roles === 'public') expect(none.status, p.route).toBeLessThan(400);
      else expect(none.status, p.route).toBe(401);
      if (p.roles !== 'public') {
        expect((await call(p, revoked.token, 'car-b')).status, p.route).toBe(401);
        expect((await call(p, `${revoked.token.slice(0, -1)}x`, 'car-b')).status, p.route).toBe(401);
      }
    }
  });

  for (const role of ROLES) {
    it(`role ${role}: allowed routes answer, others are 403; scoped to fleet A it never sees fleet B`, async () => {
      const unknown = new Map<string, { status: number; text: string }>();
      for (const p of PROBES) {
        if (p.roles === 'public') continue;
        const allowed = p.roles === 'page' ? READ.includes(role) : p.roles.includes(role);
        const unscoped = await call(p, keys.get(role), 'car-b');
        if (!allowed) {
          expect(unscoped.status, `${role} ${p.route}`).toBe(403);
          continue;
        }
        expect([401, 403], `${role} ${p.route}: ${unscoped.text.slice(0, 200)}`).not.toContain(unscoped.status);
        expect(unscoped.status, `${role} ${p.route}: ${unscoped.text.slice(0, 200)}`).toBeLessThan(500);

        const scoped = keys.get(`${role}@A`)!;
        const own = await call(p, scoped, 'car-a');
        const other = await call(p, scoped, 'car-b');
        const ghost = await call(p, scoped, 'car-z');
        if (p.scoped === 'refused') {
          expect(other.status, `${role}@A ${p.route}`).toBe(403);
        } else if (p.scoped === 'hidden') {
          expect([401, 403], `${role}@A ${p.route} (own fleet): ${own.text.slice(0, 200)}`).not.toContain(own.status);
          expect(own.text, `${role}@A ${p.route} (own fleet)`).not.toMatch(/no device|no data for device|no incident/);
          expect(other.status, `${role}@A ${p.route}`).toBe(404);
          // Fleet B's device is indistinguishable from one that does not exist.
          expect(other.text.replaceAll('car-b', 'X').replaceAll('inc-car-b', 'X'), p.route).toBe(ghost.text.replaceAll('car-z', 'X').replaceAll('inc-car-z', 'X'));
          unknown.set(p.route, other);
        } else if (p.scoped === 'writes-own') {
          expect(own.status, `${role}@A ${p.route} (own fleet): ${own.text.slice(0, 200)}`).toBe(200);
          expect(other.status, `${role}@A ${p.route}`).toBe(403);
          expect(other.text.replaceAll('car-b', 'X'), p.route).toBe(ghost.text.replaceAll('car-z', 'X'));
        } else if (p.scoped === 'filtered') {
          expect(own.status).toBe(200);
          expect(own.text, p.route).toContain('car-a');
          expect(own.text, p.route).not.toContain('car-b');
          expect(unscoped.text, p.route).toContain('car-b');
        }
      }
    });
  }

  it('analysts get public mode: no positions in JSON, no GPS columns in exports, charts forced public', async () => {
    const analyst = { authorization: `Bearer ${keys.get('analyst')}` };
    const admin = { authorization: `Bearer ${keys.get('admin')}` };
    const incidents = (await (await fetch(`${base}/v1/incidents`, { headers: analyst })).json()) as { lat: unknown; lon: unknown }[];
    expect(incidents.length).toBeGreaterThan(0);
    expect(incidents.every((i: { lat: unknown; lon: unknown }) => i.lat === null && i.lon === null)).toBe(true);
    expect(((await (await fetch(`${base}/v1/incidents`, { headers: admin })).json()) as { lat: number }[])[0]!.lat).toBe(1);
    const exported = await (await fetch(`${base}/v1/devices/car-a/export?format=csv`, { headers: analyst })).text();
    expect(exported.split('\n')[0]).not.toMatch(/\blat\b|\blon\b|alt_m/);
    expect((await (await fetch(`${base}/v1/devices/car-a/export?format=csv`, { headers: admin })).text()).split('\n')[0]).toMatch(/\blat\b/);
    const rows = (await (await fetch(`${base}/v1/devices/car-a/telemetry?columns=ts,lat,speed_kph`, { headers: analyst })).json()) as { rows: object[] };
    // Exactly the columns asked for (issue 16), less the position.
    expect(Object.keys(rows.rows[0]!).sort()).toEqual(['speed_kph', 'ts']);
    const spec = await (await fetch(`${base}/v1/devices/car-a/chart.vl.json`, { headers: analyst })).text();
    expect(spec).not.toContain('car-a');
  });
});

describe('the replay WebSocket checks the key, the Origin and the fleet', () => {
  const open = (headers: Record<string, string>) =>
    new Promise<{ status: number } | { ws: WebSocket }>((resolve) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/replay`, { headers });
      ws.once('open', () => resolve({ ws }));
      ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    });
  const firstReply = (ws: WebSocket, command: object) =>
    new Promise<{ type: string; code?: string; message?: string }>((resolve) => {
      ws.once('message', (data) => resolve(JSON.parse(String(data))));
      ws.send(JSON.stringify(command));
    });

  it('401 without a key, 403 for roles other than support and admin, 403 from another site', async () => {
    expect(await open({})).toEqual({ status: 401 });
    expect(await open({ authorization: `Bearer ${keys.get('ingest')}` })).toEqual({ status: 403 });
    expect(await open({ authorization: `Bearer ${keys.get('analyst')}` })).toEqual({ status: 403 });
    expect(await open({ authorization: `Bearer ${keys.get('admin')}`, origin: 'http://evil.example' })).toEqual({ status: 403 });
    expect(await open({ authorization: `Bearer ${keys.get('admin')}`, host: 'evil.example' })).toEqual({ status: 421 });
  });

  for (const role of ['support', 'admin'] as const) {
    it(`${role}: opens its fleet's device; scoped to A, fleet B's device answers as an unknown one`, async () => {
      const unscoped = await open({ authorization: `Bearer ${keys.get(role)}`, origin: base });
      if (!('ws' in unscoped)) throw new Error(`refused: ${JSON.stringify(unscoped)}`);
      expect((await firstReply(unscoped.ws, { type: 'open', deviceId: 'car-b' })).type).toBe('ready');
      unscoped.ws.close();
      const replies = [];
      for (const deviceId of ['car-a', 'car-b', 'car-z']) {
        const scoped = await open({ authorization: `Bearer ${keys.get(`${role}@A`)}` });
        if (!('ws' in scoped)) throw new Error('refused');
        replies.push(await firstReply(scoped.ws, { type: 'open', deviceId }));
        scoped.ws.close();
      }
      expect(replies[0]!.type).toBe('ready');
      expect(replies[1]).toEqual({ type: 'error', code: 'NOT_FOUND', message: "no data for device 'car-b'" });
      expect(replies[2]).toEqual({ type: 'error', code: 'NOT_FOUND', message: "no data for device 'car-z'" });
    });
  }
});

describe('hosts and origins', () => {
  it('refuses an unknown Host (DNS rebinding) and a cross-site Origin on every route', async () => {
    const admin = keys.get('admin')!;
    const viaInject = await app.inject({ method: 'GET', url: '/v1/devices', headers: { host: 'evil.example:8080', authorization: `Bearer ${admin}` } });
    expect(viaInject.statusCode).toBe(421);
    const cross = await fetch(`${base}/v1/devices`, { headers: { authorization: `Bearer ${admin}`, origin: 'http://evil.example' } });
    expect(cross.status).toBe(403);
    const same = await fetch(`${base}/v1/devices`, { headers: { authorization: `Bearer ${admin}`, origin: base } });
    expect(same.status).toBe(200);
  });
});

describe('a fleet-scoped ingest key', () => {
  const rowsOf = async (deviceId: string) => Number((await store.db.runAndReadAll('SELECT count(*) FROM telemetry WHERE device_id = $1', [deviceId])).getRows()[0]![0]);
  const post = (key: string, body: string) =>
    fetch(`${base}/v1/telemetry`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body });

  it("stores a batch of its fleet's devices, and refuses whole a batch with any other device (nothing stored)", async () => {
    const key = keys.get('ingest@A')!;
    const before = await rowsOf('car-a');
    expect((await post(key, 'device_id,ts,speed_kph\ncar-a,2024-01-02T00:00:00Z,5\n')).status).toBe(200);
    expect(await rowsOf('car-a')).toBe(before + 1);
    const mixed = await post(key, 'device_id,ts,speed_kph\ncar-a,2024-01-03T00:00:00Z,5\ncar-b,2024-01-03T00:00:00Z,5\n');
    expect(mixed.status).toBe(403);
    expect(await mixed.json()).toMatchObject({ error: 'FORBIDDEN', message: expect.stringMatching(/device 'car-b' is not registered in this key's fleets/) });
    expect(await rowsOf('car-a')).toBe(before + 1);
    expect(await rowsOf('car-b')).toBe(2);
  });
});
