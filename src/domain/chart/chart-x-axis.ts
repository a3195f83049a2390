import type { ChartInput, ChartOptions } from './chart-input.ts';
import { cumulativeDistance, distanceAtMs, type DistanceSource } from './distance-axis.ts';
import { distanceIn } from './display-units.ts';

/**
 * The shared x-axis: every layer places itself through `toX`, so markers, bands and call-outs land
 * on the same spot whether the axis is clock time, time since the start, or distance travelled.
 */
export interface ChartXAxis {
  toX: (tsMs: number) => number;
  domain: [number, number];
  /** Vega-Lite encoding of the `x` field (and the `x2` companion uses the same scale). */
  encoding: (show: boolean) => Record<string, unknown>;
  distanceSource?: DistanceSource;
}

const HOUR_MS = 3_600_000;
/** About one clock label per this many pixels (a label with the day is wider). */
const TICK_SPACING_PX: Record<string, number> = { '%d %b %H:%M': 110, '%H:%M': 60 };

export function buildXAxis(input: ChartInput, options: ChartOptions): ChartXAxis {
  const { tsMs } = input.series;
  const first = tsMs[0] ?? 0;
  const last = tsMs[Math.max(0, input.series.length - 1)] ?? 1;
  // Only the bottom panel has an x-axis: the others share it (no hidden axis to lay out).
  const axis = (title: string, show: boolean, extra: Record<string, unknown> = {}) =>
    show ? { title, grid: false, ...extra } : null;
  if (options.x === 'distance') {
    const { source, km } = cumulativeDistance(input.series);
    const unit = distanceIn(options.units);
    const toX = (atMs: number) => unit.convert(distanceAtMs(tsMs, km, atMs));
    const domain: [number, number] = [toX(first), Math.max(toX(last), toX(first) + 1e-6)];
    return {
      toX,
      domain,
      distanceSource: source,
      encoding: (show) => ({ field: 'x', type: 'quantitative', scale: { domain, nice: false, zero: false }, axis: axis(`distance travelled (${unit.label})`, show) }),
    };
  }
  if (options.elapsedTime) {
    const toX = (atMs: number) => (atMs - first) / HOUR_MS;
    const domain: [number, number] = [0, Math.max(toX(last), 1e-6)];
    return { toX, domain, encoding: (show) => ({ field: 'x', type: 'quantitative', scale: { domain, nice: false, zero: false }, axis: axis('time since start (h)', show) }) };
  }
  const domain: [number, number] = [first, Math.max(last, first + 1)];
  // Clock labels; a drive over more than a day also says which day.
  const format = last - first > 20 * HOUR_MS ? '%d %b %H:%M' : '%H:%M';
  return {
    toX: (atMs) => atMs,
    domain,
    encoding: (show) => ({ field: 'x', type: 'temporal', scale: { type: 'utc', domain, nice: false }, axis: axis('time (UTC)', show, { format, labelOverlap: true, tickCount: Math.max(2, Math.floor(options.widthPx / TICK_SPACING_PX[format]!)) }) }),
  };
}
