import { CALLOUT_FONT_PX, CALLOUT_LINE_PX, type CalloutAnchor, type CalloutFootnote, type PlacedCallout } from './callout-layout.ts';
import type { ChartCallout, ChartSeries } from './chart-input.ts';
import type { ChartPanel } from './chart-panel.ts';
import { valueAtMs } from './chart-rows.ts';
import type { ChartXAxis } from './chart-x-axis.ts';

const VERDICT_COLORS: Record<string, string> = { supported: '#2a7d2e', contradicted: '#d62728', refuted: '#d62728', not_enough_data: '#f0a30a' };
const PAD_X_PX = 5;
const PAD_Y_PX = 3;
/** The point a call-out points at: a filled circle of area 18 px². */
const DOT_SIZE_PX2 = 18;
const DOT_RADIUS_PX = 2.5;

/** The call-out's text with the verdict of a checked claim last. */
export function calloutText(c: Pick<ChartCallout, 'text' | 'verdict'>): string {
  return c.verdict ? `${c.text} — ${c.verdict.replaceAll('_', ' ')}` : c.text;
}

/** A call-out's key: its index in the input, so the layout's result finds its verdict again. */
const keyOf = (k: number) => `c${k}`;

/**
 * The call-outs that point into `panel`, as anchors in its plot pixels (y down): the logged value
 * of the channel at the call-out's moment, through the panel's fixed domain (clamped to it), in
 * time order. Call-outs outside the x range or with no value there are left out.
 */
export function calloutAnchors(items: readonly ChartCallout[], series: ChartSeries, xAxis: ChartXAxis, panel: ChartPanel, plotWidthPx: number, plotHeightPx: number): CalloutAnchor[] {
  const [x0, x1] = xAxis.domain;
  const anchors: (CalloutAnchor & { atMs: number })[] = [];
  items.forEach((c, k) => {
    const channel = panel.channels[c.channel];
    if (!channel) return;
    const raw = valueAtMs(series.tsMs, series[c.channel], c.atMs);
    const x = xAxis.toX(c.atMs);
    if (Number.isNaN(raw) || x < x0 || x > x1) return;
    const [y0, y1] = channel.domain;
    const y = Math.min(y1, Math.max(y0, channel.convert(raw)));
    // The point is kept its radius inside the plot: a dot on the edge would reach out of the view and push the panels apart.
    const inside = (v: number, size: number) => Math.round(Math.min(size - DOT_RADIUS_PX, Math.max(DOT_RADIUS_PX, v)) * 10) / 10;
    anchors.push({ key: keyOf(k), atMs: c.atMs, xPx: inside(((x - x0) / (x1 - x0)) * plotWidthPx, plotWidthPx), yPx: inside((1 - (y - y0) / (y1 - y0)) * plotHeightPx, plotHeightPx), text: calloutText(c) });
  });
  return anchors.sort((a, b) => a.atMs - b.atMs).map(({ atMs: _, ...a }) => a);
}

const px = (field: string) => ({ field, type: 'quantitative', scale: null });

/**
 * Layers that draw a panel's laid-out call-outs in plot pixels (scale: null, so the spec stays plain
 * Vega-Lite and the boxes land exactly where the layout put them): leader, point, box and text for
 * each placed one; point and numbered tag for each one sent to the notes. Data sets go in `datasets`.
 */
export function calloutLayers(panelId: string, items: readonly ChartCallout[], placed: readonly PlacedCallout[], footnotes: readonly CalloutFootnote[], datasets: Record<string, unknown[]>): Record<string, unknown>[] {
  const strokeOf = (key: string) => {
    const verdict = items[Number(key.slice(1))]?.verdict;
    return (verdict && VERDICT_COLORS[verdict]) || '#333333';
  };
  const layers: Record<string, unknown>[] = [];
  if (placed.length > 0) {
    const name = `callouts-${panelId}`;
    datasets[name] = placed.map((c) => ({
      ax: c.anchor.xPx, ay: c.anchor.yPx, ex: c.leaderEnd.xPx, ey: c.leaderEnd.yPx,
      left: c.box.left, right: c.box.right, top: c.box.top, bottom: c.box.bottom,
      tx: c.box.left + PAD_X_PX, ty: c.box.top + PAD_Y_PX, text: c.lines, stroke: strokeOf(c.key),
    }));
    const data = { name };
    layers.push(
      { data, mark: { type: 'rule', color: '#333333', strokeWidth: 1 }, encoding: { x: px('ax'), y: px('ay'), x2: { field: 'ex' }, y2: { field: 'ey' } } },
      { data, mark: { type: 'point', filled: true, size: DOT_SIZE_PX2, color: '#333333', opacity: 1 }, encoding: { x: px('ax'), y: px('ay') } },
      { name: `callout_box_${panelId}`, data, mark: { type: 'rect', fill: 'white', strokeWidth: 1 }, encoding: { x: px('left'), x2: { field: 'right' }, y: px('top'), y2: { field: 'bottom' }, stroke: { field: 'stroke', type: 'nominal', scale: null } } },
      {
        name: `callout_text_${panelId}`,
        data,
        mark: { type: 'text', fontSize: CALLOUT_FONT_PX, align: 'left', baseline: 'top', lineHeight: CALLOUT_LINE_PX, color: '#111111' },
        encoding: { x: px('tx'), y: px('ty'), text: { field: 'text' } },
      },
    );
  }
  if (footnotes.length > 0) {
    const name = `callout-notes-${panelId}`;
    datasets[name] = footnotes.map((f) => ({
      ax: f.anchor.xPx, ay: f.anchor.yPx, number: String(f.number), stroke: strokeOf(f.key),
      ...(f.marker ? { left: f.marker.left, right: f.marker.right, top: f.marker.top, bottom: f.marker.bottom, cx: (f.marker.left + f.marker.right) / 2, cy: (f.marker.top + f.marker.bottom) / 2 } : {}),
    }));
    const data = { name };
    const tagged = { filter: 'isValid(datum.left)' };
    layers.push(
      { data, mark: { type: 'point', filled: true, size: DOT_SIZE_PX2, color: '#333333', opacity: 1 }, encoding: { x: px('ax'), y: px('ay') } },
      { name: `callout_tag_${panelId}`, data, transform: [tagged], mark: { type: 'rect', fill: 'white', strokeWidth: 1 }, encoding: { x: px('left'), x2: { field: 'right' }, y: px('top'), y2: { field: 'bottom' }, stroke: { field: 'stroke', type: 'nominal', scale: null } } },
      {
        name: `callout_number_${panelId}`,
        data,
        transform: [tagged],
        mark: { type: 'text', fontSize: CALLOUT_FONT_PX, align: 'center', baseline: 'middle', color: '#111111' },
        encoding: { x: px('cx'), y: px('cy'), text: { field: 'number' } },
      },
    );
  }
  return layers;
}
