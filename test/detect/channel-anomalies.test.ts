import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createChannelAnomalyDetector } from '../../src/domain/detect/channel-anomalies.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { readSeries } from '../../src/store/series-repository.ts';
import { openTempStore } from '../temp-store.ts';
import { normal, syntheticSeries } from './synthetic-series.ts';

const detector = createChannelAnomalyDetector();
const run = (s: TelemetrySeries, fromMs = -1e15) => detector.detect(s, { deviceId: 'car', chargers: [], fromMs });
const H = 3600;

function slice(s: TelemetrySeries, from: number): TelemetrySeries {
  const out = { ...s, length: s.length - from } as TelemetrySeries;
  for (const key of Object.keys(s) as (keyof TelemetrySeries)[]) {
    const v = s[key];
    if (v instanceof Float64Array || Array.isArray(v)) (out as unknown as Record<string, unknown>)[key] = v.slice(from);
  }
  return out;
}

describe('channel anomalies', () => {
  it('finds nothing in eight hours of ordinary driving', async () => {
    expect(await run(syntheticSeries(8, normal))).toEqual([]);
  });

  it('flags a battery heating up fast, with the score, baseline and threshold as evidence', async () => {
    const s = syntheticSeries(8, (i, rnd) => ({ ...normal(i, rnd), batteryTempC: i >= 7 * H && i < 7 * H + 600 ? 22 + (i - 7 * H) / 30 : i >= 7 * H + 600 ? 42 : 22 }));
    const events = await run(s);
    const rise = events.find((e) => e.subkind === 'battery_temp_rise');
    expect(rise).toBeDefined();
    expect(rise!.kind).toBe('anomaly');
    expect(rise!.detector).toBe('channel-anomalies@1');
    expect(rise!.startMs).toBeGreaterThanOrEqual(s.tsMs[7 * H]!);
    expect(rise!.startMs).toBeLessThanOrEqual(s.tsMs[7 * H + 360]!);
    expect(rise!.severity).toBe('critical');
    expect(rise!.evidence.find((e) => e.signal === 'robust_z')).toMatchObject({ threshold: 6 });
    expect(rise!.evidence.find((e) => e.signal === 'battery_temp_rise_c_per_min_baseline_median')!.value).toBeCloseTo(0, 1);
    expect(events.every((e) => e.startMs >= s.tsMs[7 * H]!)).toBe(true);
  });

  it('flags consumption three times the usual per km', async () => {
    const s = syntheticSeries(8, (i, rnd) => ({ ...normal(i, rnd), pctPerKm: i >= 7 * H ? 0.45 : 0.15 }));
    const events = await run(s);
    expect(events.map((e) => e.subkind)).toEqual(['consumption']);
    expect(events[0]!.startMs).toBeLessThan(s.tsMs[7 * H + 900]!);
  });

  const parkedAfter6h = (extra: (i: number) => Partial<ReturnType<typeof normal>>) => (i: number, rnd: () => number) =>
    i < 6 * H ? normal(i, rnd) : { speedKph: 0, pctPerKm: 0.15, batteryTempC: 22, ...extra(i) };

  it('flags charge draining while parked, and not a one-sample SoC glitch', async () => {
    const leak = syntheticSeries(8, parkedAfter6h((i) => ({ extraSocDropPct: i >= 6.5 * H && i < 6.5 * H + 600 ? 6 / 600 : 0 })));
    const events = await run(leak);
    expect(events.map((e) => e.subkind)).toEqual(['soc_drop']);
    expect(events[0]!.summary).toMatch(/without driving or charging/);
    const glitch = syntheticSeries(8, parkedAfter6h((i) => (i === 6.5 * H ? { socOverridePct: 0.02 } : {})));
    expect(await run(glitch)).toEqual([]);
    const glitchWhileDriving = syntheticSeries(8, (i, rnd) => ({ ...normal(i, rnd), ...(i === 5 * H ? { socOverridePct: 0.02 } : {}) }));
    expect(await run(glitchWhileDriving)).toEqual([]);
  });

  it('is causal and needs only its lookback: a window gives the events a whole run gives', async () => {
    const s = syntheticSeries(12, (i, rnd) => ({ ...normal(i, rnd), pctPerKm: i >= 10 * H ? 0.5 : 0.15, batteryTempC: i >= 11 * H ? 22 + Math.min(30, (i - 11 * H) / 25) : 22 }));
    const whole = await run(s);
    expect(whole.length).toBeGreaterThanOrEqual(2);
    const fromMs = s.tsMs[9.5 * H]!;
    const startIndex = s.tsMs.findIndex((t) => t >= fromMs - detector.lookbackMs);
    expect(await run(slice(s, startIndex), fromMs)).toEqual(whole.filter((e) => e.startMs >= fromMs));
    // Causal: cutting the future off changes nothing about events that had already started.
    const cut = s.tsMs[10.5 * H]!;
    const prefix = await run({ ...slice(s, 0), length: 10.5 * H, tsMs: s.tsMs.subarray(0, 10.5 * H) } as TelemetrySeries);
    expect(prefix.map((e) => [e.eventId, e.startMs])).toEqual(whole.filter((e) => e.startMs < cut).map((e) => [e.eventId, e.startMs]));
  });

  it('stays quiet on every real twizy-rsk trip (one device, all 14 trips)', async () => {
    const dir = join(import.meta.dirname, '../../fixtures/twizy-rsk');
    const store = await openTempStore();
    try {
      for (const f of readdirSync(dir).filter((x) => /\.csv(\.gz)?$/.test(x))) {
        await ingest(store, { input: { path: join(dir, f) }, format: 'csv', source: f, deviceId: 'twizy', profile: 'twizy-rsk' });
      }
      const s = await store.withConnection((c) => readSeries(c, { deviceId: 'twizy' }));
      expect(s.length).toBeGreaterThan(30_000);
      expect(await run(s)).toEqual([]);
    } finally {
      await store.dispose();
    }
  });
});
