import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/events/detected-event.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { buildApp } from '../../src/http/app.ts';
import { simulateFleet } from '../../src/simulate/simulate-fleet.ts';
import { openTempStore } from '../temp-store.ts';
import { mulberry32 as seeded } from '../../src/domain/seeded-random.ts';
import { api, listenWithAdminKey } from '../api-key.ts';

/**
 * Two simulated days (seed 1) of a device that falls short of charge once and of one with a
 * thermal-fault breakdown, through the detectors the service loads from models/. (Picked by their
 * labels, so a change of the simulator does not silently leave two uneventful devices.)
 */
const fleet = simulateFleet({ seed: 1, devices: 6, days: 2 });
// Not a device whose data the window clips while it drives: a live backlog's silence is judged at
// its last row plus the time since its commit, an explicit run's at the clock (README, *Silence,
// live and batch*), so a series that ends at speed is a provisional breakdown only in the latter.
const clippedAtSpeed = new Set(fleet.devices.filter((d) => d.series.speedKph[d.series.length - 1]! >= 8).map((d) => d.deviceId));
const withLabel = (subkind: string) => fleet.labels.find((l) => !clippedAtSpeed.has(l.deviceId) && (l.subkind === subkind || (subkind === 'shortfall' && l.kind === 'charge_shortfall')))?.deviceId;
const picked = new Set([withLabel('shortfall'), withLabel('thermal_fault')]);
const devices = fleet.devices.filter((d) => picked.has(d.deviceId));
const num = (v: number) => (Number.isNaN(v) ? null : v);

function ndjson(deviceId: string, s: TelemetrySeries, from: number, to: number): string {
  let text = '';
  for (let i = from; i < to; i++) {
    text += `${JSON.stringify({
      device_id: deviceId, ts: s.tsMs[i], speed_kph: num(s.speedKph[i]!), soc_pct: num(s.socPct[i]!), range_km: num(s.rangeKm[i]!),
      battery_temp_c: num(s.batteryTempC[i]!), outside_temp_c: num(s.outsideTempC[i]!), cabin_setpoint_c: num(s.cabinSetpointC[i]!),
      lat: num(s.lat[i]!), lon: num(s.lon[i]!), alt_m: num(s.altM[i]!), odometer_km: num(s.odometerKm[i]!), power_kw: num(s.powerKw[i]!),
      state: s.state[i], error_codes: s.errorCodes[i] ?? null,
    })}\n`;
  }
  return text;
}

interface Served { app: FastifyInstance; base: string; store: Awaited<ReturnType<typeof openTempStore>> }
async function serve(): Promise<Served> {
  const store = await openTempStore();
  const app = await buildApp({ store });
  const base = await listenWithAdminKey(app);
  const res = await api(`${base}/v1/chargers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fleet.chargers) });
  expect(res.status).toBe(200);
  return { app, store, base };
}
const upload = async (base: string, body: string) => {
  const res = await api(`${base}/v1/telemetry`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { rejected: number }).rejected).toBe(0);
};
const events = async (s: Served, deviceId: string): Promise<StoredEvent[]> => (await api(`${s.base}/v1/devices/${deviceId}/events`)).json() as Promise<StoredEvent[]>;
const shape = (list: StoredEvent[]) => list.map((e) => ({ eventId: e.eventId, kind: e.kind, subkind: e.subkind, startMs: e.startMs, endMs: e.endMs }));

let live: Served;
let batch: Served;

beforeAll(async () => {
  live = await serve();
  batch = await serve();
  // ~40-minute pieces, uploaded in a seeded shuffled order with live detection after every commit.
  const pieces: [string, TelemetrySeries, number, number][] = [];
  for (const d of devices) for (let i = 0; i < d.series.length; i += 700) pieces.push([d.deviceId, d.series, i, Math.min(d.series.length, i + 700)]);
  const rnd = seeded(11);
  for (let i = pieces.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!];
  }
  for (const [deviceId, s, from, to] of pieces) {
    await upload(live.base, ndjson(deviceId, s, from, to));
    if (rnd() < 0.5) await live.app.detection.idle();
  }
  await live.app.detection.idle();
  for (const d of devices) await upload(batch.base, ndjson(d.deviceId, d.series, 0, d.series.length));
  await batch.app.detection.idle();
  await batch.store.db.run('DELETE FROM events');
}, 300_000);

afterAll(async () => {
  for (const s of [live, batch]) {
    await s?.app.close();
    await s?.store.dispose();
  }
});

describe('live and batch detection on a simulated device', () => {
  it('give the same events (ids, kinds, start and end)', async () => {
    let total = 0;
    for (const d of devices) {
      const res = await api(`${batch.base}/v1/detect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ deviceId: d.deviceId }) });
      expect(res.status).toBe(200);
      const batchEvents = await events(batch, d.deviceId);
      total += batchEvents.length;
      expect(shape(await events(live, d.deviceId))).toEqual(shape(batchEvents));
    }
    expect(total).toBeGreaterThan(0);
  });
});
