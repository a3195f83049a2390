import { emptySeries, type TelemetrySeries } from '../domain/telemetry-series.ts';

/** What the car reports at one instant; the runners mutate one of these per device and emit it. */
export interface VehicleState {
  tsMs: number;
  lat: number;
  lon: number;
  altM: number;
  speedKph: number;
  socPct: number;
  packTempC: number;
  odometerKm: number;
  setpointC: number;
  powerKw: number;
  state: 'driving' | 'charging' | 'parked' | 'off';
  errorCodes: readonly string[] | null;
  /** Look-alike overrides, applied when emitting only (the physics never sees them). */
  gpsHidden: boolean;
  gpsOffsetLat: number;
  gpsOffsetLon: number;
  /** NaN unless a glitching SoC reading replaces the true one. */
  socShownPct: number;
}

const round = (x: number, scale: number): number => Math.round(x * scale) / scale;

/**
 * Columns that grow as samples are emitted (typed arrays doubled on demand: no object per row).
 * Values are rounded to what a telematics unit sends, so the series equals what the CSV holds.
 */
export class SeriesBuilder {
  private capacity = 4096;
  private n = 0;
  private cols = emptySeries(this.capacity);

  get length(): number {
    return this.n;
  }

  get lastTsMs(): number {
    return this.n ? this.cols.tsMs[this.n - 1]! : Number.NEGATIVE_INFINITY;
  }

  push(v: VehicleState, outsideC: number, rangeKm: number): void {
    if (v.tsMs <= this.lastTsMs) throw new Error(`simulator bug: sample at ${v.tsMs} is not after ${this.lastTsMs}`);
    if (this.n === this.capacity) this.grow();
    const c = this.cols;
    const i = this.n++;
    c.tsMs[i] = v.tsMs;
    c.speedKph[i] = round(v.speedKph, 100);
    c.socPct[i] = round(Number.isNaN(v.socShownPct) ? v.socPct : v.socShownPct, 100);
    c.rangeKm[i] = round(rangeKm, 10);
    c.batteryTempC[i] = round(v.packTempC, 10);
    c.outsideTempC[i] = round(outsideC, 10);
    c.cabinSetpointC[i] = v.setpointC;
    c.lat[i] = v.gpsHidden ? Number.NaN : round(v.lat + v.gpsOffsetLat, 1e6);
    c.lon[i] = v.gpsHidden ? Number.NaN : round(v.lon + v.gpsOffsetLon, 1e6);
    c.altM[i] = v.gpsHidden ? Number.NaN : round(v.altM, 10);
    c.odometerKm[i] = round(v.odometerKm, 1000);
    // -0 would print as "0" anyway, but keep the column clean for hashing.
    c.powerKw[i] = round(v.powerKw, 100) + 0;
    c.state[i] = v.state;
    c.errorCodes[i] = v.errorCodes;
  }

  private grow(): void {
    const bigger = emptySeries(this.capacity * 2);
    const c = this.cols;
    for (const key of ['tsMs', 'speedKph', 'socPct', 'rangeKm', 'batteryTempC', 'outsideTempC', 'cabinSetpointC', 'lat', 'lon', 'altM', 'odometerKm', 'powerKw'] as const) {
      bigger[key].set(c[key]);
    }
    for (let i = 0; i < this.n; i++) {
      bigger.state[i] = c.state[i]!;
      bigger.errorCodes[i] = c.errorCodes[i]!;
    }
    this.cols = bigger;
    this.capacity *= 2;
  }

  /** The emitted samples as a series of exactly `length` rows. */
  build(): TelemetrySeries {
    const c = this.cols;
    const n = this.n;
    return {
      length: n,
      tsMs: c.tsMs.slice(0, n),
      speedKph: c.speedKph.slice(0, n),
      socPct: c.socPct.slice(0, n),
      rangeKm: c.rangeKm.slice(0, n),
      batteryTempC: c.batteryTempC.slice(0, n),
      outsideTempC: c.outsideTempC.slice(0, n),
      cabinSetpointC: c.cabinSetpointC.slice(0, n),
      lat: c.lat.slice(0, n),
      lon: c.lon.slice(0, n),
      altM: c.altM.slice(0, n),
      odometerKm: c.odometerKm.slice(0, n),
      powerKw: c.powerKw.slice(0, n),
      state: c.state.slice(0, n),
      errorCodes: c.errorCodes.slice(0, n),
    };
  }
}
