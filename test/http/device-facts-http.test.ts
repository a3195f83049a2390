import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectContext, Detector } from '../../src/domain/detect/detector.ts';
import { detectDevice } from '../../src/detect/detect-device.ts';
import { buildApp } from '../../src/http/app.ts';
import { openTempStore } from '../temp-store.ts';
import { api, listenWithAdminKey } from '../api-key.ts';

let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  store = await openTempStore();
  app = await buildApp({ store, detectors: [] });
  base = await listenWithAdminKey(app);
});

afterAll(async () => {
  await app.close();
  await store.dispose();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const put = async (id: string, body: unknown): Promise<{ status: number; body: any }> => {
  const res = await api(`${base}/v1/devices/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};

describe('PUT /v1/devices/:id: device facts', () => {
  it('stores battery capacity, reserve, cut-off and heat pump, and a later PUT keeps what it does not name', async () => {
    const first = await put('van-7', { model: 'Volta Tourer 60', batteryKwh: 58.5, reserveSocPct: 8, cutoffSocPct: 1.5, heatPump: false });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ deviceId: 'van-7', model: 'Volta Tourer 60', batteryKwh: 58.5, reserveSocPct: 8, cutoffSocPct: 1.5, heatPump: false, rowCount: 0 });
    const second = await put('van-7', { firmware: '2.1', heatPump: true });
    expect(second.body).toMatchObject({ firmware: '2.1', batteryKwh: 58.5, cutoffSocPct: 1.5, heatPump: true });
    const got = await (await api(`${base}/v1/devices/van-7`)).json();
    expect(got).toMatchObject({ batteryKwh: 58.5, reserveSocPct: 8 });
  });

  it('an unknown field is a 400 that names it, and nothing of that body is stored', async () => {
    const bad = await put('van-7', { batteryKWh: 40, model: 'renamed' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/unknown field 'batteryKWh'/);
    expect(bad.body.message).toMatch(/batteryKwh/);
    const got = await (await api(`${base}/v1/devices/van-7`)).json();
    expect(got).toMatchObject({ model: 'Volta Tourer 60', batteryKwh: 58.5 });
  });

  it('refuses impossible values with the field in the message', async () => {
    const zero = await put('van-8', { batteryKwh: 0 });
    expect(zero.status).toBe(400);
    expect(zero.body.message).toMatch(/batteryKwh/);
    expect((await put('van-8', { cutoffSocPct: -1 })).status).toBe(400);
    expect((await put('van-8', { heatPump: 'yes' })).status).toBe(400);
    expect((await api(`${base}/v1/devices/van-8`)).status).toBe(404);
  });

  it('detection run from the store hands the registered facts to the detectors as ctx.device', async () => {
    await store.withConnection((conn) => conn.run("INSERT INTO telemetry (device_id, ts, speed_kph) VALUES ('van-7', TIMESTAMP '2025-01-06 08:00:00', 0)"));
    const seen: DetectContext[] = [];
    const spy: Detector = { name: 'spy@1', lookbackMs: 0, detect: async (_s, ctx) => (seen.push(ctx), []) };
    await detectDevice(store, 'van-7', {}, [spy]);
    expect(seen[0]!.device).toEqual({ model: 'Volta Tourer 60', firmware: '2.1', batteryKwh: 58.5, reserveSocPct: 8, cutoffSocPct: 1.5, heatPump: true });
  });
});
