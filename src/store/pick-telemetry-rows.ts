import type { TelemetryColumns } from './telemetry-repository.ts';

/**
 * The rows at `indexes` (ascending), with an all-null row at each of `gapMarkersMs` so that a chart
 * breaks its lines there instead of bridging the hole.
 */
export function pickTelemetryRows(cols: TelemetryColumns, indexes: Int32Array, gapMarkersMs: readonly number[]): TelemetryColumns {
  const n = indexes.length + gapMarkersMs.length;
  const tsMs = new Float64Array(n);
  const numbers: TelemetryColumns['numbers'] = {};
  const numberEntries = Object.entries(cols.numbers) as [keyof TelemetryColumns['numbers'], Float64Array][];
  for (const [name] of numberEntries) numbers[name] = new Float64Array(n).fill(Number.NaN);
  const state = cols.state ? new Array<string | null>(n).fill(null) : undefined;
  const lists: TelemetryColumns['lists'] = {};
  const listEntries = Object.entries(cols.lists) as [keyof TelemetryColumns['lists'], (string[] | null)[]][];
  for (const [name] of listEntries) lists[name] = new Array<string[] | null>(n).fill(null);
  let g = 0;
  let out = 0;
  for (let k = 0; k < indexes.length; k++) {
    const i = indexes[k]!;
    while (g < gapMarkersMs.length && gapMarkersMs[g]! < cols.tsMs[i]!) tsMs[out++] = gapMarkersMs[g++]!;
    tsMs[out] = cols.tsMs[i]!;
    for (const [name, values] of numberEntries) numbers[name]![out] = values[i]!;
    if (state) state[out] = cols.state![i] ?? null;
    for (const [name, values] of listEntries) lists[name]![out] = values[i] ?? null;
    out++;
  }
  while (g < gapMarkersMs.length) tsMs[out++] = gapMarkersMs[g++]!;
  return { ...cols, length: n, tsMs, numbers, lists, ...(state ? { state } : {}) };
}
