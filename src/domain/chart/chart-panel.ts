import type { ChartChannel, ChartInput, ChartOptions } from './chart-input.ts';
import type { LineRow } from './chart-rows.ts';
import type { Rect } from './label-layout.ts';
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
  /** The lines drawn, with their y domains: call-outs avoid hiding them. */
  traces: { rows: readonly LineRow[]; domain: [number, number] }[];
  /** A box inside the plot that call-outs must leave clear (the legend), in plot pixels. */
  keepClear?: Rect;
}

/** Every point of the panel's lines in plot pixels, as x/y pairs (y down). */
export function tracePointsPx(panel: ChartPanel, plotWidthPx: number, plotHeightPx: number, xDomain: [number, number]): Float64Array {
  const n = panel.traces.reduce((sum, t) => sum + t.rows.length, 0);
  const out = new Float64Array(2 * n);
  let k = 0;
  const [x0, x1] = xDomain;
  for (const { rows, domain: [y0, y1] } of panel.traces) {
    for (const r of rows) {
      if (r.v === null) continue;
      out[k++] = ((r.x - x0) / (x1 - x0)) * plotWidthPx;
      out[k++] = (1 - (r.v - y0) / (y1 - y0)) * plotHeightPx;
    }
  }
  return out.subarray(0, k);
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
