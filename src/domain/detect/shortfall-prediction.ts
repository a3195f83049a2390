import { driveWindows, type DriveWindow } from '../energy/drive-windows.ts';
import { predictKwhPerKm, predictKwhPerKmFromFeatures, type DriveConditions, type EnergyModel } from '../energy/energy-model.ts';
import type { DetectedEvent, EvidenceItem, Severity } from '../events/detected-event.ts';
import { eventId } from '../events/event-id.ts';
import { haversineKm } from '../geo-distance.ts';
import type { Charger } from '../chargers/charger.ts';
import type { TelemetrySeries } from '../telemetry-series.ts';
import { AHEAD_CONE_DEG, ROAD_FACTOR, bearingDeg, indexAtOrAfter, nearestCharger, nextChargerTarget, plannedChargerAhead, positionAt, robustValueAt, usableChargers, type ChargerTarget } from './shortfall-signals.ts';

export interface PredictionSettings {
  detector: string;
  reservePct: number;
  /** Re-evaluate this often while driving. */
  everyMs: number;
  /** Drives in this much history before a leg calibrate the vehicle's %/kWh and its usual speed. */
  historyMs: number;
  batteryKwh: number | undefined;
}

/** A leg: a drive period, by sample index (inclusive), and whether it has ended in the data. */
export interface Leg {
  start: number;
  end: number;
  ended: boolean;
  /** First sample to judge the leg from: the unplug just before it, or `start`. */
  departFrom: number;
}

interface Prediction {
  atMs: number;
  socPct: number;
  rangeKm: number;
  target: ChargerTarget;
  speedKph: number;
  outsideTempC: number;
  kwhPerKm: number;
  pctPerKm: number;
  basis: string;
  expectedPct: number;
  optimisticPct: number;
  pessimisticPct: number;
  lat: number;
  lon: number;
  /** Capacity used to express the margin in kWh (facts, power integration, or what the SoC calibration implies). */
  capacityKwh: number;
  capacityBasis: string;
  headingDeg: number | null;
  enRoute: boolean;
}

/** A view of [from, to) of a series without copying its columns. */
function slice(s: TelemetrySeries, from: number, to: number): TelemetrySeries {
  const f = (a: Float64Array) => a.subarray(from, to);
  return {
    length: to - from,
    tsMs: f(s.tsMs), speedKph: f(s.speedKph), socPct: f(s.socPct), rangeKm: f(s.rangeKm), batteryTempC: f(s.batteryTempC),
    outsideTempC: f(s.outsideTempC), cabinSetpointC: f(s.cabinSetpointC), lat: f(s.lat), lon: f(s.lon), altM: f(s.altM),
    odometerKm: f(s.odometerKm), powerKw: f(s.powerKw), state: s.state.slice(from, to), errorCodes: s.errorCodes.slice(from, to),
  };
}

/** km of the latest driving that calibrate the SoC per model kWh. */
const RECENT_KM = 60;
/** In the first minutes of a leg the prediction is re-made this often (the heading settles within a km or two). */
const EARLY_EVERY_MS = 15_000;
const EARLY_FOR_MS = 10 * 60_000;
/** The heading is the direction of the last few km of travel (a winding street is not the road's direction). */
const HEADING_BASE_KM = 3;
const MIN_HEADING_DISPLACEMENT_KM = 0.4;
/**
 * A stop at a charger this short (arrived by driving, charged, left) is a stop on a journey: DC
 * stops take under an hour, a slow public charger a few; a night at home or a day at work is longer.
 */
const JOURNEY_STOP_MS = 4 * 3_600_000;
/** Power integration gives a capacity once the SoC has fallen this much over measured driving. */
const MIN_SOC_FOR_CAPACITY_PCT = 5;
/** A charge this close to a listed charger was at it (the bays, the listing's and the GPS's error). */
const AT_OWN_POINT_KM = 1;

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Is charger `c` within the cone behind a car at `here` that was travelling at `headingDeg`? */
function behindOf(here: { lat: number; lon: number }, c: { lat: number; lon: number }, headingDeg: number): boolean {
  const back = (headingDeg + 180) % 360;
  const off = Math.abs(((bearingDeg(here.lat, here.lon, c.lat, c.lon) - back + 540) % 360) - 180);
  return off <= AHEAD_CONE_DEG;
}

/**
 * Usable capacity from the device's own driving: battery energy integrated from power over drives
 * against the SoC they used (kWh per % × 100). NaN without power or with too little SoC used.
 */
export function capacityFromPowerKwh(windows: readonly DriveWindow[], beforeMs: number): number {
  let kwh = 0;
  let soc = 0;
  for (const w of windows) {
    if (w.endMs > beforeMs || !Number.isFinite(w.energyKwh) || !Number.isFinite(w.socDropPct)) continue;
    kwh += w.energyKwh;
    soc += w.socDropPct;
  }
  return soc >= MIN_SOC_FOR_CAPACITY_PCT && kwh > 0 ? (100 * kwh) / soc : Number.NaN;
}

/** Where the car charged in the history (a position every few minutes of charging): its own chargers. */
function chargedPositions(series: TelemetrySeries, from: number, to: number): { lat: number; lon: number }[] {
  const out: { lat: number; lon: number }[] = [];
  let lastMs = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) {
    const charging = series.state[i]?.toLowerCase() === 'charging' || (series.powerKw[i]! < -1 && !(series.speedKph[i]! > 0.5));
    if (!charging || series.tsMs[i]! - lastMs < 5 * 60_000) continue;
    const p = positionAt(series, i, from);
    if (p) out.push(p), (lastMs = series.tsMs[i]!);
  }
  return out;
}

/**
 * The places the car charged at that are more than AT_OWN_POINT_KM from any listed charger, one per
 * cluster: chargers to this car that the list does not have.
 */
export function ownChargePoints(chargedAt: readonly { lat: number; lon: number }[], listed: readonly Charger[]): Charger[] {
  const out: Charger[] = [];
  for (const p of chargedAt) {
    if (listed.some((c) => haversineKm(p.lat, p.lon, c.lat, c.lon) <= AT_OWN_POINT_KM)) continue;
    if (out.some((c) => haversineKm(p.lat, p.lon, c.lat, c.lon) <= AT_OWN_POINT_KM)) continue;
    out.push({ chargerId: `own-charge-point-${out.length + 1}`, name: 'a place it charged at before', lat: p.lat, lon: p.lon, powerKw: null });
  }
  return out;
}

/**
 * SoC points per kWh the model predicts, learnt from the vehicle's own recent driving (so a wrong
 * capacity or an inefficient car is corrected by its own data), else from a configured capacity,
 * else from the displayed range at the current SoC (what the car itself believes), else unknown.
 */
function pctPerModelKwh(
  model: EnergyModel,
  history: readonly { endMs: number; socDropPct: number; predictedKwh: number; distanceKm: number }[],
  atMs: number,
  socPct: number,
  rangeKm: number,
  batteryKwh: number | undefined,
  conditions: DriveConditions,
): { k: number; basis: string } | null {
  let soc = 0;
  let kwh = 0;
  let km = 0;
  // The most recent driving first, up to RECENT_KM: today's driver, load and weather, not last week's.
  let last = history.length - 1;
  while (last >= 0 && history[last]!.endMs > atMs) last--;
  for (let j = last; j >= 0 && km < RECENT_KM; j--) {
    const w = history[j]!;
    if (!Number.isFinite(w.socDropPct)) continue;
    soc += w.socDropPct;
    kwh += w.predictedKwh;
    km += w.distanceKm;
  }
  const prior = batteryKwh ? 100 / batteryKwh : null;
  if (soc >= 2 && km >= 3 && kwh > 0) {
    // Shrink towards the configured capacity by the equivalent of 2 kWh of driving.
    const k = prior === null ? soc / kwh : (soc + 2 * prior) / (kwh + 2);
    return { k, basis: `own driving (${round(km)} km)` };
  }
  if (prior !== null) return { k: prior, basis: 'configured capacity' };
  if (rangeKm > 0 && socPct > 0) {
    // What the car itself believes, made worse by the model's cold/heating penalty (at most ×1.5:
    // some cars' displayed range already allows for the cold, others' does not).
    const mild = predictKwhPerKm(model, { ...conditions, outsideTempC: 20, batteryTempC: 20, cabinSetpointC: 21 });
    const now = predictKwhPerKm(model, conditions);
    const penalty = Math.min(1.5, Math.max(1, now / mild));
    return { k: ((socPct / rangeKm) * penalty) / now, basis: 'displayed range' };
  }
  return null;
}

/**
 * Predictive shortfall on one leg: at departure and every `everyMs` of driving, predict the SoC on
 * arrival at the next charger and warn when it is below the reserve. One event per leg, starting
 * at the first warning; its evidence lists the successive predictions as the margin shrinks.
 */
export function predictLegShortfall(
  series: TelemetrySeries,
  leg: Leg,
  chargers: readonly Charger[],
  deviceId: string,
  model: EnergyModel,
  settings: PredictionSettings,
): DetectedEvent | null {
  if (chargers.length === 0 || leg.end <= leg.start) return null;
  const t0 = series.tsMs[leg.departFrom]!;
  const historyFrom = indexAtOrAfter(series, t0 - settings.historyMs);
  let windows: DriveWindow[] = driveWindows(slice(series, historyFrom, leg.end + 1), { windowKm: 1 });
  // A leg still under way ends in a window cut short by the end of the data; a later run would see
  // it whole, so it is left out (live and batch runs give the same predictions).
  if (!leg.ended) windows = windows.filter((w) => w.endMs < series.tsMs[leg.end]!);
  const history = windows.map((w) => ({ endMs: w.endMs, startMs: w.startMs, socDropPct: w.socDropPct, distanceKm: w.distanceKm, predictedKwh: predictKwhPerKmFromFeatures(model, w.features) * w.distanceKm, hours: (w.endMs - w.startMs) / 3_600_000 }));
  const before = history.filter((w) => w.endMs <= t0);
  const usualKm = before.reduce((s, w) => s + w.distanceKm, 0);
  const usualSpeedKph = usualKm >= 10 ? usualKm / before.reduce((s, w) => s + w.hours, 0) : Number.NaN;
  const departure = positionAt(series, leg.departFrom, historyFrom);
  const chargedAt = chargedPositions(series, historyFrom, leg.start);
  const usable = usableChargers(chargers, chargedAt);
  // Somewhere to turn back to on a day out: the usable chargers, and the places the car itself
  // charged at that no list has (a garage at home, a socket at work).
  const turnBackTo = [...usable, ...ownChargePoints(chargedAt, chargers)];
  if (usable.length === 0) return null;
  // Left a charger after a short stop it drove to: a stop on a journey, which goes on to another charger.
  const left = departure ? nearestCharger(chargers, departure.lat, departure.lon) : null;
  const arrivedBy = before.at(-1);
  // It must have driven in: a car towed to a charger (a breakdown, a stranding) has no journey to read.
  const droveInAt = arrivedBy ? positionAt(series, Math.min(series.length - 1, indexAtOrAfter(series, arrivedBy.endMs)), historyFrom) : null;
  const enRoute =
    left !== null && left.km <= 1 && arrivedBy !== undefined && t0 - arrivedBy.endMs <= JOURNEY_STOP_MS &&
    droveInAt !== null && haversineKm(droveInAt.lat, droveInAt.lon, left.charger.lat, left.charger.lon) <= 1;
  // The journey's speed so far stands for the next leg's until the leg shows its own.
  const journey = before.filter((w) => arrivedBy !== undefined && w.endMs >= arrivedBy.endMs - JOURNEY_STOP_MS);
  const journeyKm = journey.reduce((s, w) => s + w.distanceKm, 0);
  const journeySpeedKph = enRoute && journeyKm >= 10 ? journeyKm / journey.reduce((s, w) => s + w.hours, 0) : Number.NaN;
  const measuredKwh = capacityFromPowerKwh(windows, t0);
  // A journey goes on the way it came: before the leg has a heading of its own, the direction of
  // the last few km into the charger stands for it.
  let arrivalHeading: number | null = null;
  if (enRoute && before.length > 0) {
    let w = before.length - 1;
    let km = before[w]!.distanceKm;
    while (w > 0 && km < HEADING_BASE_KM && before[w]!.startMs - before[w - 1]!.endMs < 60_000) km += before[--w]!.distanceKm;
    const a = positionAt(series, indexAtOrAfter(series, before[w]!.startMs), historyFrom);
    const b = positionAt(series, Math.min(series.length - 1, indexAtOrAfter(series, arrivedBy!.endMs)), historyFrom);
    if (a && b && haversineKm(a.lat, a.lon, b.lat, b.lon) > MIN_HEADING_DISPLACEMENT_KM) arrivalHeading = bearingDeg(a.lat, a.lon, b.lat, b.lon);
  }
  const optimisticQuartile = model.error.calibratedRatioQuantiles?.p25 ?? model.error.ratioQuantiles.p25;

  // Distance driven since departure, per sample of the leg.
  const legKm = new Float64Array(leg.end - leg.start + 1);
  for (let i = leg.start + 1; i <= leg.end; i++) {
    const v = series.speedKph[i - 1]!;
    const dtH = (series.tsMs[i]! - series.tsMs[i - 1]!) / 3_600_000;
    legKm[i - leg.start] = legKm[i - 1 - leg.start]! + (Number.isFinite(v) && dtH < 0.1 ? v * dtH : 0);
  }

  const predictions: Prediction[] = [];
  const legStartMs = series.tsMs[leg.start]!;
  let nextAt = t0;
  for (let i = leg.departFrom; i <= leg.end; i++) {
    const t = series.tsMs[i]!;
    // Judged at the unplug, at the first moving sample, often while the heading settles, then every `everyMs`.
    if (t < nextAt && i !== leg.start) continue;
    nextAt = t + (t - legStartMs < EARLY_FOR_MS ? EARLY_EVERY_MS : settings.everyMs);
    const here = positionAt(series, i, historyFrom);
    if (!here) continue;
    const drivenKm = i < leg.start ? 0 : legKm[i - leg.start]!;
    // Heading over the last few km (from the start of the leg while it is shorter than that).
    let heading: number | null = null;
    if (i > leg.start) {
      let j = i;
      while (j > leg.start && drivenKm - legKm[j - leg.start]! < HEADING_BASE_KM) j--;
      const back = positionAt(series, j, Math.max(historyFrom, j - 8));
      if (back && haversineKm(back.lat, back.lon, here.lat, here.lon) > MIN_HEADING_DISPLACEMENT_KM) {
        heading = bearingDeg(back.lat, back.lon, here.lat, here.lon);
      }
    }
    // Unplugged at home or at work, before the car moves: its day may well end back at this charger,
    // so only a journey is judged against the next charger before there is a heading.
    if (heading === null && !enRoute && left !== null && left.km <= 1) continue;
    // Before the leg has a heading, a journey does not go back the way it came: the chargers behind
    // the direction of the last few km into the stop are not its next one.
    const onward = heading === null && enRoute && arrivalHeading !== null ? usable.filter((c) => !behindOf(here, c, arrivalHeading!)) : usable;
    let target = nextChargerTarget(onward, here, heading, departure, { enRoute });
    if (!target) continue;
    const socPct = robustValueAt(series.socPct, i, 5, historyFrom);
    if (!Number.isFinite(socPct)) continue;
    const rangeKm = robustValueAt(series.rangeKm, i, 5, historyFrom);
    const movingH = (t - legStartMs) / 3_600_000;
    const speedKph =
      drivenKm >= 3 && movingH > 0 ? drivenKm / movingH : Number.isFinite(journeySpeedKph) ? journeySpeedKph : Number.isFinite(usualSpeedKph) ? usualSpeedKph : 60;
    const outsideTempC = robustValueAt(series.outsideTempC, i, 5, historyFrom);
    const conditions: DriveConditions = {
      avgSpeedKph: speedKph,
      outsideTempC,
      batteryTempC: robustValueAt(series.batteryTempC, i, 5, historyFrom),
      cabinSetpointC: robustValueAt(series.cabinSetpointC, i, 5, historyFrom),
    };
    const kwhPerKm = predictKwhPerKm(model, conditions);
    const capacityKnown = settings.batteryKwh ?? (Number.isFinite(measuredKwh) ? measuredKwh : undefined);
    const basis = pctPerModelKwh(model, history, t, socPct, rangeKm, capacityKnown, conditions);
    if (!basis) continue;
    const pctPerKm = kwhPerKm * basis.k;
    // A charger ahead that even a full battery would not reach with the reserve left is not where a
    // journey goes next: a charger in between is missing from the list, or the destination is nearer.
    if (enRoute && pctPerKm * target.roadKm > 100 - settings.reservePct) {
      // (Before a heading, the day-out rule judges nothing at the charger just left.)
      if (heading === null) continue;
      target = nextChargerTarget(usable, here, heading, departure, { enRoute: false });
      if (!target) continue;
    }
    const predict = (to: ChargerTarget): Prediction => {
      const need = pctPerKm * to.roadKm;
      return {
        atMs: t, socPct, rangeKm, target: to, speedKph, outsideTempC, kwhPerKm, pctPerKm, basis: basis.basis,
        expectedPct: socPct - need,
        optimisticPct: socPct - need * model.band.lowRatio,
        pessimisticPct: socPct - need * model.band.highRatio,
        lat: here.lat,
        lon: here.lon,
        capacityKwh: settings.batteryKwh ?? (Number.isFinite(measuredKwh) ? measuredKwh : 100 / basis.k),
        capacityBasis: settings.batteryKwh !== undefined ? 'device facts' : Number.isFinite(measuredKwh) ? 'power integrated over its drives' : 'implied by its SoC per kWh',
        headingDeg: heading,
        enRoute,
      };
    };
    let judged = predict(target);
    // On a day out (not a journey) the driver can still turn back: a charger ahead out of reach
    // is no shortfall while a usable charger in another direction (home, the one it left, a place
    // it charged at) is reachable with the reserve. The warning then comes at the point of no return.
    if (!enRoute && short(judged, settings.reservePct)) {
      const back = nearestCharger(turnBackTo, here.lat, here.lon);
      if (back && back.charger.chargerId !== target.charger.chargerId) {
        const turnBack = predict({ charger: back.charger, roadKm: back.km * ROAD_FACTOR, how: 'nearest' });
        if (!short(turnBack, settings.reservePct)) judged = turnBack;
      }
    }
    predictions.push(judged);
    // Leaving a charging stop, the driver took what the display says the next stop needs: when the
    // physics at today's temperature and speed cannot deliver that, the plan fails from the start.
    // The stop is inferred, not known, so the physics must be fairly sure: short even at the
    // optimistic quartile of the model's calibrated ratio (over a leg of many km the spread of
    // single windows, the p05…p95 band, averages down towards the quartiles).
    if (enRoute && heading !== null && t - legStartMs < EARLY_FOR_MS) {
      const planned = plannedChargerAhead(usable, here, heading, departure, rangeKm);
      if (planned && planned.roadKm > target.roadKm && pctPerKm * planned.roadKm <= 100 - settings.reservePct) {
        const p = predict(planned);
        if (socPct - (socPct - p.expectedPct) * optimisticQuartile < settings.reservePct) predictions.push(p);
      }
    }
  }
  return shortfallEvent(predictions, leg, series, deviceId, settings);
}

/** Short by the model, or by the car's own displayed range (which the model may not know is optimistic). */
function short(p: Prediction, reservePct: number): boolean {
  return p.expectedPct < reservePct || p.rangeKm < p.target.roadKm;
}

/** The margin in energy: what is on board against what the road to the charger needs, with the model's band. */
function marginEvidence(p: Prediction, reserve: number): EvidenceItem[] {
  const kwh = (pct: number) => round((pct / 100) * p.capacityKwh, 1);
  const needPct = p.socPct - p.expectedPct;
  return [
    { signal: 'energy_on_board_kwh', value: kwh(p.socPct), atMs: p.atMs, note: `${round(p.socPct)} % of ${round(p.capacityKwh)} kWh (capacity from ${p.capacityBasis})` },
    {
      signal: 'energy_needed_kwh',
      value: kwh(needPct),
      atMs: p.atMs,
      note: `${round(p.target.roadKm)} km to ${p.target.charger.name} at ${round(p.speedKph)} km/h and ${round(p.outsideTempC)} °C; band ${kwh(p.socPct - p.optimisticPct)}…${kwh(p.socPct - p.pessimisticPct)} kWh`,
    },
    {
      signal: 'arrival_margin_kwh',
      value: kwh(p.expectedPct - reserve),
      threshold: 0,
      atMs: p.atMs,
      note: `above the ${reserve} % reserve; band ${kwh(p.pessimisticPct - reserve)}…${kwh(p.optimisticPct - reserve)} kWh; ${p.headingDeg === null ? 'no heading yet' : `heading ${Math.round(p.headingDeg)}°`}${p.enRoute ? ', on a journey (left a fast charger)' : ''}`,
    },
  ];
}

function shortfallEvent(predictions: Prediction[], leg: Leg, series: TelemetrySeries, deviceId: string, settings: PredictionSettings): DetectedEvent | null {
  const reserve = settings.reservePct;
  const isShort = (p: Prediction) => short(p, reserve);
  const warnings = predictions.filter(isShort);
  const first = warnings[0];
  if (!first) return null;
  let severity: Severity = 'warning';
  const updates: EvidenceItem[] = [];
  let worst = first;
  for (const p of warnings) {
    if (p.optimisticPct < 0) severity = 'critical';
    if (p === first || p.expectedPct < worst.expectedPct - 0.5) {
      // Updates are kept when the margin shrinks: each new minimum, with its time.
      if (p.expectedPct < worst.expectedPct) worst = p;
      if (updates.length < 40) {
        updates.push({
          signal: 'predicted_arrival_soc_pct',
          value: round(p.expectedPct),
          threshold: reserve,
          atMs: p.atMs,
          note: `SoC ${round(p.socPct)} %, ${round(p.target.roadKm)} km to ${p.target.charger.name}, ${round(p.pctPerKm, 2)} %/km at ${round(p.speedKph)} km/h, ${round(p.outsideTempC)} °C; band ${round(p.pessimisticPct)}…${round(p.optimisticPct)} %`,
        });
      }
    }
  }
  const last = warnings.at(-1)!;
  const evidence: EvidenceItem[] = [
    { signal: 'soc_pct', value: round(first.socPct), atMs: first.atMs },
    { signal: 'range_km', value: Number.isFinite(first.rangeKm) ? round(first.rangeKm) : null, threshold: round(first.target.roadKm), atMs: first.atMs, note: 'displayed range vs road distance to the charger' },
    { signal: 'distance_to_charger_km', value: round(first.target.roadKm), atMs: first.atMs, note: `${first.target.charger.name} (${first.target.charger.chargerId}), ${first.target.how.replace('_', ' ')}, great circle × 1.25` },
    { signal: 'predicted_kwh_per_km', value: round(first.kwhPerKm, 3), atMs: first.atMs, note: `at ${round(first.speedKph)} km/h; SoC per kWh from ${first.basis}` },
    { signal: 'outside_temp_c', value: Number.isFinite(first.outsideTempC) ? round(first.outsideTempC) : null, atMs: first.atMs },
    { signal: 'model_band_soc_pct', value: `${round(first.pessimisticPct)}…${round(first.optimisticPct)}`, atMs: first.atMs, note: 'arrival SoC at the pessimistic and optimistic ends of the model band' },
    ...marginEvidence(first, reserve),
    ...updates,
  ];
  if (last !== worst && updates.length < 41) evidence.push({ signal: 'predicted_arrival_soc_pct', value: round(last.expectedPct), threshold: reserve, atMs: last.atMs, note: 'latest prediction' });
  const shortPts = round(reserve - worst.expectedPct);
  return {
    eventId: eventId(deviceId, 'charge_shortfall', 'predicted_shortfall', first.atMs),
    deviceId,
    kind: 'charge_shortfall',
    subkind: 'predicted_shortfall',
    severity,
    detector: settings.detector,
    startMs: first.atMs,
    endMs: leg.ended ? series.tsMs[leg.end]! : null,
    lat: first.lat,
    lon: first.lon,
    summary: `${worst.expectedPct < reserve ? `Predicted to reach ${worst.target.charger.name} (${round(worst.target.roadKm)} km) with ${round(worst.expectedPct)} % SoC, under the ${reserve} % reserve` : `${worst.target.charger.name} is ${round(worst.target.roadKm)} km by road but the car shows ${round(worst.rangeKm)} km of range`} (SoC ${round(worst.socPct)} %, ${round(worst.outsideTempC)} °C)${severity === 'critical' ? '; out of reach even at the optimistic end of the model' : ''}`,
    score: shortPts,
    evidence,
  };
}
