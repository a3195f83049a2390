import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeWatch } from '../../src/domain/cohorts/cohort-watch.ts';
import { buildApp } from '../../src/http/app.ts';
import { startReceiver } from '../alerts/webhook-receiver.ts';
import { openTempStore } from '../temp-store.ts';
import { NOW_MS, writeHandFleet, type HandVehicle } from './cohort-fleet.ts';
import { api, listenWithAdminKey } from '../api-key.ts';

/** One vehicle a day for 35 days, an hour a day; six breakdowns in the last week, one in the four weeks before. */
const RISING: HandVehicle[] = [
  {
    deviceId: 'w1', model: 'W', firmware: '9.1', fleet: 'watch',
    drives: Array.from({ length: 35 }, (_, i) => ({ dayAgo: i + 1, hours: 1, km: 40, roadClass: 'highway' as const, tempC: 10 })),
    events: [0, 1, 2, 3, 4, 5, 20].map((drive) => ({ kind: 'breakdown' as const, drive })),
  },
  {
    deviceId: 'q1', model: 'Q', firmware: '1.0', fleet: 'quiet',
    drives: Array.from({ length: 35 }, (_, i) => ({ dayAgo: i + 1, hours: 1, km: 40, roadClass: 'city' as const, tempC: 10 })),
    events: [3, 15].map((drive) => ({ kind: 'breakdown' as const, drive })),
  },
];

describe('judging a watched cohort', () => {
  const watch = { kind: 'breakdown', receivers: [{ name: 'ops', url: 'http://x/', secret: '12345678' }] };
  it('6 events in 7 h against 1 in 28 h is a rise (p = P(X ≥ 6 | 7, 0.2))', () => {
    const c = judgeWatch('w', watch, 0, 1, { count: 6, exposure: 7 }, { count: 1, exposure: 28 });
    const p = 7 * 0.2 ** 6 * 0.8 + 0.2 ** 7;
    expect(c.pValue).toBeCloseTo(p, 12);
    expect(c.rising).toBe(true);
    expect(c.recent.rate).toBeCloseTo((6 / 7) * 1000, 8);
  });
  it('the same share, or too few events, is not', () => {
    expect(judgeWatch('w', watch, 0, 1, { count: 2, exposure: 7 }, { count: 8, exposure: 28 }).rising).toBe(false);
    expect(judgeWatch('w', { ...watch, minEvents: 3 }, 0, 1, { count: 2, exposure: 1 }, { count: 0, exposure: 100 }).rising).toBe(false);
  });
});

describe('saved and watched cohorts over HTTP', () => {
  let store: Awaited<ReturnType<typeof openTempStore>>;
  let app: FastifyInstance;
  let base: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    store = await openTempStore({ now: () => NOW_MS });
    await writeHandFleet(store, RISING);
    app = await buildApp({ store, detectors: [], webhookAllow: ['127.0.0.1'] });
    base = await listenWithAdminKey(app);
  });
  afterAll(async () => {
    await app.close();
    await store.dispose();
    await receiver.close();
  });

  const send = (method: string, path: string, body?: unknown) =>
    api(`${base}${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });

  it('saves a named cohort, masks the secret, runs it, fires one signed webhook on a rise and not again the same day', async () => {
    const put = await send('PUT', '/v1/cohorts/w-highway', {
      description: 'model W on highways',
      query: { models: ['W'] },
      watch: { kind: 'breakdown', windowDays: 7, baselineDays: 28, alpha: 0.01, receivers: [{ name: 'tickets', url: receiver.url, secret: 'cohort-secret' }] },
    });
    expect(put.status).toBe(200);
    const saved = await put.json() as { watch: { receivers: { secret: string }[] } };
    expect(saved.watch.receivers[0]!.secret).toBe('********');
    expect(((await (await send('GET', '/v1/cohorts')).json()) as unknown[]).length).toBe(1);
    const run = (await (await send('POST', '/v1/cohorts/w-highway/query')).json()) as { groups: { vehicles: number; moments: { count: number }[] }[] };
    expect(run.groups[0]).toMatchObject({ vehicles: 1, moments: [{ count: 7 }, { count: 0 }] });

    const check = (await (await send('POST', '/v1/cohorts/w-highway/check')).json()) as { rising: boolean; recent: { count: number; exposure: number }; baseline: { count: number; exposure: number } }[];
    expect(check[0]).toMatchObject({ rising: true, recent: { count: 6, exposure: 7 }, baseline: { count: 1, exposure: 28 } });
    await receiver.waitFor(1);
    const hook = receiver.received[0]!;
    expect(hook.key).toBe('cohort.w-highway.breakdown.2026-11-30.tickets');
    expect(hook.json).toMatchObject({ type: 'cohort.rate_rise', cohort: { name: 'w-highway' } });
    const expected = `v1=${createHmac('sha256', 'cohort-secret').update(`${hook.timestamp}.${hook.body}`).digest('hex')}`;
    expect(hook.signature).toBe(expected);

    // Checked again the same day: the same key, already queued, so nothing new in the outbox.
    await send('POST', '/v1/cohorts/w-highway/check');
    const outbox = (await (await send('GET', '/v1/outbox')).json()) as { idempotencyKey: string }[];
    expect(outbox.filter((o) => o.idempotencyKey.startsWith('cohort.w-highway'))).toHaveLength(1);
  });

  it('a quiet cohort is checked and stays quiet; unknown names are 404', async () => {
    await send('PUT', '/v1/cohorts/q', { query: { models: ['Q'] }, watch: { kind: 'breakdown', receivers: [{ name: 'tickets', url: receiver.url, secret: 'cohort-secret' }] } });
    const check = (await (await send('POST', '/v1/cohorts/q/check')).json()) as { rising: boolean; pValue: number }[];
    expect(check[0]!.rising).toBe(false);
    expect(check[0]!.pValue).toBeGreaterThan(0.1);
    expect((await send('POST', '/v1/cohorts/nope/check')).status).toBe(404);
    expect((await send('DELETE', '/v1/cohorts/q')).status).toBe(204);
    expect((await send('GET', '/v1/cohorts/q')).status).toBe(404);
  });
});
