import type { DeviceFacts } from '../devices/device-facts.ts';
import { haversineKm } from '../geo-distance.ts';
import type { TelemetrySeries } from '../telemetry-series.ts';
import { aftermathOf, positionNear, SILENT_SOON_MS, type Aftermath } from './breakdown-aftermath.ts';
import { LOW_VOLTAGE_CODE } from './breakdown-signals.ts';
import { measureMoment, type Moment } from './breakdown-measure.ts';
import { energyExhaustedAt } from './shortfall-exhaustion.ts';
import { packHeatingFlagTimes } from './thermal-precursor.ts';

/**
 * Rules stage of the breakdown detector: finds the moments where a vehicle may have shut down
 * while being driven and measures what happened around them. Each rule is physical, so it holds
 * for real logs (no fault code, odd state words, dead modems, stale GPS) and not only for the
 * simulator:
 *
 *   1. find the ends of motion — the car comes to rest after driving, or its data stops while it
 *      is moving (a gap, or the end of the log);
 *   2. walk back to the moment propulsion was lost (power ≈ auxiliary draw, neutral or 'off'
 *      while still fast);
 *   3. look at what happens next: does it move on under its own power, creep under power, charge
 *      where it stands, stay put, get towed (position moves while the wheels report 0), or
 *      reappear further on than it could have rolled (a connection drop or a tunnel — rejected);
 *   4. keep a moment only if the vehicle itself says something was wrong (no propulsion while
 *      fast, off while moving, fault codes that were not there all along, an overheated pack,
 *      silence at speed for longer than a dropout lasts) and the battery was not simply empty
 *      (that is a charge shortfall, `stranded`, reported by the shortfall detector).
 */

export const BREAKDOWN_RULES = {
  /** Below this the car is standing still. */
  stillKph: 3,
  /** At or above this (and not 'off') the car moves under its own power. */
  ownPowerKph: 8,
  /** A stop only counts after real driving: at least this fast within `approachMs` before it. */
  drivingKph: 20,
  approachMs: 90_000,
  /** How far back from the stop to look for the moment propulsion was lost. */
  maxCoastMs: 180_000,
  /** |power| below this is "no propulsion and no regeneration": the 12 V / auxiliary draw of a car is 0.1–0.5 kW. */
  zeroPowerKw: 0.5,
  /** Standing after the stop, a median power at or above this is heating/cooling on a live high-voltage system (the 12 V draw is 0.1–0.5 kW). */
  hvLoadKw: 1,
  /** power below this is regenerative braking: the drivetrain still works. */
  regenKw: -1,
  /** Power at or above this while creeping at walking pace is propulsion: the drivetrain works. */
  propulsionKw: 2,
  /** Samples further apart than this while moving are a data gap. */
  gapMs: 30_000,
  /** Connection drops and tunnels last minutes; a car that drives on after a shorter silence never stopped. */
  maxDropMs: 15 * 60_000,
  /** A stop shorter than this (and without a shutdown sign) is traffic, not a breakdown. */
  minRestMs: 120_000,
  /**
   * A code-less stop the car drove on from by itself needs this long a rest: a traffic signal
   * cycles in 2–3 min and a stationary jam moves (creeps) every few minutes.
   */
  recoveredMinRestMs: 10 * 60_000,
  /** A second fault stop this soon after a quickly recovered one is the same breakdown. */
  relapseMs: 10 * 60_000,
  /** Pack temperature above which a thermal shutdown is plausible. */
  hotPackC: 55,
  /**
   * Rolling resistance and air drag alone slow a car by under ~1 m/s² even at motorway speed;
   * up to this, a deceleration with no power is a coast-down (light braking included).
   */
  maxCoastDecelMps2: 2.5,
  /**
   * A working EV braking harder than that regenerates (tens of kW from m·a·v), unless the pack
   * is too full or too cold to take the charge: above this SoC or below `coldPackC` a powerless
   * hard stop proves nothing.
   */
  regenFullSocPct: 95,
  coldPackC: 5,
  /**
   * Cabin setpoint against outside temperature from which a live car standing in gear heats or
   * cools: a cabin exchanges ~100 W/K, so 20 K is ≥ 2 kW of heat to move, ≥ 0.7 kW electric even
   * from a heat pump or an air conditioner (COP ≤ 3) — in the cold and in the heat alike.
   */
  hvacDemandK: 20,
  /**
   * …judged on at least this many moving samples (at 1 Hz, 3 s: a hard stop from 40 km/h lasts
   * ~3 s); power passes through 0 kW for a sample whenever traction turns into regeneration. A
   * modem that sends a row every few seconds cannot give three samples of a 3 s stop: it needs
   * the samples that 3 s hold at its rate (one, from 3 s between rows).
   */
  minPowerlessSamples: 3,
  /** Fraction of the deceleration without propulsion that makes it a coast-down. */
  coastFraction: 0.6,
  /** Towing: the position moves at least this far while the car is off / wheels at 0. */
  towKm: 0.3,
  /** ...at least this fast between two samples (GPS jitter of a parked car is slower). */
  towMinKph: 4,
  /**
   * The model judges a moment on what happened in this long after the stop (or after the data
   * resumed), never on a tow or a repair hours later: the alarm can be raised this soon.
   */
  judgeMs: 15 * 60_000,
  /** Window around the moment in which fault codes count. */
  codeWindowMs: 120_000,
  /** Abnormal pack heating this long before the moment (up to the code window after the stop) is its sign. */
  heatingBeforeMs: 10 * 60_000,
  /**
   * Data that stops at speed and stays silent this long is a provisional breakdown (a 12 V
   * failure takes the modem with it). Tunnels and dead zones on a road last seconds to a couple
   * of minutes at driving speed; 4 min sits inside the 3–5 min people wait before calling.
   */
  silenceMs: 4 * 60_000,
  /** …when the last row was at least this fast: car parks and garages (where a unit may lose its signal) are entered at 5–20 km/h. */
  silenceKph: 25,
  /**
   * Speed from which nobody parks within seconds: slowing from 60 km/h to walking pace at a
   * comfortable 2 m/s² takes ~8 s and 40 m, more than a unit loses before it sleeps.
   */
  roadKph: 60,
  /** Without power a car rolls v²/(2·a) with a ≥ this (rolling + drag); further than that after a silence, it drove on. */
  rollDecelMps2: 0.3,
  /** …and never less than this (GPS and odometer resolution). */
  minDriveOnKm: 2,
  /** A coast-down into a silence lost at least this much speed (and 10 %) before the data stopped. */
  minCoastDropKph: 5,
} as const;

export type BreakdownTrigger = 'stop' | 'data_gap' | 'data_end';

/** What the rules measured around one candidate moment; the features and the evidence come from this. */
/** The moment's measures (anchor, speeds, power fractions, codes, pack temperature) are a Moment (breakdown-measure.ts). */
export interface BreakdownCandidate extends Aftermath, Moment {
  trigger: BreakdownTrigger;
  subkind: 'loss_of_propulsion' | 'shutdown' | 'twelve_volt_failure' | 'thermal_fault';
  /** Index of the first sample at rest (stop), or of the last sample before the data stopped. */
  stopIndex: number;
  /** For data_end: how long the device has been silent at `nowMs` (0 when not judged). */
  silenceMs: number;
  /**
   * A stop with new 12 V codes whose data ends within SILENT_SOON_MS of it and has been silent at
   * `nowMs` for at least the silence threshold: like a silence at speed, judged provisionally by
   * the rules alone (silenceAfterStopMs has it).
   */
  silenceOngoing: boolean;
  /** The pack heated faster than physics allows (thermal-precursor@1's bound) shortly before or at the moment. */
  packHeating: boolean;
  /** Which physical sign kept it (for the evidence). */
  fault: FaultSign;
}

export type FaultSign = 'off_while_moving' | 'codes' | 'hot_pack' | 'pack_heating' | 'coast_down' | 'braked_without_power' | 'silence_at_speed' | 'towed_in_silence' | 'stopped_in_silence';

export interface BreakdownRuleOptions {
  /** The judgement time: silence is measured against it (absent: a series' end is not judged). */
  nowMs?: number;
  device?: DeviceFacts;
  /** Silence at speed that raises a provisional breakdown (default BREAKDOWN_RULES.silenceMs). */
  silenceMs?: number;
  /** Told of every candidate a rule dropped and which (diagnostics: why a moment was not reported). */
  onDropped?: (candidate: BreakdownCandidate, reason: string) => void;
}

const finite = (v: number) => Number.isFinite(v);

/** Candidates in time order, one per moment (a tow or a sparse tail after a stop is part of it). */
export function findBreakdownCandidates(series: TelemetrySeries, options: BreakdownRuleOptions = {}): BreakdownCandidate[] {
  const out: BreakdownCandidate[] = [];
  const { tsMs, speedKph, length: n } = series;
  const R = BREAKDOWN_RULES;
  // Abnormal pack heating (the thermal precursor's physical bound), computed once when first asked.
  let heating: Float64Array | null = null;
  const heatingNear = (c: BreakdownCandidate) => {
    heating ??= packHeatingFlagTimes(series, options.device);
    return anyIn(heating, c.startMs - R.heatingBeforeMs, series.tsMs[c.stopIndex]! + R.codeWindowMs);
  };
  for (let i = 1; i <= n; i++) {
    const prev = i - 1;
    const prevSpeed = speedKph[prev]!;
    if (!finite(prevSpeed)) continue;
    let candidate: BreakdownCandidate | null = null;
    if (i === n) {
      // The series ends while moving: a live window ends while driving all the time, so only a
      // fault in the last moments or a long enough silence (judged at nowMs) makes a candidate.
      if (prevSpeed >= R.ownPowerKph) candidate = measure(series, 'data_end', prev, options);
    } else if (tsMs[i]! - tsMs[prev]! > R.gapMs && prevSpeed >= R.ownPowerKph) {
      candidate = measure(series, 'data_gap', prev, options);
    } else if (prevSpeed >= R.stillKph && finite(speedKph[i]!) && speedKph[i]! < R.stillKph) {
      candidate = measure(series, 'stop', i, options);
    }
    if (candidate) {
      candidate.packHeating = heatingNear(candidate);
      candidate.subkind = subkindOf(candidate);
    }
    const dropped = candidate ? dropReason(series, candidate, options) : null;
    if (candidate && dropped !== null) options.onDropped?.(candidate, dropped);
    if (candidate && dropped === null) {
      const last = out.at(-1);
      // The same moment seen twice (a stop whose data then stops) is one event.
      if (last && candidate.startMs <= last.endMs) continue;
      // A faulty car that limps on for a moment and then dies (a derated, overheating pack) is
      // one breakdown that began at the first stop.
      if (last && last.recovered && last.restMs < R.minRestMs && candidate.startMs - last.endMs <= R.relapseMs) {
        out[out.length - 1] = { ...candidate, anchorIndex: last.anchorIndex, startMs: last.startMs, lat: last.lat, lon: last.lon, speedAtLossKph: last.speedAtLossKph, maxSpeedBeforeKph: last.maxSpeedBeforeKph };
        continue;
      }
      out.push(candidate);
    }
  }
  return out;
}

/**
 * When re-judging the same rows later could change the candidates: the last row was moving fast
 * enough for a silence to count (last row + silence), or a stop is the last row and its rest has
 * not reached the minimum yet. Undefined when only new data can change anything.
 */
export function breakdownWakeAtMs(series: TelemetrySeries, options: BreakdownRuleOptions = {}): number | undefined {
  const n = series.length;
  if (n === 0) return undefined;
  const R = BREAKDOWN_RULES;
  const lastMs = series.tsMs[n - 1]!;
  const v = series.speedKph[n - 1]!;
  let at: number | undefined;
  if (finite(v) && v >= R.silenceKph) at = lastMs + (options.silenceMs ?? R.silenceMs);
  else if (finite(v) && v < R.stillKph && n > 1 && series.speedKph[n - 2]! >= R.stillKph) at = lastMs + R.minRestMs;
  // Standing just after a stop with a failing 12 V supply reported: its silence is judged like one at speed.
  if (finite(v) && v < R.stillKph && (series.errorCodes[n - 1] ?? []).some((code) => LOW_VOLTAGE_CODE.test(code)) && stoppedWithin(series, SILENT_SOON_MS)) {
    at = Math.max(at ?? 0, lastMs + (options.silenceMs ?? R.silenceMs));
  }
  if (at === undefined) return undefined;
  return options.nowMs !== undefined && options.nowMs >= at ? undefined : at;
}

/** Was the car moving (≥ stillKph) within `ms` before the last row? */
function stoppedWithin(series: TelemetrySeries, ms: number): boolean {
  const lastMs = series.tsMs[series.length - 1]!;
  for (let k = series.length - 1; k >= 0 && lastMs - series.tsMs[k]! <= ms; k--) if (series.speedKph[k]! >= BREAKDOWN_RULES.stillKph) return true;
  return false;
}

/** Rule 3 and 4: null to keep the candidate, else why it is dropped (reported to `onDropped`). */
function dropReason(series: TelemetrySeries, c: BreakdownCandidate, options: BreakdownRuleOptions): string | null {
  const R = BREAKDOWN_RULES;
  if (c.maxSpeedBeforeKph < R.drivingKph && !c.offWhileMoving) return 'not_driving';
  // Out of energy: a charge shortfall (stranded), reported by charge-shortfall@1, not here.
  if (energyExhaustedAt(series, c.anchorIndex, options.device).exhausted) return 'battery_empty';
  // It charged where it stopped: the stop was at a charger, whatever the codes said.
  if (c.chargedThere && !c.tow) return 'charged_there';
  if (c.trigger === 'data_gap' && droveOnThroughGap(series, c)) return 'drove_on';
  const fault = faultSign(c, options.silenceMs ?? R.silenceMs);
  if (fault === null) return 'no_fault_sign';
  c.fault = fault;
  const noShutdownSign = !c.offWhileMoving && c.codes.length === 0;
  // Propulsion (or regenerative braking) until the stop, and parked rather than dead after it:
  // the driver stopped a working car, whatever the warnings said (a hot pack that derates).
  // A car that goes 'off' for good right at the stop, or is towed from it, with a fault showing
  // did shut down.
  // A car towed away from where it stopped did not drive on either.
  // So did one that reported a failing 12 V supply (lost-communication or low-voltage codes new
  // at the moment) and whose unit then fell silent where it stopped for longer than a dropout:
  // the supply that feeds the unit is the one that failed.
  const twelveVoltDied = c.lowVoltageCode && c.silenceAfterStopMs >= (options.silenceMs ?? R.silenceMs);
  const shutAtStop = (c.offAfterFraction >= 0.5 || c.tow !== null || twelveVoltDied) && !(c.recovered && c.restMs <= R.judgeMs);
  // …unless the pack stood past its limit with a thermal code or an abnormal heating, and the car
  // then stayed put: a thermal fault stops the car whether or not traction was cut at the last second.
  const thermalStop = (c.thermalCode || c.packHeating) && c.maxBatteryTempC >= R.hotPackC && !(c.recovered && c.restMs < R.recoveredMinRestMs);
  if (c.trigger === 'stop' && !c.offWhileMoving && c.powerKnown && c.coastFraction < R.coastFraction && !shutAtStop && !thermalStop) return 'driver_stop';
  // The end of the data is "now" in a live window: only a failing 12 V supply (lost-communication
  // codes), a car switched off while moving, or silence at speed since say the silence is a breakdown.
  if (c.trigger === 'data_end') return c.lowVoltageCode || c.offWhileMoving || c.fault === 'silence_at_speed' ? null : 'live_window_end';
  if (c.trigger === 'stop') {
    // Crept on under power while "standing": a working drivetrain in a queue.
    if (noShutdownSign && c.creptUnderPower) return 'crept_under_power';
    if (c.recovered && c.restMs < R.minRestMs && noShutdownSign) return 'drove_on_soon';
    if (noShutdownSign && c.recovered && c.restMs < R.recoveredMinRestMs) return 'drove_on_within_10_min';
    if (noShutdownSign && !c.recovered && !c.tow && c.restMs < R.minRestMs) return 'rest_too_short';
  }
  return null;
}

/** The first physical sign (strongest first) that the car itself failed, or null. */
function faultSign(c: BreakdownCandidate, silenceMs: number): FaultSign | null {
  const R = BREAKDOWN_RULES;
  if (c.offWhileMoving) return 'off_while_moving';
  if (c.codes.length > 0) return 'codes';
  if (c.maxBatteryTempC >= R.hotPackC) return 'hot_pack';
  if (c.packHeating) return 'pack_heating';
  // A sample or two near 0 kW is power crossing from traction to regeneration, as in any stop.
  // Regeneration on more than a sample says the drivetrain still worked.
  const neededSamples = Math.max(1, Math.min(R.minPowerlessSamples, Math.ceil(R.minPowerlessSamples / Math.max(1, c.sampleIntervalS))));
  const powerless = c.powerKnown && c.powerSamples >= neededSamples && c.coastFraction >= R.coastFraction && c.regenFraction * c.powerSamples <= 1 && c.speedAtLossKph >= R.drivingKph;
  // The power channel is the battery's net: braking with regeneration while heating, cooling
  // and auxiliaries draw as much (the cabin and pack heaters take up to ~9 kW in the cold) reads
  // ≈ 0 kW. When those loads still draw after the stop, the high-voltage system was alive and the
  // ≈ 0 kW was regeneration; a dead drivetrain leaves only the 12 V draw.
  const loadsOn = c.loadAfterStopKw >= R.hvLoadKw;
  const deadInGear = c.inGearAfterStop && c.loadAfterStopKw < R.zeroPowerKw && Math.abs(c.heatingDemandK) >= R.hvacDemandK;
  if (c.trigger === 'stop' && powerless && loadsOn) return null;
  if (c.trigger === 'stop' && powerless) {
    if (c.decelMps2 <= R.maxCoastDecelMps2) return 'coast_down';
    // Braked hard with neither propulsion nor regeneration: the drivetrain was dead, unless the
    // pack could not take regeneration anyway (full or cold).
    const regenExpected = !(c.socAtLossPct >= R.regenFullSocPct) && !(c.batteryTempAtLossC < R.coldPackC);
    // A full or cold pack explains the missing regeneration, not a car that then has to be towed,
    // nor one left standing in gear with only the 12 V draw where a live car heats its cabin
    // (kilowatts against a 20 K difference, even with a heat pump): its high-voltage system is dead.
    if (regenExpected || c.tow || deadInGear) return 'braked_without_power';
    return null;
  }
  // Power lost at city-crawl speed (8–20 km/h): a stop of a second or two, whose power proves
  // nothing by itself (a driver lifting off in traffic). What follows does: towed from where it
  // stopped, or left in gear on the 12 V draw alone where a live car would heat or cool.
  const powerlessSlow = c.powerKnown && c.powerSamples >= 1 && c.coastFraction === 1 && c.regenFraction === 0 && c.speedAtLossKph >= R.ownPowerKph;
  if (c.trigger === 'stop' && powerlessSlow && !loadsOn && (c.tow || deadInGear)) return c.decelMps2 <= R.maxCoastDecelMps2 ? 'coast_down' : 'braked_without_power';
  // Into a silence: rolling without power must also have slowed the car (a coast-down loses speed;
  // 0 kW at a steady speed is a gentle downhill).
  const coastedIntoSilence = powerless && c.powerlessDropKph >= Math.max(R.minCoastDropKph, 0.1 * c.speedAtLossKph);
  if (c.trigger === 'data_end') return c.silenceMs >= 1 && c.speedAtLossKph >= R.silenceKph ? 'silence_at_speed' : coastedIntoSilence ? 'coast_down' : null;
  if (c.trigger === 'data_gap') {
    if (coastedIntoSilence) return 'coast_down';
    // Silent at speed for longer than a dropout, and moved on the meantime without turning its
    // wheels (a tow). Data that comes back where it stopped proves nothing by itself: units lose
    // the last seconds before a stop, and a car that then drives off by itself was not broken down.
    if (c.gapMs >= silenceMs && c.speedAtLossKph >= R.silenceKph && c.tow) return 'towed_in_silence';
    // …unless it went silent at road speed: no car parks within the seconds a unit loses from
    // there, so standing where it went silent (not having driven on, checked before) it stopped on the road.
    if (c.gapMs >= silenceMs && c.speedAtLossKph >= R.roadKph) return 'stopped_in_silence';
  }
  return null;
}

/**
 * After a silence that began at speed: did the car drive on by itself? It reappeared moving
 * after a dropout-length silence, or it covered more ground than a car rolls without power
 * (odometer first — a tow does not turn it; else the GPS, reappearing moving).
 */
function droveOnThroughGap(series: TelemetrySeries, c: BreakdownCandidate): boolean {
  const R = BREAKDOWN_RULES;
  const resumedMoving = c.resumeSpeedKph >= R.ownPowerKph;
  if (resumedMoving && c.gapMs < R.maxDropMs) return true;
  const v = c.speedAtLossKph / 3.6;
  const rollKm = Math.max(R.minDriveOnKm, (v * v) / (2 * R.rollDecelMps2) / 1000);
  if (finite(c.gapOdometerKm)) return c.gapOdometerKm > rollKm;
  const k = c.stopIndex;
  const lat0 = positionNear(series, k, 'lat');
  const lon0 = positionNear(series, k, 'lon');
  const lat1 = series.lat[k + 1]!;
  const lon1 = series.lon[k + 1]!;
  if (lat0 === null || lon0 === null || !finite(lat1) || !finite(lon1)) return resumedMoving;
  const km = haversineKm(lat0, lon0, lat1, lon1);
  // Further than it could roll and no tow seen: it drove there (a tow with a dead modem is then
  // missed, but a modem that died on the way home is not a breakdown).
  return km > rollKm && !c.tow;
}

/** Is any of the sorted times within [fromMs, toMs]? */
function anyIn(times: Float64Array, fromMs: number, toMs: number): boolean {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < fromMs) lo = mid + 1;
    else hi = mid;
  }
  return lo < times.length && times[lo]! <= toMs;
}

function measure(series: TelemetrySeries, trigger: BreakdownTrigger, stopIndex: number, options: BreakdownRuleOptions): BreakdownCandidate {
  const R = BREAKDOWN_RULES;
  const m = measureMoment(series, trigger, stopIndex, R);
  const next = aftermathOf(series, trigger === 'data_gap', stopIndex, R);
  const lastMs = series.tsMs[stopIndex]!;
  const threshold = options.silenceMs ?? R.silenceMs;
  const silenceMs = trigger === 'data_end' && options.nowMs !== undefined && options.nowMs - lastMs >= threshold ? options.nowMs - lastMs : 0;
  // The data ends standing just after the stop: the silence since is judged at nowMs, as at speed.
  const endMs = series.tsMs[series.length - 1]!;
  const silentSinceEnd = options.nowMs !== undefined ? options.nowMs - endMs : 0;
  const silenceOngoing = trigger === 'stop' && m.lowVoltageCode && endMs - lastMs <= SILENT_SOON_MS && silentSinceEnd >= threshold;
  if (silenceOngoing) next.silenceAfterStopMs = Math.max(next.silenceAfterStopMs, silentSinceEnd);
  const c: BreakdownCandidate = { trigger, stopIndex, ...m, ...next, silenceMs, silenceOngoing, packHeating: false, subkind: 'loss_of_propulsion', fault: 'codes' };
  c.subkind = subkindOf(c);
  return c;
}

function subkindOf(c: BreakdownCandidate): BreakdownCandidate['subkind'] {
  if (c.thermalCode || c.maxBatteryTempC >= 60 || c.packHeating) return 'thermal_fault';
  if (c.lowVoltageCode || (c.trigger !== 'stop' && !c.powertrainCode)) return 'twelve_volt_failure';
  if (c.powertrainCode) return 'loss_of_propulsion';
  // Switched off while moving without a propulsion fault: the car shut itself down.
  if (c.offWhileMoving) return 'shutdown';
  return c.powerKnown && c.coastFraction >= BREAKDOWN_RULES.coastFraction ? 'loss_of_propulsion' : 'shutdown';
}
