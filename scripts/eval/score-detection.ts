import type { Detector } from '../../src/domain/detect/detector.ts';
import type { Charger } from '../../src/domain/chargers/charger.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import type { LegLabel, MomentLabel } from '../../src/simulate/moment-label.ts';

/** An event counts for a labelled moment when it starts within the moment, give or take this. */
export const MATCH_SLACK_MS = 2 * 60_000;
/** A predictive warning belongs to a leg when it starts between this long before departure and the leg's end. */
export const LEG_WARN_BEFORE_DEPART_MS = 10 * 60_000;

export const median = (xs: readonly number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Seconds with the car moving (speed > 0), gaps counted up to a minute. */
export function drivingHours(s: TelemetrySeries): number {
  let ms = 0;
  for (let i = 1; i < s.length; i++) if (s.speedKph[i - 1]! > 0) ms += Math.min(60_000, s.tsMs[i]! - s.tsMs[i - 1]!);
  return ms / 3_600_000;
}

export const matches = (e: DetectedEvent, l: MomentLabel) =>
  e.deviceId === l.deviceId && e.startMs >= l.startMs - MATCH_SLACK_MS && e.startMs <= l.endMs + MATCH_SLACK_MS;

/** A view of rows [from, to) without copying the numeric columns. */
export function sliceSeries(s: TelemetrySeries, from: number, to: number): TelemetrySeries {
  return {
    length: to - from,
    tsMs: s.tsMs.subarray(from, to), speedKph: s.speedKph.subarray(from, to), socPct: s.socPct.subarray(from, to),
    rangeKm: s.rangeKm.subarray(from, to), batteryTempC: s.batteryTempC.subarray(from, to), outsideTempC: s.outsideTempC.subarray(from, to),
    cabinSetpointC: s.cabinSetpointC.subarray(from, to), lat: s.lat.subarray(from, to), lon: s.lon.subarray(from, to),
    altM: s.altM.subarray(from, to), odometerKm: s.odometerKm.subarray(from, to), powerKw: s.powerKw.subarray(from, to),
    state: s.state.slice(from, to), errorCodes: s.errorCodes.slice(from, to),
  };
}

export function indexAtOrAfter(s: TelemetrySeries, tMs: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s.tsMs[mid]! < tMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * When live detection would first have reported `event`: the shortest prefix of the series that
 * yields an event with the same id (binary search over prefixes, 5 s resolution), as epoch ms.
 */
export async function firstSeenMs(detector: Detector, s: TelemetrySeries, event: DetectedEvent, chargers: readonly Charger[], horizonMs = 6 * 3_600_000): Promise<number | null> {
  const from = indexAtOrAfter(s, event.startMs - detector.lookbackMs);
  const found = async (endIndex: number) =>
    (await detector.detect(sliceSeries(s, from, endIndex), { deviceId: event.deviceId, chargers, fromMs: event.startMs })).some((e) => e.eventId === event.eventId);
  let lo = indexAtOrAfter(s, event.startMs);
  let hi = Math.min(s.length, indexAtOrAfter(s, event.startMs + horizonMs));
  if (!(await found(hi))) return null;
  while (hi - lo > 1 && s.tsMs[hi - 1]! - s.tsMs[lo]! > 5_000) {
    const mid = (lo + hi) >>> 1;
    if (await found(mid)) hi = mid;
    else lo = mid;
  }
  return s.tsMs[hi - 1]!;
}

export interface KindScore {
  labels: number;
  found: number;
  recall: number | null;
  events: number;
  truePositives: number;
  precision: number | null;
  falseAlarms: number;
  falseAlarmsPer1000DrivingHours: number;
  medianDetectionDelayS: number | null;
  lookalikesTriggered: number;
}

/**
 * Moment-level scores for one kind. Recall: labelled moments with an event of that kind (any
 * subkind) starting inside them. Precision and false alarms: events of that kind (predictive
 * warnings excluded — they are scored on legs) that start inside a moment of that kind.
 */
export function scoreKind(kind: 'breakdown' | 'charge_shortfall', labels: readonly MomentLabel[], events: readonly DetectedEvent[], hours: number, delaysS: readonly number[]): KindScore {
  const own = labels.filter((l) => l.kind === kind);
  const ofKind = events.filter((e) => e.kind === kind);
  const judged = ofKind.filter((e) => e.subkind !== 'predicted_shortfall');
  const found = own.filter((l) => ofKind.some((e) => matches(e, l))).length;
  const tp = judged.filter((e) => own.some((l) => matches(e, l))).length;
  const lookalikes = labels.filter((l) => l.kind === 'lookalike');
  return {
    labels: own.length,
    found,
    recall: own.length ? found / own.length : null,
    events: judged.length,
    truePositives: tp,
    precision: judged.length ? tp / judged.length : null,
    falseAlarms: judged.length - tp,
    falseAlarmsPer1000DrivingHours: ((judged.length - tp) / hours) * 1000,
    medianDetectionDelayS: median(delaysS),
    lookalikesTriggered: lookalikes.filter((l) => judged.some((e) => matches(e, l))).length,
  };
}

export interface PredictiveScore {
  strandedLegs: number;
  strandedWarned10Min: number;
  shareStrandedWarned10Min: number | null;
  medianLeadTimeMin: number | null;
  arrivingLegs: number;
  arrivingWarned: number;
  shareArrivingWarned: number | null;
}

/** Predictive shortfall on legs: warned ≥ 10 min before a stranding; warned at all on a leg that arrives. */
export function scorePredictive(legs: readonly LegLabel[], events: readonly DetectedEvent[]): PredictiveScore {
  const warnings = events.filter((e) => e.subkind === 'predicted_shortfall');
  const firstWarning = (leg: LegLabel, endMs: number) =>
    warnings.filter((w) => w.deviceId === leg.deviceId && w.startMs >= leg.departMs - LEG_WARN_BEFORE_DEPART_MS && w.startMs <= endMs).reduce((m, w) => Math.min(m, w.startMs), Infinity);
  const stranded = legs.filter((l) => l.strandedMs !== null);
  const leads = stranded.map((l) => l.strandedMs! - firstWarning(l, l.strandedMs!)).filter((d) => Number.isFinite(d));
  const warned10 = leads.filter((d) => d >= 10 * 60_000).length;
  const arriving = legs.filter((l) => l.arriveMs !== null);
  const arrivingWarned = arriving.filter((l) => Number.isFinite(firstWarning(l, l.arriveMs!))).length;
  return {
    strandedLegs: stranded.length,
    strandedWarned10Min: warned10,
    shareStrandedWarned10Min: stranded.length ? warned10 / stranded.length : null,
    medianLeadTimeMin: leads.length ? median(leads)! / 60_000 : null,
    arrivingLegs: arriving.length,
    arrivingWarned,
    shareArrivingWarned: arriving.length ? arrivingWarned / arriving.length : null,
  };
}
