import { Value } from 'typebox/value';
import { ClaimSchema } from '../claims/claim.ts';
import { describeClaim } from '../claims/describe-claim.ts';
import { fieldOf } from '../telemetry-frame.ts';
import type { ChartCallout, ChartChannel } from './chart-input.ts';

/** The claim vocabulary of annotations (channel names as the claim checker writes them) → chart channels. */
const CHART_COLUMNS = ['soc_pct', 'range_km', 'speed_kph', 'cabin_setpoint_c', 'outside_temp_c', 'battery_temp_c', 'power_kw'] as const;
/** Short claim names (`soc`) and the schema's column names (`soc_pct`, via the frame's derived field). */
const CLAIM_CHANNELS: Record<string, ChartChannel> = {
  soc: 'socPct', range: 'rangeKm', speed: 'speedKph', cabin_setpoint: 'cabinSetpointC', outside_temp: 'outsideTempC', battery_temp: 'batteryTempC', power: 'powerKw',
  ...Object.fromEntries(CHART_COLUMNS.map((c) => [c, fieldOf(c)])),
};

export interface AnnotationLike {
  startMs: number;
  text: string;
  tags: readonly string[];
  claim: Record<string, unknown> | null;
  /** The claim checker's verdict, when the caller has evaluated the claim. */
  verdict?: string | undefined;
}

/** A checked claim carries its verdict either at the top or in its result. */
function verdictOf(claim: Record<string, unknown> | null): string | undefined {
  if (!claim) return undefined;
  const direct = claim.verdict;
  if (typeof direct === 'string') return direct;
  const result = claim.result as Record<string, unknown> | undefined;
  return typeof result?.verdict === 'string' ? result.verdict : undefined;
}

/**
 * Annotations as call-outs: pointed at the channel their claim is about (state of charge when they
 * make none), at the claim's moment or the annotation's start. `tags` keeps only annotations
 * carrying one of them (all when empty).
 */
export function annotationCallouts(annotations: readonly AnnotationLike[], tags: readonly string[] = []): ChartCallout[] {
  return annotations
    .filter((a) => tags.length === 0 || a.tags.some((t) => tags.includes(t)))
    .map((a) => {
      const claim = a.claim;
      const channel = (typeof claim?.channel === 'string' && CLAIM_CHANNELS[claim.channel]) || 'socPct';
      const atMs = typeof claim?.atMs === 'number' ? claim.atMs : a.startMs;
      const publicText = claim !== null && Value.Check(ClaimSchema, claim) ? describeClaim(claim) : undefined;
      return { atMs, channel, text: a.text, ...(publicText ? { publicText } : {}), verdict: a.verdict ?? verdictOf(claim) };
    });
}
