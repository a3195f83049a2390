import { haversineKm } from '../geo-distance.ts';
import type { TelemetrySeries } from '../telemetry-series.ts';
import { stateClass } from './breakdown-signals.ts';

/** What the rules need from their thresholds to judge what follows a stop. */
export interface AftermathRules {
  stillKph: number;
  ownPowerKph: number;
  towKm: number;
  towMinKph: number;
  judgeMs: number;
  /** Power at or above this while creeping is propulsion: the drivetrain works. */
  propulsionKw: number;
  /** The weakest deceleration of a car rolling without power (how far it can roll into a silence). */
  rollDecelMps2: number;
  /** Samples further apart than this are a silence. */
  gapMs: number;
}

/** What happened after the stop (or after the data resumed). */
export interface Aftermath {
  /** Recovered (moves on under own power), tow ended, data resumed; else the last sample seen. */
  endMs: number;
  /** Standing still after the stop until own-power movement or the end of the data (capped). */
  restMs: number;
  recovered: boolean;
  gapMs: number;
  /** Speed of the first sample after the gap (NaN when the data never resumed). */
  resumeSpeedKph: number;
  /** Share of the time in the first `judgeMs` after the stop spent in state 'off' (each sample holds until the next). */
  offAfterFraction: number;
  /** Largest distance from the stop position seen afterwards (before own-power movement). */
  displacementKm: number;
  /** Odometer advance across a data gap, km (NaN unknown): a car that drove itself on advanced it. */
  gapOdometerKm: number;
  tow: { startMs: number; endMs: number; distanceKm: number } | null;
  /** Within `judgeMs` of the stop the car crept under propulsion (power ≥ propulsionKw): it works. */
  creptUnderPower: boolean;
  /** Within `judgeMs` of the stop it charged where it stood (charging state or SoC rising). */
  chargedThere: boolean;
  /**
   * Median battery power over the first minute standing after the stop (before any 'off'), kW
   * (NaN unknown): the car's heating, cooling and auxiliaries, which the net power while braking
   * includes too.
   */
  loadAfterStopKw: number;
  /**
   * The longest silence that began within SILENT_SOON_MS of the stop, before the car moved on, ms
   * (0: none): a unit whose 12 V supply failed stops reporting right where the car stopped.
   */
  silenceAfterStopMs: number;
  /** Every row of that first standing minute said the car was in gear (driving class): not parked, not off. */
  inGearAfterStop: boolean;
  /** Cabin setpoint minus outside temperature at the stop, K (NaN unknown): what a live car heats against. */
  heatingDemandK: number;
}

const finite = (v: number) => Number.isFinite(v);
const CAP_REST_MS = 4 * 3_600_000;
/** Battery power at or below this at a standstill is charging (the smallest AC charger gives ~1.4 kW). */
const CHARGE_KW = -1;
const CHARGE_MIN_MS = 60_000;
/** The standstill right after a stop over which the car's own loads are read. */
const LOAD_WINDOW_MS = 60_000;
/** A silence that begins this soon after the stop began with it (a unit writes its last rows for a minute or so). */
export const SILENT_SOON_MS = 120_000;

/** From the stop (or the last sample before the data stopped) forward. */
export function aftermathOf(series: TelemetrySeries, gapAfterStop: boolean, stopIndex: number, R: AftermathRules): Aftermath {
  const { tsMs, speedKph, state, length: n } = series;
  const stopMs = tsMs[stopIndex]!;
  const lat0 = positionNear(series, stopIndex, 'lat');
  const lon0 = positionNear(series, stopIndex, 'lon');
  const gapMs = gapAfterStop && stopIndex + 1 < n ? tsMs[stopIndex + 1]! - stopMs : 0;
  const resumeSpeedKph = stopIndex + 1 < n ? (gapAfterStop ? speedKph[stopIndex + 1]! : 0) : Number.NaN;
  const odo0 = series.odometerKm[stopIndex]!;
  const odo1 = stopIndex + 1 < n ? series.odometerKm[stopIndex + 1]! : Number.NaN;
  const odoAdvanceKm = finite(odo0) && finite(odo1) ? odo1 - odo0 : Number.NaN;
  const v0 = finite(speedKph[stopIndex]!) ? speedKph[stopIndex]! / 3.6 : 0;
  const rollKm = (v0 * v0) / (2 * R.rollDecelMps2) / 1000;
  let off = 0; // ms
  let samples = 0; // ms
  let displacementKm = 0;
  let towStart = -1;
  let towEnd = -1;
  let recoveredAt = -1;
  let lastMs = stopMs;
  let creptUnderPower = false;
  let chargedThere = false;
  let chargingMs = 0;
  // Silences are measured past the look-ahead's horizon: the row that ends one may be hours later.
  let silenceAfterStopMs = 0;
  for (let k = stopIndex + 1; k < n && tsMs[k - 1]! - stopMs <= SILENT_SOON_MS; k++) {
    if (finite(speedKph[k - 1]!) && speedKph[k - 1]! >= R.ownPowerKph) break;
    const silentMs = tsMs[k]! - tsMs[k - 1]!;
    if (silentMs > R.gapMs) silenceAfterStopMs = Math.max(silenceAfterStopMs, silentMs);
  }
  // Look up to CAP_REST_MS past the first sample after the stop (for a gap, after the silence).
  const horizonMs = (stopIndex + 1 < n ? tsMs[stopIndex + 1]! : stopMs) + CAP_REST_MS;
  const judgeUntilMs = (stopIndex + 1 < n ? tsMs[stopIndex + 1]! : stopMs) + R.judgeMs;
  for (let k = stopIndex + 1; k < n && tsMs[k]! <= horizonMs; k++) {
    const v = speedKph[k]!;
    const cls = stateClass(state[k]!);
    if (finite(v) && v >= R.ownPowerKph && cls !== 'off') {
      recoveredAt = k;
      break;
    }
    lastMs = tsMs[k]!;
    const silentMs = tsMs[k]! - tsMs[k - 1]!;
    if (tsMs[k]! < judgeUntilMs) {
      const heldMs = Math.min(k + 1 < n ? tsMs[k + 1]! : tsMs[k]!, judgeUntilMs) - tsMs[k]!;
      samples += heldMs;
      if (cls === 'off') off += heldMs;
      const p = series.powerKw[k]!;
      if (finite(v) && v >= R.stillKph && finite(p) && p >= R.propulsionKw && !tow()) creptUnderPower = true;
      // Energy flowing into the battery at a standstill is a charger (regeneration needs motion).
      // The sample that first reads 0 kph may still carry the last second's regeneration, so it
      // takes a minute of it.
      if (cls === 'charging') chargedThere = true;
      if (finite(p) && p <= CHARGE_KW && !(v >= R.stillKph) && displacementKm < R.towKm) chargingMs += heldMs;
      if (chargingMs >= CHARGE_MIN_MS) chargedThere = true;
    }
    if (lat0 !== null && lon0 !== null && finite(series.lat[k]!) && finite(series.lon[k]!)) {
      const d = haversineKm(lat0, lon0, series.lat[k]!, series.lon[k]!);
      if (d > displacementKm) displacementKm = d;
      // Moving while the wheels say 0 (or the car is off): on a truck.
      const moved = k > 0 && finite(series.lat[k - 1]!) ? haversineKm(series.lat[k - 1]!, series.lon[k - 1]!, series.lat[k]!, series.lon[k]!) : 0;
      const hours = (tsMs[k]! - tsMs[k - 1]!) / 3_600_000;
      // Across a silence: further than the car could roll without power, and not on its own
      // wheels (the odometer, when there is one, did not advance as far).
      const acrossGap = gapAfterStop && k === stopIndex + 1 && moved >= Math.max(R.towKm, rollKm) && !(odoAdvanceKm >= 0.5 * moved);
      // A later silence (the unit slept, or lost its supply, while the car stood): it reappeared
      // elsewhere with the odometer where it was, so the wheels did not drive it there. Only a
      // known odometer can say so: a car driven off while its unit slept would look the same.
      const odoBefore = series.odometerKm[k - 1]!;
      const odoAfter = series.odometerKm[k]!;
      const acrossSilence = !acrossGap && silentMs > R.gapMs && moved >= R.towKm && finite(odoBefore) && finite(odoAfter) && odoAfter - odoBefore < 0.5 * moved;
      if (moved > 0.002 && (acrossGap || acrossSilence || moved / hours >= R.towMinKph) && !(v >= R.stillKph)) {
        if (towStart < 0) towStart = k - 1;
        towEnd = k;
      }
    }
  }
  function tow() {
    return towStart >= 0;
  }
  const loads: number[] = [];
  let inGear = true;
  for (let k = stopIndex; k < n && tsMs[k]! - stopMs <= LOAD_WINDOW_MS && !gapAfterStop; k++) {
    const p = series.powerKw[k]!;
    if (stateClass(state[k]!) === 'off' || speedKph[k]! >= R.stillKph) break;
    if (stateClass(state[k]!) !== 'driving') inGear = false;
    if (finite(p)) loads.push(p);
  }
  const heatingDemandK = series.cabinSetpointC[stopIndex]! - series.outsideTempC[stopIndex]!;
  loads.sort((a, b) => a - b);
  const loadAfterStopKw = loads.length ? loads[loads.length >> 1]! : Number.NaN;
  const recovered = recoveredAt >= 0;
  const restMs = Math.min(CAP_REST_MS, (recovered ? tsMs[recoveredAt]! : lastMs) - stopMs - gapMs);
  // A tow ends elsewhere: a GPS fix that jumps away and back is not one.
  const lastIdx = recovered ? recoveredAt : indexAt(series, lastMs, stopIndex);
  const endKm = lat0 !== null && lon0 !== null ? distanceFrom(series, lastIdx, lat0, lon0) : Number.NaN;
  const towed = displacementKm >= R.towKm && towStart >= 0 && !(endKm < R.towKm)
    ? { startMs: tsMs[towStart]!, endMs: tsMs[towEnd]!, distanceKm: displacementKm }
    : null;
  const endMs = towed ? towed.endMs : recovered ? tsMs[recoveredAt]! : lastMs;
  return {
    endMs,
    restMs,
    recovered,
    gapMs,
    resumeSpeedKph,
    offAfterFraction: samples > 0 ? off / samples : 0,
    displacementKm,
    gapOdometerKm: gapAfterStop && finite(odo0) && finite(odo1) ? odo1 - odo0 : Number.NaN,
    tow: towed,
    creptUnderPower,
    chargedThere,
    loadAfterStopKw,
    silenceAfterStopMs,
    inGearAfterStop: inGear && loads.length > 0,
    heatingDemandK: finite(heatingDemandK) ? heatingDemandK : Number.NaN,
  };
}

/** The index of the row at tsMs, searching forward from `from`. */
function indexAt(series: TelemetrySeries, tsMs: number, from: number): number {
  let k = from;
  while (k + 1 < series.length && series.tsMs[k + 1]! <= tsMs) k++;
  return k;
}

/** Distance of the last known position at or before k from (lat0, lon0), km (NaN unknown). */
function distanceFrom(series: TelemetrySeries, k: number, lat0: number, lon0: number): number {
  const lat = positionNear(series, k, 'lat');
  const lon = positionNear(series, k, 'lon');
  return lat === null || lon === null ? Number.NaN : haversineKm(lat0, lon0, lat, lon);
}

/** The nearest known position at or before k (GPS fixes drop out now and then). */
export function positionNear(series: TelemetrySeries, k: number, axis: 'lat' | 'lon'): number | null {
  const col = series[axis];
  for (let j = k; j >= 0 && series.tsMs[k]! - series.tsMs[j]! <= 300_000; j--) if (finite(col[j]!) && finite(series.lat[j]!) && finite(series.lon[j]!)) return col[j]!;
  return null;
}
