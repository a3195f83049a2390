import { callouts } from './callouts.ts';
import { CHART_FONT, type ChartInput, type ChartOptions } from './chart-input.ts';
import type { ChartOverlay } from './chart-overlay.ts';
import type { ChartPanel, PanelContext } from './chart-panel.ts';
import { buildXAxis } from './chart-x-axis.ts';
import { eventMarkers } from './event-markers.ts';
import { periodBands } from './period-bands.ts';
import { placeMarkers } from './place-markers.ts';
import { feedbackMarkers } from './feedback-markers.ts';
import { powerPanel } from './power-panel.ts';
import { socRangePanel } from './soc-range-panel.ts';
import { speedPanel } from './speed-panel.ts';
import { temperaturePanel } from './temperature-panel.ts';

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Pixels the frame takes around the plots (axes, title, gaps), so the whole picture is about the size asked for. */
const LEFT_AXIS_PX = 42;
const RIGHT_AXIS_PX = 52;
const BOTTOM_AXIS_PX = 40;
const TITLE_PX = 17;
const SPACING_PX = 8;
/** Axis labels and markers reach a little above and below each plot. */
const PANEL_OVERHANG_PX = 12;
const PADDING_PX = 6;
const LEGEND_ROW_PX = 22;

export class ChartInputError extends Error {}

export type VegaLiteSpec = Record<string, unknown>;

/**
 * A device's drive as a stacked, annotated Vega-Lite spec. Phases:
 *  1. x-axis   — clock time, time since start, or distance travelled; every layer places itself
 *                through it (chart-x-axis.ts, distance-axis.ts);
 *  2. panels   — speed, state of charge with range, temperatures, power: each builder reduces its
 *                channels to about the pixel width and fixes its y domains (…-panel.ts);
 *  3. overlays — period bands under the lines; event markers, place markers and call-outs over them
 *                (period-bands.ts, event-markers.ts, place-markers.ts, callouts.ts);
 *  4. layout   — the plot sizes that make the whole picture about widthPx × heightPx;
 *  5. assemble — one vconcat sharing the x encoding, data sets named once at the top.
 * Pure: the same input and options give the same spec; rendering is src/chart/render-chart.ts.
 */
export function buildChartSpec(input: ChartInput, options: ChartOptions): VegaLiteSpec {
  if (input.series.length === 0) throw new ChartInputError(`no telemetry for '${input.deviceId}' in the range asked for`);
  if (!(options.widthPx >= 200 && options.heightPx >= 150)) throw new ChartInputError(`width/height: at least 200 × 150 pixels, got ${options.widthPx} × ${options.heightPx}`);

  // 1. x-axis
  const xAxis = buildXAxis(input, options);
  const ctx: PanelContext = { input, options, xAxis };

  // 2. panels
  const panels = [speedPanel(ctx), socRangePanel(ctx), temperaturePanel(ctx), powerPanel(ctx)].filter((p): p is ChartPanel => p !== undefined);
  if (panels.length === 0) throw new ChartInputError(`no speed, charge, temperature or power values for '${input.deviceId}' in the range asked for`);

  // 3. overlays
  const bands = periodBands(input.periods, xAxis);
  const under: ChartOverlay[] = [bands];
  const over: ChartOverlay[] = [eventMarkers(input.events, xAxis, (bands.datasets.periods ?? []).length > 0), placeMarkers(input.places, xAxis), feedbackMarkers(input.feedback ?? [], xAxis), callouts(input.callouts, input.series, xAxis)];

  // 4. layout
  const plotWidthPx = Math.round(options.widthPx - LEFT_AXIS_PX - (panels.some((p) => p.rightAxis) ? RIGHT_AXIS_PX : 12) - 2 * PADDING_PX);
  const legendRow = input.periods.length > 0 || input.events.length > 0 ? LEGEND_ROW_PX : 0;
  const frameHeightPx = (options.title ? TITLE_PX : 0) + legendRow + BOTTOM_AXIS_PX + SPACING_PX * (panels.length - 1) + PANEL_OVERHANG_PX * panels.length + 2 * PADDING_PX;
  const totalWeight = panels.reduce((sum, p) => sum + p.heightWeight, 0);
  const heights = panels.map((p) => Math.max(40, Math.floor(((options.heightPx - frameHeightPx) * p.heightWeight) / totalWeight)));

  // 5. assemble
  const vconcat = panels.map((panel, k) => {
    const placement = { panel, isTop: k === 0, plotWidthPx, plotHeightPx: heights[k]!, xDomain: xAxis.domain };
    return {
      width: plotWidthPx,
      height: heights[k],
      encoding: { x: xAxis.encoding(k === panels.length - 1) },
      layer: [...under.flatMap((o) => o.layersFor(placement)), ...panel.layers, ...over.flatMap((o) => o.layersFor(placement))],
      resolve: { scale: { y: 'independent', color: 'independent' } },
    };
  });
  const datasets: Record<string, unknown[]> = {};
  for (const source of [...panels.map((p) => p.datasets), ...under.map((o) => o.datasets), ...over.map((o) => o.datasets)]) Object.assign(datasets, source);
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title ? { title: { text: options.title, anchor: 'start', fontSize: 13 } } : {}),
    background: 'white',
    padding: PADDING_PX,
    spacing: SPACING_PX,
    config: {
      font: CHART_FONT,
      view: { stroke: '#bbbbbb' },
      axis: { labelFontSize: 10, titleFontSize: 10, titleFontWeight: 'normal', gridColor: '#eeeeee' },
      legend: { labelFontSize: 10, symbolSize: 60 },
    },
    datasets,
    vconcat,
  };
}
