import type { ChartInput } from './chart-input.ts';
import { cumulativeDistance } from './distance-axis.ts';

export const PUBLIC_DEVICE_LABEL = 'vehicle';

/**
 * A chart input that is fair to publish about a customer: no position (GPS removed — the distance
 * axis keeps working from the distance travelled, measured before the positions go), no odometer
 * reading (only distance since the start), no calendar time (t = 0 at the first sample) and no
 * device id, and no place: chargers and stops are marked by kind only ("charger", "stop"), since
 * where a customer charges and stops says where they live and work. Free text goes too: an event
 * keeps its kind but not its summary, and a call-out shows its claim in words made from the claim's
 * fields (an annotation's own words may name a place); a call-out without a claim is left out.
 */
export function publicChartInput(input: ChartInput): ChartInput {
  const s = input.series;
  const t0 = s.tsMs[0] ?? 0;
  const shift = (ms: number) => ms - t0;
  const { km } = cumulativeDistance(s);
  const nan = new Float64Array(s.length).fill(Number.NaN);
  return {
    deviceId: PUBLIC_DEVICE_LABEL,
    series: { ...s, tsMs: s.tsMs.map(shift), odometerKm: km, lat: nan, lon: nan },
    periods: input.periods.map((p) => ({ kind: p.kind, startMs: shift(p.startMs), endMs: shift(p.endMs) })),
    events: input.events.map((e, k) => ({ ...e, eventId: `event-${k + 1}`, startMs: shift(e.startMs), summary: `${e.kind}/${e.subkind}` })),
    places: input.places.map((p) => ({ name: p.kind, kind: p.kind, atMs: shift(p.atMs) })),
    callouts: input.callouts.flatMap((c) => (c.publicText ? [{ atMs: shift(c.atMs), channel: c.channel, text: c.publicText, publicText: c.publicText, verdict: c.verdict }] : [])),
  };
}
