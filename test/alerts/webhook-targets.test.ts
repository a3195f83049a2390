import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertEngine } from '../../src/alerts/alert-engine.ts';
import { DeliveryWorker } from '../../src/alerts/delivery-worker.ts';
import { postWebhook, WebhookTargetRefused } from '../../src/alerts/post-webhook.ts';
import { refusedRange, webhookTargetRefusal } from '../../src/domain/alerts/webhook-target.ts';
import { eventId } from '../../src/domain/events/event-id.ts';
import { upsertAlertRule } from '../../src/store/alert-rule-repository.ts';
import { replaceEvents } from '../../src/store/event-repository.ts';
import { listOutbox } from '../../src/store/outbox-repository.ts';
import { WriteLock } from '../../src/store/write-lock.ts';
import { openTempStore } from '../temp-store.ts';
import { startReceiver } from './webhook-receiver.ts';

describe('webhook targets: inside addresses are refused unless allowed', () => {
  it('classifies loopback, private, link-local, metadata and mapped addresses; public ones pass', () => {
    expect(refusedRange('127.0.0.1')).toBe('loopback');
    expect(refusedRange('::1')).toBe('loopback');
    expect(refusedRange('::ffff:127.0.0.1')).toBe('loopback');
    expect(refusedRange('10.1.2.3')).toBe('private');
    expect(refusedRange('192.168.0.10')).toBe('private');
    expect(refusedRange('172.16.5.4')).toBe('private');
    expect(refusedRange('fd12::1')).toBe('private');
    expect(refusedRange('169.254.169.254')).toBe('metadata');
    expect(refusedRange('169.254.1.1')).toBe('link-local');
    expect(refusedRange('fe80::1')).toBe('link-local');
    expect(refusedRange('0.0.0.0')).toBe('unspecified');
    expect(refusedRange('93.184.216.34')).toBeUndefined();
    expect(refusedRange('2606:2800:220:1::')).toBeUndefined();
  });

  it('the allow-list takes addresses, CIDR ranges and host names', () => {
    expect(webhookTargetRefusal(['127.0.0.1'], '127.0.0.1', '127.0.0.1')).toBeUndefined();
    expect(webhookTargetRefusal(['10.0.0.0/8'], 'hooks.internal', '10.9.8.7')).toBeUndefined();
    expect(webhookTargetRefusal(['hooks.internal'], 'hooks.internal', '10.9.8.7')).toBeUndefined();
    expect(webhookTargetRefusal(['10.0.0.0/8'], 'x', '192.168.1.1')).toBe('private');
    expect(webhookTargetRefusal([], 'x', '93.184.216.34')).toBeUndefined();
  });

  it('refuses a loopback literal and a name resolving to loopback before connecting; follows no redirect', async () => {
    const r = await startReceiver();
    const other = await startReceiver();
    try {
      const init = { headers: { 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(5000) };
      await expect(postWebhook(r.url, { ...init, allow: [] })).rejects.toBeInstanceOf(WebhookTargetRefused);
      // localhost is resolved at connect time by the guarded lookup, and refused there.
      await expect(postWebhook(r.url.replace('127.0.0.1', 'localhost'), { ...init, allow: [] })).rejects.toThrow(/target refused: a loopback address/);
      expect(r.received).toHaveLength(0);
      expect(await postWebhook(r.url, { ...init, allow: ['127.0.0.1'] })).toMatchObject({ status: 200 });
      r.setBehaviour(() => ({ status: 302, headers: { location: other.url } }));
      expect(await postWebhook(r.url, { ...init, allow: ['127.0.0.1'] })).toMatchObject({ status: 302 });
      expect(other.received).toHaveLength(0);
    } finally {
      await r.close();
      await other.close();
    }
  });
});

describe('delivery errors say what happened without a port scan', () => {
  let store: Awaited<ReturnType<typeof openTempStore>>;
  const lock = new WriteLock();
  const T0 = Date.parse('2024-06-01T08:00:00Z');
  beforeEach(async () => {
    store = await openTempStore({ now: () => T0 });
  });
  afterEach(async () => {
    await store.dispose();
  });

  /** A port nothing listens on (bound, then released). */
  const closedPort = async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  };

  it('neither a refused target nor a closed port shows the port or the socket error code in the outbox', async () => {
    const port = await closedPort();
    const errors: string[] = [];
    for (const allow of [[], ['127.0.0.1']]) {
      await store.db.run('DELETE FROM outbox; DELETE FROM incidents; DELETE FROM incident_events; DELETE FROM alert_cursor; DELETE FROM events');
      const engine = new AlertEngine(store, { lock, overlapMs: 1000 });
      const worker = new DeliveryWorker(store, { lock, webhookAllow: allow, delivery: { maxAttempts: 1, timeoutMs: 2000 } });
      await store.withConnection((c) =>
        upsertAlertRule(c, {
          ruleId: 'r', name: 'r', match: { kinds: ['breakdown'], minSeverity: 'warning' },
          receivers: [{ name: 'ops', url: `http://127.0.0.1:${port}/hook`, secret: 's' }],
          escalation: [{ delayMs: 0, receiver: 'ops', audience: 'ops' }],
        }, T0),
      );
      await store.withConnection((c) => replaceEvents(c, { deviceId: 'car' }, ['d@1'], [{
        eventId: eventId('car', 'breakdown', 'x', T0 - 60_000), deviceId: 'car', kind: 'breakdown', subkind: 'x', severity: 'critical', detector: 'd@1',
        startMs: T0 - 60_000, endMs: null, lat: null, lon: null, summary: 's', score: null, evidence: [],
      }], T0));
      await engine.scanOnce();
      await worker.drain();
      await worker.stop();
      const [item] = await store.withConnection((c) => listOutbox(c));
      expect(item!.status).toBe('dead');
      errors.push(item!.lastError ?? '');
    }
    expect(errors[0]).toMatch(/target refused: a loopback address/);
    expect(errors[1]).toMatch(/connection failed/);
    for (const e of errors) {
      expect(e).not.toContain(String(port));
      expect(e).not.toMatch(/ECONNREFUSED|ECONNRESET|EHOSTUNREACH/);
    }
  });
});
