import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import { eventId } from '../../src/domain/events/event-id.ts';
import { listEvents, listEventsOfDevices, replaceEvents, updateEvents } from '../../src/store/event-repository.ts';
import { readSeries, readSeriesOfDevices } from '../../src/store/series-repository.ts';
import { openTempStore } from '../temp-store.ts';

const T0 = Date.parse('2024-01-01T10:00:00Z');

/** Rows at 1 Hz for a device; odd seconds have no speed (NULL) and an error code list. */
async function insertRows(store: Awaited<ReturnType<typeof openTempStore>>, deviceId: string, seconds: number, speedBase: number): Promise<void> {
  await store.withConnection(async (c) => {
    for (let k = 0; k < seconds; k++) {
      await c.run(
        `INSERT INTO telemetry (device_id, ts, speed_kph, soc_pct, state, error_codes) VALUES ($1, epoch_ms(CAST($2 AS BIGINT)), $3, $4, $5, $6::VARCHAR[])`,
        [deviceId, T0 + k * 1000, k % 2 ? null : speedBase + k, 80 - k / 10, k % 2 ? 'driving' : null, k % 2 ? "['P0A0F','U0100']" : null],
      );
    }
  });
}

function event(deviceId: string, startMs: number, endMs: number | null): DetectedEvent {
  return {
    eventId: eventId(deviceId, 'breakdown', 'loss_of_propulsion', startMs), deviceId, kind: 'breakdown', subkind: 'loss_of_propulsion',
    severity: 'critical', detector: 'breakdown@1', startMs, endMs, lat: null, lon: null, summary: 's', score: null, evidence: [],
  };
}

describe('multi-device readers', () => {
  let store: Awaited<ReturnType<typeof openTempStore>>;
  beforeEach(async () => { store = await openTempStore(); });
  afterEach(async () => store.dispose());

  it('reads many devices in one query, each from its own start, exactly as readSeries does one by one', async () => {
    await insertRows(store, 'car-a', 20, 10);
    await insertRows(store, "car-'b", 15, 50);
    await insertRows(store, 'car-c', 5, 90);
    const queries = [
      { deviceId: 'car-a', fromMs: T0 + 4000 },
      { deviceId: "car-'b", fromMs: T0 - 60_000 },
      { deviceId: 'car-a', fromMs: T0 + 7000 }, // the earlier start wins for a device asked twice
      { deviceId: 'nobody', fromMs: T0 },
    ];
    const all = await store.withConnection((c) => readSeriesOfDevices(c, queries));
    expect([...all.keys()].sort()).toEqual(["car-'b", 'car-a', 'nobody']);
    for (const [deviceId, fromMs] of [['car-a', T0 + 4000], ["car-'b", T0 - 60_000]] as const) {
      const one = await store.withConnection((c) => readSeries(c, { deviceId, fromMs }));
      const many = all.get(deviceId)!;
      expect(many.length).toBe(one.length);
      expect(Array.from(many.tsMs)).toEqual(Array.from(one.tsMs));
      expect(Array.from(many.speedKph)).toEqual(Array.from(one.speedKph));
      expect(Array.from(many.socPct)).toEqual(Array.from(one.socPct));
      expect(many.state).toEqual(one.state);
      expect(many.errorCodes).toEqual(one.errorCodes);
    }
    expect(all.get('car-a')!.length).toBe(16);
    expect(all.get('car-a')!.tsMs[0]).toBe(T0 + 4000);
    expect(Number.isNaN(all.get('car-a')!.speedKph[1])).toBe(true);
    expect(all.get('car-a')!.errorCodes[1]).toEqual(['P0A0F', 'U0100']);
    expect(all.get('nobody')!.length).toBe(0);
    expect(all.has('car-c')).toBe(false);
  });

  it('lists many devices\' events overlapping each device\'s own window, as listEvents does', async () => {
    await store.withConnection(async (c) => {
      await replaceEvents(c, { deviceId: 'car-a' }, ['breakdown@1'], [event('car-a', T0, T0 + 10_000), event('car-a', T0 + 60_000, null)], T0);
      await replaceEvents(c, { deviceId: 'car-b' }, ['breakdown@1'], [event('car-b', T0, T0 + 10_000)], T0);
    });
    const many = await store.withConnection((c) => listEventsOfDevices(c, [{ deviceId: 'car-a', fromMs: T0 + 5000 }, { deviceId: 'car-b', fromMs: T0 + 20_000 }]));
    const one = await store.withConnection((c) => listEvents(c, { deviceId: 'car-a', fromMs: T0 + 5000 }));
    expect(many.get('car-a')).toEqual(one);
    expect(many.get('car-a')!.map((e) => e.startMs)).toEqual([T0, T0 + 60_000]);
    expect(many.has('car-b')).toBe(false);
  });

  it('rewrites events in bulk as replaceEvents would, keeping when each was first detected', async () => {
    const a = event('car-a', T0, T0 + 10_000);
    const b = event('car-b', T0, null);
    await store.withConnection((c) => replaceEvents(c, { deviceId: 'car-a' }, ['breakdown@1'], [a], T0));
    await store.withConnection((c) => replaceEvents(c, { deviceId: 'car-b' }, ['breakdown@1'], [b], T0));
    const a2 = { ...a, endMs: T0 + 20_000, summary: 'longer', score: 0.9, lat: 48.1, evidence: [{ signal: 'speed_kph', value: 0, threshold: 1, atMs: T0 }] };
    const b2 = { ...b, severity: 'warning' as const, endMs: T0 + 5000 };
    await store.withConnection((c) => updateEvents(c, [a2, b2], T0 + 99));
    const [sa] = await store.withConnection((c) => listEvents(c, { deviceId: 'car-a' }));
    const [sb] = await store.withConnection((c) => listEvents(c, { deviceId: 'car-b' }));
    expect(sa).toEqual({ ...a2, detectedAtMs: T0, updatedAtMs: T0 + 99 });
    expect(sb).toEqual({ ...b2, detectedAtMs: T0, updatedAtMs: T0 + 99 });
    // replaceEvents then sees nothing to change: the bulk rewrite left the same fingerprints.
    const again = await store.withConnection((c) => replaceEvents(c, { deviceId: 'car-a' }, ['breakdown@1'], [a2], T0 + 200));
    expect(again).toEqual({ created: [], updated: [], removed: [] });
  });
});
