import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CohortService } from '../../src/cohorts/cohort-service.ts';
import { poissonRateInterval, rateRatioInterval } from '../../src/domain/cohorts/poisson-interval.ts';
import type { CohortResult } from '../../src/domain/cohorts/cohort-result.ts';
import { openTempStore } from '../temp-store.ts';
import { NOW_MS, writeHandFleet } from './cohort-fleet.ts';
import { HAND_FLEET } from './hand-fleet.ts';

let store: Awaited<ReturnType<typeof openTempStore>>;
let cohorts: CohortService;

beforeAll(async () => {
  store = await openTempStore({ now: () => NOW_MS });
  await writeHandFleet(store, HAND_FLEET);
  cohorts = new CohortService(store);
});
afterAll(() => store.dispose());

const group = (r: CohortResult, label: string) => r.groups.find((g) => g.label === label)!;
const moment = (r: CohortResult, label: string, kind: string) => group(r, label).moments.find((m) => m.kind === kind)!;

describe('cohort queries', () => {
  it('by model: vehicles, exposure, counts, exact rates, ratios to the largest group, low exposure flagged', async () => {
    const r = await cohorts.query({ groupBy: ['model'], minExposureHours: 5 });
    expect(r.groups.map((g) => g.label)).toEqual(['model=A', 'model=B', 'model=C']);
    // A: 4 vehicles × 20 h = 80 h, 4,800 km, 2 breakdowns; B: 2 × 10 × 0.5 h = 10 h, 300 km, 1; C: 2 h (under 5 h).
    expect(group(r, 'model=A')).toMatchObject({ vehicles: 4, drivingHours: 80, drivingKm: 4800, lowExposure: false });
    expect(group(r, 'model=B')).toMatchObject({ vehicles: 2, drivingHours: 10, drivingKm: 300, lowExposure: false });
    expect(group(r, 'model=C')).toMatchObject({ vehicles: 1, drivingHours: 2, lowExposure: true });
    const a = moment(r, 'model=A', 'breakdown');
    const expected = poissonRateInterval(2, 80, 1000)!;
    expect(a.count).toBe(2);
    expect(a.perThousandHours!.rate).toBe(25);
    expect(a.perThousandHours!.lower).toBeCloseTo(expected.lower, 4);
    expect(a.perThousandHours!.upper).toBeCloseTo(expected.upper, 3);
    expect(a.perTenThousandKm!.rate).toBeCloseTo((2 / 4800) * 10_000, 4);
    expect(moment(r, 'model=A', 'charge_shortfall').count).toBe(1);
    // The anomaly is not a moment of truth by default.
    expect(group(r, 'model=A').moments.map((m) => m.kind)).toEqual(['breakdown', 'charge_shortfall']);
    expect(r.baseline).toBe('model=A');
    expect(a.ratioToBaseline).toBeNull();
    const b = moment(r, 'model=B', 'breakdown');
    const rr = rateRatioInterval(1, 10, 2, 80);
    expect(b.ratioToBaseline!.ratio).toBe(4);
    expect(b.ratioToBaseline!.lower).toBeCloseTo(rr.lower, 4);
    expect(b.ratioToBaseline!.upper!).toBeCloseTo(rr.upper!, 3);
  });

  it('"had a breakdown on a highway in the last 90 days": a1 and a2 only; split keeps the rest to compare', async () => {
    const onHighway = { experienced: [{ kind: 'breakdown', roadClass: 'highway' as const, withinDays: 90 }] };
    const r = await cohorts.query({ ...onHighway, groupBy: ['model'] });
    expect(r.groups).toHaveLength(1);
    expect(group(r, 'model=A')).toMatchObject({ vehicles: 2, drivingHours: 40 });
    const split = await cohorts.query({ ...onHighway, split: true, groupBy: ['inCohort'] });
    expect(group(split, 'inCohort=true')).toMatchObject({ vehicles: 2, drivingHours: 40 });
    expect(group(split, 'inCohort=false')).toMatchObject({ vehicles: 5, drivingHours: 52 });
    // b1 broke down in the city: not in the cohort.
    expect(moment(split, 'inCohort=false', 'breakdown').count).toBe(1);
    // Within 1.5 days: only a1 (its breakdown was on the drive one day ago, a2's two days ago).
    const recent = await cohorts.query({ experienced: [{ kind: 'breakdown', roadClass: 'highway', withinDays: 1.5 }], groupBy: ['firmware'] });
    expect(recent.groups.map((g) => [g.label, g.vehicles])).toEqual([['firmware=1.0', 1]]);
  });

  it('"left a charger short below 0 °C" finds a3; by temperature band the exposure splits by drive', async () => {
    const r = await cohorts.query({ experienced: [{ kind: 'charge_shortfall', belowTempC: 0 }] });
    expect(r.groups).toEqual([expect.objectContaining({ vehicles: 1, drivingHours: 20 })]);
    const none = await cohorts.query({ experienced: [{ kind: 'charge_shortfall', atOrAboveTempC: 0 }] });
    expect(none.groups.filter((g) => g.vehicles > 0)).toHaveLength(0);
    const bands = await cohorts.query({ groupBy: ['tempBand'], fleets: ['north'] });
    expect(bands.groups.map((g) => [g.label, g.drivingHours])).toEqual([['tempBand=-10..0', 40], ['tempBand=10..20', 40]]);
    expect(moment(bands, 'tempBand=-10..0', 'breakdown').count).toBe(1); // a1's drive 0 was at −5 °C
    expect(moment(bands, 'tempBand=10..20', 'breakdown').count).toBe(1); // a2's drive 1 at 15 °C
  });

  it('by road class the exposure is the time on each class', async () => {
    const r = await cohorts.query({ groupBy: ['roadClass'] });
    expect(r.groups.map((g) => [g.label, g.drivingHours, g.drivingKm])).toEqual([
      ['roadClass=arterial', 2, 100],
      ['roadClass=city', 10, 300],
      ['roadClass=highway', 80, 4800],
    ]);
    expect(moment(r, 'roadClass=city', 'breakdown').count).toBe(1);
    expect(moment(r, 'roadClass=highway', 'breakdown').count).toBe(2);
  });

  it('filters by metadata and region', async () => {
    const r = await cohorts.query({ regions: ['MA'], groupBy: ['fleet', 'region'] });
    expect(r.groups.map((g) => g.label)).toEqual(['fleet=south · region=MA']);
    expect(r.groups[0]!.vehicles).toBe(2);
  });

  it('renders Arrow (file and stream), Parquet, NDJSON and a chart with error bars', async () => {
    const r = await cohorts.query({ groupBy: ['model'], minExposureHours: 5 });
    const file = await cohorts.render(r, 'arrow');
    expect(Buffer.from(file.body as Uint8Array).subarray(0, 6).toString()).toBe('ARROW1');
    const table = tableFromIPC(file.body as Uint8Array);
    expect(table.numRows).toBe(6);
    expect(table.getChild('rate_per_1000_h')!.get(0)).toBe(25);
    const stream = await cohorts.render(r, 'arrows');
    expect(tableFromIPC(stream.body as Uint8Array).numRows).toBe(6);
    const parquet = (await cohorts.render(r, 'parquet')).body as Buffer;
    expect(parquet.subarray(0, 4).toString()).toBe('PAR1');
    const ndjson = String((await cohorts.render(r, 'ndjson')).body).trim().split('\n');
    expect(JSON.parse(ndjson[0]!)).toMatchObject({ group: 'model=A', kind: 'breakdown', count: 2 });
    const spec = JSON.parse(String((await cohorts.render(r, 'vl.json')).body));
    expect(spec.spec.layer.map((l: { mark: { type: string } }) => l.mark.type)).toEqual(['rule', 'point']);
    const svg = String((await cohorts.render(r, 'svg')).body);
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('model=A');
  });
});
