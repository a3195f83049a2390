import { CLAIM_CHANNELS } from './claim-channels.ts';
import type { Claim } from './claim.ts';

const OPS: Record<string, string> = { '<=': '≤', '>=': '≥', '<': '<', '>': '>' };
const MINUTE_MS = 60_000;

/**
 * A claim in words made only from its fields ("state of charge ≥ 90 %", "speed ≤ 54 mph for
 * 72 min, 90 % of the time"): no free text, no clock time, so it is fair to publish where the
 * annotation's own words (which may name places or people) are not.
 */
export function describeClaim(claim: Claim): string {
  const what = CLAIM_CHANNELS[claim.channel].label;
  if (claim.kind === 'change') return `${what} ${claim.direction}`;
  const bound = `${what} ${OPS[claim.op]} ${claim.value} ${claim.unit}`;
  if (claim.kind === 'value_at') return bound;
  const minutes = Math.round((claim.toMs - claim.fromMs) / MINUTE_MS);
  const share = claim.share !== undefined && claim.share < 1 ? `, ${Math.round(claim.share * 100)} % of the time` : '';
  return `${bound} for ${minutes} min${share}`;
}
