import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import { eventId } from '../../src/domain/events/event-id.ts';
import { listEvents, replaceEvents } from '../../src/store/event-repository.ts';
import { openTempStore } from '../temp-store.ts';

const T0 = Date.parse('2024-01-01T10:00:00Z');
function event(startMs: number, severity: DetectedEvent['severity'] = 'critical'): DetectedEvent {
  return {
    eventId: eventId('car-1', 'breakdown', 'loss_of_propulsion', startMs),
    deviceId: 'car-1', kind: 'breakdown', subkind: 'loss_of_propulsion', severity, detector: 'breakdown-rules@1',
    startMs, endMs: startMs + 60_000, lat: 48.1, lon: 11.5, summary: 'stopped at speed', score: 0.97,
    evidence: [{ signal: 'speed_kph', value: 88, threshold: 30, atMs: startMs }],
  };
}

describe('event repository', () => {
  let store: Awaited<ReturnType<typeof openTempStore>>;
  beforeEach(async () => { store = await openTempStore(); });
  afterEach(async () => store.dispose());

  it('replacing a window with the same events twice changes nothing; new, changed and vanished events are reported', async () => {
    const w = { deviceId: 'car-1', fromMs: T0, toMs: T0 + 3_600_000 };
    const first = await store.withConnection((c) => replaceEvents(c, w, ['breakdown-rules@1'], [event(T0 + 1000), event(T0 + 5000)], T0));
    expect(first.created).toHaveLength(2);
    const again = await store.withConnection((c) => replaceEvents(c, w, ['breakdown-rules@1'], [event(T0 + 1000), event(T0 + 5000)], T0 + 10));
    expect(again).toEqual({ created: [], updated: [], removed: [] });
    const third = await store.withConnection((c) => replaceEvents(c, w, ['breakdown-rules@1'], [event(T0 + 1000, 'warning')], T0 + 20));
    expect(third.updated.map((e) => e.severity)).toEqual(['warning']);
    expect(third.removed).toEqual([event(T0 + 5000).eventId]);
    const stored = await store.withConnection((c) => listEvents(c, { deviceId: 'car-1' }));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ severity: 'warning', detectedAtMs: T0, updatedAtMs: T0 + 20, evidence: [{ signal: 'speed_kph', value: 88 }] });
  });

  it('leaves events of other detectors and outside the window alone', async () => {
    await store.withConnection((c) => replaceEvents(c, { deviceId: 'car-1' }, ['breakdown-rules@1'], [event(T0), event(T0 + 7_200_000)], T0));
    await store.withConnection((c) => replaceEvents(c, { deviceId: 'car-1', fromMs: T0 + 3_600_000 }, ['breakdown-rules@1'], [], T0));
    await store.withConnection((c) => replaceEvents(c, { deviceId: 'car-1' }, ['other@1'], [], T0));
    const stored = await store.withConnection((c) => listEvents(c, { deviceId: 'car-1' }));
    expect(stored.map((e) => e.startMs)).toEqual([T0]);
  });
});
