import type { TelemetrySeries } from '../domain/telemetry-series.ts';

/** The schema columns the simulator fills, in the order it writes them. */
export const SIMULATED_CSV_HEADER =
  'device_id,ts,speed_kph,soc_pct,range_km,battery_temp_c,outside_temp_c,cabin_setpoint_c,lat,lon,alt_m,odometer_km,power_kw,state,error_codes';

/**
 * Formats one numeric column, reusing the previous text when the value repeats: a parked or
 * charging car repeats most of its channels from one sample to the next, and number-to-text
 * conversion is most of the cost of writing a fleet.
 */
class ColumnFormatter {
  private last = Number.NaN;
  private text = '';

  format(x: number): string {
    if (x === this.last) return this.text;
    this.last = x;
    this.text = Number.isNaN(x) ? '' : String(x);
    return this.text;
  }
}

/**
 * A device's series as CSV text that `telltale ingest` takes as is (ts in epoch ms, error codes
 * joined by '|'), in chunks of about `rowsPerChunk` rows so a large series is never one string.
 */
export function* seriesToCsv(deviceId: string, s: TelemetrySeries, rowsPerChunk = 20_000): Generator<string> {
  const columns = [s.speedKph, s.socPct, s.rangeKm, s.batteryTempC, s.outsideTempC, s.cabinSetpointC, s.lat, s.lon, s.altM, s.odometerKm, s.powerKw];
  const formatters = columns.map(() => new ColumnFormatter());
  let lines: string[] = [`${SIMULATED_CSV_HEADER}\n`];
  for (let i = 0; i < s.length; i++) {
    let line = `${deviceId},${s.tsMs[i]}`;
    for (let c = 0; c < columns.length; c++) line += `,${formatters[c]!.format(columns[c]![i]!)}`;
    const codes = s.errorCodes[i];
    lines.push(`${line},${s.state[i] ?? ''},${codes ? codes.join('|') : ''}\n`);
    if (lines.length >= rowsPerChunk) {
      yield lines.join('');
      lines = [];
    }
  }
  if (lines.length) yield lines.join('');
}
