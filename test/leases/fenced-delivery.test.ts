import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryWorker } from '../../src/alerts/delivery-worker.ts';
import { DeviceOwnership } from '../../src/pipeline/device-ownership.ts';
import { DuckDbLeaseStore } from '../../src/store/lease/duckdb-lease-store.ts';
import { enqueueOutbox, listOutbox } from '../../src/store/outbox-repository.ts';
import { WriteLock } from '../../src/store/write-lock.ts';
import { startReceiver } from '../alerts/webhook-receiver.ts';
import { openTempStore } from '../temp-store.ts';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('a webhook send is fenced by the lease', () => {
  it('a paused owner whose lease was taken over sends nothing, though its own view still says it owns the device; the new owner sends once', async () => {
    let storeMs = Date.parse('2026-12-02T00:00:00Z');
    const store = await openTempStore({ now: () => storeMs });
    const receiver = await startReceiver();
    cleanup.push(() => store.dispose(), () => receiver.close());
    const leases = new DuckDbLeaseStore(store);
    // A's local clock stands still: a process paused (GC, SIGSTOP) between its rounds.
    const aClockMs = storeMs;
    const a = new DeviceOwnership(leases, { ownerId: 'a', partitions: 1, clock: () => aClockMs, setTimer: () => () => undefined });
    const b = new DeviceOwnership(leases, { ownerId: 'b', partitions: 1, clock: () => storeMs, setTimer: () => () => undefined });
    await a.round();
    await a.round();
    expect(a.owns('car-1')).toBe(true);

    // The store's clock runs on past A's lease; B claims the partition and holds it.
    storeMs += 10_000;
    await b.round();
    await b.round();
    expect(b.owns('car-1')).toBe(true);
    expect(a.owns('car-1')).toBe(true); // A's stale view

    await store.withConnection((c) => enqueueOutbox(c, {
      idempotencyKey: 'inc_1:0', incidentId: 'inc_1', step: 0, receiver: 'ops', receiverUrl: receiver.url, receiverSecret: 's',
      deviceId: 'car-1', payload: '{"idempotencyKey":"inc_1:0","incident":{"deviceId":"car-1"}}', dueAtMs: storeMs,
    }, storeMs));
    const worker = (ownership: DeviceOwnership) => new DeliveryWorker(store, { lock: new WriteLock(), ownership, webhookAllow: ['127.0.0.1'], now: () => storeMs });

    const stale = worker(a);
    await stale.drain();
    expect(receiver.received).toHaveLength(0);
    expect((await store.withConnection((c) => listOutbox(c)))[0]).toMatchObject({ status: 'pending', attempts: 0 });

    const owner = worker(b);
    await owner.drain();
    expect(receiver.received.map((r) => r.key)).toEqual(['inc_1:0']);
    expect((await store.withConnection((c) => listOutbox(c)))[0]).toMatchObject({ status: 'delivered', attempts: 1 });
    await stale.drain();
    expect(receiver.received).toHaveLength(1);
  });
});
