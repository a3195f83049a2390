import type { DetectContext, Detector } from '../../src/domain/detect/detector.ts';
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

/** What a detector may be told besides the series (`nowMs`, `device` arrive with the issue-10/11 interface). */
export type EvalContextExtras = { windowEndMs: number; device?: Record<string, unknown> };

/** The detection context for a series that ends at row `endIndex` (exclusive): "now" is just before the next row arrives. */
export function contextAt(s: TelemetrySeries, endIndex: number, base: { deviceId: string; chargers: readonly Charger[]; fromMs: number }, extras: EvalContextExtras, nowMs?: number): DetectContext {
  const now = nowMs ?? (endIndex < s.length ? s.tsMs[endIndex]! - 1 : extras.windowEndMs);
  return { ...base, nowMs: now, ...(extras.device ? { device: extras.device } : {}) } as DetectContext;
}

/**
 * When live detection would first have reported `event`: the shortest prefix of the series that
 * yields the same event (binary search over prefixes, 5 s resolution), as epoch ms. "Now" for a
 * prefix is just before its next row, so a silence-based event is found once the gap is long
 * enough; it is then seen when the detector would wake for it (`wakeAtMs`), or at the next row.
 */
export async function firstSeenMs(detector: Detector, s: TelemetrySeries, event: DetectedEvent, chargers: readonly Charger[], extras: EvalContextExtras, horizonMs = 6 * 3_600_000): Promise<number | null> {
  const from = indexAtOrAfter(s, event.startMs - detector.lookbackMs);
  const base = { deviceId: event.deviceId, chargers, fromMs: event.startMs };
  const same = (e: DetectedEvent) => e.eventId === event.eventId || (e.kind === event.kind && Math.abs(e.startMs - event.startMs) <= 60_000);
  const found = async (endIndex: number, nowMs?: number) => (await detector.detect(sliceSeries(s, from, endIndex), contextAt(s, endIndex, base, extras, nowMs))).some(same);
  let lo = indexAtOrAfter(s, event.startMs);
  let hi = Math.min(s.length, indexAtOrAfter(s, event.startMs + horizonMs));
  if (!(await found(hi))) return null;
  while (hi - lo > 1 && s.tsMs[hi - 1]! - s.tsMs[lo]! > 5_000) {
    const mid = (lo + hi) >>> 1;
    if (await found(mid)) hi = mid;
    else lo = mid;
  }
  const lastMs = s.tsMs[hi - 1]!;
  if (await found(hi, lastMs)) return lastMs;
  const wake = (detector as { wakeAtMs?: (series: TelemetrySeries, ctx: DetectContext) => number | undefined }).wakeAtMs?.(sliceSeries(s, from, hi), contextAt(s, hi, base, extras, lastMs));
  return wake ?? (hi < s.length ? s.tsMs[hi]! : extras.windowEndMs);
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

/** Recall of labelled moments of `kind`, split by a key (subkind or each shape tag). */
export function recallBy(labels: readonly MomentLabel[], events: readonly DetectedEvent[], kind: string, keysOf: (l: MomentLabel) => readonly string[]): Record<string, { labels: number; found: number }> {
  const out: Record<string, { labels: number; found: number }> = {};
  const ofKind = events.filter((e) => e.kind === kind && e.subkind !== 'predicted_shortfall');
  for (const l of labels.filter((x) => x.kind === kind)) {
    const hit = ofKind.some((e) => matches(e, l));
    for (const k of keysOf(l)) {
      out[k] ??= { labels: 0, found: 0 };
      out[k].labels++;
      if (hit) out[k].found++;
    }
  }
  return out;
}

/** A labelled moment in which the car ran out of energy away from a charger. */
export const isStranding = (l: MomentLabel): boolean => l.kind === 'charge_shortfall' && l.shapes.includes('limp_cutoff');

/**
 * Strandings that happened inside the data: a leg of the device strands within the moment. A
 * cold soak's label starts when the car parks for the night, so one whose morning drive (and its
 * stranding) falls after the window's end is clipped there and carries the shape of a stranding
 * no detector could see; the simulator keeps only legs whose outcome is inside the window.
 */
export function strandingsInData(labels: readonly MomentLabel[], legs: readonly LegLabel[]): MomentLabel[] {
  return labels.filter((l) => isStranding(l) && legs.some((g) => g.deviceId === l.deviceId && g.strandedMs !== null && g.strandedMs >= l.startMs && g.strandedMs <= l.endMs));
}

export interface Confusion {
  /** truth → what the detectors said inside the moment. */
  breakdown: { breakdown: number; stranded: number; both: number; neither: number };
  stranding: { breakdown: number; stranded: number; both: number; neither: number };
}

/** Breakdowns and strandings against breakdown and `stranded` events inside them. */
export function breakdownStrandingConfusion(labels: readonly MomentLabel[], events: readonly DetectedEvent[], legs: readonly LegLabel[]): Confusion {
  const cell = () => ({ breakdown: 0, stranded: 0, both: 0, neither: 0 });
  const out: Confusion = { breakdown: cell(), stranding: cell() };
  const bd = events.filter((e) => e.kind === 'breakdown');
  const st = events.filter((e) => e.kind === 'charge_shortfall' && e.subkind === 'stranded');
  const strandings = new Set(strandingsInData(labels, legs));
  for (const l of labels) {
    const row = l.kind === 'breakdown' ? out.breakdown : strandings.has(l) ? out.stranding : null;
    if (!row) continue;
    const b = bd.some((e) => matches(e, l));
    const s = st.some((e) => matches(e, l));
    row[b && s ? 'both' : b ? 'breakdown' : s ? 'stranded' : 'neither']++;
  }
  return out;
}

export interface DepartureScore {
  departureShortLegs: number;
  warned10MinAhead: number;
  shareWarned10MinAhead: number | null;
  warnedWithin5MinOfDeparture: number;
  shareWarnedWithin5MinOfDeparture: number | null;
  medianFirstWarningAfterDepartureMin: number | null;
  normalLegs: number;
  normalLegsWarned: number;
  shareNormalLegsWarned: number | null;
}

/**
 * Warnings on legs. Departure-short legs (left a charger with less than the leg needs): warned
 * ≥ 10 min before the stranding (or the arrival), and warned at the unplug — from 10 min before
 * departure to 5 min after it. Normal legs (arrived at or above the reserve, not departure-short,
 * inside no labelled shortfall): warned at all. A warning is a `predicted_shortfall` event; its
 * start is when it was raised.
 */
export function scoreDepartures(legs: readonly LegLabel[], labels: readonly MomentLabel[], events: readonly DetectedEvent[]): DepartureScore {
  const warnings = events.filter((e) => e.subkind === 'predicted_shortfall');
  const firstWarning = (leg: LegLabel, endMs: number) =>
    warnings.filter((w) => w.deviceId === leg.deviceId && w.startMs >= leg.departMs - LEG_WARN_BEFORE_DEPART_MS && w.startMs <= endMs).reduce((m, w) => Math.min(m, w.startMs), Infinity);
  const short = legs.filter((l) => l.departureShort);
  let warned10 = 0;
  let atDeparture = 0;
  const after: number[] = [];
  for (const leg of short) {
    const endMs = leg.strandedMs ?? leg.arriveMs ?? leg.departMs;
    const w = firstWarning(leg, endMs);
    if (!Number.isFinite(w)) continue;
    if (endMs - w >= 10 * 60_000) warned10++;
    if (w <= leg.departMs + 5 * 60_000) atDeparture++;
    after.push((w - leg.departMs) / 60_000);
  }
  const shortfalls = labels.filter((l) => l.kind === 'charge_shortfall');
  const normal = legs.filter(
    (l) => l.arriveMs !== null && (l.arriveSocPct ?? 0) >= RESERVE_PCT && !l.departureShort && !shortfalls.some((s) => s.deviceId === l.deviceId && s.startMs <= l.arriveMs! && s.endMs >= l.departMs),
  );
  const normalWarned = normal.filter((l) => Number.isFinite(firstWarning(l, l.arriveMs!))).length;
  return {
    departureShortLegs: short.length,
    warned10MinAhead: warned10,
    shareWarned10MinAhead: short.length ? warned10 / short.length : null,
    warnedWithin5MinOfDeparture: atDeparture,
    shareWarnedWithin5MinOfDeparture: short.length ? atDeparture / short.length : null,
    medianFirstWarningAfterDepartureMin: median(after),
    normalLegs: normal.length,
    normalLegsWarned: normalWarned,
    shareNormalLegsWarned: normal.length ? normalWarned / normal.length : null,
  };
}

const RESERVE_PCT = 5;

/** Events that flag abnormal pack heating, whatever detector raises them. */
export const isThermalFlag = (e: DetectedEvent): boolean =>
  (e.kind === 'breakdown' && e.subkind.includes('thermal')) ||
  (e.kind === 'anomaly' && (e.subkind.startsWith('battery_temp') || e.subkind === 'pack_heating')) ||
  e.kind.includes('thermal') ||
  e.subkind.includes('thermal');

/** Anomaly events inside no labelled breakdown or shortfall (look-alikes count as outside). */
export function anomaliesOutsideMoments(labels: readonly MomentLabel[], events: readonly DetectedEvent[]): Record<string, number> {
  const moments = labels.filter((l) => l.kind !== 'lookalike');
  const out: Record<string, number> = {};
  for (const e of events) {
    if (e.kind !== 'anomaly' || moments.some((l) => matches(e, l))) continue;
    out[e.subkind] = (out[e.subkind] ?? 0) + 1;
  }
  return out;
}
