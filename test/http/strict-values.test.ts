import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../../src/http/app.ts';
import { adminKeyOf, api, listenWithAdminKey } from '../api-key.ts';
import { openTempStore } from '../temp-store.ts';

let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  store = await openTempStore();
  app = await buildApp({ store, detectors: [] });
  base = await listenWithAdminKey(app);
  const csv = 'ts,speed_kph,lat,lon\n2024-01-01T00:00:00Z,10,48.1,2.1\n2024-01-01T00:00:01Z,11,48.1,2.1\n';
  expect((await api(`${base}/v1/telemetry?device=car`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv })).status).toBe(200);
});

afterAll(async () => {
  await app?.close();
  await store?.dispose();
});

const INTERNALS = /INTERNAL|FST_ERR|SELECT|epoch_ms|stack|at \w+ \(|duckdb/i;
const READ_ROUTES = ['telemetry', 'timeline', 'export?format=parquet', 'export?format=csv', 'events', 'sessions', 'annotations', 'claims', 'chart.svg', 'chart.vl.json'];
const stored = async () => (await store.db.runAndReadAll('SELECT count(*), sum(hash(device_id, ts))::VARCHAR FROM telemetry')).getRows()[0]!.join('/');

describe('strict values: every bad parameter is a 400 with a message, never a 500 or an internal', () => {
  it('from/to out of range, Infinity, prose and zone-less times on every read route', async () => {
    for (const route of READ_ROUTES) {
      for (const bad of ['9e15', 'Infinity', '99999999999999999', '-8640000000000001', '1 Z', 'March 7 2024 Z', '2024-01-01T00:00:00%00Z', '2024-01-01T00:00:00']) {
        for (const name of ['from', 'to']) {
          const sep = route.includes('?') ? '&' : '?';
          const res = await api(`${base}/v1/devices/car/${route}${sep}${name}=${encodeURIComponent(bad).replace('%2500', '%00')}`);
          const text = await res.text();
          expect(res.status, `${route} ${name}=${bad}: ${text}`).toBe(400);
          expect(JSON.parse(text).message, route).toMatch(new RegExp(`^${name}: `));
          expect(text, route).not.toMatch(INTERNALS);
        }
      }
    }
  });

  it('numeric parameters outside their bounds or not numbers are a 400 naming the parameter', async () => {
    for (const query of ['width=1e9', 'width=abc', 'height=-1', 'scale=1e308', 'scale=NaN']) {
      const res = await api(`${base}/v1/devices/car/chart.svg?${query}`);
      expect(res.status, query).toBe(400);
      expect(await res.text(), query).toMatch(new RegExp(query.split('=')[0]!));
    }
    // Past the pixel budget: a clear 400 before anything is read or drawn.
    const huge = await api(`${base}/v1/devices/car/chart.png?width=4000&height=3000&scale=4`);
    expect(huge.status).toBe(400);
    expect(await huge.json()).toMatchObject({ error: 'TOO_MANY_PIXELS', message: expect.stringMatching(/192 M pixels, over the budget/) });
    expect((await api(`${base}/v1/devices/car/chart.png?width=400&height=300&scale=2`)).status).toBe(200);
    for (const query of ['maxPoints=1e12', 'maxPoints=-5', 'maxPoints=x']) expect((await api(`${base}/v1/devices/car/timeline?${query}`)).status, query).toBe(400);
    for (const query of ['limit=0', 'limit=1e9', 'limit=x']) expect((await api(`${base}/v1/incidents?${query}`)).status, query).toBe(400);
    const annotation = await api(`${base}/v1/devices/car/annotations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ startMs: 1e300, text: 'x' }) });
    expect(annotation.status).toBe(400);
    expect(await annotation.text()).not.toMatch(INTERNALS);
  });

  it('an injection through every string parameter finds nothing and changes nothing', async () => {
    const before = await stored();
    const evil = ["car' OR '1'='1", "car'; DROP TABLE telemetry; --", 'car") UNION SELECT * FROM api_keys --', '../../etc/passwd', 'car\u0000'];
    for (const id of evil) {
      const e = encodeURIComponent(id);
      for (const route of ['', '/telemetry', '/timeline', '/export?format=csv', '/events', '/sessions', '/annotations', '/claims', '/chart.svg']) {
        const res = await api(`${base}/v1/devices/${e}${route}`);
        expect([400, 404], `${id} ${route}`).toContain(res.status);
        // The message may name the id it did not find; nothing else of the input or the query.
        expect(((await res.json()) as { message: string }).message.replace(id, '')).not.toMatch(INTERNALS);
      }
      for (const q of [`columns=${e}`, `kind=${e}`, `session=${e}`, `x=${e}`, `units=${e}`]) {
        const res = await api(`${base}/v1/devices/car/chart.svg?${q}`);
        expect([200, 400, 404], q).toContain(res.status);
        expect((await res.text()).replace(JSON.stringify(id).slice(1, -1), ''), q).not.toMatch(/FST_ERR|epoch_ms|SELECT/);
      }
      const del = await api(`${base}/v1/devices/car/annotations/${e}`, { method: 'DELETE' });
      expect([400, 404]).toContain(del.status);
      expect((await api(`${base}/v1/audit?device=${e}`)).status).toBe(200);
    }
    expect(await stored()).toBe(before);
    expect(((await (await api(`${base}/v1/devices`)).json()) as { deviceId: string }[]).map((d) => d.deviceId)).toEqual(['car']);
  });

  it('replay commands with times outside the date range are a BAD_COMMAND, not an int64 overflow', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/replay`, { headers: { authorization: `Bearer ${adminKeyOf(base)}` } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const reply = (command: unknown) =>
      new Promise<{ type: string; code: string; message: string }>((resolve) => {
        // The answer to a command is 'ready' or 'error'; back-fill and state messages pass by.
        const onMessage = (data: WebSocket.RawData) => {
          const message = JSON.parse(String(data));
          if (message.type !== 'ready' && message.type !== 'error') return;
          ws.off('message', onMessage);
          resolve(message);
        };
        ws.on('message', onMessage);
        ws.send(typeof command === 'string' ? command : JSON.stringify(command));
      });
    for (const command of [{ type: 'open', deviceId: 'car', fromMs: -1e300 }, { type: 'open', deviceId: 'car', toMs: 1e300 }, { type: 'open', deviceId: 'car', atMs: 9e15 }]) {
      const r = await reply(command);
      expect(r).toMatchObject({ type: 'error', code: 'BAD_COMMAND' });
      expect(r.message).not.toMatch(INTERNALS);
    }
    expect(await reply('x'.repeat(5000))).toMatchObject({ type: 'error', code: 'BAD_COMMAND' });
    expect((await reply({ type: 'open', deviceId: 'car' })).type).toBe('ready');
    expect(await reply({ type: 'seek', tMs: -1e300 })).toMatchObject({ type: 'error', code: 'BAD_COMMAND' });
    ws.close();
  });
});
