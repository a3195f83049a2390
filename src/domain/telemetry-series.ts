/**
 * One device's telemetry in time order, as columns (NaN = missing number, null = missing text).
 * Domain code (segmentation, detectors) works on this; the store fills it from DuckDB.
 */
export interface TelemetrySeries {
  length: number;
  tsMs: Float64Array;
  speedKph: Float64Array;
  socPct: Float64Array;
  rangeKm: Float64Array;
  batteryTempC: Float64Array;
  outsideTempC: Float64Array;
  cabinSetpointC: Float64Array;
  lat: Float64Array;
  lon: Float64Array;
  altM: Float64Array;
  odometerKm: Float64Array;
  powerKw: Float64Array;
  state: (string | null)[];
  errorCodes: (readonly string[] | null)[];
}

export function emptySeries(length: number): TelemetrySeries {
  const nan = () => new Float64Array(length).fill(Number.NaN);
  return {
    length,
    tsMs: new Float64Array(length),
    speedKph: nan(),
    socPct: nan(),
    rangeKm: nan(),
    batteryTempC: nan(),
    outsideTempC: nan(),
    cabinSetpointC: nan(),
    lat: nan(),
    lon: nan(),
    altM: nan(),
    odometerKm: nan(),
    powerKw: nan(),
    state: new Array<string | null>(length).fill(null),
    errorCodes: new Array<readonly string[] | null>(length).fill(null),
  };
}
