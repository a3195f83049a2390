import type { DeviceFacts } from '../devices/device-facts.ts';
import { withModelDefaults } from '../devices/model-defaults.ts';
import type { DetectedEvent, EvidenceItem } from '../events/detected-event.ts';
import { eventId } from '../events/event-id.ts';
import type { TelemetrySeries } from '../telemetry-series.ts';
import type { Detector } from './detector.ts';

/**
 * Thermal precursor: a pack heating faster than its heat capacity allows at the power it
 * delivers. No device history is needed — the bound is physics, so it holds from the first
 * minutes of data:
 *
 *   heat into the pack ≤ resistive loss + the pack heater
 *     loss ≈ lossPerC × C-rate × |P|   (I²R grows with current; C-rate = |P| / capacity)
 *   dT/dt ≤ heat / (heat capacity per kWh × capacity)
 *
 * Every constant is taken at the generous end (low heat capacity, high cell resistance, the
 * largest pack heaters), so a healthy pack — driven hard, fast-charged or pre-heated — stays
 * below the bound; a cell in thermal runaway heats several times faster.
 *
 *   per row (causal), for each window → robust rise (median of the first and last samples) →
 *   bound at the window's mean power → flag when the rise exceeds bound + sensor margin →
 *   one event per episode (flags less than `mergeMs` apart), starting at the first flagged row.
 */

export const THERMAL_PRECURSOR = {
  /** Cells are ~0.9–1.1 kJ/(kg·K) and a pack holds ≥ 4 kg of cells per kWh: 4 kJ/K per kWh is the low end. */
  heatCapacityKjPerKwhK: 4,
  /** Resistive heat as a share of power per unit of C-rate (≈ 3–5 % at 1C for warm cells; ×2 for cold ones). */
  lossPerC: 0.1,
  /** The largest pack heaters (PTC) are 6–7 kW; a heat pump or pre-conditioning gives less. */
  heaterKw: 7,
  /** Without a power channel the mean power over minutes is taken as 1C (a motorway needs ~0.3–0.5C). */
  unknownPowerC: 1,
  /** Capacity when neither the device nor its model says: small packs heat faster, so a small one. */
  defaultBatteryKwh: 40,
  /** Windows over which the rise is measured (short for a runaway, long for a slower overheating). */
  windowsMs: [60_000, 180_000, 600_000] as const,
  /** Rows further apart than this break a window (a parked heartbeat or a dropout says nothing of the rate). */
  maxStepMs: 120_000,
  /** At least this many rows in a window, and a window covering ≥ 3/4 of its length. */
  minRows: 6,
  minCoverage: 0.75,
  /** Above the bound by more than this (two steps of a 1 °C sensor) before it counts. */
  marginC: 2,
  /** Flags closer than this are one episode. */
  mergeMs: 10 * 60_000,
} as const;

export const THERMAL_PRECURSOR_DETECTOR = 'thermal-precursor@1';

interface Flag {
  index: number;
  windowMs: number;
  riseC: number;
  boundC: number;
  meanPowerKw: number | null;
}

export function createThermalPrecursorDetector(): Detector {
  const T = THERMAL_PRECURSOR;
  return {
    name: THERMAL_PRECURSOR_DETECTOR,
    // The longest window plus one merge gap before it: an episode's first flag is judged alike in a live window.
    lookbackMs: T.windowsMs.at(-1)! + T.mergeMs + 60_000,
    async detect(series, ctx) {
      const { kwh: batteryKwh, basis } = batteryKwhOf(ctx.device);
      const flags = findHeatingFlags(series, batteryKwh);
      const events: DetectedEvent[] = [];
      let episode: Flag[] = [];
      const close = () => {
        if (episode.length > 0) events.push(toEvent(ctx.deviceId, series, episode, batteryKwh, basis));
        episode = [];
      };
      for (const f of flags) {
        const last = episode.at(-1);
        if (last && series.tsMs[f.index]! - series.tsMs[last.index]! > T.mergeMs) close();
        episode.push(f);
      }
      close();
      return events.filter((e) => e.startMs >= ctx.fromMs);
    },
  };
}

/** The times of every flagged row for a device (its battery from its facts, its model, else the default). */
export function packHeatingFlagTimes(series: TelemetrySeries, device?: DeviceFacts): Float64Array {
  const flags = findHeatingFlags(series, batteryKwhOf(device).kwh);
  return Float64Array.from(flags, (f) => series.tsMs[f.index]!);
}

function batteryKwhOf(device?: DeviceFacts): { kwh: number; basis: string } {
  const facts = withModelDefaults(device);
  return facts.batteryKwh !== undefined && facts.batteryKwh > 0 ? { kwh: facts.batteryKwh, basis: 'device facts' } : { kwh: THERMAL_PRECURSOR.defaultBatteryKwh, basis: 'default for an unknown pack' };
}

/** The heating rate physics allows over `windowS` at mean power `powerKw`, as a rise in °C. */
export function maxPlausibleRiseC(powerKw: number | null, batteryKwh: number, windowS: number): number {
  const T = THERMAL_PRECURSOR;
  const p = powerKw ?? T.unknownPowerC * batteryKwh;
  const heatKw = T.lossPerC * (p / batteryKwh) * p + T.heaterKw;
  return (heatKw / (T.heatCapacityKjPerKwhK * batteryKwh)) * windowS;
}

/** Every row at which some window shows a rise beyond the bound (causal: only rows up to it). */
export function findHeatingFlags(series: TelemetrySeries, batteryKwh: number): Flag[] {
  const T = THERMAL_PRECURSOR;
  const { tsMs, batteryTempC, powerKw } = series;
  // Rows with a temperature, so missing readings never shorten a window.
  const rows: number[] = [];
  for (let i = 0; i < series.length; i++) if (Number.isFinite(batteryTempC[i]!)) rows.push(i);
  // Prefix sums of |power| over those rows: a window's mean power in O(1).
  const powerSum = new Float64Array(rows.length + 1);
  const powerCount = new Uint32Array(rows.length + 1);
  rows.forEach((i, r) => {
    const p = powerKw[i]!;
    powerSum[r + 1] = powerSum[r]! + (Number.isFinite(p) ? Math.abs(p) : 0);
    powerCount[r + 1] = powerCount[r]! + (Number.isFinite(p) ? 1 : 0);
  });
  const flags: Flag[] = [];
  const starts = T.windowsMs.map(() => 0);
  // The head and tail of a window are at most 5 rows: their medians sort in here, with no allocation per row.
  const scratch = new Float64Array(5);
  // The last row index (into `rows`) after a step longer than maxStepMs: windows never span one.
  let segmentStart = 0;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    if (r > 0 && tsMs[i]! - tsMs[rows[r - 1]!]! > T.maxStepMs) segmentStart = r;
    let best: Flag | null = null;
    T.windowsMs.forEach((windowMs, w) => {
      let s = Math.max(starts[w]!, segmentStart);
      while (tsMs[rows[s]!]! < tsMs[i]! - windowMs) s++;
      starts[w] = s;
      const n = r - s + 1;
      if (n < T.minRows || tsMs[i]! - tsMs[rows[s]!]! < T.minCoverage * windowMs) return;
      const k = Math.min(5, Math.floor(n / 3));
      const riseC = medianOfRows(batteryTempC, rows, r - k + 1, k, scratch) - medianOfRows(batteryTempC, rows, s, k, scratch);
      const spanS = (tsMs[rows[r - k + 1 + Math.floor(k / 2)]!]! - tsMs[rows[s + Math.floor(k / 2)]!]!) / 1000;
      if (spanS <= 0) return;
      const sum = powerSum[r + 1]! - powerSum[s]!;
      const m = powerCount[r + 1]! - powerCount[s]!;
      const meanPowerKw = m >= n / 2 ? sum / m : null;
      const boundC = maxPlausibleRiseC(meanPowerKw, batteryKwh, spanS);
      if (riseC > boundC + T.marginC && (!best || riseC - boundC > best.riseC - best.boundC)) best = { index: i, windowMs, riseC, boundC, meanPowerKw };
    });
    if (best) flags.push(best);
  }
  return flags;
}

/**
 * The median of `values` at rows[from .. from + k) (k ≤ scratch.length, every value finite):
 * an insertion sort of the few values into `scratch`, the same number a sort of a copy gives.
 */
export function medianOfRows(values: ArrayLike<number>, rows: readonly number[], from: number, k: number, scratch: Float64Array): number {
  for (let a = 0; a < k; a++) {
    const v = values[rows[from + a]!]!;
    let b = a;
    while (b > 0 && scratch[b - 1]! > v) {
      scratch[b] = scratch[b - 1]!;
      b--;
    }
    scratch[b] = v;
  }
  const mid = k >> 1;
  return k % 2 ? scratch[mid]! : (scratch[mid - 1]! + scratch[mid]!) / 2;
}

function toEvent(deviceId: string, series: TelemetrySeries, episode: Flag[], batteryKwh: number, basis: string): DetectedEvent {
  const first = episode[0]!;
  const last = episode.at(-1)!;
  const startMs = series.tsMs[first.index]!;
  const perMin = (f: Flag) => round((f.riseC / f.windowMs) * 60_000, 1);
  let peak = first.index;
  for (const f of episode) if (series.batteryTempC[f.index]! > series.batteryTempC[peak]!) peak = f.index;
  const evidence: EvidenceItem[] = [
    { signal: 'battery_temp_rise_c', value: round(first.riseC, 1), threshold: round(first.boundC + THERMAL_PRECURSOR.marginC, 1), atMs: startMs, note: `over ${first.windowMs / 60_000} min (≈ ${perMin(first)} °C/min); physics allows ${round(first.boundC, 1)} °C at ${first.meanPowerKw === null ? `an assumed ${THERMAL_PRECURSOR.unknownPowerC}C` : `${round(first.meanPowerKw, 1)} kW`} on ${round(batteryKwh, 1)} kWh (${basis}), plus ${THERMAL_PRECURSOR.marginC} °C for the sensor` },
    { signal: 'battery_temp_c', value: round(series.batteryTempC[first.index]!, 1), atMs: startMs, note: 'when first flagged' },
    { signal: 'battery_temp_peak_c', value: round(series.batteryTempC[peak]!, 1), atMs: series.tsMs[peak]!, note: 'hottest while the heating stayed abnormal' },
  ];
  return {
    eventId: eventId(deviceId, 'anomaly', 'pack_heating', startMs),
    deviceId,
    kind: 'anomaly',
    subkind: 'pack_heating',
    severity: 'critical',
    detector: THERMAL_PRECURSOR_DETECTOR,
    startMs,
    endMs: series.tsMs[last.index]!,
    lat: Number.isFinite(series.lat[first.index]!) ? series.lat[first.index]! : null,
    lon: Number.isFinite(series.lon[first.index]!) ? series.lon[first.index]! : null,
    summary: `Battery pack heating faster than physics allows: +${round(first.riseC, 1)} °C in ${first.windowMs / 60_000} min (at most ${round(first.boundC, 1)} °C expected), a thermal runaway risk`,
    score: round(first.riseC / Math.max(0.1, first.boundC + THERMAL_PRECURSOR.marginC), 3),
    evidence,
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
