import { channelRows, extentOf, niceDomain, type LineRow } from './chart-rows.ts';
import { hasValues, lineLayer, pixelScale, type ChartPanel, type PanelContext } from './chart-panel.ts';
import { distanceIn } from './display-units.ts';

export const SOC_COLOR = '#2a7d2e';
export const RANGE_COLOR = '#8c564b';

/** State of charge (0–100 %, left axis) with the displayed range on a second axis at the right. */
export function socRangePanel(ctx: PanelContext): ChartPanel | undefined {
  const { input, options, xAxis } = ctx;
  const { series } = input;
  const hasSoc = hasValues(series.socPct);
  const hasRange = hasValues(series.rangeKm);
  if (!hasSoc && !hasRange) return undefined;
  const reduce = options.reduce !== false;
  const panel: ChartPanel = { id: 'soc', heightWeight: 1, datasets: {}, layers: [], channels: {}, rightAxis: false, traces: [] };
  if (hasSoc) {
    const identity = (v: number) => v;
    const domain: [number, number] = [0, 100];
    panel.datasets.soc = channelRows(series.tsMs, series.socPct, xAxis, identity, options.widthPx, reduce, pixelScale(ctx, domain));
    panel.traces.push({ rows: panel.datasets.soc as LineRow[], domain });
    panel.layers.push(lineLayer('soc', domain, { title: 'state of charge (%)', titleColor: SOC_COLOR }, { color: SOC_COLOR }));
    panel.channels.socPct = { convert: identity, domain };
  }
  if (hasRange) {
    const unit = distanceIn(options.units);
    const domain = niceDomain(extentOf(series.rangeKm, unit.convert), true);
    panel.datasets.range = channelRows(series.tsMs, series.rangeKm, xAxis, unit.convert, options.widthPx, reduce, pixelScale(ctx, domain));
    panel.traces.push({ rows: panel.datasets.range as LineRow[], domain });
    const axis = { title: `range (${unit.label})`, titleColor: RANGE_COLOR, orient: hasSoc ? 'right' : 'left', grid: false };
    panel.layers.push(lineLayer('range', domain, axis, { color: RANGE_COLOR, strokeDash: [4, 2] }));
    panel.channels.rangeKm = { convert: unit.convert, domain };
    panel.rightAxis = hasSoc;
  }
  return panel;
}
