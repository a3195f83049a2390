import type { ChartCallout, ChartChannel } from './chart-input.ts';

/** The claim vocabulary of annotations (channel names as the claim checker writes them) → chart channels. */
const CLAIM_CHANNELS: Record<string, ChartChannel> = {
  soc: 'socPct', soc_pct: 'socPct', range: 'rangeKm', range_km: 'rangeKm', speed: 'speedKph', speed_kph: 'speedKph',
  cabin_setpoint: 'cabinSetpointC', cabin_setpoint_c: 'cabinSetpointC', outside_temp: 'outsideTempC', outside_temp_c: 'outsideTempC',
  battery_temp: 'batteryTempC', battery_temp_c: 'batteryTempC', power: 'powerKw', power_kw: 'powerKw',
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
      return { atMs, channel, text: a.text, verdict: a.verdict ?? verdictOf(claim) };
    });
}
