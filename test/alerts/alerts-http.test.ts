import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRule } from '../../src/domain/alerts/alert-rule.ts';
import type { Incident } from '../../src/domain/alerts/incident.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import { eventId } from '../../src/domain/events/event-id.ts';
import { buildApp } from '../../src/http/app.ts';
import { replaceEvents } from '../../src/store/event-repository.ts';
import { openTempStore } from '../temp-store.ts';
import { startReceiver } from './webhook-receiver.ts';
import { api, listenWithAdminKey } from '../api-key.ts';

const T0 = Date.parse('2024-06-01T08:00:00Z');
let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let refuse = false;

beforeAll(async () => {
  store = await openTempStore();
  receiver = await startReceiver(() => (refuse ? { status: 400 } : { status: 200 }));
  app = await buildApp({ store, detectors: [], webhookAllow: ['127.0.0.1'], alerts: { rules: [], scanIntervalMs: 20, delivery: { pollMs: 20, baseBackoffMs: 10, maxBackoffMs: 50 } } });
  base = await listenWithAdminKey(app);
});

afterAll(async () => {
  await app.close();
  await receiver.close();
  await store?.dispose();
});

const json = (method: string, body?: unknown) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });

function breakdown(deviceId: string, startMs: number): DetectedEvent {
  return {
    eventId: eventId(deviceId, 'breakdown', 'loss_of_propulsion', startMs), deviceId, kind: 'breakdown', subkind: 'loss_of_propulsion', severity: 'critical',
    detector: 'breakdown-rules@1', startMs, endMs: null, lat: null, lon: null, summary: 'propulsion lost at 88 km/h', score: null, evidence: [],
  };
}

/** Reads `incident` events from the SSE stream until `done` says stop. */
async function readStream(done: (incidents: Incident[]) => boolean, started: () => Promise<unknown>): Promise<Incident[]> {
  const controller = new AbortController();
  const res = await api(`${base}/v1/incidents/stream`, { signal: controller.signal });
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const reader = res.body!.getReader();
  const incidents: Incident[] = [];
  let buffer = '';
  await started();
  while (!done(incidents)) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    buffer += new TextDecoder().decode(value);
    const frames = buffer.split('\n\n');
    buffer = frames.pop()!;
    for (const f of frames) {
      const data = f.split('\n').find((l) => l.startsWith('data: '));
      if (f.includes('event: incident') && data) incidents.push(JSON.parse(data.slice(6)));
    }
  }
  controller.abort();
  return incidents;
}

describe('alerts over HTTP', () => {
  const rule = (): AlertRule => ({
    ruleId: 'fleet-breakdowns', name: 'Fleet breakdowns', match: { kinds: ['breakdown'] },
    receivers: [{ name: 'driver', url: receiver.url, secret: 'a-long-secret' }],
    escalation: [{ delayMs: 0, receiver: 'driver', audience: 'driver', instructions: 'Hazard lights on' }, { delayMs: 3_600_000, receiver: 'driver', audience: 'manager' }],
  });

  it('validates, creates, masks, replaces and deletes rules', async () => {
    const bad = await api(`${base}/v1/alert-rules`, json('POST', { ...rule(), escalation: [{ delayMs: -1, receiver: 'nobody', audience: 'x' }] }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/escalation\/0\/delayMs/);
    const unknownReceiver = await api(`${base}/v1/alert-rules`, json('POST', { ...rule(), escalation: [{ delayMs: 0, receiver: 'nobody', audience: 'x' }] }));
    expect(((await unknownReceiver.json()) as { message: string }).message).toMatch(/escalation\/0\/receiver: no receiver named 'nobody'/);
    const created = await api(`${base}/v1/alert-rules`, json('POST', rule()));
    expect(created.status).toBe(201);
    expect((await api(`${base}/v1/alert-rules`, json('POST', rule()))).status).toBe(409);
    const listed = (await (await api(`${base}/v1/alert-rules`)).json()) as AlertRule[];
    expect(listed.map((r) => [r.ruleId, r.receivers[0]!.secret])).toEqual([['fleet-breakdowns', '********']]);
    const mismatch = await api(`${base}/v1/alert-rules/other`, json('PUT', rule()));
    expect(mismatch.status).toBe(400);
    await api(`${base}/v1/alert-rules/temp`, json('PUT', { ...rule(), ruleId: 'temp', enabled: false }));
    expect((await api(`${base}/v1/alert-rules/temp`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`${base}/v1/alert-rules/temp`, { method: 'DELETE' })).status).toBe(404);
  });

  it('streams the incident as it opens, delivers the notice, and an ack with a note stops the ladder and annotates the timeline', async () => {
    const streamed = await readStream(
      (list) => list.some((i) => i.deviceId === 'van-7'),
      () => store.withConnection((c) => replaceEvents(c, { deviceId: 'van-7' }, ['breakdown-rules@1'], [breakdown('van-7', T0)], store.now())),
    );
    const opened = streamed.find((i) => i.deviceId === 'van-7')!;
    expect(opened).toMatchObject({ state: 'open', kind: 'breakdown', ruleId: 'fleet-breakdowns', replayUrl: expect.stringMatching(/^\/replay\/van-7\?/) });
    await receiver.waitFor(1);
    expect(receiver.received[0]!.key).toBe(`${opened.incidentId}.step0`);
    // The answer is recorded just after the receiver has the request.
    while (((await (await api(`${base}/v1/outbox?status=delivered`)).json()) as unknown[]).length === 0) await new Promise((r) => setTimeout(r, 20));

    const ack = await api(`${base}/v1/incidents/${opened.incidentId}/ack`, json('POST', { by: 'dispatch', note: 'Tow truck on its way' }));
    expect(await ack.json()).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'dispatch', note: 'Tow truck on its way' });
    const acked = (await (await api(`${base}/v1/incidents?state=acknowledged`)).json()) as Incident[];
    expect(acked.map((i) => i.incidentId)).toEqual([opened.incidentId]);
    const outbox = (await (await api(`${base}/v1/outbox?incidentId=${opened.incidentId}`)).json()) as Array<{ step: number; status: string }>;
    expect(outbox.map((o) => [o.step, o.status])).toEqual([[0, 'delivered'], [1, 'cancelled']]);
    const notes = await store.db.runAndReadAll(`SELECT text, author FROM annotations WHERE device_id = 'van-7'`);
    expect(notes.getRows()).toEqual([['Tow truck on its way', 'dispatch']]);
    expect((await api(`${base}/v1/incidents/${opened.incidentId}/resolve`, json('POST', {}))).status).toBe(200);
    expect((await api(`${base}/v1/incidents/nope/ack`, json('POST', {}))).status).toBe(404);
  });

  it('lists a refused notice as a dead letter and replays it with the same key', async () => {
    refuse = true;
    const before = receiver.received.length;
    await store.withConnection((c) => replaceEvents(c, { deviceId: 'van-8' }, ['breakdown-rules@1'], [breakdown('van-8', T0)], store.now()));
    let dead: Array<{ outboxId: number; idempotencyKey: string; lastError: string }> = [];
    while (dead.length === 0) {
      dead = (await (await api(`${base}/v1/outbox?status=dead`)).json()) as typeof dead;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(dead[0]!.lastError).toMatch(/HTTP 400/);
    refuse = false;
    const replayed = await api(`${base}/v1/outbox/${dead[0]!.outboxId}/replay`, { method: 'POST' });
    expect(((await replayed.json()) as { status: string }).status).toBe('pending');
    await receiver.waitFor(before + 2);
    expect(receiver.received.slice(before).map((h) => h.key)).toEqual([dead[0]!.idempotencyKey, dead[0]!.idempotencyKey]);
    expect((await api(`${base}/v1/outbox/999999/replay`, { method: 'POST' })).status).toBe(404);
  });
});
