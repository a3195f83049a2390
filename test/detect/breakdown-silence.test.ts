import { describe, expect, it } from 'vitest';
import { BREAKDOWN_RULES } from '../../src/domain/detect/breakdown-rules.ts';
import { createBreakdownDetector } from '../../src/domain/detect/breakdown.ts';
import type { DetectContext } from '../../src/domain/detect/detector.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { SeriesBuilder, sliceSeries } from './series-builder.ts';

const MIN = 60_000;
const detector = createBreakdownDetector({ scorer: null });

/** Cruising at 107 kph with power, a SoC and an odometer; the data then stops. */
function diesAt107(): SeriesBuilder {
  const b = new SeriesBuilder();
  b.socPct = 55;
  b.odometerKm = 40_000;
  return b.stand(5).accelerate(107).cruise(600, 22);
}

const at = (nowMs: number | undefined, fromMs = 0): DetectContext => ({ deviceId: 'car', chargers: [], fromMs, ...(nowMs === undefined ? {} : { nowMs }) });
const lastTs = (s: TelemetrySeries) => s.tsMs[s.length - 1]!;

describe('telemetry that dies at speed', () => {
  it('nothing while the silence is shorter than the threshold; a provisional breakdown after it, with the silence in the evidence', async () => {
    const s = diesAt107().build();
    const last = lastTs(s);
    expect(await detector.detect(s, at(last + 3 * MIN))).toEqual([]);
    expect(await detector.detect(s, at(undefined))).toEqual([]);
    const events = await detector.detect(s, at(last + 5 * MIN));
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e).toMatchObject({ kind: 'breakdown', subkind: 'twelve_volt_failure', startMs: last });
    expect(e.summary).toMatch(/^Provisional/);
    expect(e.evidence.find((x) => x.signal === 'silence_min')).toMatchObject({ value: 5, threshold: BREAKDOWN_RULES.silenceMs / MIN });
    expect(e.evidence.find((x) => x.signal === 'provisional')?.value).toBe(true);
  });

  it('an archived recording cut at speed, judged at its last row (nobody heard it go silent), is no breakdown', async () => {
    // Like the real twizy-rsk trip T1_07_01_2021: the logger stopped mid-drive. The file's end is
    // where the recording stops, not a silence; only a device heard live and then silent is judged.
    const s = diesAt107().build();
    expect(await detector.detect(s, at(lastTs(s)))).toEqual([]);
    expect(detector.wakeAtMs!(s, at(lastTs(s)))).toBe(lastTs(s) + BREAKDOWN_RULES.silenceMs);
  });

  it('the silence is configurable', async () => {
    const s = diesAt107().build();
    const quick = createBreakdownDetector({ scorer: null, silenceMs: 2 * MIN });
    expect(await quick.detect(s, at(lastTs(s) + 3 * MIN))).toHaveLength(1);
    expect(quick.wakeAtMs!(s, at(lastTs(s)))).toBe(lastTs(s) + 2 * MIN);
  });

  it('wakeAtMs is the last row + the silence while the last row is moving, and nothing once judged or when parked', () => {
    const s = diesAt107().build();
    const last = lastTs(s);
    expect(detector.wakeAtMs!(s, at(last))).toBe(last + BREAKDOWN_RULES.silenceMs);
    expect(detector.wakeAtMs!(s, at(undefined))).toBe(last + BREAKDOWN_RULES.silenceMs);
    expect(detector.wakeAtMs!(s, at(last + 10 * MIN))).toBeUndefined();
    const parked = diesAt107().decelerate(2, 0).stand(30, 'parked').build();
    expect(detector.wakeAtMs!(parked, at(lastTs(parked)))).toBeUndefined();
  });

  it('withdrawn when the car reappears further on, still driving (a tunnel or a dead zone)', async () => {
    const b = diesAt107();
    const silentFrom = b.tsMs;
    b.gap(6 * 60).cruise(300, 22);
    const s = b.build();
    // Judged during the silence: provisional.
    const during = sliceUntil(s, silentFrom);
    expect(await detector.detect(during, at(silentFrom + 5 * MIN))).toHaveLength(1);
    // Judged after the data came back: nothing.
    expect(await detector.detect(s, at(lastTs(s)))).toEqual([]);
  });

  it('withdrawn when the modem comes back hours later 150 km on, the odometer having driven them (a dead modem, not a dead car)', async () => {
    const b = diesAt107();
    b.gap(100 * 60, 90).decelerate(2, 0).stand(30, 'parked');
    const s = b.build();
    expect(await detector.detect(s, at(lastTs(s)))).toEqual([]);
  });

  it('confirmed when the data returns an hour later where it went silent at 107 kph (no car parks within seconds of that speed)', async () => {
    const b = diesAt107();
    const last = b.tsMs;
    b.gap(40, 50).gap(60 * 60, 0).stand(20, 'parked').accelerate(60).cruise(300, 10);
    const s = b.build();
    const events = await detector.detect(s, at(lastTs(s)));
    expect(events).toMatchObject([{ subkind: 'twelve_volt_failure', startMs: last }]);
    expect(events[0]!.evidence.find((x) => x.signal === 'fault_sign')?.value).toBe('stopped_in_silence');
    expect(events[0]!.evidence.find((x) => x.signal === 'provisional')).toBeUndefined();
  });

  it('withdrawn when the data returns an hour later where it went silent at 45 kph and the car drives off by itself (units lose the last seconds before a stop)', async () => {
    const b = diesAt107().decelerate(1.5, 45, { powerKw: -10 }).cruise(20, 6);
    const last = b.tsMs;
    b.gap(5, 20).gap(60 * 60, 0).stand(20, 'parked').accelerate(60).cruise(300, 10);
    const s = b.build();
    expect(await detector.detect(sliceUntil(s, last), at(last + 5 * MIN))).toHaveLength(1);
    expect(await detector.detect(s, at(lastTs(s)))).toEqual([]);
  });

  it('confirmed when the power went before the silence: it coasted without power into the silence', async () => {
    const b = diesAt107();
    const lossMs = b.tsMs + 1000;
    b.decelerate(0.5, 70, { powerKw: 0.2 }).gap(60 * 60, 0).stand(20, 'off');
    const s = b.build();
    const events = await detector.detect(s, at(lastTs(s)));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ startMs: lossMs });
    expect(events[0]!.evidence.find((x) => x.signal === 'provisional')).toBeUndefined();
    expect(events[0]!.evidence.find((x) => x.signal === 'fault_sign')?.value).toBe('coast_down');
  });

  it('a steady 0 kW before the silence (a gentle downhill) is not a coast-down', async () => {
    const b = diesAt107().decelerate(1.5, 50, { powerKw: -10 }).cruise(60, 0.1).gap(60 * 60, 0).stand(20, 'parked').accelerate(60).cruise(300, 10);
    const s = b.build();
    expect(await detector.detect(s, at(lastTs(s)))).toEqual([]);
  });

  it('confirmed when the data returns 25 km away with the odometer unchanged (towed while the unit was dead)', async () => {
    const b = diesAt107();
    b.gap(40, 60).gap(3 * 3600, 0);
    b.lon += 25 / (111.32 * Math.cos((48 * Math.PI) / 180));
    b.stand(30, 'off');
    const s = b.build();
    const events = await detector.detect(s, at(lastTs(s)));
    expect(events).toMatchObject([{ subkind: 'twelve_volt_failure' }]);
    expect(events[0]!.evidence.find((x) => x.signal === 'fault_sign')?.value).toBe('towed_in_silence');
    expect(events[0]!.evidence.find((x) => x.signal === 'tow')).toBeDefined();
  });

  it('a unit that goes silent at 20 kph (entering a car park) is never a provisional breakdown', async () => {
    const b = diesAt107().decelerate(2, 20).cruise(10, 3);
    const s = b.build();
    expect(detector.wakeAtMs!(s, at(lastTs(s)))).toBeUndefined();
    expect(await detector.detect(s, at(lastTs(s) + 60 * MIN))).toEqual([]);
  });
});

describe('live and batch agree on silence (injected clock)', () => {
  it('windows judged live at each minute give what one batch run gives at the same clock', async () => {
    const b = diesAt107();
    const silentFrom = b.tsMs;
    b.gap(10 * 60).cruise(200, 22).gap(2 * 3600, 0).stand(10, 'off');
    const s = b.build();
    for (const nowMs of [silentFrom + 3 * MIN, silentFrom + 5 * MIN, silentFrom + 9 * MIN]) {
      const seen = sliceUntil(s, nowMs);
      const batch = await detector.detect(seen, at(nowMs));
      // Live: a window starting a look-back before the last row, judged at the same clock.
      const fromMs = lastTs(seen) - 60_000;
      const start = seen.tsMs.findIndex((t) => t >= fromMs - detector.lookbackMs);
      const live = await detector.detect(sliceSeries(seen, start), at(nowMs, fromMs));
      expect(live, new Date(nowMs).toISOString()).toEqual(batch.filter((e) => e.startMs >= fromMs));
      expect(batch.length, new Date(nowMs).toISOString()).toBe(nowMs - silentFrom >= BREAKDOWN_RULES.silenceMs ? 1 : 0);
    }
    // The data came back driving after 10 min: nothing, live or batch.
    expect(await detector.detect(sliceUntil(s, silentFrom + 11 * MIN), at(silentFrom + 11 * MIN))).toEqual([]);
  });
});

/** The rows up to and including tsMs (what the store holds at that time). */
function sliceUntil(s: TelemetrySeries, tsMs: number): TelemetrySeries {
  let n = 0;
  while (n < s.length && s.tsMs[n]! <= tsMs) n++;
  const cut = sliceSeries(s, 0);
  return { ...cut, length: n, tsMs: cut.tsMs.subarray(0, n), speedKph: cut.speedKph.subarray(0, n), socPct: cut.socPct.subarray(0, n), rangeKm: cut.rangeKm.subarray(0, n), batteryTempC: cut.batteryTempC.subarray(0, n), outsideTempC: cut.outsideTempC.subarray(0, n), cabinSetpointC: cut.cabinSetpointC.subarray(0, n), lat: cut.lat.subarray(0, n), lon: cut.lon.subarray(0, n), altM: cut.altM.subarray(0, n), odometerKm: cut.odometerKm.subarray(0, n), powerKw: cut.powerKw.subarray(0, n), state: cut.state.slice(0, n), errorCodes: cut.errorCodes.slice(0, n) };
}
