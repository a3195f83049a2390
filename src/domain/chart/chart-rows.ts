import { reduceTimeline } from '../timeline/reduce-timeline.ts';
import type { ChartXAxis } from './chart-x-axis.ts';
import { simplifyLine, type PixelScale } from './simplify-line.ts';

/** One point of a line: x on the shared axis, v in display units, null where the line must break. */
export interface LineRow {
  x: number;
  v: number | null;
}

/** Holes longer than this (or 5 sample intervals, for sparse loggers) stay holes in the chart. */
export function gapThresholdMs(tsMs: Float64Array): number {
  const n = Math.min(tsMs.length - 1, 1001);
  const steps: number[] = [];
  for (let i = 0; i < n; i++) steps.push(tsMs[i + 1]! - tsMs[i]!);
  steps.sort((a, b) => a - b);
  return Math.max(60_000, 5 * (steps[steps.length >> 1] ?? 1000));
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * One channel as line rows. Reduced (unless `reduce` is false) to about one min/max/first/last
 * per pixel column with the shared shape-preserving reducer, so the envelope is what the full data
 * would draw; flat runs keep only their ends; holes in the data become a null row so the line breaks
 * there and is never drawn across; with a pixel scale, straight stretches keep only the points that
 * move the line by half a pixel or more. Missing values inside a run do not break the line: a sparse
 * channel (a set-point logged on change) is still one line.
 */
export function channelRows(
  tsMs: Float64Array,
  values: Float64Array,
  xAxis: ChartXAxis,
  convert: (v: number) => number,
  widthPx: number,
  reduce: boolean,
  /** When given (and reducing), straight stretches are thinned to within half a pixel. */
  pixels?: PixelScale,
): LineRow[] {
  const gapMs = gapThresholdMs(tsMs);
  const maxPoints = reduce ? Math.max(16, Math.round(widthPx)) * 4 : Number.POSITIVE_INFINITY;
  const { indexes, gapMarkersMs } = reduceTimeline({ tsMs, channels: [values] }, maxPoints, gapMs);
  const points: LineRow[] = [];
  let gap = 0;
  for (const i of indexes) {
    while (gap < gapMarkersMs.length && gapMarkersMs[gap]! < tsMs[i]!) points.push({ x: round(xAxis.toX(gapMarkersMs[gap++]!), 6), v: null });
    const v = values[i]!;
    if (!Number.isNaN(v)) points.push({ x: round(xAxis.toX(tsMs[i]!), 6), v: round(convert(v), 3) });
  }
  if (!reduce) return points;
  if (pixels) return simplifyLine(points, pixels);
  // The middle of three equal values adds nothing to a line.
  return points.filter((p, k) => {
    const a = points[k - 1];
    const b = points[k + 1];
    return !(p.v !== null && a?.v === p.v && b?.v === p.v);
  });
}

/** Extent of the valid values, in display units ([NaN, NaN] when there are none). */
export function extentOf(values: Float64Array, convert: (v: number) => number): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const raw of values) {
    if (Number.isNaN(raw)) continue;
    const v = convert(raw);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [Number.NaN, Number.NaN];
}

/** A readable axis domain around an extent: rounded outwards to a step of 1, 2, 5 × 10^k. */
export function niceDomain([lo, hi]: [number, number], includeZero: boolean): [number, number] {
  if (Number.isNaN(lo)) return [0, 1];
  if (includeZero) {
    lo = Math.min(0, lo);
    hi = Math.max(0, hi);
  }
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step || step];
}

/** Value of a channel at a moment: the nearest valid sample (NaN when there is none). */
export function valueAtMs(tsMs: Float64Array, values: Float64Array, atMs: number): number {
  let lo = 0;
  let hi = tsMs.length - 1;
  if (hi < 0) return Number.NaN;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (tsMs[mid]! <= atMs) lo = mid;
    else hi = mid;
  }
  const start = Math.abs(tsMs[lo]! - atMs) <= Math.abs(tsMs[hi]! - atMs) ? lo : hi;
  for (let d = 0; d < tsMs.length; d++) {
    for (const i of [start - d, start + d]) if (i >= 0 && i < tsMs.length && !Number.isNaN(values[i]!)) return values[i]!;
    if (start - d < 0 && start + d >= tsMs.length) break;
  }
  return Number.NaN;
}
