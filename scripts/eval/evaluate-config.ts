/**
 * One simulator configuration through the detectors, scored. Phases: simulate device by device →
 * batch detection in-process on each whole series (told "now" = the window's end, and the
 * device's facts when it is registered) → moments, shapes, confusion, warnings on legs, thermal
 * lead times (by replaying prefixes), anomalies outside moments → a ConfigReport.
 */
import type { Charger } from '../../src/domain/chargers/charger.ts';
import type { Detector } from '../../src/domain/detect/detector.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import type { LegLabel, MomentLabel } from '../../src/simulate/moment-label.ts';
import { DEFAULT_START_MS, fleetChargers, simulateDevices, type SimulatedDevice } from '../../src/simulate/simulate-fleet.ts';
import {
  anomaliesOutsideMoments,
  breakdownStrandingConfusion,
  contextAt,
  drivingHours,
  firstSeenMs,
  isThermalFlag,
  matches,
  median,
  recallBy,
  scoreDepartures,
  scoreKind,
  scorePredictive,
  strandingsInData,
  type EvalContextExtras,
} from './score-detection.ts';

export interface ConfigRun {
  config: string;
  seed: number;
  devices: number;
  days: number;
  /** Withhold every device's facts (what the CLI path, which registers none, sees). */
  noFacts?: boolean;
}

/** What the service would know of a device: its facts only when they are registered. */
export function deviceFactsOf(d: SimulatedDevice): Record<string, unknown> | undefined {
  if (!d.registered) return undefined;
  return { model: d.model, fleet: d.fleet, batteryKwh: d.batteryKwh, heatPump: d.heatPump, cutoffSocPct: d.cutoffSocPct };
}

export async function detectAll(detectors: readonly Detector[], series: TelemetrySeries, deviceId: string, chargers: readonly Charger[], extras: EvalContextExtras): Promise<DetectedEvent[]> {
  const events: DetectedEvent[] = [];
  const ctx = contextAt(series, series.length, { deviceId, chargers, fromMs: -8.64e15 }, extras);
  for (const d of detectors) events.push(...(await d.detect(series, ctx)));
  return events.sort((a, b) => a.startMs - b.startMs);
}

export interface ScoredFleet {
  run: ConfigRun;
  rows: number;
  hours: number;
  labels: MomentLabel[];
  legs: LegLabel[];
  events: DetectedEvent[];
  breakdownDelaysS: number[];
  thermalLeadsS: (number | null)[];
  seconds: number;
  detectSeconds: number;
}

/** Simulates the configuration and runs the detectors on every device (a callback may see each device, e.g. to write it out). */
export async function runConfig(detectors: readonly Detector[], run: ConfigRun): Promise<ScoredFleet> {
  const t0 = performance.now();
  const byName = new Map(detectors.map((d) => [d.name, d]));
  const options = { seed: run.seed, devices: run.devices, days: run.days, config: run.config };
  const chargers = fleetChargers(options);
  const windowEndMs = DEFAULT_START_MS + run.days * 86_400_000;
  const out: ScoredFleet = { run, rows: 0, hours: 0, labels: [], legs: [], events: [], breakdownDelaysS: [], thermalLeadsS: [], seconds: 0, detectSeconds: 0 };
  let detectMs = 0;
  for (const sim of simulateDevices(options)) {
    const { series, deviceId } = sim.device;
    const extras: EvalContextExtras = { windowEndMs, device: run.noFacts ? undefined : deviceFactsOf(sim.device) };
    out.rows += series.length;
    out.hours += drivingHours(series);
    out.labels.push(...sim.labels);
    out.legs.push(...sim.legs);
    const t = performance.now();
    const found = await detectAll(detectors, series, deviceId, chargers, extras);
    detectMs += performance.now() - t;
    out.events.push(...found);
    // Detection delay of breakdowns: from the labelled start to when live detection would have it.
    for (const l of sim.labels.filter((x) => x.kind === 'breakdown')) {
      const e = found.find((x) => x.kind === 'breakdown' && matches(x, l));
      if (!e) continue;
      const seen = await firstSeenMs(byName.get(e.detector)!, series, e, chargers, extras);
      if (seen !== null) out.breakdownDelaysS.push(Math.max(0, seen - l.startMs) / 1000);
    }
    // Thermal faults: the earliest moment any pack-heating flag was live, against the shutdown.
    for (const l of sim.labels.filter((x) => x.subkind === 'thermal_fault' && x.shutdownMs !== undefined)) {
      let best: number | null = null;
      for (const e of found.filter((x) => isThermalFlag(x) && x.startMs >= l.startMs - 30 * 60_000 && x.startMs <= l.endMs)) {
        const seen = await firstSeenMs(byName.get(e.detector)!, series, e, chargers, extras);
        if (seen !== null && (best === null || seen < best)) best = seen;
      }
      out.thermalLeadsS.push(best === null ? null : (l.shutdownMs! - best) / 1000);
    }
  }
  out.seconds = (performance.now() - t0) / 1000;
  out.detectSeconds = detectMs / 1000;
  return out;
}

const share = (n: number, d: number): number | null => (d ? n / d : null);

/** Every figure of one configuration (plain data: printed as a table and as JSON). */
export function scoreFleet(f: ScoredFleet) {
  const { labels, events, legs, hours } = f;
  const breakdown = scoreKind('breakdown', labels, events, hours, f.breakdownDelaysS);
  const shortfall = scoreKind('charge_shortfall', labels, events, hours, []);
  const strandings = strandingsInData(labels, legs);
  const strandedEvents = events.filter((e) => e.kind === 'charge_shortfall' && e.subkind === 'stranded');
  const reportedStranded = strandings.filter((l) => strandedEvents.some((e) => matches(e, l))).length;
  const outside = anomaliesOutsideMoments(labels, events);
  const outsideTotal = Object.values(outside).reduce((a, b) => a + b, 0);
  const anomalies: Record<string, number> = {};
  for (const e of events.filter((x) => x.kind === 'anomaly')) anomalies[e.subkind] = (anomalies[e.subkind] ?? 0) + 1;
  const lookalikes = labels.filter((l) => l.kind === 'lookalike');
  const firing = events.filter((e) => (e.kind === 'breakdown' || e.kind === 'charge_shortfall') && e.subkind !== 'predicted_shortfall');
  const firedBy: Record<string, number> = {};
  for (const l of lookalikes) if (firing.some((e) => matches(e, l))) firedBy[l.subkind] = (firedBy[l.subkind] ?? 0) + 1;
  const leads = f.thermalLeadsS;
  const before = leads.filter((x) => x !== null && x > 0).length;
  const ahead2 = leads.filter((x) => x !== null && x >= 120).length;
  return {
    config: f.run.config,
    seed: f.run.seed,
    devices: f.run.devices,
    days: f.run.days,
    rows: f.rows,
    drivingHours: Math.round(f.hours),
    seconds: Math.round(f.seconds),
    detectSeconds: Math.round(f.detectSeconds),
    labels: { breakdown: labels.filter((l) => l.kind === 'breakdown').length, charge_shortfall: labels.filter((l) => l.kind === 'charge_shortfall').length, lookalike: lookalikes.length, legs: legs.length },
    breakdown: {
      ...breakdown,
      bySubkind: recallBy(labels, events, 'breakdown', (l) => [l.subkind]),
      byShape: recallBy(labels, events, 'breakdown', (l) => l.shapes),
    },
    strandings: { labels: strandings.length, reportedStranded, share: share(reportedStranded, strandings.length), byShape: recallByStranded(strandings, strandedEvents) },
    confusion: breakdownStrandingConfusion(labels, events, legs),
    shortfall: { ...shortfall, bySubkind: recallBy(labels, events, 'charge_shortfall', (l) => [l.subkind]) },
    departures: scoreDepartures(legs, labels, events),
    strandedLegs: scorePredictive(legs, events),
    thermal: { faults: leads.length, flaggedBeforeShutdown: before, flagged2MinAhead: ahead2, shareBeforeShutdown: share(before, leads.length), share2MinAhead: share(ahead2, leads.length), medianLeadS: median(leads.filter((x): x is number => x !== null)) },
    anomalies: {
      total: Object.values(anomalies).reduce((a, b) => a + b, 0),
      bySubkind: anomalies,
      outsideMoments: outside,
      outsideMomentsPer1000h: (outsideTotal / f.hours) * 1000,
      consumptionOutsidePer1000h: ((outside.consumption ?? 0) / f.hours) * 1000,
    },
    lookalikes: { labels: lookalikes.length, fired: Object.values(firedBy).reduce((a, b) => a + b, 0), bySubkind: firedBy },
  };
}

export type ConfigReport = ReturnType<typeof scoreFleet>;

function recallByStranded(strandings: readonly MomentLabel[], stranded: readonly DetectedEvent[]): Record<string, { labels: number; found: number }> {
  const out: Record<string, { labels: number; found: number }> = {};
  for (const l of strandings) {
    const hit = stranded.some((e) => matches(e, l));
    for (const k of new Set([l.subkind, ...l.shapes])) {
      out[k] ??= { labels: 0, found: 0 };
      out[k].labels++;
      if (hit) out[k].found++;
    }
  }
  return out;
}
