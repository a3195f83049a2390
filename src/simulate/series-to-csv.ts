import type { TelemetrySeries } from '../domain/telemetry-series.ts';

/** The schema columns the simulator fills, in the order it writes them. */
export const SIMULATED_CSV_HEADER =
  'device_id,ts,speed_kph,soc_pct,range_km,battery_temp_c,outside_temp_c,cabin_setpoint_c,lat,lon,alt_m,odometer_km,power_kw,state,error_codes';

const num = (x: number): string => (Number.isNaN(x) ? '' : String(x));

/**
 * A device's series as CSV text that `telltale ingest` takes as is (ts in epoch ms, error codes
 * joined by '|'), in chunks of about `rowsPerChunk` rows so a large series is never one string.
 */
export function* seriesToCsv(deviceId: string, s: TelemetrySeries, rowsPerChunk = 20_000): Generator<string> {
  let lines: string[] = [`${SIMULATED_CSV_HEADER}\n`];
  for (let i = 0; i < s.length; i++) {
    const codes = s.errorCodes[i];
    lines.push(
      `${deviceId},${s.tsMs[i]},${num(s.speedKph[i]!)},${num(s.socPct[i]!)},${num(s.rangeKm[i]!)},${num(s.batteryTempC[i]!)},${num(s.outsideTempC[i]!)},${num(s.cabinSetpointC[i]!)},${num(s.lat[i]!)},${num(s.lon[i]!)},${num(s.altM[i]!)},${num(s.odometerKm[i]!)},${num(s.powerKw[i]!)},${s.state[i] ?? ''},${codes ? codes.join('|') : ''}\n`,
    );
    if (lines.length >= rowsPerChunk) {
      yield lines.join('');
      lines = [];
    }
  }
  if (lines.length) yield lines.join('');
}
