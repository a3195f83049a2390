import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendAlerts } from '../../src/alerts/backend-alerts.ts';
import type { AlertRule } from '../../src/domain/alerts/alert-rule.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import { eventId } from '../../src/domain/events/event-id.ts';
import type { StoreBackend } from '../../src/store/contract/store-backend.ts';
import { DuckDbBackend } from '../../src/store/duckdb-backend.ts';
import { openTempStore } from '../temp-store.ts';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const RULE: AlertRule = {
  ruleId: 'breakdowns', name: 'Breakdowns', match: { kinds: ['breakdown'] },
  receivers: [{ name: 'ops', url: 'http://127.0.0.1:9/hook', secret: 'resume-secret-1' }, { name: 'lead', url: 'http://127.0.0.1:9/lead', secret: 'resume-secret-2' }],
  escalation: [{ delayMs: 0, receiver: 'ops', audience: 'support' }, { delayMs: 600_000, receiver: 'lead', audience: 'support' }],
};

function breakdown(deviceId: string, startMs: number): DetectedEvent {
  return {
    eventId: eventId(deviceId, 'breakdown', 'loss_of_propulsion', startMs), deviceId, kind: 'breakdown', subkind: 'loss_of_propulsion', severity: 'critical',
    detector: 'breakdown-rules@1', startMs, endMs: startMs + 60_000, lat: null, lon: null, summary: 'propulsion lost', score: null, evidence: [],
  };
}

/** The backend as a process that dies at its n-th outbox enqueue sees it: the enqueue throws, nothing after it runs. */
function dyingAtEnqueue(backend: StoreBackend, n: number): StoreBackend {
  let calls = 0;
  const outbox: StoreBackend['outbox'] = {
    ...backend.outbox,
    enqueue: async (item, nowMs) => {
      if (++calls === n) throw new Error('killed');
      return backend.outbox.enqueue(item, nowMs);
    },
  };
  return Object.assign(Object.create(backend) as StoreBackend, { outbox });
}

/**
 * The successor's re-scan after a takeover (OwnedBackendWork scans every event of a device it
 * gained): whatever step the old owner died after, the repeat completes the incident's ladder
 * and opens and queues nothing twice.
 */
describe('BackendAlerts.scan repeated after a crash between its steps', () => {
  let store: Awaited<ReturnType<typeof openTempStore>>;
  let backend: DuckDbBackend;
  beforeEach(async () => {
    store = await openTempStore();
    backend = new DuckDbBackend(store);
  });
  afterEach(async () => store.dispose());

  for (const diesAt of [1, 2]) {
    it(`died at enqueue ${diesAt} of 2: the re-scan queues the rest of the ladder, one incident, one item per step`, async () => {
      await backend.events.replace({ deviceId: 'car-r' }, ['breakdown-rules@1'], [breakdown('car-r', T0)], T0);
      const events = await backend.events.list({ deviceId: 'car-r' });
      const dying = new BackendAlerts(dyingAtEnqueue(backend, diesAt), { now: () => T0 + 1000 });
      await expect(dying.scan([RULE], events)).rejects.toThrow('killed');
      expect(await backend.incidents.list()).toHaveLength(1);
      expect(await backend.outbox.list()).toHaveLength(diesAt - 1);

      const successor = new BackendAlerts(backend, { now: () => T0 + 5000 });
      expect(await successor.scan([RULE], events)).toEqual([]);
      const incidents = await backend.incidents.list();
      expect(incidents).toHaveLength(1);
      const outbox = await backend.outbox.list();
      expect(outbox.map((o) => o.step).sort()).toEqual([0, 1]);
      // Dated by the incident's opening, not by the successor's clock: the same notice whoever queued it.
      expect(incidents[0]!.openedAtMs).toBe(T0 + 1000);
      expect(outbox.map((o) => o.dueAtMs).sort((x, y) => x - y)).toEqual([T0 + 1000, T0 + 1000 + 600_000]);

      // And once more: nothing new.
      expect(await successor.scan([RULE], events)).toEqual([]);
      expect(await backend.outbox.list()).toHaveLength(2);
      expect(await backend.incidents.list()).toHaveLength(1);
    });
  }
});
