import { emptySeries, type TelemetrySeries } from '../domain/telemetry-series.ts';
import type { SeededRandom } from './seeded-random.ts';
import { PLAIN_QUIRKS, reportedState, type DeviceQuirks } from './telemetry-quirks.ts';

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
  /** In reverse gear (parking): units that report gears say R. */
  reversing?: boolean;
}

const round = (x: number, scale: number): number => Math.round(x * scale) / scale;
/** Rounds to a sensor step (1, 0.5, 0.1, 0.01), exactly representable as the CSV prints it. */
const step = (x: number, stepSize: number): number => (stepSize >= 1 ? Math.round(x / stepSize) * stepSize : stepSize === 0.5 ? Math.round(x * 2) / 2 : round(x, Math.round(1 / stepSize)));

/**
 * Columns that grow as samples are emitted (typed arrays doubled on demand: no object per row).
 * Values are rounded to what a telematics unit sends, so the series equals what the CSV holds.
 */
export class SeriesBuilder {
  private capacity = 4096;
  private n = 0;
  private cols = emptySeries(this.capacity);
  private readonly quirks: DeviceQuirks;
  /** Only for the unit's GPS dropouts: physics never draws from it, so dry runs stay exact. */
  private readonly rand: SeededRandom | null;
  private gpsBlankLeft = 0;
  private gpsStaleLeft = 0;
  private lastFix = { lat: Number.NaN, lon: Number.NaN, altM: Number.NaN };
  /** Driving rows at the end of the series, since the last non-driving one. */
  private drivingTail = 0;

  constructor(quirks: DeviceQuirks = PLAIN_QUIRKS, rand: SeededRandom | null = null) {
    this.quirks = quirks;
    this.rand = rand;
  }

  get length(): number {
    return this.n;
  }

  get lastTsMs(): number {
    return this.n ? this.cols.tsMs[this.n - 1]! : Number.NEGATIVE_INFINITY;
  }

  push(v: VehicleState, outsideC: number, rangeKm: number): void {
    if (v.tsMs <= this.lastTsMs) throw new Error(`simulator bug: sample at ${v.tsMs} is not after ${this.lastTsMs}`);
    // A batched or throttled modem: while the car keeps driving, only one row every few seconds.
    const everyS = this.quirks.drivingSampleS ?? 1;
    if (everyS > 1 && v.state === 'driving' && this.drivingTail > 0 && v.tsMs - this.lastTsMs < everyS * 1000) return;
    // Switched off after a drive: some units lose their last seconds of driving (never the whole drive).
    if (v.state === 'parked' || v.state === 'charging') {
      const lose = Math.min(this.quirks.tailLossS, this.drivingTail - 1);
      if (lose > 0) this.n -= lose;
      this.drivingTail = 0;
    } else if (v.state === 'driving') this.drivingTail++;
    else this.drivingTail = 0;
    if (this.n === this.capacity) this.grow();
    const c = this.cols;
    const i = this.n++;
    const q = this.quirks;
    c.tsMs[i] = v.tsMs;
    c.speedKph[i] = step(v.speedKph, q.speedStepKph) + 0;
    c.socPct[i] = step(Number.isNaN(v.socShownPct) ? v.socPct : v.socShownPct, q.socStepPct) + 0;
    c.rangeKm[i] = q.socStepPct >= 1 ? Math.round(rangeKm) : round(rangeKm, 10);
    c.batteryTempC[i] = step(v.packTempC, q.tempStepC) + 0;
    c.outsideTempC[i] = step(outsideC, q.tempStepC) + 0;
    c.cabinSetpointC[i] = v.setpointC;
    this.gps(v, i);
    c.odometerKm[i] = round(v.odometerKm, q.speedStepKph >= 1 ? 10 : 1000);
    // -0 would print as "0" anyway, but keep the column clean for hashing.
    c.powerKw[i] = round(v.powerKw, 100) + 0;
    c.state[i] = v.reversing && q.wording === 'gears' ? 'R' : reportedState(q, v.state, v.speedKph);
    c.errorCodes[i] = q.standingCode === null ? v.errorCodes : v.errorCodes?.includes(q.standingCode) ? v.errorCodes : [q.standingCode, ...(v.errorCodes ?? [])];
  }

  /**
   * Position as the unit reports it: scripted look-alikes (tunnel, jump) first, then the unit's
   * own stretches of blank GPS (no fix) or a stale fix repeated while the car moves on.
   */
  private gps(v: VehicleState, i: number): void {
    const c = this.cols;
    if (this.rand && v.speedKph > 0 && this.gpsBlankLeft === 0 && this.gpsStaleLeft === 0) {
      if (this.rand.chance(this.quirks.gpsBlankPerHour / 3600)) this.gpsBlankLeft = this.rand.int(10, 240);
      else if (this.rand.chance(this.quirks.gpsStalePerHour / 3600) && !Number.isNaN(this.lastFix.lat)) this.gpsStaleLeft = this.rand.int(10, 180);
    }
    if (v.gpsHidden || this.gpsBlankLeft > 0) {
      if (this.gpsBlankLeft > 0) this.gpsBlankLeft--;
      c.lat[i] = Number.NaN;
      c.lon[i] = Number.NaN;
      c.altM[i] = Number.NaN;
      return;
    }
    if (this.gpsStaleLeft > 0) {
      this.gpsStaleLeft--;
      c.lat[i] = this.lastFix.lat;
      c.lon[i] = this.lastFix.lon;
      c.altM[i] = this.lastFix.altM;
      return;
    }
    const jitterM = this.rand ? (this.quirks.gpsJitterM ?? 0) : 0;
    const jLat = jitterM > 0 ? (this.rand!.uniform(-1, 1) * jitterM) / 111_320 : 0;
    const jLon = jitterM > 0 ? (this.rand!.uniform(-1, 1) * jitterM) / (111_320 * Math.max(0.2, Math.cos((v.lat * Math.PI) / 180))) : 0;
    c.lat[i] = round(v.lat + v.gpsOffsetLat + jLat, 1e6);
    c.lon[i] = round(v.lon + v.gpsOffsetLon + jLon, 1e6);
    c.altM[i] = round(v.altM, 10);
    if (v.gpsOffsetLat === 0) this.lastFix = { lat: c.lat[i]!, lon: c.lon[i]!, altM: c.altM[i]! };
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
