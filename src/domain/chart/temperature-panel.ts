import { channelRows, extentOf, niceDomain, type LineRow } from './chart-rows.ts';
import { hasValues, lineLayer, pixelScale, type ChartPanel, type PanelContext } from './chart-panel.ts';
import { temperatureIn } from './display-units.ts';
import { textWidthPx } from './text-width.ts';

/** Vega's default offset of a legend inside the plot ('top-left'). */
const LEGEND_OFFSET_PX = 18;

const LINES: { channel: 'outsideTempC' | 'batteryTempC' | 'cabinSetpointC'; label: string; color: string; dash?: number[] }[] = [
  { channel: 'outsideTempC', label: 'outside', color: '#1f77b4' },
  { channel: 'batteryTempC', label: 'battery', color: '#d62728' },
  { channel: 'cabinSetpointC', label: 'cabin set-point', color: '#9467bd', dash: [3, 2] },
];

/** Outside, battery and cabin set-point temperatures on one axis, each where the series has it. */
export function temperaturePanel(ctx: PanelContext): ChartPanel | undefined {
  const { input, options, xAxis } = ctx;
  const { series } = input;
  const present = LINES.filter((l) => hasValues(series[l.channel]));
  if (present.length === 0) return undefined;
  const unit = temperatureIn(options.units);
  const extents = present.map((l) => extentOf(series[l.channel], unit.convert));
  const domain = niceDomain([Math.min(...extents.map((e) => e[0])), Math.max(...extents.map((e) => e[1]))], false);
  const rows: (LineRow & { c: string })[] = [];
  for (const line of present) {
    for (const row of channelRows(series.tsMs, series[line.channel], xAxis, unit.convert, options.widthPx, options.reduce !== false, pixelScale(ctx, domain))) rows.push({ ...row, c: line.label });
  }
  // One long data set coloured by series: one legend, and each line breaks at its own holes.
  const labels = present.map((l) => l.label);
  return {
    id: 'temperature',
    heightWeight: 0.8,
    datasets: { temperatures: rows },
    layers: [
      lineLayer('temperatures', domain, { title: `temperature (${unit.label})` }, {}, {
        field: 'c',
        type: 'nominal',
        scale: { domain: labels, range: present.map((l) => l.color) },
        legend: { title: null, orient: 'top-left', direction: 'horizontal', fillColor: 'white', padding: 2 },
      }, {
        field: 'c',
        type: 'nominal',
        scale: { domain: labels, range: present.map((l) => l.dash ?? [1, 0]) },
        legend: null,
      }),
    ],
    channels: Object.fromEntries(present.map((l) => [l.channel, { convert: unit.convert, domain }])),
    rightAxis: false,
    traces: [{ rows, domain }],
    keepClear: { left: 0, top: 0, right: LEGEND_OFFSET_PX + 10 + labels.reduce((w, l) => w + textWidthPx(l, 10) + 26, 0), bottom: LEGEND_OFFSET_PX + 22 },
  };
}
