import { Value } from 'typebox/value';
import { ClaimSchema } from '../domain/claims/claim.ts';
import { claimSpanMs, evaluateClaim } from '../domain/claims/evaluate-claim.ts';
import type { TelemetrySeries } from '../domain/telemetry-series.ts';

/**
 * The verdict of a checkable claim (the claim checker's own evaluation), so a call-out can say
 * whether the log bears its text out. `seriesFor` supplies the log over the claim's span; JSON that
 * is not a claim (another part's context) has no verdict.
 */
export async function claimVerdict(claim: Record<string, unknown> | null, seriesFor: (fromMs: number, toMs: number) => Promise<TelemetrySeries>): Promise<string | undefined> {
  if (claim === null || !Value.Check(ClaimSchema, claim)) return undefined;
  const { fromMs, toMs } = claimSpanMs(claim);
  try {
    return evaluateClaim(await seriesFor(fromMs, toMs), claim).verdict;
  } catch {
    // A unit that cannot measure the channel: the annotations API refuses those; a chart just shows no verdict.
    return undefined;
  }
}
