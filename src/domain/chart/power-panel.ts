import { channelRows, extentOf, niceDomain } from './chart-rows.ts';
import { hasValues, lineLayer, pixelScale, type ChartPanel, type PanelContext } from './chart-panel.ts';

export const POWER_COLOR = '#ff7f0e';

/** Battery power (positive = drawing, negative = regenerating or charging), when asked for and present. */
export function powerPanel(ctx: PanelContext): ChartPanel | undefined {
  const { input, options, xAxis } = ctx;
  const { series } = input;
  if (!options.power || !hasValues(series.powerKw)) return undefined;
  const identity = (v: number) => v;
  const domain = niceDomain(extentOf(series.powerKw, identity), true);
  const rows = channelRows(series.tsMs, series.powerKw, xAxis, identity, options.widthPx, options.reduce !== false, pixelScale(ctx, domain));
  return {
    id: 'power',
    heightWeight: 0.8,
    traces: [{ rows, domain }],
    datasets: { power: rows },
    layers: [lineLayer('power', domain, { title: 'power (kW)', titleColor: POWER_COLOR }, { color: POWER_COLOR })],
    channels: { powerKw: { convert: identity, domain } },
    rightAxis: false,
  };
}
