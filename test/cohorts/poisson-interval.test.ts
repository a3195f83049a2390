import { describe, expect, it } from 'vitest';
import { poissonCountInterval, poissonRateInterval, rateRatioInterval, risePValue } from '../../src/domain/cohorts/poisson-interval.ts';

describe('exact Poisson intervals', () => {
  // Garwood's exact 95 % limits as tabulated (e.g. Ulm 1990, Am J Epidemiol 131:373; Sahai & Khurshid 1993).
  const table: [number, number, number][] = [
    [0, 0, 3.689],
    [1, 0.0253, 5.572],
    [2, 0.2422, 7.225],
    [3, 0.6187, 8.767],
    [4, 1.0899, 10.242],
    [5, 1.6235, 11.668],
    [10, 4.7954, 18.39],
    [20, 12.2165, 30.8875],
  ];
  it.each(table)('k = %i → [%f, %f]', (k, lower, upper) => {
    const ci = poissonCountInterval(k);
    expect(ci.lower).toBeCloseTo(lower, 3);
    expect(ci.upper).toBeCloseTo(upper, 2);
  });

  it('scales to a rate per 1,000 driving hours; no exposure, no rate', () => {
    const r = poissonRateInterval(5, 2500, 1000)!;
    expect(r.rate).toBe(2);
    expect(r.lower).toBeCloseTo((1.6235 / 2500) * 1000, 4);
    expect(r.upper).toBeCloseTo((11.668 / 2500) * 1000, 3);
    expect(poissonRateInterval(3, 0, 1000)).toBeNull();
  });

  it('90 % limits for k = 10 are 5.425 … 16.96, inside the 95 % ones', () => {
    const ci = poissonCountInterval(10, 0.9);
    expect(ci.lower).toBeCloseTo(5.4254, 3);
    expect(ci.upper).toBeCloseTo(16.962, 2);
  });
});

describe('exact rate ratio (conditional binomial)', () => {
  it("matches R's poisson.test(c(11, 21), c(800, 3011)) (Breslow & Day's example)", () => {
    const rr = rateRatioInterval(11, 800, 21, 3011);
    expect(rr.ratio).toBeCloseTo(1.971488, 5);
    expect(rr.lower).toBeCloseTo(0.8584264, 4);
    expect(rr.upper!).toBeCloseTo(4.2772659, 4);
    expect(rr.pValue).toBeCloseTo(0.07967, 4);
  });

  it('equal counts over equal exposure: ratio 1, interval symmetric around 1 on the log scale, p = 1', () => {
    const rr = rateRatioInterval(10, 100, 10, 100);
    expect(rr.ratio).toBe(1);
    expect(rr.lower).toBeLessThan(1);
    expect(rr.lower * rr.upper!).toBeCloseTo(1, 10);
    expect(rr.pValue).toBeCloseTo(1, 10);
  });

  it('no events in the second group: unbounded above, the lower bound from the beta quantile', () => {
    const rr = rateRatioInterval(6, 100, 0, 100);
    expect(rr.ratio).toBeNull();
    expect(rr.upper).toBeNull();
    // Clopper–Pearson with k = n = 6: lower p = (α/2)^(1/6), so RR ≥ p/(1−p).
    const p = 0.025 ** (1 / 6);
    expect(rr.lower).toBeCloseTo(p / (1 - p), 8);
  });

  it('the rise test is the binomial tail: 12 events in a week against 6 in the 4 weeks before', () => {
    // P(X ≥ 12 | n = 18, p = 1/5): summed here term by term.
    let tail = 0;
    const choose = (n: number, k: number): number => (k === 0 ? 1 : (choose(n, k - 1) * (n - k + 1)) / k);
    for (let k = 12; k <= 18; k++) tail += choose(18, k) * 0.2 ** k * 0.8 ** (18 - k);
    expect(risePValue(12, 1, 6, 4)).toBeCloseTo(tail, 12);
    expect(risePValue(12, 1, 6, 4)).toBeLessThan(0.001);
    expect(risePValue(3, 1, 12, 4)).toBeGreaterThan(0.3);
    expect(risePValue(0, 1, 12, 4)).toBe(1);
  });
});
