import { layoutCallouts, type CalloutFootnote, type PlacedCallout } from './callout-layout.ts';
import { calloutAnchors, calloutLayers } from './callouts.ts';
import { CHART_FONT, type ChartInput, type ChartOptions } from './chart-input.ts';
import { NOTE_FONT_PX, NOTE_LINE_PX, noteLines, type ChartNote } from './chart-notes.ts';
import type { ChartOverlay, PanelPlacement } from './chart-overlay.ts';
import { tracePointsPx, type ChartPanel, type PanelContext } from './chart-panel.ts';
import { buildXAxis } from './chart-x-axis.ts';
import { eventMarkers } from './event-markers.ts';
import { feedbackMarkers } from './feedback-markers.ts';
import { LEGEND_ROW_PX, periodBands } from './period-bands.ts';
import { layoutPlaceLabels, STRIP_ROW_PX, type PlacedPlaceLabel, type PlaceFootnote } from './place-label-layout.ts';
import { placeAnchors, placeMarkers, placeRows } from './place-markers.ts';
import { powerPanel } from './power-panel.ts';
import { socRangePanel } from './soc-range-panel.ts';
import { speedPanel } from './speed-panel.ts';
import { temperaturePanel } from './temperature-panel.ts';

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * The frame around the plots, in pixels. Axis extents are pinned (Vega's minExtent = maxExtent),
 * so the frame does not depend on the tick labels and the picture comes out at the size asked for.
 */
export const FRAME = {
  paddingPx: 6,
  spacingPx: 8,
  /** Tick labels of a y-axis; its title sits beyond them. */
  yAxisExtentPx: 30,
  yAxisPx: 45,
  xAxisExtentPx: 18,
  xAxisPx: 33,
  /** Right margin without a second axis (labels are flush with the plot's ends). */
  rightMarginPx: 1,
  titlePx: 17,
  /** Between two views Vega leaves the spacing plus the pixel the plot frames reach out. */
  viewGapPx: 10,
  /** The strip's foot, where event and feedback markers sit. */
  markerLanePx: 12,
  maxLabelRows: 3,
} as const;

const MIN_PANEL_PX = 40;
const CALLOUT_WEIGHT = 0.12;
const CALLOUT_WEIGHT_CAP = 0.6;

export class ChartInputError extends Error {}

export type VegaLiteSpec = Record<string, unknown>;

interface PanelLayout {
  heightPx: number;
  callouts: PlacedCallout[];
  footnotes: CalloutFootnote[];
}

/**
 * A device's drive as a stacked, annotated Vega-Lite spec. Phases:
 *  1. x-axis   — clock time, time since start, or distance travelled; every layer places itself
 *                through it (chart-x-axis.ts, distance-axis.ts);
 *  2. panels   — speed, state of charge with range, temperatures, power: each builder reduces its
 *                channels to about the pixel width and fixes its y domains (…-panel.ts);
 *  3. layout   — in pixels: the plot sizes that fill widthPx × heightPx exactly; the strip above the
 *                panels with the place names placed clear of each other (place-label-layout.ts);
 *                the call-outs of each panel placed clear of each other and of the lines
 *                (callout-layout.ts); what had no room numbered, with its text in the notes
 *                under the chart (chart-notes.ts) — redone while the notes grow;
 *  4. overlays — period bands under the lines; event and place markers, call-outs over them;
 *  5. assemble — one vconcat (strip, panels, notes) sharing the x encoding, data sets named once.
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

  // 3. layout
  const plotWidthPx = Math.max(40, options.widthPx - 2 * FRAME.paddingPx - FRAME.yAxisPx - (panels.some((p) => p.rightAxis) ? FRAME.yAxisPx : FRAME.rightMarginPx));
  const places = placeRows(input.places, xAxis);
  const bands = periodBands(input.periods, xAxis);
  const hasBands = (bands.datasets.periods ?? []).length > 0;
  const [x0, x1] = xAxis.domain;
  const inRange = (atMs: number) => {
    const x = xAxis.toX(atMs);
    return x >= x0 && x <= x1;
  };
  const hasMarkers = input.events.some((e) => inRange(e.startMs)) || (input.feedback ?? []).some((f) => inRange(f.tsMs));
  const hasStrip = hasBands || places.length > 0 || hasMarkers;
  const strip = stripLayout(placeAnchors(places, xAxis.domain, plotWidthPx), plotWidthPx);
  const stripHeightPx = hasStrip ? strip.rows * STRIP_ROW_PX + FRAME.markerLanePx : 0;
  const hasLegend = hasBands || input.events.some((e) => inRange(e.startMs));
  const fixedPx =
    2 * FRAME.paddingPx + (options.title ? FRAME.titlePx : 0) + (hasLegend ? LEGEND_ROW_PX : 0) + (hasStrip ? stripHeightPx + FRAME.viewGapPx : 0)
    + FRAME.viewGapPx * (panels.length - 1) + FRAME.xAxisPx;
  // A panel with call-outs to place gets a little more of the height (they need room more than lines do).
  const weights = panels.map((p) => p.heightWeight + Math.min(CALLOUT_WEIGHT_CAP, CALLOUT_WEIGHT * input.callouts.filter((c) => p.channels[c.channel] && inRange(c.atMs)).length));
  const totalWeight = weights.reduce((sum, w) => sum + w, 0);
  let noteRows = 0;
  let layouts: PanelLayout[] = [];
  let notes: string[] = [];
  // The notes take height from the panels, and smaller panels may send more call-outs to the notes:
  // lay out again until the notes fit in the room kept for them (they only grow, so this ends).
  for (;;) {
    const notesPx = noteRows > 0 ? FRAME.spacingPx + noteRows * NOTE_LINE_PX : 0;
    const spare = options.heightPx - fixedPx - notesPx;
    let firstNumber = strip.footnotes.length + 1;
    layouts = panels.map((panel, k) => {
      // The last panel takes what rounding leaves, so the heights add up to the canvas exactly.
      const share = k === panels.length - 1 ? spare - weights.slice(0, k).reduce((s, w) => s + Math.floor((spare * w) / totalWeight), 0) : Math.floor((spare * weights[k]!) / totalWeight);
      const heightPx = Math.max(MIN_PANEL_PX, share);
      const anchors = calloutAnchors(input.callouts, input.series, xAxis, panel, plotWidthPx, heightPx);
      const laid = layoutCallouts(anchors, { widthPx: plotWidthPx, heightPx, keepClear: panel.keepClear ? [panel.keepClear] : [] }, tracePointsPx(panel, plotWidthPx, heightPx, xAxis.domain), firstNumber);
      firstNumber += laid.footnotes.length;
      return { heightPx, ...laid };
    });
    const all: ChartNote[] = [...strip.footnotes, ...layouts.flatMap((l) => l.footnotes)].map((f) => ({ number: f.number, text: f.text }));
    notes = noteLines(all, plotWidthPx);
    if (notes.length <= noteRows) break;
    noteRows = notes.length;
  }

  // 4. overlays
  const under: ChartOverlay[] = [bands];
  const over: ChartOverlay[] = [
    eventMarkers(input.events, xAxis, hasBands),
    placeMarkers(places, [...strip.labels, ...strip.footnotes.flatMap((f) => (f.marker ? [f.marker] : []))]),
    feedbackMarkers(input.feedback ?? [], xAxis),
  ];

  // 5. assemble
  const datasets: Record<string, unknown[]> = {};
  const layersOf = (placement: PanelPlacement, own: Record<string, unknown>[]) => [...under.flatMap((o) => o.layersFor(placement)), ...own, ...over.flatMap((o) => o.layersFor(placement))];
  const vconcat: Record<string, unknown>[] = [];
  if (hasStrip) {
    const placement: PanelPlacement = { panel: undefined, isTop: true, plotWidthPx, plotHeightPx: stripHeightPx, xDomain: xAxis.domain };
    vconcat.push({ width: plotWidthPx, height: stripHeightPx, encoding: { x: xAxis.encoding(false) }, layer: layersOf(placement, []), resolve: { scale: { color: 'independent' } } });
  }
  panels.forEach((panel, k) => {
    const { heightPx, callouts, footnotes } = layouts[k]!;
    const placement: PanelPlacement = { panel, isTop: !hasStrip && k === 0, plotWidthPx, plotHeightPx: heightPx, xDomain: xAxis.domain };
    const own = [...panel.layers.map((l) => limitAxisTitle(l, heightPx)), ...calloutLayers(panel.id, input.callouts, callouts, footnotes, datasets)];
    vconcat.push({
      width: plotWidthPx,
      height: heightPx,
      encoding: { x: xAxis.encoding(k === panels.length - 1) },
      layer: layersOf(placement, own),
      resolve: { scale: { y: 'independent', color: 'independent' } },
    });
  });
  if (notes.length > 0) {
    datasets.notes = notes.map((text, k) => ({ x: 0, y: k * NOTE_LINE_PX, text }));
    vconcat.push({
      width: plotWidthPx,
      height: notes.length * NOTE_LINE_PX,
      view: { stroke: null },
      data: { name: 'notes' },
      mark: { type: 'text', align: 'left', baseline: 'top', fontSize: NOTE_FONT_PX, color: '#222222' },
      name: 'chart_note',
      encoding: { x: { field: 'x', type: 'quantitative', scale: null }, y: { field: 'y', type: 'quantitative', scale: null }, text: { field: 'text' } },
    });
  }
  for (const source of [...panels.map((p) => p.datasets), ...under.map((o) => o.datasets), ...over.map((o) => o.datasets)]) Object.assign(datasets, source);
  return {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title ? { title: { text: options.title, anchor: 'start', fontSize: 13 } } : {}),
    background: 'white',
    padding: FRAME.paddingPx,
    spacing: FRAME.spacingPx,
    config: {
      font: CHART_FONT,
      view: { stroke: '#bbbbbb' },
      // Item descriptions would carry every datum (times, texts) into the SVG: axes and legends keep theirs.
      mark: { aria: false },
      axis: { labelFontSize: 10, titleFontSize: 10, titleFontWeight: 'normal', gridColor: '#eeeeee' },
      axisY: { minExtent: FRAME.yAxisExtentPx, maxExtent: FRAME.yAxisExtentPx, labelFlush: true },
      axisX: { minExtent: FRAME.xAxisExtentPx, maxExtent: FRAME.xAxisExtentPx, labelFlush: true },
      legend: { labelFontSize: 10, symbolSize: 60 },
    },
    datasets,
    vconcat,
  };
}

/** A y-axis title no longer than its panel is high (a longer one would push the panels apart): Vega cuts it with "…". */
function limitAxisTitle(layer: Record<string, unknown>, heightPx: number): Record<string, unknown> {
  const encoding = layer.encoding as Record<string, Record<string, unknown>> | undefined;
  const axis = encoding?.y?.axis;
  if (!encoding || !axis || typeof axis !== 'object') return layer;
  return { ...layer, encoding: { ...encoding, y: { ...encoding.y, axis: { ...axis, titleLimit: heightPx } } } };
}

/** Place names in the fewest rows (1 to FRAME.maxLabelRows) that leave no more of them to the notes than the most rows would. */
function stripLayout(anchors: ReturnType<typeof placeAnchors>, plotWidthPx: number): { rows: number; labels: PlacedPlaceLabel[]; footnotes: PlaceFootnote[] } {
  if (anchors.length === 0) return { rows: 0, labels: [], footnotes: [] };
  const best = layoutPlaceLabels(anchors, plotWidthPx, FRAME.maxLabelRows, 1);
  for (let rows = 1; rows < FRAME.maxLabelRows; rows++) {
    const laid = layoutPlaceLabels(anchors, plotWidthPx, rows, 1);
    if (laid.footnotes.length <= best.footnotes.length) return { rows, ...laid };
  }
  return { rows: FRAME.maxLabelRows, ...best };
}
