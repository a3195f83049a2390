import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannelAnomalyDetector } from '../../src/domain/detect/channel-anomalies.ts';
import type { StoredEvent } from '../../src/domain/events/detected-event.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { buildApp } from '../../src/http/app.ts';
import { openTempStore } from '../temp-store.ts';
import { createHardStopDetector } from './hard-stop-detector.ts';
import { mulberry32 as seeded } from '../../src/domain/seeded-random.ts';
import { normal, syntheticSeries } from './synthetic-series.ts';
import { api, listenWithAdminKey } from '../api-key.ts';

const H = 3600;
const detectors = [createChannelAnomalyDetector(), createHardStopDetector()];
/** 12 h: consumption triples at 9 h, a hard stop at 8.2 h, the battery heats up from 10.5 h. */
const series = syntheticSeries(12, (i, rnd) => {
  const base = normal(i, rnd);
  if (i >= 8.2 * H && i < 8.2 * H + 120) return { ...base, speedKph: 0 };
  return { ...base, pctPerKm: i >= 9 * H ? 0.45 : 0.15, batteryTempC: i >= 10.5 * H ? 22 + Math.min(25, (i - 10.5 * H) / 45) : 22 };
});

function ndjson(s: TelemetrySeries, from: number, to: number): string {
  const lines: string[] = [];
  for (let i = from; i < to; i++) {
    lines.push(JSON.stringify({
      device_id: 'car', ts: s.tsMs[i], speed_kph: s.speedKph[i], soc_pct: s.socPct[i], battery_temp_c: s.batteryTempC[i],
      outside_temp_c: s.outsideTempC[i], lat: s.lat[i], lon: s.lon[i], odometer_km: s.odometerKm[i], state: s.state[i],
    }));
  }
  return `${lines.join('\n')}\n`;
}

async function serve(): Promise<{ app: FastifyInstance; base: string; store: Awaited<ReturnType<typeof openTempStore>> }> {
  const store = await openTempStore();
  const app = await buildApp({ store, detectors });
  return { app, store, base: await listenWithAdminKey(app) };
}

const upload = (base: string, body: string) =>
  api(`${base}/v1/telemetry`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body }).then(async (r) => {
    expect(r.status).toBe(200);
  });
const postJson = (base: string, path: string, body: unknown) =>
  api(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const getEvents = async (base: string, query = ''): Promise<StoredEvent[]> => (await api(`${base}/v1/devices/car/events${query}`)).json() as Promise<StoredEvent[]>;
const shape = (events: StoredEvent[]) => events.map((e) => ({ eventId: e.eventId, kind: e.kind, subkind: e.subkind, startMs: e.startMs, endMs: e.endMs }));

let live: Awaited<ReturnType<typeof serve>>;
let batch: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
  live = await serve();
  batch = await serve();
  // Live: 10-minute pieces uploaded in a seeded shuffled order, detection running after each commit.
  const pieces: [number, number][] = [];
  for (let i = 0; i < series.length; i += 600) pieces.push([i, Math.min(series.length, i + 600)]);
  const rnd = seeded(7);
  for (let i = pieces.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!];
  }
  for (const [from, to] of pieces) {
    await upload(live.base, ndjson(series, from, to));
    // Sometimes the next upload arrives before detection caught up (coalesced), sometimes after.
    if (rnd() < 0.5) await live.app.detection.idle();
  }
  await live.app.detection.idle();
  // Batch: a fresh store with all the data; its live detection is waited out and wiped, then one run.
  await upload(batch.base, ndjson(series, 0, series.length));
  await batch.app.detection.idle();
  await batch.store.db.run('DELETE FROM events');
}, 120_000);

afterAll(async () => {
  for (const s of [live, batch]) {
    await s?.app.close();
    await s?.store.dispose();
  }
});

describe('detection service', () => {
  it('batch detection over all the data gives the events live detection built from shuffled uploads', async () => {
    const res = await postJson(batch.base, '/v1/detect', { deviceId: 'car' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { created: number; rows: number };
    expect(body.rows).toBe(series.length);
    const batchEvents = await getEvents(batch.base);
    expect(body.created).toBe(batchEvents.length);
    expect(new Set(batchEvents.map((e) => e.subkind))).toEqual(new Set(['hard_stop', 'consumption', 'battery_temp_rise', 'battery_temp_level']));
    expect(shape(await getEvents(live.base))).toEqual(shape(batchEvents));
  });

  it('POST /v1/detect is idempotent: the second run creates, updates and removes nothing', async () => {
    const before = await getEvents(live.base);
    for (let k = 0; k < 2; k++) {
      const body = (await (await postJson(live.base, '/v1/detect', { deviceId: 'car', from: new Date(series.tsMs[0]!).toISOString() })).json()) as Record<string, number>;
      expect([body.created, body.updated, body.removed]).toEqual([0, 0, 0]);
    }
    const after = await getEvents(live.base);
    expect(after).toEqual(before);
  });

  it('filters events by kind, minimum severity and time; 404 for an unknown device; 400 for bad input', async () => {
    const all = await getEvents(live.base);
    const breakdowns = await getEvents(live.base, '?kind=breakdown');
    expect(breakdowns.map((e) => e.subkind)).toEqual(['hard_stop']);
    const critical = await getEvents(live.base, '?severity=critical');
    expect(critical.length).toBeGreaterThan(0);
    expect(critical.every((e) => e.severity === 'critical')).toBe(true);
    const late = await getEvents(live.base, `?from=${series.tsMs[10 * H]}`);
    expect(late.length).toBeLessThan(all.length);
    expect(late.every((e) => (e.endMs ?? e.startMs) >= series.tsMs[10 * H]!)).toBe(true);
    expect((await api(`${live.base}/v1/devices/nope/events`)).status).toBe(404);
    const unknown = await postJson(live.base, '/v1/detect', { deviceId: 'nope' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message: string }).message).toMatch(/nope/);
    expect((await postJson(live.base, '/v1/detect', {})).status).toBe(400);
    const badTime = await postJson(live.base, '/v1/detect', { deviceId: 'car', from: 'yesterday' });
    expect(badTime.status).toBe(400);
    expect(((await badTime.json()) as { message: string }).message).toMatch(/^from/);
    expect((await api(`${live.base}/v1/devices/car/events?kind=bogus`)).status).toBe(400);
  });

  it('a window run replaces only that window', async () => {
    const all = await getEvents(live.base);
    const fromMs = series.tsMs[10 * H]!;
    const res = (await (await postJson(live.base, '/v1/detect', { deviceId: 'car', from: String(fromMs), to: String(series.tsMs[11 * H]!) })).json()) as { events: { startMs: number }[]; removed: number };
    expect(res.removed).toBe(0);
    expect(res.events.every((e) => e.startMs >= fromMs && e.startMs < series.tsMs[11 * H]!)).toBe(true);
    expect(await getEvents(live.base)).toEqual(all);
  });
});

describe('chargers API', () => {
  it('upserts one or many by chargerId and lists them', async () => {
    const one = await postJson(live.base, '/v1/chargers', { chargerId: 'norwich-1', name: 'Norwich P&R', lat: 52.63, lon: 1.29, powerKw: 50 });
    expect(await one.json()).toEqual({ created: 1, updated: 0 });
    const many = await postJson(live.base, '/v1/chargers', [
      { chargerId: 'norwich-1', name: 'Norwich Park and Ride', lat: 52.63, lon: 1.29, powerKw: 150 },
      { chargerId: 'ipswich-1', name: 'Ipswich', lat: 52.05, lon: 1.15, powerKw: null },
    ]);
    expect(await many.json()).toEqual({ created: 1, updated: 1 });
    const list = (await (await api(`${live.base}/v1/chargers`)).json()) as { chargerId: string; name: string; powerKw: number | null }[];
    expect(list).toEqual([
      { chargerId: 'ipswich-1', name: 'Ipswich', lat: 52.05, lon: 1.15, powerKw: null },
      { chargerId: 'norwich-1', name: 'Norwich Park and Ride', lat: 52.63, lon: 1.29, powerKw: 150 },
    ]);
  });

  it('refuses a bad charger naming the field, and stores nothing of that request', async () => {
    const res = await postJson(live.base, '/v1/chargers', [{ chargerId: 'ok', name: 'Fine', lat: 52, lon: 1, powerKw: 7 }, { chargerId: 'bad', name: 'Bad', lat: 123, lon: 1, powerKw: 7 }]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/lat/);
    const list = (await (await api(`${live.base}/v1/chargers`)).json()) as { chargerId: string }[];
    expect(list.map((c) => c.chargerId)).not.toContain('ok');
  });
});
