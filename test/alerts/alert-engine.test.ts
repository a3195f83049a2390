import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertRule } from '../../src/domain/alerts/alert-rule.ts';
import { verifyWebhook } from '../../src/domain/alerts/webhook-signature.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import { eventId } from '../../src/domain/events/event-id.ts';
import { AlertEngine } from '../../src/alerts/alert-engine.ts';
import { DeliveryWorker } from '../../src/alerts/delivery-worker.ts';
import { upsertAlertRule } from '../../src/store/alert-rule-repository.ts';
import { replaceEvents } from '../../src/store/event-repository.ts';
import { listIncidents } from '../../src/store/incident-repository.ts';
import { listOutbox, replayOutboxItem } from '../../src/store/outbox-repository.ts';
import { WriteLock } from '../../src/store/write-lock.ts';
import { openTempStore } from '../temp-store.ts';
import { startReceiver } from './webhook-receiver.ts';

const T0 = Date.parse('2024-06-01T08:00:00Z');
const MIN = 60_000;
const SECRET = 'driver-secret-123';

function breakdown(deviceId: string, startMs: number, endMs: number | null, subkind = 'loss_of_propulsion'): DetectedEvent {
  return {
    eventId: eventId(deviceId, 'breakdown', subkind, startMs), deviceId, kind: 'breakdown', subkind, severity: 'critical', detector: 'breakdown-rules@1',
    startMs, endMs, lat: 48.1, lon: 11.5, summary: `${subkind} at speed`, score: 0.9, evidence: [],
  };
}

function rule(urls: { driver: string; support?: string }, overrides: Partial<AlertRule> = {}): AlertRule {
  return {
    ruleId: 'breakdowns', name: 'Breakdowns', match: { kinds: ['breakdown'], minSeverity: 'warning' },
    receivers: [{ name: 'driver', url: urls.driver, secret: SECRET }, { name: 'support', url: urls.support ?? urls.driver, secret: 'support-secret-456' }],
    escalation: [
      { delayMs: 0, receiver: 'driver', audience: 'driver', instructions: 'Turn on the hazard lights' },
      { delayMs: 5 * MIN, receiver: 'support', audience: 'support' },
      { delayMs: 15 * MIN, receiver: 'support', audience: 'manager' },
    ],
    ...overrides,
  };
}

describe('alert engine and delivery on a real store and a real receiver', () => {
  let store: Awaited<ReturnType<typeof openTempStore>>;
  let clock: number;
  let engine: AlertEngine;
  let worker: DeliveryWorker;
  let receivers: Array<Awaited<ReturnType<typeof startReceiver>>>;
  const lock = new WriteLock();

  beforeEach(async () => {
    clock = T0;
    store = await openTempStore({ now: () => clock });
    engine = new AlertEngine(store, { lock, overlapMs: 1000 });
    receivers = [];
  });
  afterEach(async () => {
    await worker?.stop();
    for (const r of receivers) await r.close();
    await store.dispose();
  });

  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };
  const makeWorker = (delivery = {}) => (worker = new DeliveryWorker(store, { lock, webhookAllow: ['127.0.0.1'], delivery: { baseBackoffMs: 1000, maxBackoffMs: 10_000, timeoutMs: 2000, ...delivery } }));
  const detect = (deviceId: string, events: DetectedEvent[]) =>
    store.withConnection((c) => replaceEvents(c, { deviceId }, ['breakdown-rules@1'], events, clock));

  it('opens one incident, sends the first notice signed, escalates on schedule and stops at ack; the note lands on the timeline', async () => {
    const r = await receiver();
    await store.withConnection((c) => upsertAlertRule(c, rule({ driver: r.url }), clock));
    makeWorker();
    await detect('car-1', [breakdown('car-1', T0 - 2 * MIN, null)]);
    expect(await engine.scanOnce()).toBe(1);
    await worker.drain();
    expect(r.received.map((h) => h.json.step.index)).toEqual([0]);
    const first = r.received[0]!;
    expect(verifyWebhook(SECRET, first.signature, first.timestamp, first.body, Math.floor(clock / 1000))).toBe(true);
    expect(verifyWebhook('wrong-secret', first.signature, first.timestamp, first.body, Math.floor(clock / 1000))).toBe(false);
    expect(first.json).toMatchObject({ type: 'incident.opened', step: { audience: 'driver', instructions: 'Turn on the hazard lights' } });
    expect(first.json.incident.replayUrl).toMatch(/^\/replay\/car-1\?event=[^&]+&t=2024-06-01T07%3A58/);

    clock += 4 * MIN;
    await worker.drain();
    expect(r.received).toHaveLength(1);
    clock += 1 * MIN;
    await worker.drain();
    expect(r.received.map((h) => h.json.step.index)).toEqual([0, 1]);

    const [incident] = await store.withConnection((c) => listIncidents(c));
    const acked = await engine.advance(incident!.incidentId, 'acknowledged', 'ops@example.com', 'Driver safe, tow ordered');
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'ops@example.com', note: 'Driver safe, tow ordered' });
    clock += 20 * MIN;
    await worker.drain();
    expect(r.received).toHaveLength(2);
    const outbox = await store.withConnection((c) => listOutbox(c));
    expect(outbox.map((o) => o.status)).toEqual(['delivered', 'delivered', 'cancelled']);
    const notes = await store.db.runAndReadAll(`SELECT device_id, text, author, tags::VARCHAR, claim->>'incidentId' FROM annotations`);
    expect(notes.getRows()).toEqual([['car-1', 'Driver safe, tow ordered', 'ops@example.com', '["incident","ack","breakdown"]', incident!.incidentId]]);
    // A second ack changes nothing; resolve moves on and never back.
    expect((await engine.advance(incident!.incidentId, 'acknowledged', 'x', 'again'))?.note).toBe('Driver safe, tow ordered');
    expect((await engine.advance(incident!.incidentId, 'resolved', 'ops@example.com', null))?.state).toBe('resolved');
    expect((await engine.advance(incident!.incidentId, 'acknowledged', 'x', null))?.state).toBe('resolved');
    expect(await engine.advance('inc_nope', 'resolved', null, null)).toBeUndefined();
  });

  it('groups a breakdown, its growing tow and a flap after resolve into one incident; a later breakdown opens another', async () => {
    const r = await receiver();
    await store.withConnection((c) => upsertAlertRule(c, rule({ driver: r.url }, { escalation: [{ delayMs: 0, receiver: 'driver', audience: 'driver' }] }), clock));
    const stop = breakdown('car-1', T0, T0 + MIN);
    await detect('car-1', [stop]);
    await engine.scanOnce();
    clock += 1000;
    await detect('car-1', [{ ...stop, endMs: T0 + 10 * MIN }, breakdown('car-1', T0 + 12 * MIN, T0 + 40 * MIN, 'towed')]);
    await engine.scanOnce();
    expect(await engine.scanOnce()).toBe(0);
    let incidents = await store.withConnection((c) => listIncidents(c));
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ startMs: T0, endMs: T0 + 40 * MIN, eventIds: expect.arrayContaining([stop.eventId]) });
    expect(incidents[0]!.eventIds).toHaveLength(2);

    await engine.advance(incidents[0]!.incidentId, 'resolved', 'ops', null);
    clock += 1000;
    // The same event changing again and a flap 10 minutes later stay with the resolved incident.
    await detect('car-1', [{ ...stop, endMs: T0 + 11 * MIN }, breakdown('car-1', T0 + 12 * MIN, T0 + 40 * MIN, 'towed'), breakdown('car-1', T0 + 50 * MIN, T0 + 51 * MIN)]);
    await engine.scanOnce();
    incidents = await store.withConnection((c) => listIncidents(c));
    expect(incidents.map((i) => i.state)).toEqual(['resolved']);
    clock += 1000;
    await detect('car-1', [breakdown('car-1', T0 + 3 * 60 * MIN, null)]);
    await engine.scanOnce();
    incidents = await store.withConnection((c) => listIncidents(c));
    expect(incidents.map((i) => i.state).sort()).toEqual(['open', 'resolved']);
    expect((await store.withConnection((c) => listOutbox(c))).length).toBe(2);
  });

  it('picks up an event committed late with an older updated_at, and a restarted engine does not act twice', async () => {
    const r = await receiver();
    await store.withConnection((c) => upsertAlertRule(c, rule({ driver: r.url }, { escalation: [{ delayMs: 0, receiver: 'driver', audience: 'driver' }] }), clock));
    await store.withConnection((c) => replaceEvents(c, { deviceId: 'car-1' }, ['breakdown-rules@1'], [breakdown('car-1', T0, null)], T0 + 5000));
    expect(await engine.scanOnce()).toBe(1);
    // Stamped before the cursor (its transaction began earlier) but within the overlap.
    await store.withConnection((c) => replaceEvents(c, { deviceId: 'car-2' }, ['breakdown-rules@1'], [breakdown('car-2', T0, null)], T0 + 4500));
    expect(await engine.scanOnce()).toBe(1);
    expect(await engine.scanOnce()).toBe(0);
    const restarted = new AlertEngine(store, { lock, overlapMs: 1000 });
    expect(await restarted.scanOnce()).toBe(0);
    expect((await store.withConnection((c) => listOutbox(c))).map((o) => o.deviceId)).toEqual(['car-1', 'car-2']);
  });

  it('a receiver down for two minutes gets everything afterwards, in order per device', async () => {
    const downUntil = T0 + 2 * MIN;
    const accepted: string[] = [];
    const r = await receiver((hook) => {
      if (clock < downUntil) return { status: 503 };
      accepted.push(hook.key);
      return { status: 200 };
    });
    await store.withConnection((c) => upsertAlertRule(c, rule({ driver: r.url }, { hysteresisMs: 0, escalation: [{ delayMs: 0, receiver: 'driver', audience: 'driver' }] }), clock));
    // Backoff capped at 10 s and a budget that outlasts the outage.
    makeWorker({ maxAttempts: 40 });
    for (let i = 0; i < 4; i++) {
      for (const device of ['a', 'b', 'c']) await detect(device, Array.from({ length: i + 1 }, (_, k) => breakdown(device, T0 - 50 * MIN + k * 10 * MIN, T0 - 50 * MIN + k * 10 * MIN + 1000)));
      await engine.scanOnce();
      clock += 1000;
    }
    for (let t = 0; t < 200 && accepted.length < 12; t++) {
      await worker.drain();
      clock += 2000;
    }
    const delivered = r.received.filter((h) => accepted.includes(h.key));
    expect(r.uniqueKeys()).toHaveLength(12);
    expect(accepted).toHaveLength(12);
    expect(r.received.length).toBeGreaterThan(12);
    const outbox = await store.withConnection((c) => listOutbox(c));
    expect(outbox.every((o) => o.status === 'delivered')).toBe(true);
    const seqByKey = new Map(outbox.map((o) => [o.idempotencyKey, o.seq]));
    for (const device of ['a', 'b', 'c']) {
      const seqs = delivered.filter((h) => h.json.incident.deviceId === device).map((h) => seqByKey.get(h.key)!);
      const firstArrivals = seqs.filter((s, i) => seqs.indexOf(s) === i);
      expect(firstArrivals).toEqual([...firstArrivals].sort((x, y) => x - y));
      expect(firstArrivals).toHaveLength(4);
    }
  });

  it('does not retry a 4xx, dead-letters it, and delivers it again on replay; 429 waits for Retry-After', async () => {
    let answer = { status: 410 } as { status: number; headers?: Record<string, string> };
    const r = await receiver(() => answer);
    await store.withConnection((c) => upsertAlertRule(c, rule({ driver: r.url }, { escalation: [{ delayMs: 0, receiver: 'driver', audience: 'driver' }] }), clock));
    makeWorker();
    await detect('car-1', [breakdown('car-1', T0, null)]);
    await engine.scanOnce();
    await worker.drain();
    clock += 60 * MIN;
    await worker.drain();
    expect(r.received).toHaveLength(1);
    const [dead] = await store.withConnection((c) => listOutbox(c, { status: 'dead' }));
    expect(dead).toMatchObject({ attempts: 1, lastError: expect.stringContaining('HTTP 410') });

    answer = { status: 429, headers: { 'retry-after': '7' } };
    await store.withConnection((c) => replayOutboxItem(c, dead!.outboxId, clock));
    await worker.drain();
    const [waiting] = await store.withConnection((c) => listOutbox(c));
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAtMs: clock + 7000 });
    answer = { status: 200 };
    clock += 6999;
    await worker.drain();
    expect(r.received).toHaveLength(2);
    clock += 1;
    await worker.drain();
    expect(r.received).toHaveLength(3);
    expect((await store.withConnection((c) => listOutbox(c)))[0]).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('a receiver that never answers is timed out and retried, and does not hold up another receiver', async () => {
    const hanging = await receiver(() => 'hang');
    const healthy = await receiver();
    await store.withConnection((c) => upsertAlertRule(c, rule({ driver: hanging.url, support: healthy.url }, {
      escalation: [{ delayMs: 0, receiver: 'driver', audience: 'driver' }, { delayMs: 0, receiver: 'support', audience: 'support' }],
    }), clock));
    makeWorker({ timeoutMs: 1500 });
    await detect('car-1', [breakdown('car-1', T0, null)]);
    await engine.scanOnce();
    const drained = worker.drain();
    await hanging.waitFor(1);
    await healthy.waitFor(1);
    let statuses: string[] = [];
    while (statuses[1] !== 'delivered') {
      statuses = (await store.withConnection((c) => listOutbox(c))).map((o) => o.status);
      await new Promise((r) => setTimeout(r, 10));
    }
    // The healthy receiver's notice is recorded as delivered while the hanging one still holds its request open.
    expect(statuses).toEqual(['pending', 'delivered']);
    expect(hanging.received).toHaveLength(1);
    await drained;
    const [timedOut] = await store.withConnection((c) => listOutbox(c, { status: 'pending' }));
    expect(timedOut).toMatchObject({ receiver: 'driver', attempts: 1, lastError: 'timed out' });
  });
});
