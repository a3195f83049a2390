import type { ChartChannel, ChartInput, ChartOptions } from './chart-input.ts';
import type { ChartXAxis } from './chart-x-axis.ts';
import type { PixelScale } from './simplify-line.ts';

export type PanelId = 'speed' | 'soc' | 'temperature' | 'power';

/** How a channel drawn in a panel maps to its y scale: call-outs point into it. */
export interface PanelChannel {
  convert: (v: number) => number;
  domain: [number, number];
}

/**
 * One stacked panel before composition: its own line layers and data sets, the y domains of its
 * channels (fixed, so overlays and a second axis line up with them), and its share of the height.
 * The shared x encoding and the overlays are added by build-chart-spec.
 */
export interface ChartPanel {
  id: PanelId;
  heightWeight: number;
  datasets: Record<string, unknown[]>;
  layers: Record<string, unknown>[];
  channels: Partial<Record<ChartChannel, PanelChannel>>;
  /** Extra pixels taken on the right (a second y-axis). */
  rightAxis: boolean;
}

export interface PanelContext {
  input: ChartInput;
  options: ChartOptions;
  xAxis: ChartXAxis;
}

export function hasValues(values: Float64Array): boolean {
  for (const v of values) if (!Number.isNaN(v)) return true;
  return false;
}

/** A line layer over a named data set of LineRows. */
export function lineLayer(
  dataName: string,
  domain: [number, number],
  axis: Record<string, unknown> | null,
  mark: Record<string, unknown>,
  color?: Record<string, unknown>,
  strokeDash?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    data: { name: dataName },
    mark: { type: 'line', strokeWidth: 1.2, strokeJoin: 'round', clip: true, ...mark },
    encoding: {
      y: { field: 'v', type: 'quantitative', scale: { domain, nice: false, zero: false }, axis },
      ...(color ? { color } : {}),
      ...(strokeDash ? { strokeDash } : {}),
    },
  };
}

/**
 * Pixels per data unit for thinning a line. The panel height is over-estimated (half the chart),
 * so thinning errs on keeping points.
 */
export function pixelScale({ options, xAxis }: PanelContext, yDomain: [number, number]): PixelScale {
  const [x0, x1] = xAxis.domain;
  return { xPxPerUnit: options.widthPx / (x1 - x0 || 1), yPxPerUnit: options.heightPx / 2 / (yDomain[1] - yDomain[0] || 1) };
}
