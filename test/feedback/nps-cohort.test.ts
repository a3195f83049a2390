import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CohortService } from '../../src/cohorts/cohort-service.ts';
import { npsDifference, npsEstimate } from '../../src/domain/feedback/nps-interval.ts';
import { FeedbackService } from '../../src/feedback/feedback-service.ts';
import { openTempStore } from '../temp-store.ts';
import { DAY_MS, NOW_MS, writeHandFleet } from '../cohorts/cohort-fleet.ts';
import { HAND_FLEET } from '../cohorts/hand-fleet.ts';

describe('NPS with an interval', () => {
  it('50 promoters, 20 detractors of 100: 30, ±1.96·√(0.61/100)·100', () => {
    const e = npsEstimate(50, 20, 100)!;
    expect(e.score).toBe(30);
    const half = 1.959964 * Math.sqrt(0.61 / 100) * 100;
    expect(e.lower).toBeCloseTo(30 - half, 3);
    expect(e.upper).toBeCloseTo(30 + half, 3);
    expect(npsEstimate(0, 0, 0)).toBeNull();
  });
  it('the difference of two groups adds their variances', () => {
    const a = npsEstimate(50, 20, 100)!;
    const b = npsEstimate(20, 50, 100)!;
    const d = npsDifference(a, b);
    expect(d.difference).toBe(60);
    expect(d.upper - d.difference).toBeCloseTo(1.959964 * Math.sqrt(0.0061 + 0.0061) * 100, 3);
  });
});

describe('NPS of drivers after a highway breakdown against the rest', () => {
  let store: Awaited<ReturnType<typeof openTempStore>>;
  beforeAll(async () => {
    store = await openTempStore({ now: () => NOW_MS });
    await writeHandFleet(store, HAND_FLEET);
    const iso = (daysAgo: number) => new Date(NOW_MS - daysAgo * DAY_MS).toISOString();
    const rows = [
      ['a1', 5, 10], // before its breakdown (one day ago): not counted for the cohort
      ['a1', 0.5, 2],
      ['a2', 0.5, 5],
      ['a3', 3, 9],
      ['a4', 3, 8],
      ['b1', 3, 9],
      ['b2', 3, 10],
      ['c1', 3, 10],
    ] as const;
    const csv = ['device_id,ts,kind,score', ...rows.map(([d, ago, s]) => `${d},${iso(ago)},nps,${s}`)].join('\n');
    const summary = await new FeedbackService(store).import({ text: csv, format: 'csv', source: 'nps.csv' });
    expect(summary).toMatchObject({ accepted: 8, rejected: 0 });
  });
  afterAll(() => store.dispose());

  it('splits the fleet and compares, with an interval', async () => {
    const r = await new CohortService(store).query({ experienced: [{ kind: 'breakdown', roadClass: 'highway', withinDays: 90 }], split: true, groupBy: ['inCohort'], feedback: true });
    const cohort = r.groups.find((g) => g.key.inCohort === 'true')!;
    const rest = r.groups.find((g) => g.key.inCohort === 'false')!;
    expect(cohort.nps).toMatchObject({ responses: 2, promoters: 0, detractors: 2, score: -100 });
    // The rest: 9, 8, 9, 10, 10 → 4 promoters, 1 passive: +80.
    expect(rest.nps).toMatchObject({ responses: 5, promoters: 4, detractors: 0, score: 80 });
    expect(r.baseline).toBe('inCohort=false');
    const d = npsDifference(npsEstimate(0, 2, 2)!, npsEstimate(4, 0, 5)!);
    expect(cohort.npsDifferenceToBaseline).toEqual({ difference: -180, lower: Math.round(d.lower * 100) / 100, upper: Math.round(d.upper * 100) / 100 });
    expect(cohort.npsDifferenceToBaseline!.upper).toBeLessThan(0);
  });

  it('has no NPS for drive-condition groups (an answer belongs to no drive)', async () => {
    const r = await new CohortService(store).query({ groupBy: ['tempBand'], feedback: true });
    expect(r.groups[0]!.nps).toBeUndefined();
  });
});
