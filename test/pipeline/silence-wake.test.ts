import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DetectContext, Detector } from '../../src/domain/detect/detector.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import { eventId } from '../../src/domain/events/event-id.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { DerivedPipeline, type SetTimer } from '../../src/pipeline/derived-pipeline.ts';
import { listEvents } from '../../src/store/event-repository.ts';
import { openTempStore } from '../temp-store.ts';

const T0 = Date.parse('2024-03-01T08:00:00Z');
const SILENCE_MS = 60_000;

/** A car whose data stops while it moves is a provisional breakdown once it has been silent SILENCE_MS (judged with ctx.nowMs). */
const silenceDetector: Detector = {
  name: 'silence@1',
  lookbackMs: 10 * 60_000,
  async detect(s: TelemetrySeries, ctx: DetectContext): Promise<DetectedEvent[]> {
    const last = s.length - 1;
    if (last < 0 || !(s.speedKph[last]! > 10) || ctx.nowMs === undefined || ctx.nowMs - s.tsMs[last]! < SILENCE_MS) return [];
    const startMs = s.tsMs[last]!;
    if (startMs < ctx.fromMs) return [];
    return [{ eventId: eventId(ctx.deviceId, 'breakdown', 'silence', startMs), deviceId: ctx.deviceId, kind: 'breakdown', subkind: 'silence', severity: 'warning',
      detector: 'silence@1', startMs, endMs: null, lat: null, lon: null, summary: 'silent while moving', score: null, evidence: [] }];
  },
  wakeAtMs(s: TelemetrySeries): number | undefined {
    const last = s.length - 1;
    return last >= 0 && s.speedKph[last]! > 10 ? s.tsMs[last]! + SILENCE_MS : undefined;
  },
};

describe('silence is judged from a timer on the injectable clock', () => {
  let store: Awaited<ReturnType<typeof openTempStore>>;
  let nowMs: number;
  let timers: { atMs: number; fire: () => void; cancelled: boolean }[];
  const setTimer: SetTimer = (fire, delayMs) => {
    const t = { atMs: nowMs + delayMs, fire, cancelled: false };
    timers.push(t);
    return () => (t.cancelled = true);
  };
  const armed = () => timers.filter((t) => !t.cancelled);
  /** Moves the clock and fires what came due, as the event loop would. */
  const advanceTo = (ms: number) => {
    nowMs = ms;
    for (const t of armed().filter((t) => t.atMs <= ms)) {
      t.cancelled = true;
      t.fire();
    }
  };

  beforeEach(async () => {
    store = await openTempStore();
    nowMs = T0;
    timers = [];
  });
  afterEach(async () => store.dispose());

  async function rows(deviceId: string, fromS: number, toS: number, speedKph: (s: number) => number) {
    await store.withConnection(async (c) => {
      for (let k = fromS; k < toS; k++) {
        await c.run('INSERT INTO telemetry (device_id, ts, speed_kph) VALUES ($1, epoch_ms(CAST($2 AS BIGINT)), $3)', [deviceId, T0 + k * 1000, speedKph(k)]);
      }
    });
    return { deviceId, fromMs: T0 + fromS * 1000, toMs: T0 + (toS - 1) * 1000 };
  }

  it('re-judges a device that went silent while moving at lastTs + silence with ctx.nowMs, and arms nothing for a parked one', async () => {
    const pipeline = new DerivedPipeline(store, [silenceDetector], { clock: () => nowMs, setTimer, heavyIntervalMs: 0 });
    nowMs = T0 + 30_000;
    pipeline.schedule([await rows('moving', 0, 30, () => 80), await rows('parked', 0, 30, (k) => (k < 20 ? 60 : 0))]);
    await pipeline.settled();
    expect(await store.withConnection((c) => listEvents(c, { deviceId: 'moving' }))).toEqual([]);
    // One timer, for the moving car's last row + the silence threshold; none for the parked car.
    expect(armed().map((t) => t.atMs)).toEqual([T0 + 29_000 + SILENCE_MS]);

    advanceTo(T0 + 29_000 + SILENCE_MS - 1);
    await pipeline.settled();
    expect(await store.withConnection((c) => listEvents(c, { deviceId: 'moving' }))).toEqual([]);

    advanceTo(T0 + 29_000 + SILENCE_MS);
    await pipeline.settled();
    const events = await store.withConnection((c) => listEvents(c, { deviceId: 'moving' }));
    expect(events.map((e) => [e.subkind, e.startMs])).toEqual([['silence', T0 + 29_000]]);
    expect(await store.withConnection((c) => listEvents(c, { deviceId: 'parked' }))).toEqual([]);
    // The re-judgement asked again for a time already judged (nothing new came): nothing is re-armed.
    expect(armed()).toEqual([]);
    await pipeline.close();
  });

  it('new rows before the silence threshold move the wake-up instead of firing it', async () => {
    const pipeline = new DerivedPipeline(store, [silenceDetector], { clock: () => nowMs, setTimer, heavyIntervalMs: 0 });
    nowMs = T0 + 10_000;
    pipeline.schedule([await rows('car', 0, 10, () => 80)]);
    await pipeline.settled();
    expect(armed().map((t) => t.atMs)).toEqual([T0 + 9_000 + SILENCE_MS]);
    nowMs = T0 + 40_000;
    pipeline.schedule([await rows('car', 10, 40, () => 80)]);
    await pipeline.settled();
    expect(armed().map((t) => t.atMs)).toEqual([T0 + 39_000 + SILENCE_MS]);
    // The car stops: nothing left to judge, no timer.
    nowMs = T0 + 50_000;
    pipeline.schedule([await rows('car', 40, 50, () => 0)]);
    await pipeline.settled();
    expect(armed()).toEqual([]);
    await pipeline.close();
  });

  it('a log uploaded long after it was recorded is silent only from its upload: no provisional breakdown at once, one after the silence', async () => {
    const pipeline = new DerivedPipeline(store, [silenceDetector], { clock: () => nowMs, setTimer, heavyIntervalMs: 0 });
    // Recorded at T0, uploaded a day later: its last row is at speed.
    const uploadMs = T0 + 86_400_000;
    nowMs = uploadMs;
    pipeline.schedule([await rows('backlog', 0, 30, () => 80)]);
    await pipeline.settled();
    expect(await store.withConnection((c) => listEvents(c, { deviceId: 'backlog' }))).toEqual([]);
    // The wake-up is the silence threshold after the upload, not after the (day-old) last row.
    expect(armed().map((t) => t.atMs)).toEqual([uploadMs + SILENCE_MS]);
    advanceTo(uploadMs + SILENCE_MS);
    await pipeline.settled();
    expect((await store.withConnection((c) => listEvents(c, { deviceId: 'backlog' }))).map((e) => e.startMs)).toEqual([T0 + 29_000]);
    await pipeline.close();
  });
});
