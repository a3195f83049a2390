import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DetectionService } from '../../src/detect/detection-service.ts';
import type { DetectContext, Detector } from '../../src/domain/detect/detector.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import { eventId } from '../../src/domain/events/event-id.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { listEvents } from '../../src/store/event-repository.ts';
import { openTempStore } from '../temp-store.ts';

const T0 = Date.parse('2024-03-01T08:00:00Z');

/** A run of rows at ≥ 100 kph is an event from its first to its last such row (judged whole, so a window run agrees). */
function fastDetector(calls: { deviceId: string; fromMs: number }[]): Detector {
  return {
    name: 'fast@1',
    lookbackMs: 60_000,
    async detect(s: TelemetrySeries, ctx: DetectContext): Promise<DetectedEvent[]> {
      calls.push({ deviceId: ctx.deviceId, fromMs: ctx.fromMs });
      const out: DetectedEvent[] = [];
      for (let i = 0; i < s.length; i++) {
        if (!(s.speedKph[i]! >= 100) || (i > 0 && s.speedKph[i - 1]! >= 100)) continue;
        let j = i;
        while (j + 1 < s.length && s.speedKph[j + 1]! >= 100) j++;
        const startMs = s.tsMs[i]!;
        if (startMs < ctx.fromMs) continue;
        out.push({ eventId: eventId(ctx.deviceId, 'breakdown', 'fast', startMs), deviceId: ctx.deviceId, kind: 'breakdown', subkind: 'fast', severity: 'critical',
          detector: 'fast@1', startMs, endMs: s.tsMs[j]!, lat: null, lon: null, summary: `fast for ${j - i + 1} rows`, score: null, evidence: [] });
      }
      return out;
    },
  };
}

function heavyDetector(calls: { deviceId: string; fromMs: number }[]): Detector {
  return { name: 'heavy@1', lookbackMs: 2 * 3_600_000, async detect(_s, ctx) { calls.push({ deviceId: ctx.deviceId, fromMs: ctx.fromMs }); return []; } };
}

describe('DetectionService (live cycles)', () => {
  let store: Awaited<ReturnType<typeof openTempStore>>;
  beforeEach(async () => { store = await openTempStore(); });
  afterEach(async () => store.dispose());

  async function rows(deviceId: string, fromS: number, toS: number, speedKph: (s: number) => number) {
    await store.withConnection(async (c) => {
      for (let k = fromS; k < toS; k++) {
        await c.run('INSERT INTO telemetry (device_id, ts, speed_kph) VALUES ($1, epoch_ms(CAST($2 AS BIGINT)), $3)', [deviceId, T0 + k * 1000, speedKph(k)]);
      }
    });
    return { deviceId, fromMs: T0 + fromS * 1000, toMs: T0 + toS * 1000 };
  }

  it('judges breakdown-like detectors every cycle, throttles the heavy ones per device, flushes them on idle, and agrees with a batch run', async () => {
    const fastCalls: { deviceId: string; fromMs: number }[] = [];
    const heavyCalls: { deviceId: string; fromMs: number }[] = [];
    let wallMs = 0;
    const service = new DetectionService(store, [fastDetector(fastCalls), heavyDetector(heavyCalls)], { heavyIntervalMs: 30_000, clock: () => wallMs });
    const nudges = vi.fn();
    service.onEventsChanged(nudges);

    service.schedule([await rows('car-a', 0, 10, (k) => (k >= 3 ? 120 : 50)), await rows('car-b', 0, 10, () => 50)]);
    await service.settled();
    expect(heavyCalls).toHaveLength(2);
    expect(fastCalls.map((c) => c.deviceId).sort()).toEqual(['car-a', 'car-b']);
    expect(nudges).toHaveBeenCalledTimes(1);

    // 10 s of wall time later: the breakdown detector runs again at once, the heavy one waits its turn.
    wallMs += 10_000;
    service.schedule([await rows('car-a', 10, 20, () => 120), await rows('car-b', 10, 20, (k) => (k >= 15 ? 130 : 50))]);
    await service.settled();
    expect(fastCalls).toHaveLength(4);
    expect(heavyCalls).toHaveLength(2);
    let stored = await store.withConnection((c) => listEvents(c, { deviceId: 'car-a' }));
    expect(stored.map((e) => [e.startMs, e.endMs, e.summary])).toEqual([[T0 + 3000, T0 + 19_000, 'fast for 17 rows']]);
    stored = await store.withConnection((c) => listEvents(c, { deviceId: 'car-b' }));
    expect(stored.map((e) => [e.startMs, e.endMs])).toEqual([[T0 + 15_000, T0 + 19_000]]);
    expect(nudges).toHaveBeenCalledTimes(2);

    // idle() owes the heavy detector its run from the earliest row it has not judged yet.
    await service.idle();
    expect(heavyCalls.slice(2).sort((a, b) => a.deviceId.localeCompare(b.deviceId))).toEqual([
      { deviceId: 'car-a', fromMs: T0 + 10_000 - 2 * 3_600_000 },
      { deviceId: 'car-b', fromMs: T0 + 10_000 - 2 * 3_600_000 },
    ]);

    // A batch run over the whole history finds exactly what live detection stored.
    for (const deviceId of ['car-a', 'car-b']) {
      const batch = await service.detect(deviceId, {});
      expect(batch.changes).toEqual({ created: [], updated: [], removed: [] });
    }
    expect(nudges).toHaveBeenCalledTimes(2);
  });
});
