import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ERROR_CATALOGUE, MESSAGES } from '../../src/domain/errors/error-catalogue.ts';
import { TelltaleError } from '../../src/domain/errors/telltale-error.ts';
import { buildApp } from '../../src/http/app.ts';
import { openTempStore } from '../temp-store.ts';
import { adminKeyOf, api, listenWithAdminKey } from '../api-key.ts';

let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  store = await openTempStore();
  app = await buildApp({ store, detectors: [] });
  base = await listenWithAdminKey(app);
  await app.services.devices.setMetadata('car-1', { model: 'Zoe' });
});
afterAll(async () => {
  await app.close();
  await store.dispose();
});

function firstMessage(command: object): Promise<{ type: string; code?: string; message?: string }> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/replay`, { headers: { authorization: `Bearer ${adminKeyOf(base)}` } });
  return new Promise((resolve, reject) => {
    ws.once('open', () => ws.send(typeof command === 'string' ? command : JSON.stringify(command)));
    ws.once('message', (data) => {
      resolve(JSON.parse(String(data)));
      ws.close();
    });
    ws.once('error', reject);
  });
}

describe('one error catalogue for HTTP, WebSocket and the CLI', () => {
  it('gives every code an HTTP status of an error', () => {
    for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
    expect(new TelltaleError('NOT_FOUND', 'x').statusCode).toBe(404);
  });

  it('answers HTTP with the code and the catalogue message', async () => {
    const missing = await api(`${base}/v1/devices/nope/annotations`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'NOT_FOUND', message: MESSAGES.noDevice('nope') });

    const body = JSON.stringify({ annotationId: 'n-1', startMs: Date.UTC(2024, 0, 1), text: 'x' });
    const post = () => api(`${base}/v1/devices/car-1/annotations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await post()).status).toBe(201);
    const again = await post();
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: 'CONFLICT', message: MESSAGES.annotationExists('n-1') });

    const gone = await api(`${base}/v1/devices/car-1/annotations/n-2`, { method: 'DELETE' });
    expect(await gone.json()).toEqual({ error: 'NOT_FOUND', message: MESSAGES.noAnnotation('car-1', 'n-2') });
  });

  it('answers WebSocket commands with codes from the same catalogue', async () => {
    expect(await firstMessage({ type: 'open', deviceId: 'nope' })).toEqual({ type: 'error', code: 'NOT_FOUND', message: MESSAGES.noDataForDevice('nope') });
    expect(await firstMessage({ type: 'pause' })).toMatchObject({ type: 'error', code: 'NOT_OPEN' });
    const codes = Object.keys(ERROR_CATALOGUE);
    expect(codes).toContain((await firstMessage({ type: 'nonsense' })).code);
  });
});
