import type { ChartChannel } from './chart-input.ts';
import { channelRows, extentOf, niceDomain } from './chart-rows.ts';
import { hasValues, lineLayer, type ChartPanel, type PanelContext } from './chart-panel.ts';
import { temperatureIn } from './display-units.ts';

const LINES: { channel: ChartChannel & ('outsideTempC' | 'batteryTempC' | 'cabinSetpointC'); label: string; color: string; dash?: number[] }[] = [
  { channel: 'outsideTempC', label: 'outside', color: '#1f77b4' },
  { channel: 'batteryTempC', label: 'battery', color: '#d62728' },
  { channel: 'cabinSetpointC', label: 'cabin set-point', color: '#9467bd', dash: [3, 2] },
];

/** Outside, battery and cabin set-point temperatures on one axis, each where the series has it. */
export function temperaturePanel({ input, options, xAxis }: PanelContext): ChartPanel | undefined {
  const { series } = input;
  const present = LINES.filter((l) => hasValues(series[l.channel]));
  if (present.length === 0) return undefined;
  const unit = temperatureIn(options.units);
  const extents = present.map((l) => extentOf(series[l.channel], unit.convert));
  const domain = niceDomain([Math.min(...extents.map((e) => e[0])), Math.max(...extents.map((e) => e[1]))], false);
  const panel: ChartPanel = { id: 'temperature', heightWeight: 0.8, datasets: {}, layers: [], channels: {}, rightAxis: false };
  // One colour scale for the legend: the same domain and range on every line.
  const scale = { domain: present.map((l) => l.label), range: present.map((l) => l.color) };
  present.forEach((line, k) => {
    const name = `temp-${line.channel}`;
    panel.datasets[name] = channelRows(series.tsMs, series[line.channel], xAxis, unit.convert, options.widthPx, options.reduce !== false);
    const axis = k === 0 ? { title: `temperature (${unit.label})` } : null;
    const legend = k === 0 ? { title: null, orient: 'top-left', direction: 'horizontal', fillColor: 'white', padding: 2 } : null;
    panel.layers.push(lineLayer(name, domain, axis, line.dash ? { strokeDash: line.dash } : {}, { datum: line.label, type: 'nominal', scale, legend }));
    panel.channels[line.channel] = { convert: unit.convert, domain };
  });
  return panel;
}
