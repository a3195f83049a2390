import type { ChartInput } from './chart-input.ts';
import { cumulativeDistance } from './distance-axis.ts';

export const PUBLIC_DEVICE_LABEL = 'vehicle';

/**
 * A chart input that is fair to publish about a customer: no position (GPS removed — the distance
 * axis keeps working from the distance travelled, measured before the positions go), no odometer
 * reading (only distance since the start), no calendar time (t = 0 at the first sample) and no
 * device id (in the id itself and in event texts). Chargers and named stops keep their names: they
 * are public places, and the story of a drive needs them.
 */
export function publicChartInput(input: ChartInput): ChartInput {
  const s = input.series;
  const t0 = s.tsMs[0] ?? 0;
  const shift = (ms: number) => ms - t0;
  const { km } = cumulativeDistance(s);
  const hide = (text: string) => (input.deviceId ? text.replaceAll(input.deviceId, PUBLIC_DEVICE_LABEL) : text);
  const nan = new Float64Array(s.length).fill(Number.NaN);
  return {
    deviceId: PUBLIC_DEVICE_LABEL,
    series: { ...s, tsMs: s.tsMs.map(shift), odometerKm: km, lat: nan, lon: nan },
    periods: input.periods.map((p) => ({ kind: p.kind, startMs: shift(p.startMs), endMs: shift(p.endMs) })),
    events: input.events.map((e, k) => ({ ...e, eventId: `event-${k + 1}`, startMs: shift(e.startMs), summary: hide(e.summary) })),
    places: input.places.map((p) => ({ ...p, atMs: shift(p.atMs) })),
    callouts: input.callouts.map((c) => ({ ...c, atMs: shift(c.atMs), text: hide(c.text) })),
  };
}
