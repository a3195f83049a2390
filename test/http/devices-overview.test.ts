import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { eventId } from '../../src/domain/events/event-id.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import { replaceEvents } from '../../src/store/event-repository.ts';
import { advanceIncident, insertIncident } from '../../src/store/incident-repository.ts';
import { api, createKey, listenWithAdminKey } from '../api-key.ts';
import { openTempStore } from '../temp-store.ts';

// The service's clock is fixed: the 24 h / 7 d windows and silence are counted from it, never from the wall.
const NOW = Date.parse('2024-01-10T12:00:00Z');
const H = 3_600_000;
let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;

/** 1 Hz rows from `startMs`, `n` of them, with the given state and a SoC falling from `soc`. */
function rows(startMs: number, n: number, speed: number, soc: number, state: string): string {
  const lines = ['ts,speed_kph,soc_pct,state'];
  for (let i = 0; i < n; i++) lines.push(`${new Date(startMs + i * 1000).toISOString()},${speed},${(soc - i * 0.01).toFixed(2)},${state}`);
  return `${lines.join('\n')}\n`;
}

const put = (id: string, body: object) => api(`${base}/v1/devices/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const post = (id: string, csv: string) => api(`${base}/v1/telemetry?device=${id}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });

function event(deviceId: string, kind: DetectedEvent['kind'], startMs: number): DetectedEvent {
  return { eventId: eventId(deviceId, kind, 'test', startMs), deviceId, kind, subkind: 'test', severity: 'critical', detector: 'test@1', startMs, endMs: startMs + 60_000, lat: null, lon: null, summary: `${kind} at ${startMs}`, score: null, evidence: [] };
}

beforeAll(async () => {
  store = await openTempStore({ now: () => NOW });
  app = await buildApp({ store, detectors: [] });
  base = await listenWithAdminKey(app);
  // car-1 drives until ten minutes ago; car-2 last parked nine days ago (silent now); car-3 has no data.
  expect((await post('car-1', rows(NOW - 20 * 60_000, 600, 50, 80, 'D'))).status).toBe(200);
  expect((await post('car-2', rows(NOW - 9 * 24 * H, 400, 0, 55, 'P'))).status).toBe(200);
  await app.sessions.idle();
  expect((await put('car-1', { fleet: 'north', model: 'Model 3', firmware: '2024.2' })).status).toBe(200);
  expect((await put('car-2', { fleet: 'south', model: 'Leaf', firmware: '1.0' })).status).toBe(200);
  expect((await put('car-3', { fleet: 'north', model: 'Leaf', firmware: '2024.2' })).status).toBe(200);
  await store.withConnection((conn) =>
    replaceEvents(conn, { deviceId: 'car-1' }, ['test@1'], [
      event('car-1', 'breakdown', NOW - 2 * H), // 24 h and 7 d
      event('car-1', 'breakdown', NOW - 72 * H), // 7 d
      event('car-1', 'charge_shortfall', NOW - 30 * H), // 7 d
      event('car-1', 'charge_shortfall', NOW - 1 * H), // 24 h and 7 d
      event('car-1', 'breakdown', NOW - 8 * 24 * H), // older than 7 d
      event('car-1', 'anomaly', NOW - 1 * H), // not a moment of truth
    ], NOW),
  );
  await store.withConnection(async (conn) => {
    for (const [id, state] of [['i-open', null], ['i-ack', 'acknowledged'], ['i-done', 'resolved']] as const) {
      await insertIncident(conn, { incidentId: id, ruleId: 'r', deviceId: 'car-1', kind: 'breakdown', severity: 'critical', summary: 's', startMs: NOW - 2 * H, endMs: NOW - 2 * H, lat: null, lon: null }, NOW);
      if (state) await advanceIncident(conn, id, state, 'test', null, NOW);
    }
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await store?.dispose();
});

type Device = Record<string, unknown> & { deviceId: string };
async function list(query = '', key?: string): Promise<{ items: Device[]; next: string | null }> {
  const res = await (key ? fetch(`${base}/v1/devices${query}`, { headers: { authorization: `Bearer ${key}` } }) : api(`${base}/v1/devices${query}`));
  expect(res.status, await res.clone().text()).toBe(200);
  return { items: (await res.json()) as Device[], next: res.headers.get('x-next-cursor') };
}

describe('GET /v1/devices: the fleet overview', () => {
  it('gives each device its last seen time, state, SoC, open incidents and moments of truth of 24 h and 7 d, beside the fields it always had', async () => {
    const { items } = await list();
    expect(items.map((d) => d.deviceId)).toEqual(['car-1', 'car-2', 'car-3']);
    const [car1, car2, car3] = items;
    const lastMs = NOW - 20 * 60_000 + 599_000;
    expect(car1).toMatchObject({
      rowCount: 600, firstTs: new Date(NOW - 20 * 60_000).toISOString(), lastTs: new Date(lastMs).toISOString(), fleet: 'north', model: 'Model 3', firmware: '2024.2',
      lastSeenMs: lastMs, lastSeenTs: new Date(lastMs).toISOString(), state: 'driving', lastActivity: 'driving', socAtMs: lastMs,
      openIncidents: 2, breakdowns24h: 1, breakdowns7d: 2, chargeShortfalls24h: 1, chargeShortfalls7d: 2,
    });
    expect(car1!.socPct).toBeCloseTo(80 - 599 * 0.01, 5);
    // Not heard from for nine days: silent now, parked when last heard.
    expect(car2).toMatchObject({ state: 'silent', lastActivity: 'parked', openIncidents: 0, breakdowns7d: 0, chargeShortfalls7d: 0 });
    expect(car2!.socPct).toBeCloseTo(55 - 399 * 0.01, 5);
    expect(car3).toMatchObject({ rowCount: 0, lastSeenMs: null, lastSeenTs: null, state: null, lastActivity: null, socPct: null, openIncidents: 0 });
  });

  it('filters by fleet, model and firmware, and searches ids in any case', async () => {
    expect((await list('?fleet=north')).items.map((d) => d.deviceId)).toEqual(['car-1', 'car-3']);
    expect((await list('?model=Leaf')).items.map((d) => d.deviceId)).toEqual(['car-2', 'car-3']);
    expect((await list('?firmware=2024.2&model=Leaf')).items.map((d) => d.deviceId)).toEqual(['car-3']);
    expect((await list('?q=CAR-2')).items.map((d) => d.deviceId)).toEqual(['car-2']);
    expect((await list('?q=nothing')).items).toEqual([]);
  });

  it('pages by keyset with the filters kept: every device once, in order', async () => {
    const seen: string[] = [];
    let query = '?limit=1&model=Leaf';
    for (let guard = 0; guard < 5; guard++) {
      const page = await list(query);
      seen.push(...page.items.map((d) => d.deviceId));
      if (!page.next) break;
      query = `?limit=1&model=Leaf&cursor=${page.next}`;
    }
    expect(seen).toEqual(['car-2', 'car-3']);
    const bad = await api(`${base}/v1/devices?cursor=nonsense`);
    expect(bad.status).toBe(400);
  });

  it('cuts pages from a fleet-scoped key’s own fleets, so a page is never short', async () => {
    const key = await createKey(app, 'support', ['south']);
    const page = await list('?limit=1', key);
    expect(page.items.map((d) => d.deviceId)).toEqual(['car-2']);
    expect(page.next).toBeNull();
  });

  it('offers the filter choices (GET /v1/device-facets), only its own fleets’ to a scoped key', async () => {
    expect(await (await api(`${base}/v1/device-facets`)).json()).toEqual({ fleets: ['north', 'south'], models: ['Leaf', 'Model 3'], firmwares: ['1.0', '2024.2'] });
    const key = await createKey(app, 'support', ['south']);
    const scoped = await fetch(`${base}/v1/device-facets`, { headers: { authorization: `Bearer ${key}` } });
    expect(await scoped.json()).toEqual({ fleets: ['south'], models: ['Leaf'], firmwares: ['1.0'] });
  });
});
