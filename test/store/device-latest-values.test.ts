import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { refreshLatestValues } from '../../src/store/device-span-repository.ts';
import { api, listenWithAdminKey } from '../api-key.ts';
import { openTempStore } from '../temp-store.ts';

// The device record keeps its latest SoC and row state, brought up to date by every commit, so the
// fleet overview never reads a device's telemetry. These are the cases a commit can meet.
const T0 = Date.parse('2024-03-01T08:00:00Z');
let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;

const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
const post = (csv: string) => api(`${base}/v1/telemetry?device=car-1`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });

interface Latest { socPct: number | null; socS: number | null; state: string | null; stateS: number | null }
async function latest(): Promise<Latest> {
  return store.withConnection(async (conn) => {
    const r = (await conn.runAndReadAll(
      "SELECT latest_soc_pct, epoch_ms(latest_soc_ts)::DOUBLE, latest_state, epoch_ms(latest_state_ts)::DOUBLE FROM devices WHERE device_id = 'car-1'",
    )).getRows()[0]!;
    const s = (v: unknown) => (v === null ? null : (Number(v) - T0) / 1000);
    return { socPct: r[0] === null ? null : Number(r[0]), socS: s(r[1]), state: r[2] === null ? null : String(r[2]), stateS: s(r[3]) };
  });
}

beforeAll(async () => {
  store = await openTempStore({ now: () => T0 + 86_400_000 });
  app = await buildApp({ store, detectors: [] });
  base = await listenWithAdminKey(app);
}, 60_000);

afterAll(async () => {
  await app.close();
  await store.dispose();
});

describe('the device record\'s latest SoC and state', () => {
  it('follows the newest row with a value, whatever order the batches come in', async () => {
    expect((await post(`ts,soc_pct,state\n${iso(100)},80,D\n${iso(101)},79.5,D\n${iso(102)},,P\n`)).status).toBe(200);
    // The blank SoC at 102 s leaves 79.5 % at 101 s; the state is the newest row's.
    expect(await latest()).toEqual({ socPct: 79.5, socS: 101, state: 'P', stateS: 102 });

    // An older back-fill changes nothing.
    expect((await post(`ts,soc_pct,state\n${iso(10)},95,D\n${iso(11)},94,C\n`)).status).toBe(200);
    expect(await latest()).toEqual({ socPct: 79.5, socS: 101, state: 'P', stateS: 102 });

    // Newer rows with no SoC move only the state; a row already stored (the duplicate at 102 s) does not count.
    expect((await post(`ts,soc_pct,state\n${iso(102)},12,X\n${iso(200)},,C\n`)).status).toBe(200);
    expect(await latest()).toEqual({ socPct: 79.5, socS: 101, state: 'C', stateS: 200 });
  });

  it('is what the stored rows give when recomputed (the migration of an older store)', async () => {
    const kept = await latest();
    await store.withConnection((conn) => conn.run("UPDATE devices SET latest_soc_pct = NULL, latest_soc_ts = NULL, latest_state = NULL, latest_state_ts = NULL"));
    await store.withConnection((conn) => refreshLatestValues(conn));
    expect(await latest()).toEqual(kept);
  });

  it('is dropped by a purge of everything before a time after it', async () => {
    const res = await api(`${base}/v1/devices/car-1?before=${encodeURIComponent(iso(150))}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    // SoC was last known at 101 s (purged); the state at 200 s stays.
    expect(await latest()).toEqual({ socPct: null, socS: null, state: 'C', stateS: 200 });
  });
});
