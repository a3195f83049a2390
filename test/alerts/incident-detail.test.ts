import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRule } from '../../src/domain/alerts/alert-rule.ts';
import type { IncidentDetail } from '../../src/domain/alerts/incident-detail.ts';
import type { Incident } from '../../src/domain/alerts/incident.ts';
import type { DetectedEvent, StoredEvent } from '../../src/domain/events/detected-event.ts';
import { eventId } from '../../src/domain/events/event-id.ts';
import { buildApp } from '../../src/http/app.ts';
import { replaceEvents } from '../../src/store/event-repository.ts';
import { api, createKey, listenWithAdminKey } from '../api-key.ts';
import { openTempStore } from '../temp-store.ts';
import { startReceiver } from './webhook-receiver.ts';

const T0 = Date.parse('2024-06-01T08:00:00Z');
let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

const json = (method: string, body?: unknown) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });

function event(deviceId: string, kind: DetectedEvent['kind'], startMs: number, severity: DetectedEvent['severity'] = 'critical'): DetectedEvent {
  return {
    eventId: eventId(deviceId, kind, 'test', startMs), deviceId, kind, subkind: 'test', severity, detector: 'test@1', startMs, endMs: startMs + 60_000,
    lat: 40.1, lon: -74.2, summary: `${kind} of ${deviceId}`, score: null, evidence: [{ signal: 'speed_drop_kph', value: 88, threshold: 30, atMs: startMs, note: 'propulsion lost' }],
  };
}

/** Waits for a condition the server reaches on its own (a delivery, a scan): re-reads until it holds. */
async function until<T>(read: () => Promise<T>, holds: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (holds(value)) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  store = await openTempStore();
  receiver = await startReceiver();
  app = await buildApp({ store, detectors: [], webhookAllow: ['127.0.0.1'], alerts: { rules: [], scanIntervalMs: 20, delivery: { pollMs: 20, baseBackoffMs: 10, maxBackoffMs: 50 } } });
  base = await listenWithAdminKey(app);
  for (const [device, fleet] of [['van-1', 'north'], ['van-2', 'south']] as const) {
    expect((await api(`${base}/v1/devices/${device}`, json('PUT', { fleet }))).status).toBe(200);
  }
  // Stored before any rule exists: the events of last week that a new rule may or may not pick up.
  await store.withConnection(async (conn) => {
    await replaceEvents(conn, { deviceId: 'van-1' }, ['test@1'], [event('van-1', 'breakdown', T0), event('van-1', 'anomaly', T0 + 3_600_000, 'info')], Date.now());
    await replaceEvents(conn, { deviceId: 'van-2' }, ['test@1'], [event('van-2', 'charge_shortfall', T0 + 7_200_000, 'warning')], Date.now());
  });
  // A scan that starts after the events are stored (nudge waits for one): under load the engine's
  // own scans may not have reached them before the tests create rules.
  await app.services.alerts.engine.nudge();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await receiver?.close();
  await store?.dispose();
});

const rule = (ruleId: string): AlertRule => ({
  ruleId, name: `Breakdowns (${ruleId})`, match: { kinds: ['breakdown'] },
  receivers: [{ name: 'desk', url: receiver.url, secret: 'a-long-secret' }],
  escalation: [{ delayMs: 0, receiver: 'desk', audience: 'support', instructions: 'Call the driver' }, { delayMs: 3_600_000, receiver: 'desk', audience: 'manager' }],
});
const incidents = async () => (await (await api(`${base}/v1/incidents`)).json()) as Incident[];

describe('a new alert rule and the events already stored', () => {
  it('leaves stored events alone by default, and applies to them when asked (POST or PUT ?applyToExisting=true)', async () => {
    const plain = await api(`${base}/v1/alert-rules`, json('POST', rule('plain')));
    expect(plain.status).toBe(201);
    expect(plain.headers.get('x-applied-events')).toBe('0');
    // The engine has scanned the events already (its first scan reads everything), yet the rule was not there then.
    await app.services.alerts.engine.nudge();
    expect(await incidents()).toEqual([]);

    const applied = await api(`${base}/v1/alert-rules?applyToExisting=true`, json('POST', rule('applied')));
    expect(applied.status).toBe(201);
    expect(applied.headers.get('x-applied-events')).toBe('1');
    const list = await incidents();
    expect(list.map((i) => [i.ruleId, i.deviceId, i.kind])).toEqual([['applied', 'van-1', 'breakdown']]);
    // A second application finds the event already placed: no second incident.
    const again = await api(`${base}/v1/alert-rules/applied?applyToExisting=true`, json('PUT', rule('applied')));
    expect(again.headers.get('x-applied-events')).toBe('0');
    expect(await incidents()).toHaveLength(1);
  });
});

describe('GET /v1/incidents/:id/detail and acknowledge / resolve with notes', () => {
  it('shows the evidence, the ladder with each delivery, and a history keeping both notes', async () => {
    const [incident] = await incidents();
    const detail = (id = incident!.incidentId) => api(`${base}/v1/incidents/${id}/detail`).then(async (r) => ({ status: r.status, body: (await r.json()) as IncidentDetail }));
    // Step 0 is due at once: wait until the worker has delivered it to the real receiver.
    const first = await until(() => detail(), (d) => d.body.escalation[0]?.delivery?.status === 'delivered');
    expect(first.status).toBe(200);
    expect(first.body.ruleName).toBe('Breakdowns (applied)');
    expect(first.body.events.map((e) => [e.kind, e.summary])).toEqual([['breakdown', 'breakdown of van-1']]);
    expect(first.body.events[0]!.evidence[0]).toMatchObject({ signal: 'speed_drop_kph', value: 88 });
    expect(first.body.escalation.map((s) => [s.step, s.audience, s.receiver, s.delivery?.status])).toEqual([[0, 'support', 'desk', 'delivered'], [1, 'manager', 'desk', 'pending']]);
    expect(first.body.escalation[0]!.instructions).toBe('Call the driver');
    expect(JSON.stringify(first.body)).not.toContain(receiver.url);
    expect(JSON.stringify(first.body)).not.toContain('a-long-secret');
    expect(first.body.history.map((h) => h.action)).toEqual(['opened']);

    const ack = await api(`${base}/v1/incidents/${incident!.incidentId}/ack`, json('POST', { by: 'sam', note: 'Called the driver, tow on its way' }));
    expect(((await ack.json()) as Incident).state).toBe('acknowledged');
    const resolve = await api(`${base}/v1/incidents/${incident!.incidentId}/resolve`, json('POST', { by: 'kim', note: 'Towed to the depot' }));
    expect(resolve.status).toBe(200);
    const afterRes = await detail();
    expect(afterRes.status, JSON.stringify(afterRes.body)).toBe(200);
    const after = afterRes.body;
    expect(after.history.map((h) => [h.action, h.by, h.note])).toEqual([
      ['opened', null, null], ['acknowledged', 'sam', 'Called the driver, tow on its way'], ['resolved', 'kim', 'Towed to the depot'],
    ]);
    // The manager's step was cancelled by the acknowledgement.
    expect(after.escalation[1]!.delivery?.status).toBe('cancelled');
    expect((await detail('inc_nope')).status).toBe(404);
  });

  it('hides another fleet’s incident from a scoped key, and positions from an analyst', async () => {
    const [incident] = await incidents();
    const south = await createKey(app, 'support', ['south']);
    const hidden = await fetch(`${base}/v1/incidents/${incident!.incidentId}/detail`, { headers: { authorization: `Bearer ${south}` } });
    expect(hidden.status).toBe(404);
    const analyst = await createKey(app, 'analyst');
    const body = (await (await fetch(`${base}/v1/incidents/${incident!.incidentId}/detail`, { headers: { authorization: `Bearer ${analyst}` } })).json()) as IncidentDetail;
    expect(body.incident.lat).toBeNull();
    expect(body.events[0]!.lat).toBeNull();
  });
});

describe('GET /v1/events: the fleet-wide feed', () => {
  const feed = async (query = '', key?: string) => {
    const res = await fetch(`${base}/v1/events${query}`, { headers: { authorization: `Bearer ${key ?? (await adminKey())}` } });
    expect(res.status, await res.clone().text()).toBe(200);
    return { items: (await res.json()) as StoredEvent[], next: res.headers.get('x-next-cursor') };
  };
  let admin: string | undefined;
  const adminKey = async () => (admin ??= await createKey(app, 'admin'));

  it('lists every device’s events newest first, filtered by kind, severity, fleet and time', async () => {
    expect((await feed()).items.map((e) => [e.deviceId, e.kind])).toEqual([['van-2', 'charge_shortfall'], ['van-1', 'anomaly'], ['van-1', 'breakdown']]);
    expect((await feed('?kind=breakdown')).items.map((e) => e.deviceId)).toEqual(['van-1']);
    expect((await feed('?severity=warning')).items.map((e) => e.kind)).toEqual(['charge_shortfall', 'breakdown']);
    expect((await feed('?fleet=north')).items.map((e) => e.kind)).toEqual(['anomaly', 'breakdown']);
    expect((await feed(`?from=${new Date(T0 + 30 * 60_000).toISOString()}&to=${new Date(T0 + 2 * 3_600_000).toISOString()}`)).items.map((e) => e.kind)).toEqual(['anomaly']);
    const bad = await fetch(`${base}/v1/events?from=yesterday`, { headers: { authorization: `Bearer ${await adminKey()}` } });
    expect(bad.status).toBe(400);
  });

  it('pages by keyset, every event once, and cuts a scoped key’s pages from its fleets', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (let guard = 0; guard < 5; guard++) {
      const page = await feed(`?limit=1${cursor}`);
      seen.push(...page.items.map((e) => e.kind));
      if (!page.next) break;
      cursor = `&cursor=${page.next}`;
    }
    expect(seen).toEqual(['charge_shortfall', 'anomaly', 'breakdown']);
    const south = await createKey(app, 'support', ['south']);
    const scoped = await feed('?limit=1', south);
    expect(scoped.items.map((e) => e.deviceId)).toEqual(['van-2']);
    expect(scoped.next).toBeNull();
  });
});
