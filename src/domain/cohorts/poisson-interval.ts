import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import chisquareQuantile from '@stdlib/stats-base-dists-chisquare-quantile';

export interface Interval {
  lower: number;
  upper: number;
}

/**
 * Exact (Garwood, 1936) confidence interval for a Poisson count k: the mean μ whose tail
 * probabilities are α/2, written with chi-square quantiles:
 *   lower = χ²(α/2; 2k) / 2   (0 when k = 0),   upper = χ²(1 − α/2; 2k + 2) / 2.
 * Counts of rare events (a few breakdowns per group) are where the normal approximation fails.
 */
export function poissonCountInterval(k: number, confidence = 0.95): Interval {
  const alpha = 1 - confidence;
  return {
    lower: k === 0 ? 0 : chisquareQuantile(alpha / 2, 2 * k) / 2,
    upper: chisquareQuantile(1 - alpha / 2, 2 * k + 2) / 2,
  };
}

/** A rate per `per` units of exposure with its exact interval (null when there is no exposure). */
export function poissonRateInterval(k: number, exposure: number, per: number, confidence = 0.95): (Interval & { rate: number }) | null {
  if (!(exposure > 0)) return null;
  const { lower, upper } = poissonCountInterval(k, confidence);
  return { rate: (k / exposure) * per, lower: (lower / exposure) * per, upper: (upper / exposure) * per };
}

export interface RateRatio {
  ratio: number | null;
  lower: number;
  upper: number | null;
  /** Exact two-sided p-value of equal rates (doubling the smaller tail, capped at 1). */
  pValue: number;
}

/**
 * Rate ratio (k1/E1) / (k2/E2) with the exact conditional interval: given n = k1 + k2 events,
 * k1 is binomial with p = E1·RR / (E1·RR + E2). The Clopper–Pearson bounds of p (beta
 * quantiles) map to bounds of RR = p/(1−p) · E2/E1. This is R's poisson.test for two samples.
 * With n = 0 nothing is known: [0, ∞) and p = 1.
 */
export function rateRatioInterval(k1: number, exposure1: number, k2: number, exposure2: number, confidence = 0.95): RateRatio {
  const alpha = 1 - confidence;
  const n = k1 + k2;
  const scale = exposure2 / exposure1;
  if (n === 0) return { ratio: null, lower: 0, upper: null, pValue: 1 };
  const pLow = k1 === 0 ? 0 : betaQuantile(alpha / 2, k1, n - k1 + 1);
  const pHigh = k1 === n ? 1 : betaQuantile(1 - alpha / 2, k1 + 1, n - k1);
  const odds = (p: number) => (p / (1 - p)) * scale;
  return {
    ratio: k2 === 0 ? null : (k1 / exposure1) / (k2 / exposure2),
    lower: odds(pLow),
    upper: pHigh === 1 ? null : odds(pHigh),
    pValue: conditionalPValue(k1, n, exposure1 / (exposure1 + exposure2)),
  };
}

/**
 * Two-sided exact p-value of k1 of n under a binomial(n, p0) (R's binom.test: the outcomes no
 * more likely than k1). The probabilities are built by the recurrence in log space, O(n) in all.
 */
function conditionalPValue(k1: number, n: number, p0: number): number {
  if (p0 <= 0 || p0 >= 1) return 1;
  const logPmf = new Float64Array(n + 1);
  logPmf[0] = n * Math.log1p(-p0);
  const logOdds = Math.log(p0) - Math.log1p(-p0);
  for (let k = 0; k < n; k++) logPmf[k + 1] = logPmf[k]! + Math.log((n - k) / (k + 1)) + logOdds;
  // Relative tolerance as in binom.test, so ties in probability count on both sides.
  const limit = logPmf[k1]! + Math.log1p(1e-7);
  let p = 0;
  for (let k = 0; k <= n; k++) if (logPmf[k]! <= limit) p += Math.exp(logPmf[k]!);
  return Math.min(1, p);
}

/**
 * One-sided exact p-value that the rate of the recent window (k1 over E1) is higher than that
 * of the baseline (k2 over E2): P(X ≥ k1) for X ~ binomial(k1 + k2, E1 / (E1 + E2)).
 */
export function risePValue(k1: number, exposure1: number, k2: number, exposure2: number): number {
  const n = k1 + k2;
  if (n === 0 || k1 === 0) return 1;
  return 1 - binomialCdf(k1 - 1, n, exposure1 / (exposure1 + exposure2));
}
