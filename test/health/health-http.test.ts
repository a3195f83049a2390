import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { startReceiver } from '../alerts/webhook-receiver.ts';
import { NOW_MS, writeHandFleet } from '../cohorts/cohort-fleet.ts';
import { HAND_FLEET } from '../cohorts/hand-fleet.ts';
import { openTempStore } from '../temp-store.ts';
import { api, listenWithAdminKey } from '../api-key.ts';

let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
  store = await openTempStore({ now: () => NOW_MS });
  await writeHandFleet(store, HAND_FLEET);
  // a1's breakdown became an incident nobody has acknowledged for a day.
  await store.withConnection((conn) =>
    conn.run(
      `INSERT INTO incidents (incident_id, rule_id, device_id, kind, severity, state, summary, start_ts, end_ts, opened_at, updated_at)
       VALUES ('inc-1', 'r', 'a1', 'breakdown', 'critical', 'open', 's', epoch_ms(${NOW_MS - 86_400_000}::BIGINT), epoch_ms(${NOW_MS - 86_400_000}::BIGINT), epoch_ms(${NOW_MS - 86_400_000}::BIGINT), epoch_ms(${NOW_MS - 86_400_000}::BIGINT))`,
    ),
  );
  app = await buildApp({ store, detectors: [], webhookAllow: ['127.0.0.1'] });
  base = await listenWithAdminKey(app);
});
afterAll(async () => {
  await app.close();
  await store.dispose();
  await receiver.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const get = async (path: string): Promise<any> => (await api(`${base}${path}`)).json();

describe('journey health over HTTP', () => {
  it("GET /v1/devices/:id/health shows the score and parts that sum to it", async () => {
    const h = await get('/v1/devices/a1/health');
    expect(h.deviceId).toBe('a1');
    expect(h.parts.map((p: { part: string }) => p.part)).toEqual(['base', 'moment', 'acknowledgement']);
    const sum = h.parts.reduce((s: number, p: { points: number }) => s + Math.round(p.points * 100), 0) / 100;
    expect(sum).toBe(h.score);
    expect(h.score).toBeLessThan(75);
    expect((await api(`${base}/v1/devices/nobody/health`)).status).toBe(404);
    const history = await get('/v1/devices/a1/health/history?days=14&stepDays=7');
    expect(history.map((x: { score: number }) => x.score)).toEqual([100, 100, h.score]);
  });

  it('GET /v1/health?fleet gives the distribution and the vehicles at risk; a watch calls a webhook once per crossing', async () => {
    const fleet = await get('/v1/health?fleet=north&threshold=80');
    expect(fleet.vehicles).toBe(4);
    expect(fleet.distribution.reduce((s: number, b: { vehicles: number }) => s + b.vehicles, 0)).toBe(4);
    expect(fleet.atRisk.map((h: { deviceId: string }) => h.deviceId)).toEqual(['a1', 'a2']);

    const put = await api(`${base}/v1/health/watches/north-80`, {
      method: 'PUT', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ threshold: 80, fleet: 'north', receivers: [{ name: 'crm', url: receiver.url, secret: 'health-secret' }] }),
    });
    expect(put.status).toBe(204);
    const check = await (await api(`${base}/v1/health/check`, { method: 'POST' })).json() as { crossed: { deviceId: string }[] }[];
    expect(check[0]!.crossed.map((c) => c.deviceId)).toEqual(['a1', 'a2']);
    await receiver.waitFor(2);
    expect(receiver.uniqueKeys().sort()).toEqual(['health.north-80.a1.1.crm', 'health.north-80.a2.1.crm']);
    expect(receiver.received[0]!.json).toMatchObject({ type: 'health.below_threshold', threshold: 80 });
    const again = await (await api(`${base}/v1/health/check`, { method: 'POST' })).json() as { crossed: unknown[] }[];
    expect(again[0]!.crossed).toEqual([]);
  });
});
