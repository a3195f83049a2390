import chisquareQuantile from '@stdlib/stats-base-dists-chisquare-quantile';

export interface NpsEstimate {
  responses: number;
  promoters: number;
  detractors: number;
  /** −100 … 100: % promoters (9–10) − % detractors (0–6). */
  score: number;
  lower: number;
  upper: number;
}

/** The normal quantile for a two-sided interval, from χ²(1): z² = χ²(confidence; 1). */
const zOf = (confidence: number) => Math.sqrt(chisquareQuantile(confidence, 1));
const clip = (v: number) => Math.max(-100, Math.min(100, v));

/** Variance of the NPS fraction (pP − pD) for one response: pP + pD − (pP − pD)². */
function unitVariance(promoters: number, detractors: number, n: number): number {
  const pP = promoters / n;
  const pD = detractors / n;
  return pP + pD - (pP - pD) ** 2;
}

/**
 * NPS with a Wald interval on its multinomial variance. Approximate, as every NPS interval is;
 * with fewer than ~30 answers it is too narrow, which is why groups show their response count.
 */
export function npsEstimate(promoters: number, detractors: number, responses: number, confidence = 0.95): NpsEstimate | null {
  if (responses === 0) return null;
  const score = (100 * (promoters - detractors)) / responses;
  const half = 100 * zOf(confidence) * Math.sqrt(unitVariance(promoters, detractors, responses) / responses);
  return { responses, promoters, detractors, score, lower: clip(score - half), upper: clip(score + half) };
}

/** Difference of two groups' NPS (a − b) with the Wald interval of independent samples. */
export function npsDifference(a: NpsEstimate, b: NpsEstimate, confidence = 0.95): { difference: number; lower: number; upper: number } {
  const variance = unitVariance(a.promoters, a.detractors, a.responses) / a.responses + unitVariance(b.promoters, b.detractors, b.responses) / b.responses;
  const half = 100 * zOf(confidence) * Math.sqrt(variance);
  const difference = a.score - b.score;
  return { difference, lower: Math.max(-200, difference - half), upper: Math.min(200, difference + half) };
}
