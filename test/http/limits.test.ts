import { request as httpRequest } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from '../../src/http/app.ts';
import { createKey } from '../api-key.ts';
import { openTempStore } from '../temp-store.ts';

let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  store = await openTempStore();
  app = await buildApp({ store, detectors: [], limits: { requestsPerMinute: 20, uploadsPerKey: 1, socketsPerKey: 1 } });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app?.close();
  await store?.dispose();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('limits per key: rate, uploads and replay sockets, each a clear 429', () => {
  it('counts requests per key, not per address; /healthz is never limited', async () => {
    const [a, b] = [await createKey(app, 'admin'), await createKey(app, 'admin')];
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await fetch(`${base}/v1/devices`, { headers: bearer(a) })).status);
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    const limited = await fetch(`${base}/v1/devices`, { headers: bearer(a) });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ error: 'RATE_LIMITED', message: expect.stringMatching(/more than 20 requests a minute/) });
    expect((await fetch(`${base}/v1/devices`, { headers: bearer(b) })).status).toBe(200);
    for (let i = 0; i < 30; i++) expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('one upload at a time per key: a second is 429 while the first is still streaming; another key is not held up', async () => {
    const [a, b] = [await createKey(app, 'ingest'), await createKey(app, 'ingest')];
    // The first upload sends its header line and then holds the body open.
    const held = httpRequest(`${base}/v1/telemetry?device=slow`, { method: 'POST', headers: { 'content-type': 'text/csv', ...bearer(a) } });
    const firstReply = new Promise<number>((resolve) => held.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); }));
    held.write('ts,speed_kph\n2024-01-01T00:00:00Z,1\n');
    const csv = 'ts,speed_kph\n2024-01-01T00:00:00Z,1\n';
    // Condition, not a sleep: wait until the server counts the held upload.
    while (app.inFlight().uploads === 0) await new Promise((r) => setTimeout(r, 5));
    const second = await fetch(`${base}/v1/telemetry?device=fast`, { method: 'POST', headers: { 'content-type': 'text/csv', ...bearer(a) }, body: csv });
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ error: 'TOO_BUSY', message: expect.stringMatching(/at most 1 uploads at once/) });
    expect((await fetch(`${base}/v1/telemetry?device=other`, { method: 'POST', headers: { 'content-type': 'text/csv', ...bearer(b) }, body: csv })).status).toBe(200);
    held.end();
    expect(await firstReply).toBe(200);
    while (app.inFlight().uploads > 0) await new Promise((r) => setTimeout(r, 5));
    expect((await fetch(`${base}/v1/telemetry?device=fast`, { method: 'POST', headers: { 'content-type': 'text/csv', ...bearer(a) }, body: csv })).status).toBe(200);
  });

  it('one replay socket at a time per key: the second is refused with 429 until the first closes', async () => {
    const key = await createKey(app, 'support');
    const open = () =>
      new Promise<WebSocket | number>((resolve) => {
        const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/replay`, { headers: bearer(key) });
        ws.once('open', () => resolve(ws));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      });
    const first = await open();
    expect(first).toBeInstanceOf(WebSocket);
    expect(await open()).toBe(429);
    (first as WebSocket).close();
    while (app.inFlight().sockets > 0) await new Promise((r) => setTimeout(r, 5));
    const again = await open();
    expect(again).toBeInstanceOf(WebSocket);
    (again as WebSocket).close();
  });
});
