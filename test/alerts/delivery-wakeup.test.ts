import { afterEach, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeliveryWorker } from '../../src/alerts/delivery-worker.ts';
import { enqueueOutbox, listOutbox } from '../../src/store/outbox-repository.ts';
import { WriteLock } from '../../src/store/write-lock.ts';
import { openTempStore } from '../temp-store.ts';
import { startReceiver } from './webhook-receiver.ts';

const T0 = Date.UTC(2026, 11, 2, 12);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('delivery worker wake-ups', () => {
  it('a notice queued while the worker arms its timer is sent at once, not left for a timer that never comes', async () => {
    const store = await openTempStore({ now: () => T0 });
    cleanups.push(() => store.dispose());
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());

    // The worker reads outside the write lock only to arm its timer: that read is where the
    // engine's nudge lands in this test, after the read saw an empty queue.
    const lock = new WriteLock();
    let lockDepth = 0;
    const run = lock.run.bind(lock);
    lock.run = <T>(work: () => Promise<T>) => run(async () => {
      lockDepth++;
      try {
        return await work();
      } finally {
        lockDepth--;
      }
    });
    const worker = new DeliveryWorker(store, { lock, delivery: { maxAttempts: 1, timeoutMs: 5000 }, webhookAllow: ['127.0.0.1'] });
    cleanups.push(() => worker.stop());

    const original = store.withConnection.bind(store);
    let armed = true;
    let nudged: Promise<void> | undefined;
    store.withConnection = async <T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T> => {
      const result = await original(work);
      if (armed && lockDepth === 0) {
        armed = false;
        await original((c) => enqueueOutbox(c, {
          idempotencyKey: 'k-1', incidentId: 'inc-1', step: 0, receiver: 'ops', receiverUrl: receiver.url, receiverSecret: 's',
          deviceId: 'car', payload: JSON.stringify({ idempotencyKey: 'k-1', incident: { deviceId: 'car', incidentId: 'inc-1', replayUrl: '' }, step: { index: 0 } }), dueAtMs: T0,
        }, T0));
        nudged = worker.nudge();
      }
      return result;
    };

    worker.start();
    await receiver.waitFor(1);
    expect(nudged).toBeDefined();
    expect(receiver.received.map((r) => r.key)).toEqual(['k-1']);
    await worker.drain();
    const [item] = await original((c) => listOutbox(c));
    expect(item?.status).toBe('delivered');
  });
});
