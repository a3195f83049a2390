import { afterEach, describe, expect, it } from 'vitest';
import { segmentPeriods } from '../../src/domain/segmentation/segment-periods.ts';
import { emptySeries, type TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { listSessions, replaceSessions, replaceSessionsOfDevicesInTransaction, sessionAnchorMs, sessionAnchorsOfDevices } from '../../src/store/session-repository.ts';
import { inTransaction } from '../../src/store/in-transaction.ts';
import { openTempStore } from '../temp-store.ts';

const T0 = Date.UTC(2026, 0, 12);

/** Alternating drives and stops of the given lengths (seconds), 1 Hz. */
function trips(lengthsS: number[]): TelemetrySeries {
  const n = lengthsS.reduce((a, b) => a + b, 0);
  const s = emptySeries(n);
  let i = 0;
  let odo = 1000;
  lengthsS.forEach((len, k) => {
    for (let j = 0; j < len; j++, i++) {
      const v = k % 2 === 0 ? 70 : 0;
      s.tsMs[i] = T0 + i * 1000;
      s.speedKph[i] = v;
      s.socPct[i] = 80 - i * 0.001;
      s.odometerKm[i] = (odo += v / 3600);
      s.powerKw[i] = v > 0 ? 12 : 0.2;
      s.state[i] = v > 0 ? 'driving' : 'parked';
    }
  });
  return s;
}

let dispose: (() => Promise<void>) | undefined;
afterEach(async () => {
  await dispose?.();
  dispose = undefined;
});

describe('sessions written for many devices at once (one DELETE, one appender per pipeline cycle)', () => {
  it('gives the stored sessions and anchors that the per-device calls give', async () => {
    const a = await openTempStore();
    const b = await openTempStore();
    dispose = async () => {
      await a.dispose();
      await b.dispose();
    };
    const devices = ['car-a', 'car-b', 'car-c'];
    const first = new Map(devices.map((d, k) => [d, segmentPeriods(trips([900 + 60 * k, 1200, 600, 900, 1500]))]));
    const second = new Map(devices.map((d, k) => [d, segmentPeriods(trips([900 + 60 * k, 1200, 600, 2400, 300, 800]))]));
    expect(first.get('car-a')!.length).toBeGreaterThan(3);
    // Store a: one device at a time; store b: all devices in one call. Then a partial replace from each device's anchor.
    for (const d of devices) await replaceSessions(a.db, d, undefined, first.get(d)!);
    await inTransaction(b.db, () => replaceSessionsOfDevicesInTransaction(b.db, devices.map((d) => ({ deviceId: d, fromMs: undefined, periods: first.get(d)! }))));
    const at = devices.map((d, k) => ({ deviceId: d, tsMs: T0 + (2700 + 600 * k) * 1000 }));
    const single = new Map<string, number>();
    for (const x of at) {
      const anchor = await sessionAnchorMs(a.db, x.deviceId, x.tsMs, 1);
      if (anchor !== undefined) single.set(x.deviceId, anchor);
    }
    expect(single.size).toBe(devices.length);
    expect(await sessionAnchorsOfDevices(b.db, [...at, { deviceId: 'car-unknown', tsMs: T0 }], 1)).toEqual(single);
    for (const d of devices) {
      const anchor = single.get(d)!;
      const periods = second.get(d)!.filter((p) => p.startMs >= anchor);
      await replaceSessions(a.db, d, anchor, periods);
    }
    await inTransaction(b.db, () => replaceSessionsOfDevicesInTransaction(b.db, devices.map((d) => ({ deviceId: d, fromMs: single.get(d)!, periods: second.get(d)!.filter((p) => p.startMs >= single.get(d)!) }))));
    for (const d of devices) {
      const inA = await listSessions(a.db, { deviceId: d });
      expect(inA.map((s) => s.startMs)).toEqual(second.get(d)!.map((p) => p.startMs));
      expect(await listSessions(b.db, { deviceId: d })).toEqual(inA);
    }
  });
});
