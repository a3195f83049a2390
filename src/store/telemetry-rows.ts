import type { TelemetryColumns } from './telemetry-repository.ts';

/** JSON rows for API replies (Arrow is the bulk path): ts as ISO 8601, missing numbers as null. */
export function telemetryColumnsToRows(cols: TelemetryColumns): Record<string, unknown>[] {
  const numbers = Object.entries(cols.numbers) as [string, Float64Array][];
  const lists = Object.entries(cols.lists) as [string, (string[] | null)[]][];
  const rows = new Array<Record<string, unknown>>(cols.length);
  for (let i = 0; i < cols.length; i++) {
    const row: Record<string, unknown> = { device_id: cols.deviceId, ts: new Date(cols.tsMs[i]!).toISOString() };
    for (const [name, values] of numbers) row[name] = Number.isNaN(values[i]!) ? null : values[i];
    if (cols.state) row.state = cols.state[i];
    for (const [name, values] of lists) row[name] = values[i];
    rows[i] = row;
  }
  return rows;
}
