import type { Charger } from '../chargers/charger.ts';
import type { EnergyModel } from '../energy/energy-model.ts';
import type { DetectedEvent, EvidenceItem } from '../events/detected-event.ts';
import { eventId } from '../events/event-id.ts';
import { segmentPeriods } from '../segmentation/segment-periods.ts';
import type { Period } from '../segmentation/period-stats.ts';
import type { TelemetrySeries } from '../telemetry-series.ts';
import type { DeviceFacts } from '../devices/device-facts.ts';
import { GENERIC_DEFAULTS, withModelDefaults } from '../devices/model-defaults.ts';
import type { DetectContext, Detector } from './detector.ts';
import { energyExhaustedAt } from './shortfall-exhaustion.ts';
import { mergeStands } from './shortfall-stands.ts';
import { predictLegShortfall, type Leg } from './shortfall-prediction.ts';
import { ROAD_FACTOR, indexAtOrAfter, nearestCharger, positionAt, positionFrom, robustValueAt, robustValueFrom } from './shortfall-signals.ts';

export interface ChargeShortfallOptions {
  energyModel: EnergyModel;
  /** SoC below which an arrival is too close for comfort, % (a device's registered reserve wins). */
  reservePct?: number;
  /** Usable capacity per device when known (kWh); otherwise learnt from the device's own driving. */
  batteryKwh?: (deviceId: string) => number | undefined;
}

export const CHARGE_SHORTFALL_DETECTOR = 'charge-shortfall@1';

const HOUR_MS = 3_600_000;
/** A car standing this close to a charger is at it. */
const AT_CHARGER_KM = 1;
/**
 * …but one that ran out and is not charged within CHARGE_AFTER_MS stopped short of it unless it is
 * in the charger's car park: a few hundred metres covers the bays, the listing's and the GPS's error.
 */
const AT_CHARGER_EMPTY_KM = 0.3;
/** A later drive this long without a charge in between shows the car was not out of energy after all. */
const DROVE_ON_KM = 1;
/** How far past a stop to look for the car driving on by itself (a tow and a charge come sooner). */
const DROVE_ON_WITHIN_MS = 12 * HOUR_MS;
/** A charge starting this soon after a drive ends is where the drive was going. */
const CHARGE_AFTER_MS = 15 * 60_000;
/** A charge ending this soon before a drive is where the leg starts (the unplug). */
const UNPLUG_BEFORE_DRIVE_MS = 30 * 60_000;
/** A car that stands at least this long after running out has stopped for good. */
const STRANDED_CONFIRM_MS = 2 * 60_000;
/** Cold soak: a long enough park in cold enough air, losing more than self-discharge explains. */
const COLD_SOAK_MIN_MS = 3 * HOUR_MS;
const COLD_SOAK_MAX_OUTSIDE_C = 5;
const SELF_DISCHARGE_PCT_PER_DAY = 0.2;
const SOC_NOISE_PCT = 0.5;

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * Charge shortfall: the battery will not, or did not, reach the next charger.
 *   segment the series into drives, charges and parks (quiet gaps joined into the parks around them) →
 *   per drive (a leg): predict arrival SoC at the next charger as the leg goes (predicted_shortfall) →
 *   per drive end: stranded away from a charger, or arrived at one below the reserve →
 *   per cold park: SoC or displayed range lost beyond self-discharge (cold_soak) →
 *   keep events starting at or after ctx.fromMs.
 */
export function createChargeShortfallDetector(options: ChargeShortfallOptions): Detector {
  const defaultReservePct = options.reservePct ?? GENERIC_DEFAULTS.reserveSocPct;
  if (!(defaultReservePct >= 0 && defaultReservePct < 100)) throw new RangeError(`reservePct must be in [0, 100) (got ${defaultReservePct})`);
  const historyMs = 72 * HOUR_MS;
  return {
    name: CHARGE_SHORTFALL_DETECTOR,
    // History to calibrate a leg, plus the longest leg worth following.
    lookbackMs: historyMs + 24 * HOUR_MS,
    async detect(series: TelemetrySeries, ctx: DetectContext): Promise<DetectedEvent[]> {
      if (series.length < 2) return [];
      const periods = mergeStands(segmentPeriods(series));
      const events: DetectedEvent[] = [];
      // Registered facts first, then the model's published figures, then the options' defaults.
      const device = withModelDefaults(ctx.device);
      const reservePct = device.reserveSocPct ?? defaultReservePct;
      const batteryKwh = device.batteryKwh ?? options.batteryKwh?.(ctx.deviceId);
      const settings = { detector: CHARGE_SHORTFALL_DETECTOR, reservePct, everyMs: 60_000, historyMs, batteryKwh };
      for (let k = 0; k < periods.length; k++) {
        const p = periods[k]!;
        if (p.kind === 'drive') {
          const leg = legOf(series, periods, k);
          const predicted = predictLegShortfall(series, leg, ctx.chargers, ctx.deviceId, options.energyModel, settings);
          if (predicted) events.push(predicted);
          const ending = driveEnding(series, periods, k, ctx.chargers, reservePct, ctx.deviceId, device);
          if (ending) events.push(ending);
        } else if (p.kind === 'park') {
          const soak = coldSoak(series, p, periods[k + 1], ctx.chargers, ctx.deviceId);
          if (soak) events.push(soak);
        }
      }
      return events.filter((e) => e.startMs >= ctx.fromMs).sort((a, b) => a.startMs - b.startMs || a.subkind.localeCompare(b.subkind));
    },
  };
}

function legOf(series: TelemetrySeries, periods: readonly Period[], k: number): Leg {
  const p = periods[k]!;
  const start = indexAtOrAfter(series, p.startMs);
  const endIdx = indexAtOrAfter(series, p.endMs);
  const end = Math.min(series.length - 1, endIdx);
  // Unplugged shortly before driving off: the leg is judged from the unplug on (a warning before the car moves).
  let departFrom = start;
  for (let j = k - 1; j >= 0 && p.startMs - periods[j]!.endMs <= UNPLUG_BEFORE_DRIVE_MS; j--) {
    const q = periods[j]!;
    if (q.kind === 'charge') {
      departFrom = Math.min(start, indexAtOrAfter(series, q.endMs));
      break;
    }
    if (q.kind !== 'park') break;
  }
  return { start, end, ended: k + 1 < periods.length, departFrom };
}

/** How a drive ended: stranded (ran out away from a charger) or arrived at a charger below the reserve. */
function driveEnding(series: TelemetrySeries, periods: readonly Period[], k: number, chargers: readonly Charger[], reservePct: number, deviceId: string, device: DeviceFacts): DetectedEvent | null {
  const drive = periods[k]!;
  const next = periods[k + 1];
  const stopMs = drive.endMs;
  const stop = Math.min(series.length - 1, indexAtOrAfter(series, stopMs));
  // The SoC at the stop from the samples on both sides of it: a single glitched reading cannot decide.
  const lastDrive = Math.max(indexAtOrAfter(series, drive.startMs), stop - 1);
  const around = [robustValueAt(series.socPct, lastDrive, 5), robustValueFrom(series.socPct, stop, series.length - 1, 5)].filter(Number.isFinite);
  if (around.length === 0) return null;
  const socPct = Math.max(...around);
  const rangeKm = robustValueFrom(series.rangeKm, stop, series.length - 1, 5);
  const here = positionAt(series, stop) ?? positionFrom(series, stop, series.length - 1);
  const near = here ? nearestCharger(chargers, here.lat, here.lon) : null;
  const atCharger = near !== null && near.km <= AT_CHARGER_KM;
  const chargeFollows = next?.kind === 'charge' || (next?.kind === 'park' && periods[k + 2]?.kind === 'charge' && periods[k + 2]!.startMs - stopMs <= CHARGE_AFTER_MS);
  const base = { deviceId, kind: 'charge_shortfall' as const, detector: CHARGE_SHORTFALL_DETECTOR, lat: here?.lat ?? null, lon: here?.lon ?? null };
  const evidence: EvidenceItem[] = [
    { signal: 'soc_pct', value: round(socPct), threshold: reservePct, atMs: stopMs, note: 'median of the samples either side of the stop' },
    { signal: 'range_km', value: Number.isFinite(rangeKm) ? round(rangeKm) : null, atMs: stopMs },
    { signal: 'nearest_charger_km', value: near ? round(near.km, 2) : null, threshold: AT_CHARGER_KM, note: near ? near.charger.name : 'no chargers known' },
  ];
  const empty = energyExhaustedAt(series, stop, device);
  if (empty.exhausted && !(near !== null && near.km <= AT_CHARGER_EMPTY_KM) && !chargeFollows) {
    // Stopped for good: it stands after running out (or the data ends there, the 12 V gone with it).
    const standsMs = (next ? next.endMs : series.tsMs[series.length - 1]!) - stopMs;
    const lastSpeed = series.speedKph[series.length - 1]!;
    if (next === undefined && lastSpeed > 2) return null;
    if (next !== undefined && next.kind === 'drive') return null;
    if (next !== undefined && standsMs < STRANDED_CONFIRM_MS && k + 2 < periods.length) return null;
    if (droveOnByItself(periods, k, socPct)) return null;
    evidence.push(
      { signal: 'cutoff_soc_pct', value: round(empty.limitPct), threshold: empty.cutoffSocPct, atMs: stopMs, note: `empty at or below the cut-off (${empty.basis === 'device' ? 'device facts' : 'default for a car of unknown cut-off'}) plus one gauge step` },
      limpEvidence(series, indexAtOrAfter(series, drive.startMs), stop),
    );
    return {
      ...base,
      eventId: eventId(deviceId, 'charge_shortfall', 'stranded', stopMs),
      subkind: 'stranded',
      severity: 'critical',
      startMs: stopMs,
      endMs: next ? next.endMs : null,
      summary: `Ran out of charge and stopped with ${round(socPct)} % SoC (cut-off ${round(empty.cutoffSocPct)} %)${near ? `, ${round(near.km)} km from the nearest charger (${near.charger.name})` : ''}`,
      score: 1,
      evidence,
    };
  }
  const rangeGone = Number.isFinite(rangeKm) && rangeKm <= 0;
  if ((atCharger || chargeFollows) && (socPct < reservePct || rangeGone)) {
    return {
      ...base,
      eventId: eventId(deviceId, 'charge_shortfall', 'arrived_below_reserve', stopMs),
      subkind: 'arrived_below_reserve',
      severity: 'warning',
      startMs: stopMs,
      endMs: stopMs,
      summary: `Arrived ${atCharger ? `at ${near!.charger.name}` : 'at a charge'} with ${round(socPct)} % SoC${rangeGone ? ' and no displayed range' : ''}, under the ${reservePct} % reserve`,
      score: round(reservePct - socPct),
      evidence,
    };
  }
  return null;
}

/**
 * Did the car move on under its own power after the stop, before any charge? Then it was parked
 * low, not stranded (a tow is a park in the segmentation: the wheels report no speed).
 */
function droveOnByItself(periods: readonly Period[], k: number, stopSocPct: number): boolean {
  const stopMs = periods[k]!.endMs;
  for (let j = k + 1; j < periods.length && periods[j]!.startMs - stopMs <= DROVE_ON_WITHIN_MS; j++) {
    const p = periods[j]!;
    if (p.kind === 'charge') return false;
    // SoC that rose across a gap is a charge the data did not see.
    if (p.socStartPct !== null && p.socStartPct > stopSocPct + 2) return false;
    if (p.kind === 'drive' && (p.distanceKm ?? 0) >= DROVE_ON_KM && (p.energyUsedKwh === null || p.energyUsedKwh > 0)) return true;
  }
  return false;
}

/** Limp mode before a cut-off: the highest power of the last few minutes against the drive's earlier peak. */
function limpEvidence(series: TelemetrySeries, from: number, stop: number): EvidenceItem {
  const lastMs = series.tsMs[stop]! - 5 * 60_000;
  let early = Number.NEGATIVE_INFINITY;
  let late = Number.NEGATIVE_INFINITY;
  for (let i = from; i < stop; i++) {
    const p = series.powerKw[i]!;
    if (!Number.isFinite(p)) continue;
    if (series.tsMs[i]! < lastMs) early = Math.max(early, p);
    else late = Math.max(late, p);
  }
  const known = Number.isFinite(early) && Number.isFinite(late) && early > 0;
  return { signal: 'power_kw_last_5_min_peak', value: known ? round(late) : null, note: known ? `peak ${round(early)} kW earlier in the drive` : 'no power readings' };
}

/** SoC or displayed range lost while parked in the cold, beyond what self-discharge explains. */
function coldSoak(series: TelemetrySeries, park: Period, next: Period | undefined, chargers: readonly Charger[], deviceId: string): DetectedEvent | null {
  if (park.endMs - park.startMs < COLD_SOAK_MIN_MS) return null;
  const from = indexAtOrAfter(series, park.startMs);
  const to = Math.min(series.length - 1, indexAtOrAfter(series, park.endMs) - 1);
  if (to - from < 4) return null;
  let outside = 0;
  let coldest = Number.POSITIVE_INFINITY;
  let n = 0;
  for (let i = from; i <= to; i++) {
    const c = series.outsideTempC[i]!;
    if (Number.isFinite(c)) (outside += c), n++, (coldest = Math.min(coldest, c));
  }
  // Cold on average, or a frost at night even if the afternoon was mild.
  if (n === 0 || (outside / n > COLD_SOAK_MAX_OUTSIDE_C && coldest > 0)) return null;
  const socStart = robustValueFrom(series.socPct, from, to);
  const socEnd = robustValueAt(series.socPct, to, 5, from);
  const rangeStart = robustValueFrom(series.rangeKm, from, to);
  const rangeEnd = robustValueAt(series.rangeKm, to, 5, from);
  const days = (park.endMs - park.startMs) / (24 * HOUR_MS);
  const socLoss = socStart - socEnd - SELF_DISCHARGE_PCT_PER_DAY * days - SOC_NOISE_PCT;
  // Range the SoC still left should give, at the start's km per %; what is missing beyond that is the cold.
  const rangeLoss = socStart > 0 ? rangeStart * (socEnd / socStart) - rangeEnd : Number.NaN;
  const rangeLossFrac = rangeLoss / rangeStart;
  const socHit = socLoss >= 2;
  const rangeHit = Number.isFinite(rangeLoss) && rangeLoss >= 8 && rangeLossFrac >= 0.1;
  if (!socHit && !rangeHit) return null;
  const here = positionAt(series, to, from);
  // Parked at a charger, the car can be plugged in: the cold costs time, not the trip.
  const near = here ? nearestCharger(chargers, here.lat, here.lon) : null;
  if (near && near.km <= AT_CHARGER_KM) return null;
  // A warning when what is left would not get the car to the nearest charger.
  const reachKm = near ? near.km * ROAD_FACTOR : Number.POSITIVE_INFINITY;
  const severity = socLoss >= 5 || rangeLossFrac >= 0.3 || (Number.isFinite(rangeEnd) && rangeEnd < reachKm) ? 'warning' : 'info';
  return {
    eventId: eventId(deviceId, 'charge_shortfall', 'cold_soak', park.startMs),
    deviceId,
    kind: 'charge_shortfall',
    subkind: 'cold_soak',
    severity,
    detector: CHARGE_SHORTFALL_DETECTOR,
    startMs: park.startMs,
    endMs: next ? park.endMs : null,
    lat: here?.lat ?? null,
    lon: here?.lon ?? null,
    summary: `Parked ${round(days * 24)} h at ${round(outside / n)} °C: SoC ${round(socStart)} → ${round(socEnd)} %${Number.isFinite(rangeLoss) ? `, displayed range ${round(rangeStart)} → ${round(rangeEnd)} km` : ''}, more than self-discharge explains`,
    score: round(Math.max(socLoss, Number.isFinite(rangeLossFrac) ? rangeLossFrac * 100 : 0)),
    evidence: [
      { signal: 'soc_loss_pct', value: round(socStart - socEnd), threshold: round(SELF_DISCHARGE_PCT_PER_DAY * days + SOC_NOISE_PCT + 2), note: 'beyond self-discharge plus reading noise' },
      { signal: 'range_loss_km', value: Number.isFinite(rangeLoss) ? round(rangeLoss) : null, threshold: 8, note: 'displayed range lost beyond what the SoC lost' },
      { signal: 'outside_temp_c', value: round(outside / n), threshold: COLD_SOAK_MAX_OUTSIDE_C, note: `mean while parked; coldest ${round(coldest)} °C` },
      { signal: 'park_hours', value: round(days * 24) },
      { signal: 'nearest_charger_km', value: near ? round(near.km, 1) : null, note: near ? `${near.charger.name}; displayed range left ${round(rangeEnd)} km` : 'no chargers known' },
    ],
  };
}
