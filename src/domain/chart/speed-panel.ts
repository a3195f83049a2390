import { channelRows, extentOf, niceDomain } from './chart-rows.ts';
import { hasValues, lineLayer, pixelScale, type ChartPanel, type PanelContext } from './chart-panel.ts';
import { speedIn } from './display-units.ts';

export const SPEED_COLOR = '#1f4e9c';

/** Speed over the shared axis, from zero up. */
export function speedPanel(ctx: PanelContext): ChartPanel | undefined {
  const { input, options, xAxis } = ctx;
  const { series } = input;
  if (!hasValues(series.speedKph)) return undefined;
  const unit = speedIn(options.units);
  const domain = niceDomain(extentOf(series.speedKph, unit.convert), true);
  const rows = channelRows(series.tsMs, series.speedKph, xAxis, unit.convert, options.widthPx, options.reduce !== false, pixelScale(ctx, domain));
  return {
    id: 'speed',
    heightWeight: 1,
    datasets: { speed: rows },
    layers: [lineLayer('speed', domain, { title: `speed (${unit.label})`, titleColor: SPEED_COLOR }, { color: SPEED_COLOR })],
    channels: { speedKph: { convert: unit.convert, domain } },
    rightAxis: false,
    traces: [{ rows, domain }],
  };
}
